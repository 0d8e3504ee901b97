import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import {
  Dispatcher,
  FINAL_JOB_STATES,
  LeaseStaleError,
  RenderError,
  TASK_STATES,
  countFrames,
  formatFrameRanges,
  frameSetHas,
  iterateFrames,
  parseRenderJobSpec,
  parseTaskId,
  planRenderJob,
  JobSpecInvalidError,
} from '@shuzhi/render';
import type { Assignment, Clock, FailurePolicy, JobRow, JobState, RenderJobPlan, RenderJobSpec, TaskRow } from '@shuzhi/render';
import { meterRun, siteLoadKW } from '@shuzhi/compute';
import type {
  RenderWork,
  RenderFarmOverview,
  RenderJob,
  RenderJobDetail,
  RenderJobSubmit,
  RenderNodeInfo,
  RenderTask,
} from '@shuzhi/schema';
import { storableText } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import { requireRole } from '../auth/principal.ts';
import type { Db, Tx } from '../db/client.ts';
import { jobs as coreJobs, runs as coreRuns, tasks as coreTasks, tenants } from '../db/schema.ts';
import { AppError, errors } from '../errors.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { newId } from '../ids.ts';
import type { Logger } from '../log.ts';
import type { NetworkStore } from '../compute/network-store.ts';
import { renderFrames, renderJobs, renderTaskLogs, renderTasks } from './db-schema.ts';
import { BatchWriter } from './persist.ts';
import type { WorkerIdentity } from '../workers/registry.ts';
import type { SourceSync, SourceSyncResult } from '../workers/source.ts';
import { RENDER_TASK_LIMITS } from '../workers/limits.ts';
import type { RenderStorage } from './storage.ts';
import { UploadQuota } from './uploads.ts';

type Fence = { taskId: string; attempt: number };
/** The farm's part of a worker's sync, in the failure policy's terms. */
interface SyncAnswer {
  assignments: RenderWork[];
  cancel: (Fence & { reason: string })[];
  refused: Fence[];
  nextPollMs: number;
  accepted: number;
}
type SyncBody = { siteId: string; slots: number; free: number } & {
  tags: string[];
  running: { taskId: string; attempt: number; progress?: number | undefined; logs: { stream: 'stdout' | 'stderr'; text: string }[] }[];
  completed: {
    taskId: string;
    attempt: number;
    ok: boolean;
    failure?: { kind: 'render-error' | 'scene-load'; message: string } | undefined;
    logs: { stream: 'stdout' | 'stderr'; text: string }[];
  }[];
  leaving: boolean;
  waitMs: number;
};

type Usage = NonNullable<RenderJob['usage']>;

interface JobMeta {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly spec: RenderJobSpec;
  readonly plan: RenderJobPlan;
  readonly createdAt: Date;
  readonly createdBy: string;
  updatedAt: Date;
  /** Node time of finished attempts, and how much of it is already metered. */
  nodeMs: number;
  meteredMs: number;
  usage: Usage | null;
  readonly published: Set<number>;
  readonly thumbs: Set<number>;
  hasPreview: boolean;
  lastState: JobState;
}

interface NodeState {
  readonly id: string;
  siteId: string;
  tags: string[];
  slots: number;
  lastSeen: number;
  persistedAt: number;
  inSync: number;
  left: boolean;
  readonly tasks: Set<string>;
}

interface SiteForMeter {
  site: Parameters<typeof meterRun>[0]['site'] & { pools: Parameters<typeof meterRun>[0]['pool'][] };
  pool: Parameters<typeof meterRun>[0]['pool'];
}

export interface FarmOptions {
  leaseMs: number;
  /** The site whose render pool is metered (the demo's Karamay render base). */
  siteId: string;
  policy?: Partial<FailurePolicy>;
  batchMs?: number;
  clock?: Clock;
  /** Check that a chunk's frames were uploaded before accepting its completion (default true; the bench's simulated nodes upload nothing). */
  verifyFrames?: boolean;
  /** Bytes of uploaded scenes each tenant may keep (default 10 GiB). */
  uploadQuotaBytes?: number;
}

/** The default per-tenant quota of uploaded scenes (SHUZHI_RENDER_UPLOAD_QUOTA_MB). */
export const DEFAULT_UPLOAD_QUOTA_MB = 10_240;

const READ_ALL: Principal['role'][] = ['operator', 'viewer'];
const THROUGHPUT_WINDOW_MS = 5 * 60_000;
const BUCKET_MS = 10_000;

/** Maps engine errors onto HTTP problems with their stable codes. */
export function toAppError(err: unknown): unknown {
  if (err instanceof AppError || !(err instanceof RenderError)) return err;
  if (err instanceof JobSpecInvalidError) return errors.validation(err.issues.map((i) => ({ path: i.path, message: i.message })));
  const status = err.code === 'RENDER_NOT_FOUND' ? 404 : err.code === 'LEASE_STALE' || err.code === 'TRANSITION_INVALID' || err.code === 'RENDER_DUPLICATE' ? 409 : 400;
  return new AppError(err.code, status, err.message, { cause: err });
}

function rethrow(err: unknown): never {
  throw toAppError(err);
}

/**
 * The render farm: the engine's in-memory Dispatcher behind the node sync endpoint, with the
 * database as its durable log (BatchWriter) and the job metadata (spec, frames, usage) beside it.
 * Every poll touches only in-memory structures; nothing here takes a lock across all nodes.
 */
