import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { prlimitArgs, taskEnv } from './limits.ts';
import type { Sandbox, SpawnSpec } from './types.ts';

/** Inside the sandbox the task's own directory is always here: its cwd and its HOME. (Not /work: hosts
 *  keep shared data there, which a task may be given read-only at its own path.) */
export const TASK_DIR = '/task';

/** The parts of /etc a program needs: users, name resolution, the dynamic linker, certificates, the
 *  /usr/bin → /etc/alternatives links, fonts, time zone, and povray's I/O policy. Nothing else of /etc
 *  (a server's config or keys there stay invisible). Missing entries are skipped. */
const ETC = [
  'passwd', 'group', 'nsswitch.conf', 'hosts', 'host.conf', 'resolv.conf', 'gai.conf', 'services', 'protocols',
  'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'alternatives', 'ssl', 'ca-certificates', 'fonts',
  'localtime', 'timezone', 'mime.types', 'os-release', 'povray',
];

/**
 * Task uids start here by default: above regular users (≤ 60000), Debian's global range (60000–64999,
 * e.g. libvirt-qemu 64055) and systemd's DynamicUser range (61184–65519), below the subordinate ids
 * useradd hands out (100000 and up). A uid shared with a real account would give it the tasks' files.
 */
export const DEFAULT_UID_BASE = 80000;

/** Top-level system directories: bound read-only when real, recreated as links on a merged-/usr system. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

export interface BubblewrapOptions {
  bwrapPath?: string;
  /** bubblewrap's version, for the description. */
  version?: string;
  /** When the worker runs as root, tasks run as uids uidBase … uidBase+uidCount-1, one per live task. */
  uidBase?: number;
  uidCount?: number;
}

/**
 * Runs each task process under bwrap: new user, pid, mount, ipc, uts, cgroup and (unless the spec asks
 * for it) network namespaces; a root of only the system directories (read-only), a fresh /proc, /dev and
 * /tmp, the task's directory at /task and the spec's read-only paths. The worker's and server's data
 * directories and other tasks' directories are simply not there.
 *
 * Identity: a worker running as root starts bwrap as an unprivileged uid of its own per task (and bwrap
 * builds the sandbox in an unprivileged user namespace), so tenant code never runs as root. A worker not
 * running as root runs tasks as its own user inside the namespaces; that is safe because the worker's files
 * are not mounted. Either way RLIMIT_NPROC is counted per user namespace (Linux ≥ 5.14), i.e. per task.
 *
 * bwrap opens the bound paths as the task's uid, so that uid needs search permission (o+x, e.g. 0711)
 * on the directories above a task directory and read permission on read-only paths. (--bind-fd with a
 * descriptor opened by root does not avoid it: bwrap 0.8 still resolves the path.) Nothing is exposed by
 * that: tenant code only runs inside a sandbox, where those directories are not mounted.
 */
export class BubblewrapSandbox implements Sandbox {
  readonly isolation = 'bubblewrap' as const;
  readonly taskDir = TASK_DIR;
  readonly description: string;
  private readonly bwrap: string;
  private readonly asRoot = process.getuid?.() === 0;
  private readonly uidBase: number;
  private readonly uidCount: number;
  private readonly systemArgs: string[];
  /** uid → the directory prepareWorkDir gave it to, and uid → processes still running under it. */
  private readonly given = new Map<number, string>();
  private readonly live = new Map<number, number>();

  constructor(opts: BubblewrapOptions = {}) {
    this.bwrap = opts.bwrapPath ?? 'bwrap';
    this.uidBase = opts.uidBase ?? DEFAULT_UID_BASE;
    this.uidCount = opts.uidCount ?? 1000;
    const who = this.asRoot
      ? `tasks as uid ${this.uidBase}+slot`
      : `tasks as the worker's uid ${process.getuid?.()} in a user namespace`;
    this.description = `bubblewrap ${opts.version ?? ''}, ${who}`.replace('  ', ' ');
    this.systemArgs = [
      ...SYSTEM_DIRS.flatMap(systemDirArgs),
      ...ETC.flatMap((e) => ['--ro-bind-try', `/etc/${e}`, `/etc/${e}`]),
      // The sandbox's own mount table (Blender asks for it); binding the host's would show the host's mounts.
      '--symlink', '../proc/self/mounts', '/etc/mtab',
    ];
  }

