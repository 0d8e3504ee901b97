import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { RenderBlobSource, type RenderBlobReport } from '@shuzhi/schema';
import { LeaseLost, TaskStopped, WorkerError } from './errors.ts';
import { retryWait, type Random } from './pacing.ts';

export interface TaskApiOptions {
  server: string;
  credential: string;
  workerId: string;
  taskId: string;
  attempt: number;
  /** Aborts every call when the task stops. */
  signal?: AbortSignal;
  /** Longest a call may take, body included (default 10 min; a scene download 60 min). */
  timeoutMs?: number;
  sceneTimeoutMs?: number;
  /**
   * Retries of a call that met a network error or a 502/503/504: `tries` of them (default 3), each after
   * a jittered wait whose ceiling doubles from `firstMs` to `maxMs` (default 0.5 s to 2 s; pacing.ts
   * retryWait). Fixed waits would bring every node of a job back at the same instants: 20,000 nodes
   * that lost the server together reconnect together into its accept queue, and overflow it again.
   */
  retry?: { tries?: number; firstMs?: number; maxMs?: number };
  /** Draws in [0, 1) for the retry jitter (default Math.random; tests pass a seeded one). */
  random?: Random;
  /** How a retry waits (default: a timer, cut short when the task stops; tests pass a fake clock). */
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * The task-scoped server calls of one attempt: `/api/workers/{id}/tasks/{taskId}/…?attempt=N`,
 * with the worker's credential. The server answers only for a lease this worker holds; a 409 means
 * the lease is gone (LeaseLost): the run stops and reports nothing.
 */
export class TaskApi {
  private readonly base: string;
  private readonly retry: { tries: number; firstMs: number; maxMs: number };

  constructor(private readonly opts: TaskApiOptions) {
    this.base = `${opts.server.replace(/\/+$/, '')}/api/workers/${encodeURIComponent(opts.workerId)}/tasks/${encodeURIComponent(opts.taskId)}`;
    this.retry = { tries: opts.retry?.tries ?? 3, firstMs: opts.retry?.firstMs ?? 500, maxMs: opts.retry?.maxMs ?? 2000 };
  }

  /** Waits before the `retry`-th retry (1, 2, …), jittered (pacing.ts retryWait). */
  private backOff(retry: number): Promise<void> {
    return (this.opts.wait ?? sleep)(retryWait(retry, this.retry, this.opts.random), this.opts.signal);
  }

  /** Streams the job's scene into `file` (written under a temporary name, then renamed into place). */
  async downloadScene(file: string): Promise<void> {
    await this.download('/scene', file);
  }

  /** The files of the job's scene when it is a manifest (path, SHA-256, size). */
  async manifest(): Promise<{ path: string; sha256: string; size: number }[]> {
    const body = (await (await this.call('GET', '/manifest')).json()) as { files?: unknown };
    if (!Array.isArray(body.files)) throw new WorkerError('TASK_API_FAILED', 'the server sent a malformed manifest');
    return body.files as { path: string; sha256: string; size: number }[];
  }

  /** Streams one blob of the job's manifest from the store into `file`; bytes that do not hash to `sha256` are dropped. Answers the bytes. */
  downloadBlob(sha256: string, file: string): Promise<number> {
    return this.download(`/blobs/${sha256}`, file, sha256);
  }

