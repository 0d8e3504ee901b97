/**
 * A small tar.gz writer and reader (POSIX ustar + pax `path`/`size` records): regular files and
 * directories only. The reader refuses every other entry kind (symlinks, hard links, devices) and every
 * path that could leave the target directory, so a restore never writes outside it.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import { BackupError } from './errors.ts';

const BLOCK = 512;
const CHUNK = 1024 * 1024;

// ---------- pure parts ----------

/**
 * An archive path is safe when it is relative, has no `.`/`..`/empty segments, no backslash or NUL,
 * and lies under one of `roots` (e.g. `data/`) or is one of `names`. Returns the reason when not.
 */
export function unsafePathReason(path: string, allowed: { roots: readonly string[]; names: readonly string[] }): string | null {
  if (path.length === 0) return 'empty path';
  if (path.includes('\0')) return 'NUL in path';
  if (path.includes('\\')) return 'backslash in path';
  if (path.startsWith('/')) return 'absolute path';
  if (/^[A-Za-z]:/.test(path)) return 'drive-letter path';
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  const parts = trimmed.split('/');
  for (const p of parts) {
    if (p === '..') return 'parent-directory segment (..)';
    if (p === '.' || p === '') return 'empty or "." segment';
  }
  if (allowed.names.includes(trimmed)) return null;
  if (allowed.roots.some((r) => trimmed.startsWith(`${r}/`))) return null;
  return `outside ${[...allowed.roots.map((r) => `${r}/`), ...allowed.names].join(', ')}`;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return Buffer.from(`${len}${body}`);
}