  async prepareWorkDir(dir: string): Promise<void> {
    dir = resolve(dir);
    await mkdir(dirname(dir), { recursive: true });
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o700);
    if (!this.asRoot) return;
    await assertSearchable(dirname(dir));
    const uid = this.pickUid(dir, (await stat(dir)).uid);
    await chown(dir, uid, uid);
    this.given.set(uid, dir);
  }

  spawn(spec: SpawnSpec): ChildProcess {
    spec = { ...spec, workDir: resolve(spec.workDir), readOnly: spec.readOnly?.map((p) => resolve(p)) };
    const hidden = spec.readOnly?.find((p) => p === TASK_DIR || p.startsWith(`${TASK_DIR}/`));
    if (hidden) throw new Error(`read-only path ${hidden} would sit inside the task directory ${TASK_DIR}`);
    const uid = this.asRoot ? this.ownerOf(spec.workDir) : undefined;
    const child = spawn(this.bwrap, [...this.bwrapArgs(spec), '--', ...prlimitArgs(spec.limits, { nproc: true, extraProcesses: 1 }), ...spec.argv], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // The task's environment goes to bwrap's own environment, which the task inherits, rather than
      // --setenv arguments: a command line is readable by every user on the host, an environment only
      // by its owner. It is built from scratch, so nothing of the worker's environment reaches the task.
      env: taskEnv(TASK_DIR, spec.env),
      cwd: '/',
      uid,
      gid: uid,
    });
    if (uid !== undefined) this.track(uid, child);
    return child;
  }

  private bwrapArgs(spec: SpawnSpec): string[] {
    // tmpfs counts against memory, not RLIMIT_DATA: cap /tmp and /dev/shm at the task's memory limit.
    const size = String(spec.limits.memoryMB * 1024 * 1024);
    return [
      // --unshare-user is named so --disable-userns applies: the task cannot nest namespaces of its own.
      '--unshare-all', '--unshare-user', '--disable-userns',
      ...(spec.network ? ['--share-net'] : []),
      // Killing bwrap (the caller kills its process group) kills the sandbox's init and with it every
      // process in the pid namespace; --new-session stops a task from typing into a terminal (TIOCSTI).
      '--die-with-parent', '--new-session',
      ...this.systemArgs,
      '--proc', '/proc',
      '--dev', '/dev', '--size', size, '--tmpfs', '/dev/shm',
      '--size', size, '--tmpfs', '/tmp',
      '--bind', spec.workDir, TASK_DIR,
      '--chdir', TASK_DIR,
      ...(spec.readOnly ?? []).flatMap((p) => ['--ro-bind', p, p]),
    ];
  }

  /** The uid a prepared directory belongs to; a directory not prepared here never runs (it could be root's). */
  private ownerOf(dir: string): number {
    const uid = statSync(dir).uid;
    if (!this.inRange(uid)) throw new Error(`${dir} is owned by uid ${uid}, not a task uid: call prepareWorkDir first`);
    return uid;
  }

  /**
   * A uid for a directory: the one it has if still its own, else one never given out or whose directory is
   * gone, else any uid with nothing running. Sharing a uid with an idle, kept directory is harmless: that
   * directory is not mounted in this sandbox and NPROC is counted per sandbox.
   */
  private pickUid(dir: string, owner: number): number {
    if (this.inRange(owner) && (this.given.get(owner) ?? dir) === dir && !this.live.get(owner)) return owner;
    const uids = Array.from({ length: this.uidCount }, (_, i) => this.uidBase + i);
    const free = uids.find((u) => {
      const d = this.given.get(u);
      return d === undefined || d === dir || (!this.live.get(u) && !existsSync(d));
    }) ?? uids.find((u) => !this.live.get(u));
    if (free === undefined) throw new Error(`all ${this.uidCount} task uids from ${this.uidBase} have a task running`);
    return free;
  }

  private inRange(uid: number): boolean {
    return uid >= this.uidBase && uid < this.uidBase + this.uidCount;
  }

  private track(uid: number, child: ChildProcess): void {
    this.live.set(uid, (this.live.get(uid) ?? 0) + 1);
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      this.live.set(uid, this.live.get(uid)! - 1);
    };
    child.once('exit', end);
    child.once('error', end);
  }
}

/** bwrap binds the task directory as the task's uid: every directory above it must let others search it. */
async function assertSearchable(dir: string): Promise<void> {
  for (let d = dir; ; d = dirname(d)) {
    if (!((await stat(d)).mode & 0o001)) {
      throw new Error(`task uids cannot reach their directories under ${d}: give it search permission for others (chmod o+x, e.g. 0711)`);
    }
    if (d === dirname(d)) return;
  }
}

function systemDirArgs(dir: string): string[] {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return [];
  }
  if (st.isSymbolicLink()) return ['--symlink', readlinkSync(dir), dir];
  return st.isDirectory() ? ['--ro-bind', dir, dir] : [];
}
