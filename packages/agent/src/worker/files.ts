import { constants } from 'node:fs';
import { chmod, lstat, open, readdir, readlink, realpath, rmdir, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { OutputOutsideWorkDir } from './errors.ts';

/**
 * File handling for what sandboxed programs leave in a task's directory. The worker runs with more
 * rights than the task (root on a render node), and whatever a renderer prints (`Saved: '…'`) or
 * leaves in its directory is the tenant's doing: a path outside the directory, a symbolic link to
 * /etc/shadow, a `..` in the name. The worker reads only regular files that really lie inside the
 * attempt's own directory, and deletes nothing outside it.
 */

/** Is `p` strictly below `root` (both absolute and normalised)? */
export function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== '' && rel !== '..' && !rel.startsWith('../') && !isAbsolute(rel);
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Maps a path a sandboxed program printed to the worker's own path of that file. The program sees
 * its directory at `viewDir` (bubblewrap mounts it at /task; without a sandbox it is `hostDir`
 * itself) and runs there, so relative paths are relative to it. A path that is not strictly inside
 * `viewDir` names nothing of the task's: OutputOutsideWorkDir, and the worker never looks at it.
 */
export function hostPathOf(hostDir: string, viewDir: string, printed: string): string {
  const root = resolve(hostDir);
  if (printed.includes('\0')) throw new OutputOutsideWorkDir(printed, root, 'the path contains a NUL byte');
  const view = resolve(viewDir);
  const abs = resolve(view, printed);
  if (!isInside(view, abs)) throw new OutputOutsideWorkDir(printed, root, 'it lies outside the task directory');
  return join(root, relative(view, abs));
}

/**
 * Resolves a path in the task's directory (relative paths are relative to `dir`) and checks it: it must name something strictly inside `dir` before and after resolving symbolic links,
 * and be a regular file that is not itself a symbolic link. Returns its real path, or null when no
 * file is there (a renderer may announce a frame it then failed to write). Anything else throws
 * OutputOutsideWorkDir, without the file having been opened.
 */
export async function resolveTaskOutput(dir: string, printed: string): Promise<string | null> {
  const root = resolve(dir);
  if (printed.includes('\0')) throw new OutputOutsideWorkDir(printed, root, 'the path contains a NUL byte');
  const abs = resolve(root, printed);
  if (!isInside(root, abs)) throw new OutputOutsideWorkDir(printed, root, 'it lies outside the task directory');
  let st;
  try {
    st = await lstat(abs);
  } catch (err) {
    const code = errno(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    if (code === 'ELOOP') throw new OutputOutsideWorkDir(printed, root, 'its path loops through symbolic links');
    throw err;
  }
  if (st.isSymbolicLink()) throw new OutputOutsideWorkDir(printed, root, 'it is a symbolic link');
  if (!st.isFile()) throw new OutputOutsideWorkDir(printed, root, 'it is not a regular file');
  const realRoot = await realpath(root);
  let real: string;
  try {
    real = await realpath(abs);
  } catch (err) {
    if (errno(err) === 'ENOENT') return null;
    throw err;
  }
  if (!isInside(realRoot, real)) throw new OutputOutsideWorkDir(printed, root, `it resolves to ${real}, outside the task directory`);
  return real;
}

/**
 * Reads a file a sandboxed program produced, after resolveTaskOutput's checks. The file is opened
 * without following a symbolic link, and the opened file itself is checked again (regular, one link,
 * still inside the directory per /proc/self/fd): a task racing to swap the file for a link between
 * the check and the read gets a refusal, not the link's target.
 */
export async function readTaskOutput(dir: string, printed: string): Promise<{ path: string; rel: string; bytes: Buffer } | null> {
  const real = await resolveTaskOutput(dir, printed);
  if (real === null) return null;
  const realRoot = await realpath(resolve(dir));
  let fh;
  try {
    fh = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = errno(err);
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new OutputOutsideWorkDir(printed, realRoot, 'it was replaced by a symbolic link');
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new OutputOutsideWorkDir(printed, realRoot, 'it is not a regular file');
    if (st.nlink > 1) throw new OutputOutsideWorkDir(printed, realRoot, 'it is a hard link to another file');
    let opened: string | null = null;
    try {
      opened = await readlink(`/proc/self/fd/${fh.fd}`);
    } catch {
      opened = null; // no /proc: the checks above stand
    }
    if (opened !== null && !isInside(realRoot, opened)) throw new OutputOutsideWorkDir(printed, realRoot, `the opened file is ${opened}, outside the task directory`);
    return { path: real, rel: relative(realRoot, real), bytes: await fh.readFile() };
  } finally {
    await fh.close();
  }
}

/**
 * Deletes a file the worker has read and no longer needs; only a direct child of the directory
 * (the parent is then the worker's own, which the task cannot swap), else it is left for
 * removeTaskDir. unlink never follows a symbolic link in the last component.
 */
export async function unlinkTaskOutput(dir: string, real: string): Promise<void> {
  const realRoot = await realpath(resolve(dir));
  if (dirname(real) !== realRoot) return;
  await unlink(real).catch(() => undefined);
}

/** Creates a new file (never through an existing name or symbolic link) and writes it. */
export async function writeNewFile(path: string, bytes: Uint8Array): Promise<void> {
  const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    await fh.writeFile(bytes);
  } finally {
    await fh.close();
  }
}

/**
 * Removes a task's directory and everything in it without ever following a symbolic link: links are
 * unlinked themselves, directories are entered only after lstat says they are directories. Call it
 * once the task's processes are gone (the sandbox kills the whole process group), so nothing races it.
 */
export async function removeTaskDir(dir: string): Promise<void> {
  await removeTree(resolve(dir));
}

async function removeTree(path: string): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch (err) {
    if (errno(err) === 'ENOENT') return;
    throw err;
  }
  if (!st.isDirectory()) {
    await unlink(path).catch((err: unknown) => {
      if (errno(err) !== 'ENOENT') throw err;
    });
    return;
  }
  // A task may chmod its own directories to 000 or 500; as their owner (or root) we open them again.
  if ((st.mode & 0o700) !== 0o700) await chmod(path, 0o700).catch(() => undefined);
  const names = await readdir(path);
  for (const name of names) await removeTree(join(path, name));
  try {
    await rmdir(path);
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw err;
  }
}