function rawHeader(o: { name: string; size: number; mode: number; mtimeSec: number; type: '0' | '5' | 'x' }): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  h.write(o.name, 0, 100, 'utf8');
  h.write(octal(o.mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(o.size, 12), 124, 'ascii');
  h.write(octal(o.mtimeSec, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(o.type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK, 0);

/** The header block(s) of one entry: a pax header first when the name or size does not fit ustar. */
export function entryHeader(o: { name: string; size: number; mode: number; mtimeSec: number; type: 'file' | 'dir' }): Buffer {
  const type = o.type === 'dir' ? '5' : '0';
  const name = o.type === 'dir' && !o.name.endsWith('/') ? `${o.name}/` : o.name;
  const pax: Buffer[] = [];
  if (Buffer.byteLength(name) > 99) pax.push(paxRecord('path', name));
  if (o.size >= 8 ** 11) pax.push(paxRecord('size', String(o.size)));
  const main = rawHeader({ name: pax.length && Buffer.byteLength(name) > 99 ? 'PaxPath' : name, size: pax.length && o.size >= 8 ** 11 ? 0 : o.size, mode: o.mode, mtimeSec: o.mtimeSec, type });
  if (!pax.length) return main;
  const body = Buffer.concat(pax);
  return Buffer.concat([rawHeader({ name: 'PaxHeader', size: body.length, mode: 0o644, mtimeSec: o.mtimeSec, type: 'x' }), body, padding(body.length), main]);
}

export interface ParsedHeader {
  name: string;
  size: number;
  mode: number;
  type: string;
}

/** Parses one header block; null for an all-zero block (end of archive). */
export function parseHeader(h: Buffer): ParsedHeader | null {
  if (h.every((b) => b === 0)) return null;
  const str = (off: number, len: number) => {
    const s = h.subarray(off, off + len);
    const end = s.indexOf(0);
    return s.subarray(0, end < 0 ? len : end).toString('utf8');
  };
  const num = (off: number, len: number) => {
    const s = str(off, len).trim();
    if (s === '') return 0;
    if (!/^[0-7]+$/.test(s)) throw new BackupError('BACKUP_ARCHIVE_UNREADABLE', 'The archive has a damaged header (a number field is not octal): it is not a Shuzhi backup or it was cut or altered.');
    return parseInt(s, 8);
  };
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  if (sum !== num(148, 8)) throw new BackupError('BACKUP_ARCHIVE_UNREADABLE', 'The archive has a damaged header (checksum): it is not a Shuzhi backup or it was cut or altered.');
  const prefix = str(345, 155);
  const name = str(0, 100);
  const magic = str(257, 6);
  return {
    name: magic === 'ustar' && prefix ? `${prefix}/${name}` : name,
    size: num(124, 12),
    mode: num(100, 8),
    type: String.fromCharCode(h[156]!) === '\0' ? '0' : String.fromCharCode(h[156]!),
  };
}

/** pax records → key/value map. */
export function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const sp = body.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(body.subarray(i, sp).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0 || i + len > body.length) {
      throw new BackupError('BACKUP_ARCHIVE_UNREADABLE', 'The archive has a damaged extended header: it was cut or altered.');
    }
    const rec = body.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

// ---------- writer ----------

export interface AddedFile {
  size: number;
  sha256: string;
}

/** Writes a .tar.gz to `path` (created new, mode 0600: a backup holds keys). */
export class TarGzWriter {
  private constructor(
    private readonly gzip: Gzip,
    private readonly out: WriteStream,
    readonly path: string,
  ) {}

  static async create(path: string): Promise<TarGzWriter> {
    const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    await once(out, 'open');
    const gzip = createGzip({ level: 6 });
    gzip.pipe(out);
    return new TarGzWriter(gzip, out, path);
  }

  private async write(buf: Buffer): Promise<void> {
    if (!this.gzip.write(buf)) await once(this.gzip, 'drain');
  }

  async addDir(name: string, mode = 0o700): Promise<void> {
    await this.write(entryHeader({ name, size: 0, mode, mtimeSec: Math.floor(Date.now() / 1000), type: 'dir' }));
  }

  async addBuffer(name: string, data: Buffer, mode = 0o600): Promise<AddedFile> {
    await this.write(entryHeader({ name, size: data.length, mode, mtimeSec: Math.floor(Date.now() / 1000), type: 'file' }));
    await this.write(data);
    await this.write(padding(data.length));
    return { size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
  }

  /** An entry whose content arrives as chunks of exactly `size` bytes in all. */
  async addStream(name: string, size: number, body: AsyncIterable<Buffer>, mode = 0o600): Promise<AddedFile> {
    await this.write(entryHeader({ name, size, mode, mtimeSec: Math.floor(Date.now() / 1000), type: 'file' }));
    const hash = createHash('sha256');
    let n = 0;
    for await (const piece of body) {
      n += piece.length;
      if (n > size) break;
      hash.update(piece);
      await this.write(piece);
    }
    if (n !== size) throw new BackupError('BACKUP_FILE_CHANGED', `${name}: ${n} bytes arrived, ${size} were announced.`);
    await this.write(padding(size));
    return { size, sha256: hash.digest('hex') };
  }

  /** Copies a file of `size` bytes (from stat); if it grows or shrinks meanwhile, fails: nothing inconsistent is archived. */
  async addFile(name: string, src: string, st: { size: number; mode: number; mtimeMs: number }): Promise<AddedFile> {
    await this.write(entryHeader({ name, size: st.size, mode: st.mode, mtimeSec: Math.floor(st.mtimeMs / 1000), type: 'file' }));
    const hash = createHash('sha256');
    const fh = await open(src, 'r');
    try {
      let done = 0;
      const buf = Buffer.alloc(CHUNK);
      while (done < st.size) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, st.size - done), done);
        if (bytesRead === 0) break;
        const piece = Buffer.from(buf.subarray(0, bytesRead));
        hash.update(piece);
        await this.write(piece);
        done += bytesRead;
      }
      const extra = await fh.read(Buffer.alloc(1), 0, 1, done);
      if (done !== st.size || extra.bytesRead !== 0) {
        throw new BackupError('BACKUP_FILE_CHANGED', `${src} changed while it was being copied (${st.size} bytes expected, ${done}${extra.bytesRead ? '+' : ''} read). Stop the server and run the backup again.`);
      }
    } finally {
      await fh.close();
    }
    await this.write(padding(st.size));
    return { size: st.size, sha256: hash.digest('hex') };
  }

  async finish(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2, 0));
    this.gzip.end();
    await finished(this.out);
  }

  /** Stops and removes the partial file. */
  async abort(): Promise<void> {
    this.gzip.destroy();
    this.out.destroy();
    await unlink(this.path).catch(() => undefined);
  }
}

// ---------- reader ----------

