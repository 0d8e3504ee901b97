import { eq, sql } from 'drizzle-orm';
import { FINAL_JOB_STATES, formatFrameRanges, jobTypeName, parseTaskId } from '@shuzhi/render';
import type { JobState } from '@shuzhi/render';
import type { RenderFarmOverview, RenderJob, RenderJobDetail, RenderNodeInfo, RenderTask } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { errors } from '../errors.ts';
import { renderFrames, renderTaskLogs } from './db-schema.ts';
import type { FarmState, JobMeta, NodeState } from './state.ts';
import type { RenderStorage } from './storage.ts';
import type { Throughput } from './throughput.ts';
import type { BlobStore } from './assets/blob-store.ts';

const FRAME_TYPES = { png: 'image/png', jpg: 'image/jpeg', exr: 'image/x-exr' } as const;

/**
 * The tenant whose jobs the caller may see, or null for every tenant's. Which roles may read at all
 * is the routes' rule; this is only ownership.
 */
export function tenantScope(p: Principal): string | null {
  if (p.role !== 'tenant') return null;
  if (!p.tenantId) throw errors.forbidden('read render jobs without a tenant');
  return p.tenantId;
}

/** The read models of the farm: jobs, tasks, nodes, the overview, and where a job's files live. */
export class FarmViews {
  constructor(
    private readonly db: Db,
    private readonly state: FarmState,
    private readonly storage: RenderStorage,
    private readonly throughput: Throughput,
    private readonly blobs: BlobStore,
  ) {}

  /** A job of the caller's tenant (any job for operators and viewers); another tenant's is reported missing. */
  load(p: Principal, id: string): JobMeta {
    const scope = tenantScope(p);
    const m = this.state.jobs.get(id);
    // Another tenant's job is reported as missing: its existence is not ours to reveal.
    if (!m || (scope && m.tenantId !== scope)) throw errors.notFound('render job', id);
    return m;
  }

  list(p: Principal, q: { state?: JobState | undefined; limit: number; offset: number }): { items: RenderJob[]; total: number } {
    const scope = tenantScope(p);
    const all = [...this.state.jobs.values()]
      .filter((m) => (!scope || m.tenantId === scope) && (!q.state || this.state.jobStatus(m).state === q.state))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
    return { items: all.slice(q.offset, q.offset + q.limit).map((m) => this.job(m)), total: all.length };
  }

  get(p: Principal, id: string, page: { offset: number; limit: number }): RenderJobDetail {
    const m = this.load(p, id);
    const st = this.state.jobStatus(m);
    const tasks: RenderTask[] = [];
    const end = Math.min(m.plan.taskCount, page.offset + page.limit);
    for (let i = page.offset; i < end; i++) tasks.push(this.task(m, i));
    return {
      ...this.job(m),
      spec: m.spec as unknown as Record<string, unknown>,
      blocklist: st.blocklist.map((b) => ({ nodeId: b.nodeId, until: new Date(b.until).toISOString() })),
      tasks,
      tasksTotal: m.plan.taskCount,
    };
  }

  task(m: JobMeta, index: number): RenderTask {
    const t = this.state.taskInfo(m, index);
    return {
      index,
      taskId: t.taskId,
      kind: t.kind,
      frames: formatFrameRanges(m.plan.taskFrames(index)),
      state: t.state,
      attempt: t.attempt,
      nodeId: t.nodeId,
      failedOn: [...t.failedOn],
      progress: t.state === 'completed' ? 1 : (this.state.progress.get(t.taskId) ?? (t.state === 'active' ? 0 : null)),
    };
  }

  job(m: JobMeta): RenderJob {
    const st = this.state.jobStatus(m);
    return {
      id: m.id,
      tenantId: m.tenantId,
      name: m.name,
      renderer: m.spec.renderer ?? null,
      type: jobTypeName(m.spec),
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
      waiting: m.waiting,
      dependsOn: m.spec.after.map((d) => ({ job: d.job, mode: d.mode })),
      dependants: [...(this.state.dependants.get(m.id) ?? [])].flatMap((id) => {
        const d = this.state.jobs.get(id)?.spec.after.find((a) => a.job === m.id);
        return d ? [{ job: id, mode: d.mode }] : [];
      }),
      heldReason: st.heldReason,
    };
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
    return this.frameFile(m, what.frame);
  }

