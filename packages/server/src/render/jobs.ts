import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { dispatchTags, jobTypeName, parseRenderJobSpec, planRenderJob } from '@shuzhi/render';
import type { DependantsOnCancel, RenderJobSpec } from '@shuzhi/render';
import type { RenderJob, RenderJobSubmit, RenderTask } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { tenants } from '../db/schema.ts';
import { AppError, errors } from '../errors.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { newId } from '../ids.ts';
import type { RenderAdmission } from './admission.ts';
import type { BlobStore } from './assets/blob-store.ts';
import { renderJobs } from './db-schema.ts';
import type { BatchWriter } from './persist.ts';
import { jobLimitsOf } from './limits.ts';
import type { FarmLimits } from './limits.ts';
import { dependenciesOf } from './state.ts';
import type { FarmState, JobMeta } from './state.ts';
import type { RenderStorage } from './storage.ts';
import type { UploadQuota } from './uploads.ts';
import type { FarmViews } from './views.ts';
import type { JobTypes } from './job-types.ts';
import { withJobType } from './typed-submit.ts';

export type JobAction = 'pause' | 'resume' | 'cancel' | 'requeue';

/**
 * What studios do to the farm: upload scenes, submit jobs, pause/resume/cancel/requeue jobs and tasks.
 * Which roles may is the routes' rule; here a job is acted on only by its own tenant (or an operator).
 */
