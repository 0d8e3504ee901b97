import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { parseRenderJobSpec, planRenderJob } from '@shuzhi/render';
import type { RenderJobSpec } from '@shuzhi/render';
import type { RenderJob, RenderJobSubmit, RenderTask } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { tenants } from '../db/schema.ts';
import { errors } from '../errors.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { newId } from '../ids.ts';
import { renderJobs } from './db-schema.ts';
import type { BatchWriter } from './persist.ts';
import type { FarmState } from './state.ts';
import type { RenderStorage } from './storage.ts';
import type { UploadQuota } from './uploads.ts';
import type { FarmViews } from './views.ts';

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
    /** Answers parked polls after the dispatcher changed. */
    private readonly pump: () => void,
  ) {}

  async submit(p: Principal, input: RenderJobSubmit): Promise<RenderJob> {
    const { tenantId: asked, ...specInput } = input;
    const tenantId = p.role === 'operator' ? (asked ?? p.tenantId) : p.tenantId;
    if (!tenantId) throw errors.validation([{ path: 'tenantId', message: 'operators must name the tenant the job is for' }]);
    if (p.role !== 'operator' && asked && asked !== p.tenantId) throw errors.forbidden('submit render jobs for another tenant');
    const [tenant] = await this.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId));
    if (!tenant) throw errors.validation([{ path: 'tenantId', message: `unknown tenant "${tenantId}"` }]);
    const spec = parseRenderJobSpec(specInput);
    const plan = planRenderJob(spec);
    await this.checkScene(spec, tenantId);
    const id = newId('rjob');
    const name = spec.name ?? `${spec.renderer} ${spec.frames.length > 40 ? `${spec.frames.slice(0, 40)}…` : spec.frames}`;
    const now = new Date(this.state.clock.now());
    const ev: PublishedEvent[] = [];
    await this.db.transaction(async (tx) => {
      await tx.insert(renderJobs).values({
        id,
        tenantId,
        name,
        spec: spec as unknown as Record<string, unknown>,
        renderer: spec.renderer,
        frameCount: plan.frameCount,
        taskCount: plan.taskCount,
        seq: 0,
        priority: spec.priority,
        tags: spec.tags,
        state: 'queued',
        createdBy: p.userId,
        createdAt: now,
        updatedAt: now,
      });
      await this.bus.record(tx, ev, {
        kind: 'render.job',
        entity: 'render-job',
        entityId: id,
        tenantId,
        actor: p.userId,
        data: { state: 'queued', name, frames: plan.frameCount, tasks: plan.taskCount },
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
    };
    this.state.jobs.set(id, meta);
    this.state.engine.submit({ id, plan, priority: spec.priority, tags: spec.tags });
    this.pump();
    return this.views.job(meta);
  }

  private async checkScene(spec: RenderJobSpec, tenantId: string): Promise<void> {
    if (spec.scene.kind === 'shared') {
      this.storage.resolveShared(spec.scene.path);
      return;
    }
    const path = this.storage.uploadPath(spec.scene.uploadId, spec.scene.fileName);
    const owner = await readFile(join(path, '..', '.owner'), 'utf8').catch((err: NodeJS.ErrnoException) => {
      // Only a missing upload is the caller's problem; anything else (EMFILE, EIO) is the server's.
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
      throw err;
    });
    if (!existsSync(path) || owner !== tenantId) {
      throw errors.validation([{ path: 'scene.uploadId', message: `no uploaded scene ${spec.scene.uploadId}/${spec.scene.fileName} for this tenant; upload it first (POST /api/render/uploads)` }]);
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
      const { tmp, bytes } = await this.storage.receive(body, dir, { onChunk: meter.add });
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
  control(p: Principal, id: string, action: JobAction): RenderJob {
    const m = this.views.load(p, id);
    const d = this.state.engine;
    if (action === 'pause') d.pauseJob(id);
    else if (action === 'resume') d.resumeJob(id);
    else if (action === 'cancel') d.cancelJob(id);
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
}
