import { stat } from 'node:fs/promises';
import { LeaseStaleError, frameSetHas, makesVideo, parseTaskId } from '@shuzhi/render';
import { errors } from '../errors.ts';
import type { Manifest } from '@shuzhi/render';
import type { WorkerIdentity } from '../workers/registry.ts';
import type { BlobStore } from './assets/blob-store.ts';
import type { BatchWriter } from './persist.ts';
import type { FarmState, JobMeta } from './state.ts';
import type { RenderStorage } from './storage.ts';
import type { FarmViews } from './views.ts';

type Leased = { taskId: string; attempt: number };

/** The files a worker reads and writes for a task it holds the lease of (fenced by task and attempt). */
export class NodeFiles {
  constructor(
    private readonly state: FarmState,
    private readonly storage: RenderStorage,
    private readonly writer: BatchWriter,
    private readonly views: FarmViews,
    private readonly blobs: BlobStore,
  ) {}

  /** A task of the calling worker's current lease, or 409: a worker reads and reports only its own tasks. */
  private workerTask(w: WorkerIdentity, taskId: string, attempt: number): { m: JobMeta; index: number } {
    const ref = parseTaskId(taskId);
    if (!ref) throw new LeaseStaleError(taskId, attempt, 'not a render task');
    const m = this.state.jobs.get(ref.jobId);
    if (!m) throw new LeaseStaleError(taskId, attempt, `no job ${ref.jobId}`);
    const t = this.state.engine.taskInfo(m.id, ref.index);
    if (t.state !== 'active' || t.attempt !== attempt || t.nodeId !== w.workerId) {
      throw new LeaseStaleError(taskId, attempt, `not leased to ${w.workerId}`);
    }
    return { m, index: ref.index };
  }

  async putFrame(w: WorkerIdentity, q: Leased & { frame: number; thumb: boolean }, body: ReadableStream<Uint8Array> | null): Promise<{ stored: boolean; frame: number }> {
    const { m, index } = this.workerTask(w, q.taskId, q.attempt);
    const { frame } = q;
    const id = m.id;
    if (m.plan.taskKind(index) !== 'chunk' || !frameSetHas(m.plan.taskFrames(index), frame)) {
      await body?.cancel().catch(() => undefined);
      throw errors.validation([{ path: 'frame', message: `frame ${frame} is not part of task ${q.taskId}` }]);
    }
    if (!q.thumb && m.published.has(frame)) {
      // Drain the body so the connection stays usable; the finished frame stays as it is.
      await body?.cancel().catch(() => undefined);
      return { stored: false, frame };
    }
    const dir = this.storage.jobDir(id);
    const { tmp, bytes } = await this.storage.receive(body, dir);
    const final = q.thumb ? this.storage.thumbPath(id, frame, m.plan.padWidth) : this.storage.framePath(id, frame, m.plan.padWidth, m.spec.outputFormat);
    const stored = await this.storage.publishOnce(tmp, final);
    if (q.thumb) {
      m.thumbs.add(frame);
      this.writer.addFrame({ jobId: id, frame, nodeId: w.workerId, attempt: q.attempt, bytes: 0, hasThumb: true });
    } else {
      m.published.add(frame);
      this.writer.addFrame({ jobId: id, frame, nodeId: w.workerId, attempt: q.attempt, bytes: stored ? bytes : 0, hasThumb: m.thumbs.has(frame) });
    }
    return { stored, frame };
  }

  async putPreview(w: WorkerIdentity, q: Leased, body: ReadableStream<Uint8Array> | null) {
    const { m, index } = this.workerTask(w, q.taskId, q.attempt);
    // An encode's one chunk makes the job's video; other jobs' videos come from their preview task.
    if (makesVideo(m.spec) ? m.plan.taskKind(index) !== 'chunk' : m.plan.taskKind(index) !== 'preview') {
      await body?.cancel().catch(() => undefined);
      throw errors.validation([{ path: 'taskId', message: `${q.taskId} is not the task that makes this job's video` }]);
    }
    const { tmp, bytes } = await this.storage.receive(body, this.storage.jobDir(m.id));
    await this.storage.publishReplace(tmp, this.storage.previewPath(m.id));
    m.hasPreview = true;
    return { stored: true, bytes };
  }

  /** The scene of the worker's leased task. */
  scene(w: WorkerIdentity, q: Leased): Promise<string> {
    return this.views.sceneOf(this.workerTask(w, q.taskId, q.attempt).m);
  }

  /** Published frames of the job of the worker's leased preview task. */
  published(w: WorkerIdentity, q: Leased): number[] {
    const { m } = this.workerTask(w, q.taskId, q.attempt);
    return [...m.published].sort((a, b) => a - b);
  }

  frameFile(w: WorkerIdentity, q: Leased & { frame: number }): { path: string; type: string } {
    const { m, index } = this.workerTask(w, q.taskId, q.attempt);
    if (m.plan.taskKind(index) !== 'preview') throw errors.validation([{ path: 'taskId', message: `only the preview task reads finished frames; ${q.taskId} is a chunk` }]);
    if (!m.published.has(q.frame)) throw errors.notFound('render frame', `${m.id}/${q.frame}`);
    return this.views.frameFile(m, q.frame);
  }

  /**
   * A published frame of a job the leased task's job runs after (its `after`): what a task whose input
   * is an upstream job's frames (an encode, a composite) lays out before it runs. Only upstreams the
   * job names, only of its own tenant; any other job is a 404, as if it did not exist.
   */
  upstreamFrameFile(w: WorkerIdentity, q: Leased & { jobId: string; frame: number }): { path: string; type: string } {
    const { m } = this.workerTask(w, q.taskId, q.attempt);
    const up = m.spec.after.some((d) => d.job === q.jobId) ? this.state.jobs.get(q.jobId) : undefined;
    if (!up || up.tenantId !== m.tenantId) throw errors.notFound('upstream render job', q.jobId);
    if (!up.published.has(q.frame)) throw errors.notFound('render frame', `${up.id}/${q.frame}`);
    return this.views.frameFile(up, q.frame);
  }

  /** The manifest of the leased task's job (404 when its scene is a single file). */
  async manifest(w: WorkerIdentity, q: Leased): Promise<Manifest> {
    const { m } = this.workerTask(w, q.taskId, q.attempt);
    const s = m.spec.scene;
    const found = s?.kind === 'manifest' ? await this.blobs.manifest(m.tenantId, s.manifest) : null;
    if (!found) throw errors.notFound('render manifest', m.id);
    return found;
  }

  /** A blob of the leased task's job: only hashes its manifest lists, from its tenant's own blobs. */
  async leasedBlob(w: WorkerIdentity, q: Leased & { sha256: string }): Promise<{ tenantId: string; path: string }> {
    const manifest = await this.manifest(w, q);
    const { m } = this.workerTask(w, q.taskId, q.attempt);
    const path = manifest.files.some((f) => f.sha256 === q.sha256) ? await this.blobs.pathOf(m.tenantId, q.sha256) : null;
    if (!path) throw errors.notFound('blob of this job', q.sha256);
    return { tenantId: m.tenantId, path };
  }

  /** The store's copy of a blob of the leased task's job (counted as served, with its bytes). */
  async blob(w: WorkerIdentity, q: Leased & { sha256: string }): Promise<string> {
    const { path } = await this.leasedBlob(w, q);
    // Read the size first: `x += await …` would add to the value read before the await, losing concurrent adds.
    const { size } = await stat(path);
    this.blobs.counters.served++;
    this.blobs.counters.servedBytes += size;
    return path;
  }
}