/** Pulls exact byte counts out of a stream of chunks. */
class ByteReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private ended = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<void> {
    while (this.length < n && !this.ended) {
      const r = await this.it.next();
      if (r.done) this.ended = true;
      else {
        this.chunks.push(r.value);
        this.length += r.value.length;
      }
    }
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.length = rest.length;
    return out;
  }

  /** Exactly n bytes; null at a clean end; an error when the stream ends part-way. */
  async exact(n: number): Promise<Buffer | null> {
    await this.fill(n);
    if (this.length === 0 && this.ended) return null;
    if (this.length < n) throw truncated();
    return this.take(n);
  }

  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      await this.fill(1);
      if (this.length === 0) throw truncated();
      const piece = this.take(Math.min(left, this.length, CHUNK));
      left -= piece.length;
      yield piece;
    }
  }
}

const truncated = () => new BackupError('BACKUP_ARCHIVE_UNREADABLE', 'The archive ends part-way through: it was cut short (copy it again from where it was made).');

export interface TarEntry {
  path: string;
  type: 'file' | 'dir';
  size: number;
  mode: number;
  /** The content; read it (or not) before asking for the next entry. */
  body: AsyncIterable<Buffer>;
}

/**
 * Reads the entries of a .tar.gz. Refuses, before yielding it, any entry that is not a regular file or
 * directory and any path `unsafePathReason` rejects.
 */
export async function* readTarGz(path: string, allowed: { roots: readonly string[]; names: readonly string[] }): AsyncGenerator<TarEntry> {
  const gunzip = createGunzip();
  const src = createReadStream(path);
  src.on('error', (err) => gunzip.destroy(err));
  src.pipe(gunzip);
  try {
    yield* readTar(gunzip[Symbol.asyncIterator]() as AsyncIterator<Buffer>, { allowed, label: path });
  } finally {
    src.destroy();
    gunzip.destroy();
  }
}

/**
 * Reads the entries of an uncompressed tar from a stream of chunks, with the same refusals.
 * `rename` maps each stored name first (e.g. PGlite's dump stores absolute names of its own directory).
 */
export async function* readTar(
  it: AsyncIterator<Buffer>,
  opts: { allowed: { roots: readonly string[]; names: readonly string[] }; label: string; rename?: (name: string) => string },
): AsyncGenerator<TarEntry> {
  const { allowed, label: path } = opts;
  const r = new ByteReader(it);
  let pax: Record<string, string> = {};
  try {
    for (;;) {
      const block = await r.exact(BLOCK);
      if (!block) throw truncated();
      const h = parseHeader(block);
      if (!h) return;
      if (h.type === 'x') {
        const body = await r.exact(h.size + padding(h.size).length);
        if (!body) throw truncated();
        pax = parsePax(body.subarray(0, h.size));
        continue;
      }
      const name = opts.rename ? opts.rename(pax.path ?? h.name) : (pax.path ?? h.name);
      const size = pax.size !== undefined ? Number(pax.size) : h.size;
      pax = {};
      if (h.type !== '0' && h.type !== '5') {
        const kind = ({ '1': 'hard link', '2': 'symbolic link', '3': 'character device', '4': 'block device', '6': 'FIFO', g: 'global header' } as Record<string, string>)[h.type] ?? `type "${h.type}"`;
        throw new BackupError('BACKUP_ARCHIVE_UNSAFE', `The archive holds a ${kind} (${JSON.stringify(name)}); Shuzhi backups hold only files and directories. Nothing was restored.`);
      }
      const why = unsafePathReason(name, allowed);
      if (why) throw new BackupError('BACKUP_ARCHIVE_UNSAFE', `The archive holds an unsafe path ${JSON.stringify(name)} (${why}); it was not made by shuzhi backup or was altered. Nothing was restored.`);
      const type = h.type === '5' ? 'dir' : 'file';
      const clean = name.endsWith('/') ? name.slice(0, -1) : name;
      const len = type === 'dir' ? 0 : size;
      let read = 0;
      const body = (async function* () {
        for await (const piece of r.stream(len - read)) {
          read += piece.length;
          yield piece;
        }
      })();
      yield { path: clean, type, size: len, mode: h.mode, body };
      // Whatever the consumer left unread is skipped.
      for await (const piece of r.stream(len - read)) read += piece.length;
      const pad = padding(len).length;
      if (pad && !(await r.exact(pad))) throw truncated();
    }
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError('BACKUP_ARCHIVE_UNREADABLE', `${path} is not a readable .tar.gz (${(err as Error).message}); it is not a Shuzhi backup or it was damaged.`, { cause: err });
  }
}
