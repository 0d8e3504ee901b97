import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, realpathSync } from 'node:fs';
import { link, rename, stat, unlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { frameFileName, padFrame, previewPath } from '@shuzhi/render';
import type { OutputFormat } from '@shuzhi/render';
import { AppError } from '../errors.ts';

const ID_RE = /^[A-Za-z0-9_-]{1,80}$/;
/** Largest file a node may upload (one frame, thumbnail or preview). */
export const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

function safeId(kind: string, id: string): string {
  if (!ID_RE.test(id)) throw new AppError('RENDER_ID_INVALID', 400, `${kind} id ${JSON.stringify(id)} has characters other than letters, digits, _ and -.`);
  return id;
}

/**
 * Files of the farm under <dataDir>/render: uploaded scenes, and per job its frames, thumbnails and
 * preview. Frames are published with link(2), which fails instead of replacing: a finished frame is
 * never overwritten, whoever uploads it again.
 */
export class RenderStorage {
  readonly root: string;
  readonly sharedRoots: readonly string[];

  constructor(dataDir: string, extraSharedRoots: readonly string[] = []) {
    this.root = resolve(dataDir, 'render');
    mkdirSync(join(this.root, 'shared'), { recursive: true });
    this.sharedRoots = [join(this.root, 'shared'), ...extraSharedRoots.map((r) => resolve(r))];
  }

  jobDir(jobId: string): string {
    return join(this.root, safeId('job', jobId));
  }

  uploadPath(uploadId: string, fileName: string): string {
    if (basename(fileName) !== fileName || fileName.startsWith('.')) {
      throw new AppError('RENDER_FILE_NAME_INVALID', 400, 'The scene file name must be a plain file name, not a path.');
    }
    return join(this.root, 'uploads', safeId('upload', uploadId), fileName);
  }

  /** A shared-storage scene must exist and lie under one of the configured shared roots. */
  resolveShared(path: string): string {
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      throw new AppError('VALIDATION_FAILED', 400, `Invalid request: scene.path: no file ${path} on shared storage`, {
        errors: [{ path: 'scene.path', message: `no file ${path} on shared storage` }],
      });
    }
    const roots = this.sharedRoots.map((r) => (existsSync(r) ? realpathSync(r) : r));
    if (!roots.some((r) => real === r || real.startsWith(`${r}/`))) {
      const msg = `shared scenes must lie under ${this.sharedRoots.join(' or ')} (set SHUZHI_RENDER_SHARED_ROOTS to add more)`;
      throw new AppError('VALIDATION_FAILED', 400, `Invalid request: scene.path: ${msg}`, { errors: [{ path: 'scene.path', message: msg }] });
    }
    return real;
  }

  framePath(jobId: string, frame: number, padWidth: number, format: OutputFormat): string {
    return join(this.jobDir(jobId), frameFileName(frame, padWidth, format));
  }

  thumbPath(jobId: string, frame: number, padWidth: number): string {
    return join(this.jobDir(jobId), 'thumbs', `f_${padFrame(frame, padWidth)}.jpg`);
  }

  previewPath(jobId: string): string {
    return previewPath(this.jobDir(jobId));
  }

  /**
   * Streams a body to a scratch file next to `dir`; returns its path and size. `onChunk` sees each
   * chunk first (a quota, a hash) and may throw to stop the transfer.
   */
  async receive(body: ReadableStream<Uint8Array> | null, dir: string, opts: { onChunk?: (chunk: Buffer) => void } = {}): Promise<{ tmp: string; bytes: number }> {
    if (!body) throw new AppError('RENDER_BODY_MISSING', 400, 'Send the file as the request body.');
    const scratch = join(dir, '.incoming');
    mkdirSync(scratch, { recursive: true });
    const tmp = join(scratch, randomBytes(8).toString('hex'));
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        if (bytes > MAX_UPLOAD_BYTES) return cb(new AppError('RENDER_UPLOAD_TOO_LARGE', 413, `Files above ${MAX_UPLOAD_BYTES} bytes are refused.`));
        try {
          opts.onChunk?.(chunk);
        } catch (err) {
          return cb(err as Error);
        }
        cb(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream), counter, createWriteStream(tmp));
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    return { tmp, bytes };
  }

  /** Publishes without replacing: false when the file already existed (the scratch copy is dropped). */
  async publishOnce(tmp: string, final: string): Promise<boolean> {
    mkdirSync(join(final, '..'), { recursive: true });
    try {
      await link(tmp, final);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  /** Publishes replacing any older version (the preview of a re-rendered job). */
  async publishReplace(tmp: string, final: string): Promise<void> {
    mkdirSync(join(final, '..'), { recursive: true });
    await rename(tmp, final);
  }

  async size(path: string): Promise<number | null> {
    try {
      return (await stat(path)).size;
    } catch {
      return null;
    }
  }
}