  /** Where to fetch a blob from: the store, a peer node (with the server's grant), or wait and ask again. */
  async blobSource(sha256: string): Promise<RenderBlobSource> {
    const parsed = RenderBlobSource.safeParse(await (await this.call('POST', `/blobs/${sha256}/source`)).json());
    if (!parsed.success) throw new WorkerError('TASK_API_FAILED', `the server sent a malformed blob source: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  /** Tells the server a blob transfer ended; the answer is the farm's key peer grants are checked with. */
  async reportBlob(sha256: string, report: RenderBlobReport): Promise<string> {
    const body = (await (await this.call('POST', `/blobs/${sha256}/report`, Buffer.from(JSON.stringify(report)), undefined, 'application/json')).json()) as { grantKey?: unknown };
    if (typeof body.grantKey !== 'string') throw new WorkerError('TASK_API_FAILED', 'the server sent no grant key');
    return body.grantKey;
  }

  /**
   * Streams a blob from another node (`url` as the server named it) with the server's grant; bytes
   * that do not hash to `sha256` are dropped. One try, no retries: on any failure the caller reports
   * it and the server sends it elsewhere.
   */
  async downloadBlobFromPeer(url: string, grant: string, sha256: string, file: string): Promise<number> {
    const timeout = AbortSignal.timeout(this.opts.sceneTimeoutMs ?? 3_600_000);
    const signal = this.opts.signal ? AbortSignal.any([this.opts.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(`${url.replace(/\/+$/, '')}/blobs/${sha256}`, { headers: { authorization: `Grant ${grant}` }, signal });
    } catch (err) {
      throw this.stoppedOr(new WorkerError('TASK_API_FAILED', `peer ${url} did not answer: ${(err as Error).message}`, { cause: err }));
    }
    if (!res.ok) {
      const text = (await res.text().catch(() => '')).slice(0, 300);
      throw new WorkerError('TASK_API_FAILED', `peer ${url} refused blob ${sha256} (${res.status}): ${text}`);
    }
    return this.save(res, `peer ${url}`, file, sha256);
  }

  private async download(path: string, file: string, sha256?: string): Promise<number> {
    const res = await this.call('GET', path, undefined, this.opts.sceneTimeoutMs ?? 3_600_000);
    return this.save(res, path, file, sha256);
  }

  /** Writes a body to `file` under a temporary name, checking its hash; answers the bytes written. */
  private async save(res: Response, path: string, file: string, sha256?: string): Promise<number> {
    if (!res.body) throw new WorkerError('TASK_API_FAILED', `the server sent an empty body for ${path}`);
    const partial = `${file}.partial-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const hash = createHash('sha256');
    let bytes = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), hashing, createWriteStream(partial, { flags: 'wx', mode: 0o644 }));
      const got = hash.digest('hex');
      if (sha256 && got !== sha256) throw new WorkerError('TASK_API_FAILED', `blob ${sha256} arrived with the hash ${got}; dropped`);
      await rename(partial, file);
      return bytes;
    } catch (err) {
      await unlink(partial).catch(() => undefined);
      throw this.stoppedOr(err);
    }
  }

  /** Streams the checkpoint a checkpointing task resumes from into `file` (checked against its SHA-256). */
  async downloadCheckpoint(sha256: string, file: string): Promise<void> {
    await this.download('/checkpoint', file, sha256);
  }

  /** Sends a preempted task's checkpoint archive; the server keeps the newest per task. */
  async putCheckpoint(body: Uint8Array): Promise<void> {
    await (await this.call('PUT', '/checkpoint', body)).arrayBuffer();
  }

  /** Frames of the job already published (what a preview is made of). */
  async published(): Promise<number[]> {
    const res = await this.call('GET', '/published');
    const body = (await res.json()) as { frames?: unknown };
    if (!Array.isArray(body.frames) || !body.frames.every((f) => Number.isInteger(f))) {
      throw new WorkerError('TASK_API_FAILED', 'the server sent a malformed list of published frames');
    }
    return body.frames as number[];
  }

  /** The bytes of one published frame. */
  async frame(frame: number): Promise<Buffer> {
    const res = await this.call('GET', `/frames/${frame}`);
    return Buffer.from(await res.arrayBuffer());
  }

  /** The bytes of a published frame of a job this task's job runs after (the input of an encode or a composite). */
  async upstreamFrame(jobId: string, frame: number): Promise<Buffer> {
    const res = await this.call('GET', `/upstream/${encodeURIComponent(jobId)}/frames/${frame}`);
    return Buffer.from(await res.arrayBuffer());
  }

  /** Publishes a frame; `stored: false` when another attempt published it first (it is never replaced). */
  async putFrame(frame: number, body: Uint8Array): Promise<{ stored: boolean; frame: number }> {
    const res = await this.call('PUT', `/frames/${frame}`, body);
    const text = await res.text();
    try {
      const json = JSON.parse(text) as { stored?: unknown; frame?: unknown };
      return { stored: json.stored !== false, frame: typeof json.frame === 'number' ? json.frame : frame };
    } catch {
      return { stored: true, frame };
    }
  }

  async putThumb(frame: number, body: Uint8Array): Promise<void> {
    await (await this.call('PUT', `/frames/${frame}/thumb`, body)).arrayBuffer();
  }

  async putPreview(body: Uint8Array): Promise<void> {
    await (await this.call('PUT', '/preview', body)).arrayBuffer();
  }

  private stoppedOr(err: unknown): unknown {
    return this.opts.signal?.aborted && !(err instanceof WorkerError) ? new TaskStopped() : err;
  }

  private async call(method: 'GET' | 'PUT' | 'POST', path: string, body?: Uint8Array, timeoutMs = this.opts.timeoutMs ?? 600_000, type = 'application/octet-stream'): Promise<Response> {
    const url = `${this.base}${path}?attempt=${this.opts.attempt}`;
    for (let attempt = 0; ; attempt++) {
      if (this.opts.signal?.aborted) throw new TaskStopped();
      // A stalled connection must not hold the task (and its renewed lease) forever.
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = this.opts.signal ? AbortSignal.any([this.opts.signal, timeout]) : timeout;
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${this.opts.credential}`,
            ...(body ? { 'content-type': type } : {}),
          },
          ...(body ? { body } : {}),
          signal,
        });
      } catch (err) {
        if (this.opts.signal?.aborted) throw new TaskStopped();
        if (attempt < this.retry.tries && !timeout.aborted) {
          await this.backOff(attempt + 1);
          continue;
        }
        const why = timeout.aborted ? `no answer within ${Math.round(timeoutMs / 1000)} s` : (err as Error).message;
        throw new WorkerError('TASK_API_FAILED', `${method} ${path} failed: ${why}`, { cause: err });
      }
      if (res.ok) return res;
      const text = (await res.text().catch(() => '')).slice(0, 300);
      if (res.status === 409) throw new LeaseLost(`the lease of ${this.opts.taskId} attempt ${this.opts.attempt} is gone (${method} ${path}: ${text})`);
      if ((res.status === 502 || res.status === 503 || res.status === 504) && attempt < this.retry.tries) {
        await this.backOff(attempt + 1);
        continue;
      }
      const code = res.status === 401 || res.status === 403 ? 'WORKER_UNAUTHORISED' : 'TASK_API_FAILED';
      throw new WorkerError(code, `${method} ${path} failed (${res.status}): ${text}`);
    }
  }
}

/** Waits `ms`, or less when the signal aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