  frameFile(m: JobMeta, frame: number): { path: string; type: string } {
    return { path: this.storage.framePath(m.id, frame, m.plan.padWidth, m.spec.outputFormat), type: FRAME_TYPES[m.spec.outputFormat] };
  }

  /**
   * The scene file of a job (nodes download it when it is not on their shared storage); for a
   * manifest, its main file (a node that knows manifests fetches every file of it instead).
   */
  async sceneOf(m: JobMeta): Promise<string> {
    const s = m.spec.scene;
    if (!s) throw errors.notFound('render scene', m.id);
    if (s.kind === 'shared') return this.storage.resolveShared(s.path);
    if (s.kind === 'upload') return this.storage.uploadPath(s.uploadId, s.fileName);
    const main = (await this.blobs.manifest(m.tenantId, s.manifest))?.files.find((f) => f.path === s.main);
    const path = main ? await this.blobs.pathOf(m.tenantId, main.sha256) : null;
    if (!path) throw errors.notFound('render scene', m.id);
    return path;
  }

  scenePath(p: Principal, jobId: string): Promise<string> {
    return this.sceneOf(this.load(p, jobId));
  }

  /** Frames of a job that are published (the preview task downloads them). */
  publishedFrames(p: Principal, id: string): number[] {
    return [...this.load(p, id).published].sort((a, b) => a - b);
  }

  private nodeStatus(n: NodeState, now: number): RenderNodeInfo['state'] {
    return this.state.nodeCounts.statusOf(n, now);
  }

  nodesList(q: { offset: number; limit: number; state?: RenderNodeInfo['state'] | undefined }): { items: RenderNodeInfo[]; total: number } {
    const now = this.state.clock.now();
    const blocked = new Map<string, { jobId: string; until: string }[]>();
    for (const m of this.state.jobs.values()) {
      const st = this.state.jobStatus(m);
      if (FINAL_JOB_STATES.has(st.state)) continue;
      for (const b of st.blocklist) {
        if (b.until <= now) continue;
        const list = blocked.get(b.nodeId) ?? [];
        list.push({ jobId: m.id, until: new Date(b.until).toISOString() });
        blocked.set(b.nodeId, list);
      }
    }
    const all = [...this.state.nodes.values()].filter((n) => !q.state || this.nodeStatus(n, now) === q.state).sort((a, b) => (a.id < b.id ? -1 : 1));
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
          return { taskId, jobId: ref.jobId, index: ref.index, progress: this.state.progress.get(taskId) ?? null };
        }),
        blocklistedIn: blocked.get(n.id) ?? [],
      })),
    };
  }

  overview(p: Principal, renderersHere: RenderFarmOverview['renderersHere']): RenderFarmOverview {
    const now = this.state.clock.now();
    // Counters, not a walk over the nodes: this is the call an operator makes while 20,000 nodes sync.
    // The sweep first, so a node silent for a lease counts as offline now, not at the next timer tick.
    this.state.nodeCounts.sweep(now);
    const nodes = this.state.nodeCounts.get();
    const scope = tenantScope(p);
    const jobs = { queued: 0, active: 0, paused: 0, completed: 0, failed: 0, cancelled: 0 };
    let tasksQueued = 0;
    let tasksActive = 0;
    for (const m of this.state.jobs.values()) {
      if (scope && m.tenantId !== scope) continue;
      const st = this.state.jobStatus(m);
      jobs[st.state]++;
      if (!FINAL_JOB_STATES.has(st.state)) {
        tasksQueued += st.counts.queued;
        tasksActive += st.counts.active;
      }
    }
    const rate = this.throughput.perMinute(now);
    return { nodes, jobs, tasksQueued, tasksActive, tasksPerMinute: rate.tasks, framesPerMinute: rate.frames, renderersHere };
  }
}
