import { chown, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * A job's checkpoint directory as one archive: gzip of a JSON list of its regular files (path, mode,
 * bytes). Symbolic links and other special files are left out: the directory is the tenant's, and on
 * resume the worker (possibly root) writes the archive back, so nothing in it may point outside.
 */
interface Entry {
  path: string;
  mode: number;
  data: string;
}

/** The biggest archive a worker builds; the server has its own, smaller, limit (SHUZHI_CHECKPOINT_MAX_MB). */
export const CHECKPOINT_ARCHIVE_MAX = 256 * 1024 * 1024;
const MAX_FILES = 10_000;

export class CheckpointTooBig extends Error {}

/** Packs `dir`; skipped entries (links, devices) are named in `skipped`. */
export async function packCheckpoint(dir: string, maxBytes = CHECKPOINT_ARCHIVE_MAX): Promise<{ archive: Buffer; files: number; skipped: string[] }> {
  const entries: Entry[] = [];
  const skipped: string[] = [];
  let total = 0;
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const relPath = rel ? posix.join(rel, name) : name;
      const st = await lstat(join(dir, relPath));
      if (st.isDirectory()) await walk(relPath);
      else if (st.isFile()) {
        total += st.size;
        if (total > maxBytes || entries.length >= MAX_FILES) throw new CheckpointTooBig(`the checkpoint directory holds more than ${maxBytes} bytes or ${MAX_FILES} files`);
        entries.push({ path: relPath, mode: st.mode & 0o777, data: (await readFile(join(dir, relPath))).toString('base64') });
      } else skipped.push(relPath);
    }
  };
  await walk('');
  return { archive: gzipSync(JSON.stringify({ version: 1, files: entries })), files: entries.length, skipped };
}

/** A relative path of plain names: no `..`, no absolute path, no NUL. */
function safePath(p: unknown): p is string {
  if (typeof p !== 'string' || p === '' || p.includes('\0') || p.startsWith('/')) return false;
  return p.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/**
 * Writes an archive's files under `dir` (which exists and is empty), owned by `owner` when the worker
 * runs as root (a bubblewrap task uid; its group is `group`, default the same number). Refuses an
 * archive naming a path outside `dir`.
 */
export async function unpackCheckpoint(archive: Buffer, dir: string, owner?: number, group = owner): Promise<number> {
  const parsed = JSON.parse(gunzipSync(archive, { maxOutputLength: CHECKPOINT_ARCHIVE_MAX * 2 }).toString('utf8')) as { version?: unknown; files?: unknown };
  if (parsed.version !== 1 || !Array.isArray(parsed.files)) throw new Error('not a checkpoint archive');
  const files = parsed.files as Partial<Entry>[];
  for (const f of files) if (!safePath(f.path) || typeof f.data !== 'string') throw new Error(`the checkpoint archive names an unsafe path: ${JSON.stringify(f.path)}`);
  const made = new Set<string>();
  for (const f of files) {
    const parts = f.path!.split('/');
    for (let i = 1; i < parts.length; i++) {
      const sub = parts.slice(0, i).join('/');
      if (made.has(sub)) continue;
      await mkdir(join(dir, sub), { mode: 0o700 });
      if (owner !== undefined) await chown(join(dir, sub), owner, group!);
      made.add(sub);
    }
    const file = join(dir, f.path!);
    // 'wx': never through something already there (a link planted by an earlier entry cannot exist: links are never packed).
    await writeFile(file, Buffer.from(f.data!, 'base64'), { flag: 'wx', mode: (Number(f.mode) & 0o777) || 0o600 });
    if (owner !== undefined) await chown(file, owner, group!);
  }
  return files.length;
}