export class FarmJobs {
  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly state: FarmState,
    private readonly storage: RenderStorage,
    private readonly uploads: UploadQuota,
    private readonly writer: BatchWriter,
    private readonly views: FarmViews,
    private readonly blobs: BlobStore,
    private readonly admission: RenderAdmission,
    private readonly types: JobTypes,
    /** Answers parked polls after the dispatcher changed. */
    private readonly pump: () => void,
    private readonly limits: FarmLimits,
  ) {}

  /** The tenant a studio call acts for: an operator names it, a tenant's is its own. */
  private ownerOf(p: Principal, asked: string | undefined, what: string): string {
    if (p.role !== 'operator' && asked && asked !== p.tenantId) throw errors.forbidden(`${what} for another tenant`);
    const tenantId = p.role === 'operator' ? (asked ?? p.tenantId) : p.tenantId;
    if (!tenantId) throw errors.validation([{ path: 'tenantId', message: `operators must name the tenant to ${what} for` }]);
    return tenantId;
  }

  /** Stores a scene folder's manifest; the answer names the blobs this tenant still has to upload. */
  putManifest(p: Principal, input: { files: unknown; tenantId?: string | undefined }) {
    return this.blobs.putManifest(this.ownerOf(p, input.tenantId, 'store manifests'), { files: input.files });
  }

  putBlob(p: Principal, sha256: string, body: ReadableStream<Uint8Array> | null, tenantId?: string, declaredBytes?: number) {
    return this.blobs.put(this.ownerOf(p, tenantId, 'upload blobs'), sha256, body, declaredBytes);
  }

  /** The path of one of the tenant's own blobs; any other hash is 404, whoever else holds it. */
  async blobPath(p: Principal, sha256: string, tenantId?: string): Promise<string> {
    const path = await this.blobs.pathOf(this.ownerOf(p, tenantId, 'read blobs'), sha256);
    if (!path) throw errors.notFound('blob', sha256);
    return path;
  }

  async submit(p: Principal, input: RenderJobSubmit): Promise<RenderJob> {
    const { tenantId: asked, ...specInput } = input;
    const tenantId = this.ownerOf(p, asked, 'submit render jobs');
    const [tenant] = await this.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId));
    if (!tenant) throw errors.validation([{ path: 'tenantId', message: `unknown tenant "${tenantId}"` }]);
    const spec = parseRenderJobSpec(await withJobType(this.types, this.state, tenantId, specInput));
    this.limits.checkNames(spec.limits);
    const plan = planRenderJob(spec);
    if (spec.scene) await this.checkScene(spec.scene, tenantId);
    const waiting = this.upstreamWait(spec, tenantId) ?? (await this.admission.waitReason(tenantId, plan));
    const id = newId('rjob');
    const name = spec.name ?? `${jobTypeName(spec)} ${spec.frames.length > 40 ? `${spec.frames.slice(0, 40)}…` : spec.frames}`;
    const now = new Date(this.state.clock.now());
    const ev: PublishedEvent[] = [];
    await this.db.transaction(async (tx) => {
      await tx.insert(renderJobs).values({
        id,
        tenantId,
        name,
        spec: spec as unknown as Record<string, unknown>,
        renderer: spec.renderer ?? jobTypeName(spec),
        frameCount: plan.frameCount,
        taskCount: plan.taskCount,
        seq: 0,
        priority: spec.priority,
        // What the dispatcher matches (restore reads it back): the studio's tags and the programs needed.
        tags: dispatchTags(spec),
        state: 'queued',
        createdBy: p.userId,
        createdAt: now,
        updatedAt: now,
        admissionWait: waiting,
      });
      await this.bus.record(tx, ev, {
        kind: 'render.job',
        entity: 'render-job',
        entityId: id,
        tenantId,
        actor: p.userId,
        data: { state: 'queued', name, frames: plan.frameCount, tasks: plan.taskCount, ...(waiting ? { waiting } : {}) },
      });
    });
    this.bus.publish(ev);
    const meta = {
      id,
      tenantId,
      name,
      spec,
      plan,
      createdAt: now,
      createdBy: p.userId,
      updatedAt: now,
      nodeMs: 0,
      meteredMs: 0,
      usage: null,
      published: new Set<number>(),
      thumbs: new Set<number>(),
      hasPreview: false,
      lastState: 'queued' as const,
      waiting,
    };
    this.state.addJob(meta);
    if (waiting === null) this.release(meta);
    return this.views.job(meta);
  }

  /** Hands a job billing admitted to the dispatcher. */
  release(m: JobMeta): void {
    this.state.engine.submit({ id: m.id, plan: m.plan, priority: m.spec.priority, tags: dispatchTags(m.spec), dependsOn: dependenciesOf(m), ...jobLimitsOf(m) });
    this.pump();
  }

  /**
   * Upstream jobs must be the tenant's own. One that billing still holds is not in the dispatcher yet,
   * so the dependant waits for it (the reason says so) and is admitted after it.
   */
  upstreamWait(spec: RenderJobSpec, tenantId: string): string | null {
    let reason: string | null = null;
    spec.after.forEach((dep, i) => {
      const up = this.state.jobs.get(dep.job);
      if (!up || up.tenantId !== tenantId) throw errors.validation([{ path: `after.${i}.job`, message: `no render job ${dep.job} of this tenant to run after` }]);
      if (up.waiting !== null) reason ??= `waiting for upstream job ${dep.job} to be admitted`;
    });
    return reason;
  }

  private async checkScene(scene: NonNullable<RenderJobSpec['scene']>, tenantId: string): Promise<void> {
    if (scene.kind === 'shared') {
      this.storage.resolveShared(scene.path);
      return;
    }
    if (scene.kind === 'manifest') {
      const { manifest: id, main } = scene;
      const m = await this.blobs.manifest(tenantId, id);
      if (!m) throw errors.validation([{ path: 'scene.manifest', message: `no manifest ${id} for this tenant; send it first (POST /api/render/manifests)` }]);
      if (!m.files.some((f) => f.path === main)) throw errors.validation([{ path: 'scene.main', message: `${main} is not a file of manifest ${id}` }]);
      const lacking: string[] = [];
      for (const f of m.files) if (!(await this.blobs.pathOf(tenantId, f.sha256))) lacking.push(f.path);
      if (lacking.length) {
        throw errors.validation([{ path: 'scene.manifest', message: `${lacking.length} file(s) of the manifest are not uploaded yet (${lacking.slice(0, 3).join(', ')}${lacking.length > 3 ? ', …' : ''}); PUT /api/render/blobs/{sha256} each missing hash` }]);
      }
      return;
    }
    const path = this.storage.uploadPath(scene.uploadId, scene.fileName);
    const owner = await readFile(join(path, '..', '.owner'), 'utf8').catch((err: NodeJS.ErrnoException) => {
      // Only a missing upload is the caller's problem; anything else (EMFILE, EIO) is the server's.
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
      throw err;
    });
    if (!existsSync(path) || owner !== tenantId) {
      throw errors.validation([{ path: 'scene.uploadId', message: `no uploaded scene ${scene.uploadId}/${scene.fileName} for this tenant; upload it first (POST /api/render/uploads)` }]);
    }
  }

  /**
   * Stores an uploaded scene; the caller's tenant owns it. Each tenant's uploads together stay within
   * its quota: a declared size that cannot fit is refused before reading, and a body that grows past
   * the quota is cut off (413 UPLOAD_QUOTA_EXCEEDED) and nothing of it is kept.
   */
  async upload(p: Principal, fileName: string, body: ReadableStream<Uint8Array> | null, tenantId?: string, declaredBytes?: number) {
    const owner = p.role === 'operator' ? (tenantId ?? p.tenantId) : p.tenantId;
    if (!owner) throw errors.validation([{ path: 'tenantId', message: 'operators must name the tenant the scene is for' }]);
    if (declaredBytes !== undefined) await this.uploads.check(owner, declaredBytes);
    const uploadId = newId('upl');
    const final = this.storage.uploadPath(uploadId, fileName);
    const dir = join(final, '..');
    await mkdir(dir, { recursive: true });
    const meter = await this.uploads.meter(owner);
    let kept = false;
    try {
      const { tmp, bytes } = await this.storage.receive(body, dir, { onChunk: (chunk) => meter.add(chunk.length) });
      await writeFile(join(dir, '.owner'), owner);
      await this.storage.publishReplace(tmp, final);
      kept = true;
      return { uploadId, fileName, bytes };
    } finally {
      meter.done(kept);
      if (!kept) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** Pause, resume, cancel or requeue a whole job. */
  control(p: Principal, id: string, action: JobAction, dependants: DependantsOnCancel = 'hold'): RenderJob {
    const m = this.views.load(p, id);
    this.unhold(m, action);
    const d = this.state.engine;
    if (action === 'pause') d.pauseJob(id);
    else if (action === 'resume') d.resumeJob(id);
    else if (action === 'cancel') d.cancelJob(id, dependants);
    else {
      d.requeueJob(id);
      // The preview is made again and must be uploaded again before its task may complete.
      m.hasPreview = false;
    }
    this.writer.addEvent({ kind: `render.job.${action}`, entity: 'render-job', entityId: id, tenantId: m.tenantId, actor: p.userId, data: {} });
    this.pump();
    return this.views.job(m);
  }

  controlTask(p: Principal, id: string, index: number, action: JobAction): RenderTask {
    const m = this.views.load(p, id);
    if (!Number.isInteger(index) || index < 0 || index >= m.plan.taskCount) throw errors.notFound('render task', `${id}.${index}`);
    this.unhold(m, action);
    const d = this.state.engine;
    if (action === 'pause') d.pauseTask(id, index);
    else if (action === 'resume') d.resumeTask(id, index);
    else if (action === 'cancel') d.cancelTask(id, index);
    else {
      d.requeueTask(id, index);
      m.hasPreview = false;
    }
    this.writer.addEvent({ kind: `render.task.${action}`, entity: 'render-job', entityId: id, tenantId: m.tenantId, actor: p.userId, data: { index } });
    this.pump();
    return this.views.task(m, index);
  }

  /**
   * A job admission holds may only be cancelled (it goes to the dispatcher, which cancels it); pausing
   * or requeueing it would let it past billing once resumed.
   */
  private unhold(m: JobMeta, action: JobAction): void {
    if (m.waiting === null) return;
    if (action !== 'cancel') throw new AppError('RENDER_JOB_WAITING', 409, `Job ${m.id} has not started: ${m.waiting}. Top up the wallet (it then starts by itself), or cancel it.`);
    this.admission.note(m, null);
    const admitted = dependenciesOf(m).filter((d) => this.state.jobs.get(d.upstream)?.waiting === null);
    this.state.engine.submit({ id: m.id, plan: m.plan, priority: m.spec.priority, tags: dispatchTags(m.spec), dependsOn: admitted, ...jobLimitsOf(m) });
  }
}