export class RenderFarm {
  d: Dispatcher;
  readonly writer: BatchWriter;
  readonly uploads: UploadQuota;
  private readonly jobs = new Map<string, JobMeta>();
  private readonly nodes = new Map<string, NodeState>();
  private readonly waiters = new Map<string, () => void>();
  private readonly pendingCancels = new Map<string, { taskId: string; attempt: number; reason: string }[]>();
  private readonly startedAt = new Map<string, number>();
  private readonly progress = new Map<string, number>();
  private readonly buckets = new Map<number, { tasks: number; frames: number }>();
  private timer: NodeJS.Timeout | null = null;
  private meterSite: SiteForMeter | null = null;
  private readonly clock: Clock;
  /** Counters for the bench and the overview. */
  readonly counters = { assigned: 0, heartbeats: 0, completed: 0, syncs: 0 };

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly network: NetworkStore,
    readonly storage: RenderStorage,
    readonly opts: FarmOptions,
  ) {
    this.clock = opts.clock ?? { now: () => Date.now() };
    this.d = new Dispatcher({ clock: this.clock, policy: { leaseMs: opts.leaseMs, ...opts.policy } });
    this.writer = new BatchWriter(db, bus, log, () => this.drainChanges(), opts.batchMs ?? 75);
    this.uploads = new UploadQuota(join(storage.root, 'uploads'), opts.uploadQuotaBytes ?? DEFAULT_UPLOAD_QUOTA_MB * 1024 * 1024);
  }

  get leaseMs(): number {
    return this.d.policy.leaseMs;
  }

  // ---------------------------------------------------------------- life cycle

  /** Rebuilds the dispatcher from the database: job rows, task rows that differ from fresh, frames. */
  async restore(): Promise<void> {
    // Again on a replica that becomes leader: what it read at start is stale, so start from nothing.
    this.jobs.clear();
    this.nodes.clear();
    this.pendingCancels.clear();
    this.startedAt.clear();
    this.progress.clear();
    const jobRows = await this.db.select().from(renderJobs).orderBy(renderJobs.createdAt);
    const taskRows = await this.db.select().from(renderTasks);
    const frameRows = await this.db.select({ jobId: renderFrames.jobId, frame: renderFrames.frame, hasThumb: renderFrames.hasThumb }).from(renderFrames);
    let maxSeq = jobRows.reduce((m, j) => Math.max(m, j.seq), 0);
    const restoreJobs: { row: JobRow; plan: RenderJobPlan }[] = [];
    for (const j of jobRows) {
      const spec = parseRenderJobSpec(j.spec);
      const plan = planRenderJob(spec);
      const meta: JobMeta = {
        id: j.id,
        tenantId: j.tenantId,
        name: j.name,
        spec,
        plan,
        createdAt: j.createdAt,
        createdBy: j.createdBy,
        updatedAt: j.updatedAt,
        nodeMs: j.nodeMs,
        meteredMs: j.usage ? j.nodeMs : 0,
        usage: j.usage ?? null,
        published: new Set(),
        thumbs: new Set(),
        hasPreview: existsSync(this.storage.previewPath(j.id)),
        lastState: j.state as JobState,
      };
      this.jobs.set(j.id, meta);
      // A job whose first batch never landed has seq 0: it goes after the others, in creation order.
      const seq = j.seq > 0 ? j.seq : ++maxSeq;
      restoreJobs.push({
        plan,
        row: {
          id: j.id,
          seq,
          priority: j.priority,
          tags: j.tags,
          state: j.state as JobState,
          failureMessage: j.failureMessage,
          blocklist: j.blocklist,
          nodeFailures: j.nodeFailures,
        },
      });
    }
    const tasks: TaskRow[] = taskRows
      .filter((t) => this.jobs.has(t.jobId))
      .map((t) => ({
        jobId: t.jobId,
        index: t.idx,
        state: t.state as TaskRow['state'],
        attempt: t.attempt,
        nodeId: t.nodeId,
        leaseExpiresAt: t.leaseExpiresAt,
        failedOn: t.failedOn,
      }));
    this.d = Dispatcher.restore({ clock: this.clock, policy: { ...this.d.policy }, jobs: restoreJobs, tasks });
    for (const f of frameRows) {
      const m = this.jobs.get(f.jobId);
      if (!m) continue;
      m.published.add(f.frame);
      if (f.hasThumb) m.thumbs.add(f.frame);
    }
    for (const t of tasks) {
      if (t.state === 'active' && t.nodeId) this.nodeState(t.nodeId, null).tasks.add(`${t.jobId}.${t.index}`);
    }
    this.log.info({ jobs: jobRows.length, taskRows: tasks.length }, 'render: dispatcher rebuilt from the database');
  }

  async start(): Promise<void> {
    await this.refreshMeterSite();
    this.writer.start();
    let n = 0;
    this.timer = setInterval(() => {
      try {
        this.d.expireLeases();
        this.pump();
      } catch (err) {
        this.log.error({ err }, 'render: lease sweep failed');
      }
      if (++n % 240 === 0) void this.refreshMeterSite();
    }, 250);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const w of this.waiters.values()) w();
    this.waiters.clear();
    await this.writer.stop();
  }

  private async refreshMeterSite(): Promise<void> {
    try {
      const site = await this.network.getSite(this.opts.siteId);
      const pool = site.pools.find((p) => p.type === 'render');
      this.meterSite = pool ? { site: site as unknown as SiteForMeter['site'], pool } : null;
    } catch {
      this.meterSite = null;
    }
  }

  // ---------------------------------------------------------------- persistence hooks

  /** Dispatcher rows for the batch, plus an event and metering for each job whose state changed. */
  private drainChanges() {
    const rows = this.d.drainChanges();
    for (const r of rows.jobs) {
      const m = this.jobs.get(r.id);
      if (!m || m.lastState === r.state) continue;
      m.lastState = r.state;
      m.updatedAt = new Date(this.clock.now());
      this.writer.addEvent({
        kind: 'render.job',
        entity: 'render-job',
        entityId: m.id,
        tenantId: m.tenantId,
        data: { state: r.state, name: m.name, ...(r.failureMessage ? { failureMessage: r.failureMessage } : {}) },
      });
      if (FINAL_JOB_STATES.has(r.state)) this.writer.addHook((tx) => this.meter(tx, m, r.state));
    }
    return rows;
  }

  /**
   * A finished render job is also a compute job of kind `render`: one core job/task row and a run
   * per settlement carrying the metered energy, so the network's overview and billing see it.
   * Node time is summed over attempts and metered as one node running that long up to now.
   */
  private async meter(tx: Tx, m: JobMeta, state: JobState): Promise<void> {
    const ms = m.nodeMs - m.meteredMs;
    const s = this.meterSite;
    if (!s || ms <= 0) return;
    const end = this.clock.now();
    const u = meterRun({ site: s.site, pool: s.pool, units: 1, startMs: end - ms, endMs: end, siteLoadKW: siteLoadKW(s.site, s.site.pools, { render: this.busyNodes() }) });
    const status = state === 'completed' ? 'succeeded' : state;
    const taskId = `${m.id}.meter`;
    const nodeHours = ms / 3_600_000;
    await tx
      .insert(coreJobs)
      .values({
        id: m.id,
        tenantId: m.tenantId,
        name: `[render] ${m.name}`,
        type: 'render',
        units: 1,
        hours: nodeHours,
        flex: 'divisible',
        home: this.opts.siteId,
        dataGB: 0,
        regions: [],
        priority: m.spec.priority,
        command: `render ${m.spec.renderer} frames ${m.spec.frames}`.slice(0, 500),
        env: {},
        status,
        siteId: this.opts.siteId,
        releaseAt: m.createdAt,
        createdBy: m.createdBy,
      })
      .onConflictDoUpdate({ target: coreJobs.id, set: { status, updatedAt: new Date(end) } });
    await tx
      .insert(coreTasks)
      .values({ id: taskId, jobId: m.id, status, siteId: this.opts.siteId })
      .onConflictDoUpdate({ target: coreTasks.id, set: { status, updatedAt: new Date(end) } });
    const [{ n } = { n: 0 }] = await tx.select({ n: sql<number>`count(*)::int` }).from(coreRuns).where(eq(coreRuns.taskId, taskId));
    await tx.insert(coreRuns).values({
      id: newId('run'),
      jobId: m.id,
      taskId,
      attempt: Number(n) + 1,
      siteId: this.opts.siteId,
      agentId: null,
      status,
      startedAt: new Date(end - ms),
      endedAt: new Date(end),
      exitCode: state === 'completed' ? 0 : 1,
      unitHours: u.unitHours,
      energyKWh: u.energyKWh,
      greenKWh: u.greenKWh,
      carbonG: u.carbonG,
      costFen: u.costFen,
    });
    const prev = m.usage ?? { nodeHours: 0, energyKWh: 0, greenKWh: 0, carbonG: 0, costFen: 0 };
    const usage: Usage = {
      nodeHours: prev.nodeHours + nodeHours,
      energyKWh: prev.energyKWh + u.energyKWh,
      greenKWh: prev.greenKWh + u.greenKWh,
      carbonG: prev.carbonG + u.carbonG,
      costFen: prev.costFen + u.costFen,
    };
    await tx.update(renderJobs).set({ usage, nodeMs: m.nodeMs }).where(eq(renderJobs.id, m.id));
    m.usage = usage;
    m.meteredMs = m.nodeMs;
  }

  private busyNodes(): number {
    let n = 0;
    for (const node of this.nodes.values()) if (node.tasks.size) n++;
    return n;
  }

  // ---------------------------------------------------------------- jobs

  async submit(p: Principal, input: RenderJobSubmit): Promise<RenderJob> {
    requireRole(p, ['tenant', 'operator'], 'submit render jobs');
    const { tenantId: asked, ...specInput } = input;
    const tenantId = p.role === 'operator' ? (asked ?? p.tenantId) : p.tenantId;
    if (!tenantId) throw errors.validation([{ path: 'tenantId', message: 'operators must name the tenant the job is for' }]);
    if (p.role !== 'operator' && asked && asked !== p.tenantId) throw errors.forbidden('submit render jobs for another tenant');
    const [tenant] = await this.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId));
    if (!tenant) throw errors.validation([{ path: 'tenantId', message: `unknown tenant "${tenantId}"` }]);
    let spec: RenderJobSpec;
    let plan: RenderJobPlan;
    try {
      spec = parseRenderJobSpec(specInput);
      plan = planRenderJob(spec);
    } catch (err) {
      rethrow(err);
    }
    await this.checkScene(spec, tenantId);
    const id = newId('rjob');
    const name = spec.name ?? `${spec.renderer} ${spec.frames.length > 40 ? `${spec.frames.slice(0, 40)}…` : spec.frames}`;
    const now = new Date(this.clock.now());
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
    const meta: JobMeta = {
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
      published: new Set(),
      thumbs: new Set(),
      hasPreview: false,
      lastState: 'queued',
    };
    this.jobs.set(id, meta);
    this.d.submit({ id, plan, priority: spec.priority, tags: spec.tags });
    this.pump();
    return this.view(meta);
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
    requireRole(p, ['tenant', 'operator'], 'upload scenes');
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

  /** The scene file for a job (nodes download it when it is not on their shared storage). */
  scenePath(p: Principal, jobId: string): string {
    const m = this.load(p, jobId);
    const s = m.spec.scene;
    return s.kind === 'shared' ? this.storage.resolveShared(s.path) : this.storage.uploadPath(s.uploadId, s.fileName);
  }

  list(p: Principal, q: { state?: JobState | undefined; limit: number; offset: number }): { items: RenderJob[]; total: number } {
    const scope = this.scope(p);
    const all = [...this.jobs.values()]
      .filter((m) => (!scope || m.tenantId === scope) && (!q.state || this.d.jobStatus(m.id).state === q.state))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
    return { items: all.slice(q.offset, q.offset + q.limit).map((m) => this.view(m)), total: all.length };
  }

  get(p: Principal, id: string, page: { offset: number; limit: number } = { offset: 0, limit: 500 }): RenderJobDetail {
    const m = this.load(p, id);
    const st = this.d.jobStatus(id);
    const tasks: RenderTask[] = [];
    const end = Math.min(m.plan.taskCount, page.offset + page.limit);
    for (let i = page.offset; i < end; i++) tasks.push(this.taskView(m, i));
    return {
      ...this.view(m),
      spec: m.spec as unknown as Record<string, unknown>,
      blocklist: st.blocklist.map((b) => ({ nodeId: b.nodeId, until: new Date(b.until).toISOString() })),
      tasks,
      tasksTotal: m.plan.taskCount,
    };
  }

  private taskView(m: JobMeta, index: number): RenderTask {
    const t = this.d.taskInfo(m.id, index);
    return {
      index,
      taskId: t.taskId,
      kind: t.kind,
      frames: formatFrameRanges(m.plan.taskFrames(index)),
      state: t.state,
      attempt: t.attempt,
      nodeId: t.nodeId,
      failedOn: [...t.failedOn],
      progress: t.state === 'completed' ? 1 : (this.progress.get(t.taskId) ?? (t.state === 'active' ? 0 : null)),
    };
  }

  private view(m: JobMeta): RenderJob {
    const st = this.d.jobStatus(m.id);
    return {
      id: m.id,
      tenantId: m.tenantId,
      name: m.name,
      renderer: m.spec.renderer,
      frames: m.spec.frames,
      frameCount: m.plan.frameCount,
      chunkSize: m.spec.chunkSize,
      taskCount: m.plan.taskCount,
      outputFormat: m.spec.outputFormat,
      priority: st.priority,
      tags: [...m.spec.tags],
      state: st.state,
      failureMessage: st.failureMessage,
      counts: { ...st.counts },
      framesDone: m.published.size,
      hasPreview: m.hasPreview,
      createdAt: m.createdAt.toISOString(),
      updatedAt: m.updatedAt.toISOString(),
      usage: m.usage,
    };
  }

  /** Pause, resume, cancel or requeue a whole job. */
  control(p: Principal, id: string, action: 'pause' | 'resume' | 'cancel' | 'requeue'): RenderJob {
    requireRole(p, ['tenant', 'operator'], `${action} render jobs`);
    const m = this.load(p, id);
    try {
      if (action === 'pause') this.d.pauseJob(id);
      else if (action === 'resume') this.d.resumeJob(id);
      else if (action === 'cancel') this.d.cancelJob(id);
      else {
        this.d.requeueJob(id);
        // The preview is made again and must be uploaded again before its task may complete.
        m.hasPreview = false;
      }
    } catch (err) {
      rethrow(err);
    }
    this.writer.addEvent({ kind: `render.job.${action}`, entity: 'render-job', entityId: id, tenantId: m.tenantId, actor: p.userId, data: {} });
    this.pump();
    return this.view(m);
  }

  controlTask(p: Principal, id: string, index: number, action: 'pause' | 'resume' | 'cancel' | 'requeue'): RenderTask {
    requireRole(p, ['tenant', 'operator'], `${action} render tasks`);
    const m = this.load(p, id);
    if (!Number.isInteger(index) || index < 0 || index >= m.plan.taskCount) throw errors.notFound('render task', `${id}.${index}`);
    try {
      if (action === 'pause') this.d.pauseTask(id, index);
      else if (action === 'resume') this.d.resumeTask(id, index);
      else if (action === 'cancel') this.d.cancelTask(id, index);
      else {
        this.d.requeueTask(id, index);
        m.hasPreview = false;
      }
    } catch (err) {
      rethrow(err);
    }
    this.writer.addEvent({ kind: `render.task.${action}`, entity: 'render-job', entityId: id, tenantId: m.tenantId, actor: p.userId, data: { index } });
    this.pump();
    return this.taskView(m, index);
  }

  async frames(p: Principal, id: string, q: { offset: number; limit: number }) {
    const m = this.load(p, id);
    const rows = await this.db
      .select()
      .from(renderFrames)
      .where(eq(renderFrames.jobId, id))
      .orderBy(renderFrames.frame)
      .limit(q.limit)
      .offset(q.offset);
    return {
      items: rows.map((r) => ({ frame: r.frame, nodeId: r.nodeId, bytes: r.bytes, hasThumb: r.hasThumb > 0 || m.thumbs.has(r.frame) })),
      total: m.published.size,
    };
  }

  async logs(p: Principal, id: string, q: { index?: number | undefined; after: number; limit: number }) {
    this.load(p, id);
    const rows = await this.db
      .select()
      .from(renderTaskLogs)
      .where(sql`${renderTaskLogs.jobId} = ${id} and ${renderTaskLogs.seq} > ${q.after} ${q.index === undefined ? sql`` : sql`and ${renderTaskLogs.idx} = ${q.index}`}`)
      .orderBy(renderTaskLogs.seq)
      .limit(q.limit);
    return rows.map((r) => ({
      seq: r.seq,
      index: r.idx,
      attempt: r.attempt,
      nodeId: r.nodeId,
      stream: r.stream as 'stdout' | 'stderr' | 'system',
      text: r.text,
      at: r.at.toISOString(),
    }));
  }

  /** Where a finished frame, thumbnail or preview lives, for the download routes. */
  fileOf(p: Principal, id: string, what: { frame: number; thumb: boolean } | 'preview'): { path: string; type: string } {
    const m = this.load(p, id);
    if (what === 'preview') {
      if (!m.hasPreview) throw errors.notFound('render preview', id);
      return { path: this.storage.previewPath(id), type: 'video/mp4' };
    }
    if (!m.published.has(what.frame)) throw errors.notFound('render frame', `${id}/${what.frame}`);
    if (what.thumb) {
      if (!m.thumbs.has(what.frame)) throw errors.notFound('render thumbnail', `${id}/${what.frame}`);
      return { path: this.storage.thumbPath(id, what.frame, m.plan.padWidth), type: 'image/jpeg' };
    }
    const type = { png: 'image/png', jpg: 'image/jpeg', exr: 'image/x-exr' }[m.spec.outputFormat];
    return { path: this.storage.framePath(id, what.frame, m.plan.padWidth, m.spec.outputFormat), type };
  }

  // ---------------------------------------------------------------- uploads from nodes (fenced)

  /** Checks that `node` holds the current lease of `taskId` of job `id`; returns the job and task index. */
  private fenced(id: string, nodeId: string, taskId: string, attempt: number): { m: JobMeta; index: number } {
    const ref = parseTaskId(taskId);
    const m = this.jobs.get(id);
    if (!ref || ref.jobId !== id || !m) throw new AppError('LEASE_STALE', 409, `Task ${taskId} is not a task of job ${id}; drop this upload.`);
    const t = this.d.taskInfo(id, ref.index);
    if (t.state !== 'active' || t.attempt !== attempt || t.nodeId !== nodeId) {
      throw new AppError('LEASE_STALE', 409, `Task ${taskId} attempt ${attempt} no longer holds the lease on ${nodeId}; drop this run's results.`);
    }
    return { m, index: ref.index };
  }

  /** A task of the calling worker's current lease, or 409: a worker reads and reports only its own tasks. */
  workerTask(w: WorkerIdentity, taskId: string, attempt: number): { m: JobMeta; index: number } {
    const ref = parseTaskId(taskId);
    if (!ref) throw new AppError('LEASE_STALE', 409, `${taskId} is not a render task; drop it.`);
    return this.fenced(ref.jobId, w.workerId, taskId, attempt);
  }

  async putFrame(
    w: WorkerIdentity,
    q: { taskId: string; attempt: number; frame: number; thumb: boolean },
    body: ReadableStream<Uint8Array> | null,
  ): Promise<{ stored: boolean; frame: number }> {
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

  async putPreview(w: WorkerIdentity, q: { taskId: string; attempt: number }, body: ReadableStream<Uint8Array> | null) {
    const { m, index } = this.workerTask(w, q.taskId, q.attempt);
    if (m.plan.taskKind(index) !== 'preview') {
      await body?.cancel().catch(() => undefined);
      throw errors.validation([{ path: 'taskId', message: `${q.taskId} is not the preview task` }]);
    }
    const { tmp, bytes } = await this.storage.receive(body, this.storage.jobDir(m.id));
    await this.storage.publishReplace(tmp, this.storage.previewPath(m.id));
    m.hasPreview = true;
    return { stored: true, bytes };
  }

  /** The scene of the worker's leased task. */
  workerScene(w: WorkerIdentity, q: { taskId: string; attempt: number }): string {
    const { m } = this.workerTask(w, q.taskId, q.attempt);
    const s = m.spec.scene;
    return s.kind === 'shared' ? this.storage.resolveShared(s.path) : this.storage.uploadPath(s.uploadId, s.fileName);
  }

  /** Published frames of the job of the worker's leased preview task, and where each lives. */
  workerPublished(w: WorkerIdentity, q: { taskId: string; attempt: number }): number[] {
    const { m } = this.workerTask(w, q.taskId, q.attempt);
    return [...m.published].sort((a, b) => a - b);
  }

  workerFrameFile(w: WorkerIdentity, q: { taskId: string; attempt: number; frame: number }): { path: string; type: string } {
    const { m, index } = this.workerTask(w, q.taskId, q.attempt);
    if (m.plan.taskKind(index) !== 'preview') throw errors.validation([{ path: 'taskId', message: `only the preview task reads finished frames; ${q.taskId} is a chunk` }]);
    if (!m.published.has(q.frame)) throw errors.notFound('render frame', `${m.id}/${q.frame}`);
    const type = { png: 'image/png', jpg: 'image/jpeg', exr: 'image/x-exr' }[m.spec.outputFormat];
    return { path: this.storage.framePath(m.id, q.frame, m.plan.padWidth, m.spec.outputFormat), type };
  }

  /** Frames of a job that are published (the preview task downloads them). */
  publishedFrames(p: Principal, id: string): number[] {
    const m = this.load(p, id);
    return [...m.published].sort((a, b) => a - b);
  }

  // ---------------------------------------------------------------- the node protocol

  private nodeState(id: string, req: { siteId: string; tags: string[]; slots: number } | null): NodeState {
    let n = this.nodes.get(id);
    if (!n) {
      n = { id, siteId: req?.siteId ?? this.opts.siteId, tags: req?.tags ?? [], slots: req?.slots ?? 1, lastSeen: 0, persistedAt: 0, inSync: 0, left: true, tasks: new Set() };
      this.nodes.set(id, n);
    }
    return n;
  }

  private seeNode(id: string, req: SyncBody): NodeState {
    const n = this.nodeState(id, req);
    const tags = [...new Set(req.tags)].sort();
    const changed = n.left || n.slots !== req.slots || n.siteId !== req.siteId || n.tags.join(',') !== tags.join(',');
    const now = this.clock.now();
    if (changed) {
      n.tags = tags;
      n.slots = req.slots;
      n.siteId = req.siteId;
      n.left = false;
      this.d.registerNode({ id, tags, slots: req.slots });
    }
    n.lastSeen = now;
    // Last-seen reaches the database at most once a minute per node; the live view is in memory.
    if (changed || now - n.persistedAt > 60_000) {
      n.persistedAt = now;
      this.writer.addNode({ id, siteId: n.siteId, tags, slots: n.slots, lastSeenMs: now });
    }
    return n;
  }

  /** The render part of a worker's sync on the one worker protocol. */
  async syncWorker(w: WorkerIdentity, req: SourceSync, signal?: AbortSignal): Promise<SourceSyncResult> {
    const body: SyncBody = {
      siteId: w.siteId,
      slots: Math.min(256, req.slots),
      tags: req.tags.slice(0, 32),
      free: Math.min(256, req.free),
      running: req.running.map((r) => ({ taskId: r.taskId, attempt: r.attempt, progress: r.progress, logs: r.logs })),
      completed: req.completed.map((r) => ({
        taskId: r.taskId,
        attempt: r.attempt,
        ok: r.result.ok,
        ...(r.result.failure ? { failure: toPolicyFailure(r.result.failure) } : {}),
        logs: r.logs,
      })),
      leaving: req.leaving,
      waitMs: req.waitMs,
    };
    const res = await this.sync(w.workerId, body, signal);
    const render = (f: { taskId: string; attempt: number }) => ({ kind: 'render' as const, taskId: f.taskId, attempt: f.attempt });
    return {
      assignments: res.assignments,
      cancel: res.cancel.map((c) => ({ ...render(c), reason: c.reason })),
      refused: res.refused.map(render),
      accepted: res.accepted,
      nextPollMs: res.nextPollMs,
    };
  }

  /** A revoked worker: whatever it held goes back to the queue now. */
  async forgetWorker(workerId: string): Promise<void> {
    const node = this.nodes.get(workerId);
    if (!node || node.left) return;
    node.left = true;
    try {
      for (const t of this.d.removeNode(workerId)) this.forgetTask(node, t.taskId);
    } catch {
      // Never registered with the dispatcher: nothing to give back.
    }
    this.waiters.get(workerId)?.();
    this.pump();
  }

  private async sync(nodeId: string, req: SyncBody, signal?: AbortSignal): Promise<SyncAnswer> {
    this.counters.syncs++;
    const node = this.seeNode(nodeId, req);
    node.inSync++;
    try {
      return await this.syncAs(node, req, signal);
    } finally {
      node.inSync--;
      node.lastSeen = this.clock.now();
      this.pump();
    }
  }

  private async syncAs(node: NodeState, req: SyncBody, signal?: AbortSignal): Promise<SyncAnswer> {
    const nodeId = node.id;
    const refused: { taskId: string; attempt: number }[] = [];
    const cancel = this.takeCancels(nodeId);
    let accepted = 0;
    for (const rep of req.running) {
      try {
        this.d.heartbeat(nodeId, rep);
        this.counters.heartbeats++;
        accepted++;
        if (rep.progress !== undefined) this.progress.set(rep.taskId, rep.progress);
        this.queueLogs(nodeId, rep.taskId, rep.attempt, rep.logs);
      } catch (err) {
        if (!(err instanceof LeaseStaleError)) throw toAppError(err);
        refused.push({ taskId: rep.taskId, attempt: rep.attempt });
        if (!cancel.some((c) => c.taskId === rep.taskId && c.attempt === rep.attempt)) {
          cancel.push({ taskId: rep.taskId, attempt: rep.attempt, reason: 'lease-lost' });
        }
      }
    }
    for (const rep of req.completed) {
      try {
        this.finish(node, rep);
        accepted++;
      } catch (err) {
        if (!(err instanceof LeaseStaleError)) throw toAppError(err);
        refused.push({ taskId: rep.taskId, attempt: rep.attempt });
      }
    }
    if (req.leaving) {
      node.left = true;
      try {
        for (const t of this.d.removeNode(nodeId)) this.forgetTask(node, t.taskId);
      } catch {
        // Never registered with the dispatcher: nothing to give back.
      }
      return { assignments: [], cancel, refused, nextPollMs: 0, accepted };
    }
    const reports = req.running.length + req.completed.length;
    // Nothing new for a node whose every report was stale: it must drop those runs first.
    if (reports > 0 && accepted === 0) return { assignments: [], cancel, refused, nextPollMs: 0, accepted };
    let assignments = this.assignUpTo(node, req.free);
    if (assignments.length === 0 && cancel.length === 0 && req.completed.length === 0 && req.waitMs > 0 && req.free > 0) {
      const deadline = this.clock.now() + req.waitMs;
      while (!signal?.aborted && !node.left) {
        const left = deadline - this.clock.now();
        if (left <= 0) break;
        await this.waitFor(nodeId, left, signal);
        cancel.push(...this.takeCancels(nodeId));
        if (signal?.aborted || node.left) break;
        assignments = this.assignUpTo(node, req.free);
        if (assignments.length || cancel.length) break;
      }
      if ((signal?.aborted || node.left) && assignments.length) {
        // Nobody is listening for these any more: hand them straight back.
        for (const a of assignments) {
          try {
            this.d.release(nodeId, a);
          } catch {
            /* already gone */
          }
          this.forgetTask(node, a.taskId);
        }
        assignments = [];
      }
    }
    const heartbeatMs = Math.max(200, Math.floor(this.leaseMs / 3));
    return { assignments, cancel, refused, nextPollMs: assignments.length ? 0 : heartbeatMs, accepted };
  }

  private assignUpTo(node: NodeState, free: number): RenderWork[] {
    const out: RenderWork[] = [];
    for (let i = 0; i < free; i++) {
      let a: Assignment | null;
      try {
        a = this.d.assign(node.id);
      } catch (err) {
        throw toAppError(err);
      }
      if (!a) break;
      out.push(this.toAssignment(node, a));
    }
    return out;
  }

  private toAssignment(node: NodeState, a: Assignment): RenderWork {
    const m = this.jobs.get(a.jobId)!;
    const taskId = a.token.taskId;
    this.counters.assigned++;
    this.startedAt.set(taskId, this.clock.now());
    this.progress.set(taskId, 0);
    node.tasks.add(taskId);
    const done: number[] = [];
    if (a.kind === 'chunk' && m.published.size) for (const f of iterateFrames(a.frames)) if (m.published.has(f)) done.push(f);
    const o = m.spec.overrides;
    return {
      kind: 'render',
      taskId,
      attempt: a.token.attempt,
      jobId: a.jobId,
      index: a.taskIndex,
      part: a.kind,
      frames: a.kind === 'preview' ? m.spec.frames : formatFrameRanges(a.frames),
      done,
      renderer: m.spec.renderer,
      scene: m.spec.scene,
      outputFormat: m.spec.outputFormat,
      padWidth: m.plan.padWidth,
      overrides: {
        ...(o.resolutionX !== undefined ? { resolutionX: o.resolutionX } : {}),
        ...(o.resolutionY !== undefined ? { resolutionY: o.resolutionY } : {}),
        ...(o.samples !== undefined ? { samples: o.samples } : {}),
      },
      animation: { ...m.plan.animation },
      fps: m.spec.fps,
      thumbnailWidth: m.spec.thumbnailWidth,
      leaseMs: this.leaseMs,
      limits: RENDER_TASK_LIMITS,
    };
  }

  private finish(node: NodeState, rep: SyncBody['completed'][number]): void {
    const ref = parseTaskId(rep.taskId);
    const m = ref ? this.jobs.get(ref.jobId) : undefined;
    if (!ref || !m) throw new LeaseStaleError(rep.taskId, rep.attempt, 'unknown task');
    const token = { taskId: rep.taskId, attempt: rep.attempt };
    // Checked first, so a stale report changes nothing (not even the logs).
    const info = this.d.taskInfo(m.id, ref.index);
    if (info.state !== 'active' || info.attempt !== rep.attempt || info.nodeId !== node.id) {
      throw new LeaseStaleError(rep.taskId, rep.attempt, 'task is not leased to this node');
    }
    this.queueLogs(node.id, rep.taskId, rep.attempt, rep.logs);
    const now = this.clock.now();
    const started = this.startedAt.get(rep.taskId);
    if (started !== undefined) m.nodeMs += Math.max(0, now - started);
    // The node's message is renderer output (data, not input): made storable, never refused.
    let failure = rep.ok ? null : rep.failure ? { kind: rep.failure.kind, message: storableText(rep.failure.message) } : { kind: 'render-error' as const, message: 'the node reported a failure without a message' };
    if (!failure && this.opts.verifyFrames !== false) {
      // Trust, but verify: a chunk is done only when all its frames are on the server.
      if (ref.index === m.plan.previewIndex) {
        if (!m.hasPreview) failure = { kind: 'render-error', message: 'preview task reported success but no preview was uploaded' };
      } else {
        const frames = m.plan.taskFrames(ref.index);
        const missing: number[] = [];
        for (const f of iterateFrames(frames)) if (!m.published.has(f)) missing.push(f);
        if (missing.length) {
          failure = { kind: 'render-error', message: `chunk reported success but ${missing.length} frame(s) were not uploaded (first: ${missing[0]})` };
        }
      }
    }
    this.forgetTask(node, rep.taskId);
    if (!failure) {
      this.d.complete(node.id, token);
      this.counters.completed++;
      this.countThroughput(now, ref.index === m.plan.previewIndex ? 0 : countFrames(m.plan.taskFrames(ref.index)));
      return;
    }
    this.writer.addLog({ jobId: m.id, idx: ref.index, attempt: rep.attempt, nodeId: node.id, stream: 'system', text: `${failure.kind}: ${failure.message}` });
    const res = this.d.fail(node.id, token, failure);
    if (res.nodeBlocklisted) {
      this.writer.addLog({ jobId: m.id, idx: ref.index, attempt: rep.attempt, nodeId: node.id, stream: 'system', text: `node ${node.id} is blocklisted for this job` });
    }
  }

  private forgetTask(node: NodeState, taskId: string): void {
    node.tasks.delete(taskId);
    this.startedAt.delete(taskId);
    this.progress.delete(taskId);
  }

  private queueLogs(nodeId: string, taskId: string, attempt: number, logs: readonly { stream: 'stdout' | 'stderr'; text: string }[]): void {
    if (!logs.length) return;
    const ref = parseTaskId(taskId);
    if (!ref) return;
    for (const l of logs) this.writer.addLog({ jobId: ref.jobId, idx: ref.index, attempt, nodeId, stream: l.stream, text: l.text });
  }

  private countThroughput(now: number, frames: number): void {
    const b = Math.floor(now / BUCKET_MS);
    const cur = this.buckets.get(b) ?? { tasks: 0, frames: 0 };
    cur.tasks++;
    cur.frames += frames;
    this.buckets.set(b, cur);
    if (this.buckets.size > THROUGHPUT_WINDOW_MS / BUCKET_MS + 2) {
      for (const k of this.buckets.keys()) if (k < b - THROUGHPUT_WINDOW_MS / BUCKET_MS) this.buckets.delete(k);
    }
  }

  private takeCancels(nodeId: string): { taskId: string; attempt: number; reason: string }[] {
    const list = this.pendingCancels.get(nodeId);
    if (!list) return [];
    this.pendingCancels.delete(nodeId);
    return list;
  }

  private waitFor(nodeId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        if (this.waiters.get(nodeId) === done) this.waiters.delete(nodeId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      // A node has at most one parked poll; an older one is answered now.
      this.waiters.get(nodeId)?.();
      this.waiters.set(nodeId, done);
    });
  }

  /**
   * Answers parked polls the dispatcher named and hands revocations to their nodes. A wakeup for a
   * node whose poll is gone is passed on to another parked poll, so no work waits for a timeout.
   */
  pump(): void {
    let missed = 0;
    for (const id of this.d.drainWakeups()) {
      const w = this.waiters.get(id);
      if (w) w();
      else missed++;
    }
    if (missed > 0) {
      for (const w of [...this.waiters.values()].slice(0, missed)) w();
    }
    for (const r of this.d.drainRevocations()) {
      const list = this.pendingCancels.get(r.nodeId) ?? [];
      list.push({ ...r.token, reason: r.reason });
      this.pendingCancels.set(r.nodeId, list);
      const n = this.nodes.get(r.nodeId);
      if (n) this.forgetTask(n, r.token.taskId);
      this.waiters.get(r.nodeId)?.();
    }
  }

  // ---------------------------------------------------------------- farm views

  private nodeStatus(n: NodeState, now: number): RenderNodeInfo['state'] {
    if (n.left || (n.inSync === 0 && now - n.lastSeen > this.leaseMs)) return 'offline';
    return n.tasks.size ? 'busy' : 'idle';
  }

  nodesList(p: Principal, q: { offset: number; limit: number; state?: RenderNodeInfo['state'] | undefined }): { items: RenderNodeInfo[]; total: number } {
    requireRole(p, ['operator', 'viewer'], 'list render nodes');
    const now = this.clock.now();
    const blocked = new Map<string, { jobId: string; until: string }[]>();
    for (const m of this.jobs.values()) {
      if (FINAL_JOB_STATES.has(this.d.jobStatus(m.id).state)) continue;
      for (const b of this.d.jobStatus(m.id).blocklist) {
        if (b.until <= now) continue;
        const list = blocked.get(b.nodeId) ?? [];
        list.push({ jobId: m.id, until: new Date(b.until).toISOString() });
        blocked.set(b.nodeId, list);
      }
    }
    const all = [...this.nodes.values()].filter((n) => !q.state || this.nodeStatus(n, now) === q.state).sort((a, b) => (a.id < b.id ? -1 : 1));
    return {
      total: all.length,
      items: all.slice(q.offset, q.offset + q.limit).map((n) => ({
        id: n.id,
        siteId: n.siteId,
        tags: n.tags,
        slots: n.slots,
        state: this.nodeStatus(n, now),
        lastSeenAt: n.lastSeen ? new Date(n.lastSeen).toISOString() : null,
        current: [...n.tasks].map((taskId) => {
          const ref = parseTaskId(taskId)!;
          return { taskId, jobId: ref.jobId, index: ref.index, progress: this.progress.get(taskId) ?? null };
        }),
        blocklistedIn: blocked.get(n.id) ?? [],
      })),
    };
  }

  overview(p: Principal, renderersHere: RenderFarmOverview['renderersHere']): RenderFarmOverview {
    principalOfScope(p);
    const now = this.clock.now();
    const nodes = { total: 0, idle: 0, busy: 0, offline: 0 };
    for (const n of this.nodes.values()) {
      nodes.total++;
      nodes[this.nodeStatus(n, now)]++;
    }
    const scope = p.role === 'tenant' ? p.tenantId : null;
    const jobs = { queued: 0, active: 0, paused: 0, completed: 0, failed: 0, cancelled: 0 };
    let tasksQueued = 0;
    let tasksActive = 0;
    for (const m of this.jobs.values()) {
      if (scope && m.tenantId !== scope) continue;
      const st = this.d.jobStatus(m.id);
      jobs[st.state]++;
      if (!FINAL_JOB_STATES.has(st.state)) {
        tasksQueued += st.counts.queued;
        tasksActive += st.counts.active;
      }
    }
    let tasks = 0;
    let frames = 0;
    const from = Math.floor((now - THROUGHPUT_WINDOW_MS) / BUCKET_MS);
    for (const [k, v] of this.buckets) {
      if (k <= from) continue;
      tasks += v.tasks;
      frames += v.frames;
    }
    const minutes = THROUGHPUT_WINDOW_MS / 60_000;
    return { nodes, jobs, tasksQueued, tasksActive, tasksPerMinute: tasks / minutes, framesPerMinute: frames / minutes, renderersHere };
  }

  // ---------------------------------------------------------------- scoping

  private scope(p: Principal): string | null {
    if (READ_ALL.includes(p.role)) return null;
    if (p.role === 'tenant' && p.tenantId) return p.tenantId;
    throw errors.forbidden('read render jobs');
  }

  private load(p: Principal, id: string): JobMeta {
    const scope = this.scope(p);
    const m = this.jobs.get(id);
    // Another tenant's job is reported as missing: its existence is not ours to reveal.
    if (!m || (scope && m.tenantId !== scope)) throw errors.notFound('render job', id);
    return m;
  }

  /** Task states in TASK_STATES order, for callers that want a stable column order. */
  static readonly taskStates = TASK_STATES;
}

function principalOfScope(p: Principal): void {
  if (!['operator', 'viewer', 'tenant'].includes(p.role)) throw errors.forbidden('see the render farm');
}

/**
 * A worker's failure in the render failure policy's two kinds: a bad scene, or anything else (whose
 * code the message keeps, so the log says what went wrong).
 */
function toPolicyFailure(f: { code: string; message: string }): { kind: 'render-error' | 'scene-load'; message: string } {
  if (f.code === 'scene-load' || f.code === 'render-error') return { kind: f.code, message: f.message };
  return { kind: 'render-error', message: `${f.code}: ${f.message}` };
}
