import { constants } from 'node:fs';
import { lstat, open, readlink, realpath } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ExecLog } from '../executor.ts';

const MAX_READ = 512 * 1024;

/** Length of the longest prefix of `buf` that does not end inside a UTF-8 sequence. */
export function completeUtf8Length(buf: Buffer): number {
  let i = buf.length - 1;
  // Walk back over at most 3 continuation bytes to the lead byte of the last sequence.
  let back = 0;
  while (i >= 0 && back < 3 && (buf[i]! & 0xc0) === 0x80) {
    i--;
    back++;
  }
  if (i < 0) return buf.length;
  const lead = buf[i]!;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return buf.length - i >= need ? buf.length : i;
}

export type JobFileOpen =
  | { kind: 'open'; fh: FileHandle; size: number }
  /** Not there (yet): the job has not started or has not written it. */
  | { kind: 'missing' }
  /** Not a file the server reads: `why` says what it is (never what it holds). */
  | { kind: 'refused'; why: string };

/** Errors that mean "try again later" rather than "this is not a file of the job's". */
const TRY_LATER = new Set(['ENOENT', 'EMFILE', 'ENFILE', 'EAGAIN', 'EINTR', 'ENOMEM']);

/**
 * Opens a file the job wrote, for reading, without letting the job point the server anywhere else. The
 * job owns its directory and can put anything there under the file's name: a symbolic link to a secret,
 * a FIFO that would block the reader, a hard link. So: `name` is a plain file name (no `/`, no `..`);
 * `dir` must be a real directory (not a link), resolved with realpath; the file is opened with O_NOFOLLOW
 * (a link fails) and O_NONBLOCK (a FIFO does not block); fstat must show a regular file, owned by
 * `owner` when given; and where /proc tells, the opened file must be exactly `<realpath(dir)>/<name>`.
 */
export async function openJobFile(dir: string, name: string, owner?: number): Promise<JobFileOpen> {
  if (name === '' || name === '.' || name === '..' || name !== basename(name) || /[/\\\0]/.test(name)) {
    return { kind: 'refused', why: `${JSON.stringify(name)} is not a plain file name inside the job's directory` };
  }
  let realDir: string;
  try {
    const d = await lstat(dir);
    if (d.isSymbolicLink() || !d.isDirectory()) return { kind: 'refused', why: "the job's directory is not a plain directory" };
    realDir = await realpath(dir);
  } catch (err) {
    if (TRY_LATER.has((err as NodeJS.ErrnoException).code ?? '')) return { kind: 'missing' };
    return { kind: 'refused', why: `the job's directory cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  const path = join(realDir, name);
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'ELOOP') return { kind: 'refused', why: `${name} is a symbolic link` };
    if (TRY_LATER.has(code) || code === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'refused', why: `${name} cannot be opened (${code || 'error'})` };
  }
  const refuse = async (why: string): Promise<JobFileOpen> => {
    await fh.close();
    return { kind: 'refused', why };
  };
  try {
    const st = await fh.stat();
    if (!st.isFile()) return await refuse(`${name} is not a regular file`);
    if (owner !== undefined && st.uid !== owner) return await refuse(`${name} is not owned by the job's user (uid ${owner})`);
    // Linux: what was really opened. A mismatch means something moved under us.
    const opened = await readlink(`/proc/self/fd/${fh.fd}`).catch(() => null);
    if (opened !== null && opened !== path) return await refuse(`${name} resolves outside the job's directory`);
    return { kind: 'open', fh, size: st.size };
  } catch (err) {
    return await refuse(`${name} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * Follows one output file Slurm writes into the job's directory. `read()` returns the new text and a
 * commit function: the offset only moves once the host took the text, so a refused report is sent again
 * rather than lost. A file the job turned into something else (a link, a FIFO, another user's file) is
 * never read: one system line says so and the tail stops. At most `maxBytes` of a file are forwarded.
 */
export class LogTail {
  /** Set once a refusal or the cap was reported: the file is not read again. */
  done = false;
  /** The uid the file must belong to (the job's user), once known. */
  owner: number | undefined;
  readonly maxBytes: number;

  constructor(
    readonly dir: string,
    readonly name: string,
    readonly stream: ExecLog['stream'],
    public offset = 0,
    opts: { owner?: number; maxBytes?: number } = {},
  ) {
    this.owner = opts.owner;
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  }

  get path(): string {
    return join(this.dir, this.name);
  }

  async read(final: boolean): Promise<{ log: ExecLog; commit: () => void } | null> {
    if (this.done) return null;
    const stop = (text: string) => ({ log: sys(text), commit: () => void (this.done = true) });
    if (this.offset >= this.maxBytes) {
      return stop(`${this.stream} of this job passed ${fmtBytes(this.maxBytes)}; the rest is not forwarded`);
    }
    const f = await openJobFile(this.dir, this.name, this.owner);
    if (f.kind === 'missing') return null; // not created yet (job still pending)
    if (f.kind === 'refused') {
      return stop(`${this.stream} not read: ${f.why}; the server reads only the job's own regular output files`);
    }
    const { fh, size } = f;
    try {
      if (size <= this.offset) return null;
      const want = Math.min(size - this.offset, MAX_READ, this.maxBytes - this.offset);
      const buf = Buffer.alloc(want);
      const { bytesRead } = await fh.read(buf, 0, want, this.offset);
      const chunk = buf.subarray(0, bytesRead);
      // At the end of a finished file or at the cap there is no more to wait for: take it all.
      const whole = (final && this.offset + bytesRead >= size) || this.offset + bytesRead >= this.maxBytes;
      const usable = whole ? chunk.length : completeUtf8Length(chunk);
      if (usable === 0) return null;
      const text = chunk.subarray(0, usable).toString('utf8');
      const next = this.offset + usable;
      return { log: { stream: this.stream, text }, commit: () => void (this.offset = next) };
    } finally {
      await fh.close();
    }
  }
}

function sys(text: string): ExecLog {
  return { stream: 'system', text: `${text}\n` };
}

function fmtBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MiB` : n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} bytes`;
}
