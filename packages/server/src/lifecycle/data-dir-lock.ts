import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import { StartError } from './errors.ts';

/** The lock file in the data directory: who holds it, as JSON. */
export const LOCK_FILE = 'shuzhi.lock';
/** Taken only while a stale lock is replaced, so two starts never both take one over. */
const TAKEOVER_FILE = 'shuzhi.lock.takeover';
/** A takeover file older than this was left by a process that died in the middle of one. */
const TAKEOVER_STALE_MS = 10_000;
/** A lock file still empty after this long was left by a process that died between create and write. */
const EMPTY_STALE_MS = 2_000;

export interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat), so a reused pid is told apart. */
  procStart: string | null;
  version: string;
}

/** Data directories this process holds (a second open in the same process is refused, not taken over). */
const heldHere = new Set<string>();

/**
 * Makes one server the only user of a data directory: the embedded PGlite database is corrupted by two
 * processes writing it. The lock is a file created with O_EXCL holding the owner's pid; one whose pid is
 * dead (a `kill -9`, a crash, a power cut) is taken over. Released by `release()` and, as a last resort,
 * when the process exits.
 */
export class DataDirLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly dir: string,
    readonly path: string,
    readonly owner: LockOwner,
  ) {
    process.once('exit', this.onExit);
  }

  static acquire(dir: string, opts: { log: Logger; version: string }): DataDirLock {
    const path = join(dir, LOCK_FILE);
    if (heldHere.has(dir)) throw lockedError(dir, readOwner(path) ?? self(opts.version), true);
    const me = self(opts.version);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (createExclusive(path, JSON.stringify(me, null, 2) + '\n')) {
        heldHere.add(dir);
        return new DataDirLock(dir, path, me);
      }
      const held = readOwnerSettled(path);
      if (held === 'gone') continue; // released between our try and the read: try again
      if (held !== 'unreadable' && isAlive(held)) throw lockedError(dir, held, false);
      // Stale: its process is gone. Replace it under the takeover file, re-checking it is the same one.
      takeOver(dir, path, held, opts.log);
    }
    throw new StartError('DATA_DIR_LOCK_FAILED', `could not take the lock file ${path}: it keeps changing; is another Shuzhi starting on ${dir}?`);
  }

  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener('exit', this.onExit);
    heldHere.delete(this.dir);
    const now = readOwner(this.path);
    if (now && now.pid === this.owner.pid && now.startedAt === this.owner.startedAt) {
      try {
        unlinkSync(this.path);
      } catch {
        // Already gone: nothing to release.
      }
    }
  }
}

function self(version: string): LockOwner {
  return { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), procStart: procStart(process.pid), version };
}

function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StartError('DATA_DIR_LOCK_FAILED', `cannot create the lock file ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof o.pid !== 'number' || !Number.isInteger(o.pid) || o.pid <= 0) return null;
    return {
      pid: o.pid,
      hostname: typeof o.hostname === 'string' ? o.hostname : '',
      startedAt: typeof o.startedAt === 'string' ? o.startedAt : '',
      procStart: typeof o.procStart === 'string' ? o.procStart : null,
      version: typeof o.version === 'string' ? o.version : '',
    };
  } catch {
    return null;
  }
}

/** The owner, 'gone' when the file vanished, 'unreadable' when it stays empty or garbled (a crash mid-write). */
function readOwnerSettled(path: string): LockOwner | 'gone' | 'unreadable' {
  for (;;) {
    let mtime: number;
    try {
      mtime = statSync(path).mtimeMs;
    } catch {
      return 'gone';
    }
    const o = readOwner(path);
    if (o) return o;
    // Another start may be between its create and its write: give it a moment.
    if (Date.now() - mtime > EMPTY_STALE_MS) return 'unreadable';
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

function isAlive(o: LockOwner): boolean {
  // A lock written on another machine (a data dir on shared storage): its pid means nothing here.
  if (o.hostname && o.hostname !== hostname()) return true;
  if (o.pid === process.pid) {
    // This process does not hold it (checked before): an earlier process with our pid, e.g. pid 1 in a container.
    return false;
  }
  try {
    process.kill(o.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: alive, owned by another user.
  }
  // Alive, unless the pid was reused by another process since (a reboot, a long time).
  if (o.procStart !== null) {
    const now = procStart(o.pid);
    if (now !== null && now !== o.procStart) return false;
  }
  return true;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot; null off Linux. */
function procStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count from after it.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

function takeOver(dir: string, path: string, stale: LockOwner | 'unreadable', log: Logger): void {
  const takeover = join(dir, TAKEOVER_FILE);
  if (!createExclusive(takeover, `${process.pid}\n`)) {
    // Someone else is replacing it; a takeover file left by a crash is removed once old.
    try {
      if (Date.now() - statSync(takeover).mtimeMs > TAKEOVER_STALE_MS) unlinkSync(takeover);
    } catch {
      // gone meanwhile
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    return;
  }
  try {
    const again = readOwner(path);
    const same = stale === 'unreadable' ? again === null : again !== null && again.pid === stale.pid && again.startedAt === stale.startedAt;
    if (!same) return; // it changed under us: the caller looks again
    unlinkSync(path);
    log.info(
      stale === 'unreadable' ? { lock: path } : { lock: path, pid: stale.pid, startedAt: stale.startedAt },
      'data directory lock left by a process that is gone (killed or crashed): taken over',
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  } finally {
    try {
      unlinkSync(takeover);
    } catch {
      // already gone
    }
  }
}

function lockedError(dir: string, o: LockOwner, sameProcess: boolean): StartError {
  const who = sameProcess ? `this process (pid ${o.pid})` : `another Shuzhi (pid ${o.pid}${o.hostname && o.hostname !== hostname() ? ` on ${o.hostname}` : ''}, started ${o.startedAt || 'at an unknown time'})`;
  return new StartError('DATA_DIR_LOCKED', `${who} is using ${dir}; stop it or set SHUZHI_DATA_DIR to another directory`);
}
