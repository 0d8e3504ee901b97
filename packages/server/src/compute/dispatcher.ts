import { and, eq, inArray, sql } from 'drizzle-orm';
import { meterRun, siteLoadKW } from '@shuzhi/compute';
import type { Assignment, Fence, SyncRequest, SyncResponse } from '@shuzhi/schema';
import type { Db, Tx } from '../db/client.ts';
import { agents, jobs, runs, taskLogs, tasks } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { newId } from '../ids.ts';
import type { Logger } from '../log.ts';
import type { NetworkStore } from './network-store.ts';
import { cheapestSiteNow } from './placement.ts';

interface TaskInfo {
  taskId: string;
  jobId: string;
  tenantId: string;
  type: string;
  units: number;
  hours: number;
  regions: string[];
  priority: number;
  command: string;
  env: Record<string, string>;
  createdAt: number;
}

interface RunningTask extends TaskInfo {
  siteId: string;
  attempt: number;
  agentId: string;
  runId: string;
  startedAt: number;
  leaseExpiresAt: number;
}

interface AgentState {
  id: string;
  siteId: string;
  slots: number;
  tags: string[];
  lastSeen: number;
  /** Sync calls in flight: an agent parked in a long poll is online. */
  inSync: number;
  /** Said goodbye: offline until it syncs again, whatever its abandoned polls do. */
  left: boolean;
}

export interface DispatcherOptions {
  leaseMs: number;
  now?: () => number;
}

/** Higher priority first, then first come first served. */
const byPriority = (a: TaskInfo, b: TaskInfo) => b.priority - a.priority || a.createdAt - b.createdAt;

/**
 * The agent executor's dispatcher: queues and leases live in memory, every state change is written to
 * the database first (conditional updates fenced by attempt), and the in-memory state is rebuilt
 * from the database at start.
 */
export class Dispatcher {
  private unplaced: TaskInfo[] = [];
  private siteQueues = new Map<string, TaskInfo[]>();
  private running = new Map<string, RunningTask>();
  private agentsById = new Map<string, AgentState>();
  private waiters = new Map<string, Set<() => void>>();
  /** Fences an agent must stop (cancelled jobs), handed out on its next sync. */
  private pendingCancels = new Map<string, Fence[]>();
  private timer: NodeJS.Timeout | null = null;
  private placing: Promise<void> | null = null;
  private readonly now: () => number;
  /** Placement hook: the planner replaces the cheapest-now rule when it lands. */
  placeFn = cheapestSiteNow;

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly network: NetworkStore,
    private readonly log: Logger,
    private readonly opts: DispatcherOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Rebuilds queues and leases from the database. Running tasks get a fresh lease to report back. */
  async recover(): Promise<void> {
    const rows = await this.db
      .select({ t: tasks, j: jobs })
      .from(tasks)
      .innerJoin(jobs, eq(jobs.id, tasks.jobId))
      .where(inArray(tasks.status, ['queued', 'planned', 'running']));
    const openRuns = await this.db
      .select({ id: runs.id, taskId: runs.taskId, attempt: runs.attempt, startedAt: runs.startedAt })
      .from(runs)
      .where(eq(runs.status, 'running'));
    const runByFence = new Map(openRuns.map((r) => [`${r.taskId}:${r.attempt}`, r]));
    for (const { t, j } of rows) {
      const info = this.taskInfo(t.id, j);
      if (t.status === 'queued') this.unplaced.push(info);
      else if (t.status === 'planned' && t.siteId) this.enqueue(t.siteId, info);
      else if (t.status === 'running' && t.siteId && t.agentId) {
        const run = runByFence.get(`${t.id}:${t.attempt}`);
        this.running.set(t.id, {
          ...info,
          siteId: t.siteId,
          attempt: t.attempt,
          agentId: t.agentId,
          runId: run?.id ?? '',
          startedAt: run?.startedAt.getTime() ?? this.now(),
          leaseExpiresAt: this.now() + this.opts.leaseMs,
        });
      }
    }
    this.unplaced.sort(byPriority);
    const agentRows = await this.db.select().from(agents);
    for (const a of agentRows) {
      // Agents count as online again only once they sync; until then their lease clock runs.
      this.agentsById.set(a.id, { id: a.id, siteId: a.siteId, slots: a.slots, tags: a.tags, lastSeen: 0, inSync: 0, left: true });
    }
    this.log.info(
      { unplaced: this.unplaced.length, planned: this.countQueued(), running: this.running.size },
      'dispatcher recovered from database',
    );
  }

  start(tickMs = 1000): void {
    this.timer = setInterval(() => {
      void this.tick().catch((err) => this.log.error({ err }, 'dispatcher tick failed'));
    }, tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const set of this.waiters.values()) for (const w of set) w();
  }

  async tick(): Promise<void> {
    await this.expireLeases();
    await this.unplaceOrphans();
    await this.place();
  }

  /** Work waiting at a site whose agents have all gone away goes back to placement. */
  private async unplaceOrphans(): Promise<void> {
    for (const [siteId, q] of this.siteQueues) {
      if (q.length === 0 || this.agentsOnline(siteId) > 0) continue;
      const ids = q.map((t) => t.taskId);
      await this.db.transaction(async (tx) => {
        await tx
          .update(tasks)
          .set({ status: 'queued', siteId: null, updatedAt: new Date() })
          .where(and(inArray(tasks.id, ids), eq(tasks.status, 'planned')));
        await tx
          .update(jobs)
          .set({ status: 'queued', siteId: null, explanation: null, updatedAt: new Date() })
          .where(and(inArray(jobs.id, q.map((t) => t.jobId)), eq(jobs.status, 'planned')));
      });
      this.siteQueues.set(siteId, []);
      this.unplaced.push(...q);
      this.unplaced.sort(byPriority);
      this.log.info({ siteId, tasks: ids.length }, 'no agent online at site; work goes back to placement');
    }
  }

  // ---- queries for the API and the live figures ----

  busyUnits(siteId: string, type?: string): number {
    let n = 0;
    for (const r of this.running.values()) if (r.siteId === siteId && (!type || r.type === type)) n += r.units;
    for (const q of this.siteQueues.get(siteId) ?? []) if (!type || q.type === type) n += q.units;
    return n;
  }

  busyByType(siteId: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.running.values()) if (r.siteId === siteId) out[r.type] = (out[r.type] ?? 0) + r.units;
    return out;
  }

  agentsOnline(siteId?: string): number {
    const cutoff = this.now() - this.opts.leaseMs;
    let n = 0;
    for (const a of this.agentsById.values()) {
      if (!a.left && (a.inSync > 0 || a.lastSeen >= cutoff) && (!siteId || a.siteId === siteId)) n++;
    }
    return n;
  }

  counts() {
    return { unplaced: this.unplaced.length, planned: this.countQueued(), running: this.running.size };
  }

  private countQueued(): number {
    let n = 0;
    for (const q of this.siteQueues.values()) n += q.length;
    return n;
  }

  // ---- job lifecycle entry points ----

  /** A new job's task was committed as `queued`: try to place it at once. */
  async submitted(taskId: string): Promise<void> {
    const [row] = await this.db
      .select({ t: tasks, j: jobs })
      .from(tasks)
      .innerJoin(jobs, eq(jobs.id, tasks.jobId))
      .where(eq(tasks.id, taskId));
    if (!row || row.t.status !== 'queued') return;
    this.unplaced.push(this.taskInfo(row.t.id, row.j));
    this.unplaced.sort(byPriority);
    await this.place();
  }

  /** Cancels a job's work wherever it is: unplaced, queued at a site, or running on an agent. */
  async cancel(jobId: string, tx: Tx, ev: PublishedEvent[], actor: string): Promise<() => void> {
    const rows = await tx
      .update(tasks)
      .set({ status: 'cancelled', leaseExpiresAt: null, updatedAt: new Date() })
      .where(and(eq(tasks.jobId, jobId), inArray(tasks.status, ['queued', 'planned', 'running'])))
      .returning({ id: tasks.id });
    const ids = new Set(rows.map((r) => r.id));
    const cancelledRuns: RunningTask[] = [];
    for (const id of ids) {
      const r = this.running.get(id);
      if (r) {
        cancelledRuns.push(r);
        await tx
          .update(runs)
          .set({ status: 'cancelled', endedAt: new Date(this.now()) })
          .where(and(eq(runs.taskId, id), eq(runs.attempt, r.attempt), eq(runs.status, 'running')));
      }
    }
    await this.bus.record(tx, ev, {
      kind: 'task.cancelled',
      entity: 'job',
      entityId: jobId,
      actor,
      data: { tasks: [...ids] },
    });
    // Memory follows only after the transaction commits.
    return () => {
      this.unplaced = this.unplaced.filter((t) => !ids.has(t.taskId));
      for (const [site, q] of this.siteQueues) this.siteQueues.set(site, q.filter((t) => !ids.has(t.taskId)));
      for (const r of cancelledRuns) {
        this.running.delete(r.taskId);
        const list = this.pendingCancels.get(r.agentId) ?? [];
        list.push({ taskId: r.taskId, attempt: r.attempt });
        this.pendingCancels.set(r.agentId, list);
        this.wake(r.siteId);
      }
      void this.place();
    };
  }

  // ---- placement ----

  async place(): Promise<void> {
    // One placement pass at a time: two passes could both see the same free units.
    if (this.placing) return this.placing;
    this.placing = this.placeOnce().finally(() => {
      this.placing = null;
    });
    return this.placing;
  }

  private async placeOnce(): Promise<void> {
    if (this.unplaced.length === 0) return;
    const sites = (await this.network.listSites()).filter((s) => s.engine === 'agent' && this.agentsOnline(s.id) > 0);
    const free = (siteId: string, type: string) => {
      const site = sites.find((s) => s.id === siteId);
      const pool = site?.pools.find((p) => p.type === type);
      return pool ? pool.units - this.busyUnits(siteId, type) : 0;
    };
    const still: TaskInfo[] = [];
    for (const t of this.unplaced) {
      const choice = this.placeFn(t, sites, free, this.now());
      if (!choice) {
        still.push(t);
        continue;
      }
      const ev: PublishedEvent[] = [];
      const placed = await this.db.transaction(async (tx) => {
        const upd = await tx
          .update(tasks)
          .set({ status: 'planned', siteId: choice.siteId, updatedAt: new Date() })
          .where(and(eq(tasks.id, t.taskId), eq(tasks.status, 'queued')))
          .returning({ id: tasks.id });
        if (upd.length === 0) return false;
        await tx
          .update(jobs)
          .set({ status: 'planned', siteId: choice.siteId, explanation: choice.explanation, updatedAt: new Date() })
          .where(and(eq(jobs.id, t.jobId), inArray(jobs.status, ['queued', 'planned'])));
        await this.bus.record(tx, ev, {
          kind: 'job.status',
          entity: 'job',
          entityId: t.jobId,
          tenantId: t.tenantId,
          data: { status: 'planned', siteId: choice.siteId, explanation: choice.explanation },
        });
        return true;
      });
      this.bus.publish(ev);
      if (placed) this.enqueue(choice.siteId, t);
    }
    this.unplaced = still;
  }

  private enqueue(siteId: string, t: TaskInfo) {
    const q = this.siteQueues.get(siteId) ?? [];
    q.push(t);
    q.sort(byPriority);
    this.siteQueues.set(siteId, q);
    this.wake(siteId);
  }

  private wake(siteId: string) {
    const set = this.waiters.get(siteId);
    if (!set) return;
    this.waiters.delete(siteId);
    for (const w of set) w();
  }

  // ---- leases ----

  /**
   * A departing agent reports its last completions; everything else it held is lost now rather
   * than at lease expiry, and it no longer counts as online.
   */
  private async leave(agent: AgentState, req: SyncRequest): Promise<SyncResponse> {
    const refused: Fence[] = [];
    for (const rep of req.completed) {
      if (!(await this.complete(agent.id, rep))) refused.push({ taskId: rep.taskId, attempt: rep.attempt });
    }
    agent.left = true;
    await this.expireLeases((r) => r.agentId === agent.id, 'agent-left');
    this.pendingCancels.delete(agent.id);
    return { assignments: [], cancel: [], refused, nextPollMs: 0 };
  }

  private async expireLeases(
    filter: (r: RunningTask) => boolean = (r) => r.leaseExpiresAt <= this.now(),
    reason = 'lease-expired',
  ): Promise<void> {
    const now = this.now();
    for (const r of [...this.running.values()]) {
      if (!filter(r)) continue;
      const ev: PublishedEvent[] = [];
      const requeued = await this.db.transaction(async (tx) => {
        const upd = await tx
          .update(tasks)
          .set({ status: 'queued', agentId: null, siteId: null, leaseExpiresAt: null, updatedAt: new Date() })
          .where(and(eq(tasks.id, r.taskId), eq(tasks.attempt, r.attempt), eq(tasks.status, 'running')))
          .returning({ id: tasks.id });
        if (upd.length === 0) return false;
        await tx
          .update(runs)
          .set({ status: 'lost', endedAt: new Date(now) })
          .where(and(eq(runs.taskId, r.taskId), eq(runs.attempt, r.attempt)));
        await tx
          .update(jobs)
          .set({ status: 'queued', siteId: null, updatedAt: new Date() })
          .where(eq(jobs.id, r.jobId));
        await tx.insert(taskLogs).values({
          jobId: r.jobId,
          taskId: r.taskId,
          attempt: r.attempt,
          stream: 'system',
          text:
            reason === 'agent-left'
              ? `agent ${r.agentId} shut down; the task is requeued\n`
              : `lease expired: agent ${r.agentId} went silent; the task is requeued\n`,
        });
        await this.bus.record(tx, ev, {
          kind: 'job.status',
          entity: 'job',
          entityId: r.jobId,
          tenantId: r.tenantId,
          data: { status: 'queued', reason, agentId: r.agentId, attempt: r.attempt },
        });
        return true;
      });
      this.bus.publish(ev);
      this.running.delete(r.taskId);
      if (requeued) {
        this.log.warn({ taskId: r.taskId, agentId: r.agentId, attempt: r.attempt, reason }, 'task requeued');
        this.unplaced.push(r);
        this.unplaced.sort(byPriority);
      }
    }
  }

  // ---- the agent's long-poll sync ----

  async sync(agentId: string, req: SyncRequest, signal?: AbortSignal): Promise<SyncResponse> {
    const agent = await this.seeAgent(agentId, req);
    if (req.leaving) return this.leave(agent, req);
    agent.inSync++;
    try {
      return await this.syncAs(agentId, req, signal);
    } finally {
      agent.inSync--;
      if (!agent.left) agent.lastSeen = this.now();
    }
  }

  private async syncAs(agentId: string, req: SyncRequest, signal?: AbortSignal): Promise<SyncResponse> {
    const refused: Fence[] = [];
    const cancel: Fence[] = this.pendingCancels.get(agentId) ?? [];
    this.pendingCancels.delete(agentId);
    let accepted = 0;

    for (const rep of req.running) {
      const r = this.running.get(rep.taskId);
      if (!r || r.attempt !== rep.attempt || r.agentId !== agentId) {
        refused.push({ taskId: rep.taskId, attempt: rep.attempt });
        if (!cancel.some((c) => c.taskId === rep.taskId && c.attempt === rep.attempt)) cancel.push(rep);
        continue;
      }
      accepted++;
      r.leaseExpiresAt = this.now() + this.opts.leaseMs;
      if (rep.logs.length) await this.appendLogs(r, rep.logs);
    }
    for (const rep of req.completed) {
      const ok = await this.complete(agentId, rep);
      if (ok) accepted++;
      else refused.push({ taskId: rep.taskId, attempt: rep.attempt });
    }
    const reports = req.running.length + req.completed.length;
    if (reports > 0 && accepted === 0) {
      throw new AppError(
        'STALE_REPORT',
        409,
        `Every report in this sync is for an attempt the server no longer accepts (lease lost or task cancelled): ${refused
          .map((f) => `${f.taskId}#${f.attempt}`)
          .join(', ')}. Drop those tasks.`,
        { errors: refused.map((f) => ({ path: `${f.taskId}#${f.attempt}`, message: 'stale attempt' })) },
      );
    }

    let assignments = signal?.aborted ? [] : await this.assign(agentId, req);
    if (assignments.length === 0 && cancel.length === 0 && reports === 0 && req.waitMs > 0 && req.free > 0) {
      await this.waitForWork(req.siteId, req.waitMs, signal);
      if (!signal?.aborted && !this.agentsById.get(agentId)?.left) assignments = await this.assign(agentId, req);
      const late = this.pendingCancels.get(agentId);
      if (late) {
        cancel.push(...late);
        this.pendingCancels.delete(agentId);
      }
    }
    // Come straight back only when there may be more work; otherwise heartbeat at a third of the lease.
    return { assignments, cancel, refused, nextPollMs: assignments.length ? 0 : Math.max(200, Math.floor(this.opts.leaseMs / 3)) };
  }

  private async seeAgent(agentId: string, req: SyncRequest) {
    const known = this.agentsById.get(agentId);
    const wasOffline = !known || known.left || (known.inSync === 0 && known.lastSeen < this.now() - this.opts.leaseMs);
    const state: AgentState = {
      id: agentId,
      siteId: req.siteId,
      slots: req.slots,
      tags: req.tags,
      lastSeen: this.now(),
      inSync: known?.inSync ?? 0,
      left: req.leaving,
    };
    this.agentsById.set(agentId, state);
    if (!known || known.siteId !== req.siteId || known.slots !== req.slots) {
      await this.db
        .insert(agents)
        .values({ id: agentId, siteId: req.siteId, slots: req.slots, tags: req.tags })
        .onConflictDoUpdate({
          target: agents.id,
          set: { siteId: req.siteId, slots: req.slots, tags: req.tags, lastSeenAt: new Date() },
        });
    }
    // A site that just got its first agent may take queued work.
    if (wasOffline && this.unplaced.length) void this.place();
    return state;
  }

  private waitForWork(siteId: string, ms: number, signal?: AbortSignal): Promise<void> {
    if ((this.siteQueues.get(siteId)?.length ?? 0) > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiters.get(siteId) ?? new Set();
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      this.waiters.set(siteId, set);
      signal?.addEventListener('abort', done);
    });
  }

  private async assign(agentId: string, req: SyncRequest): Promise<Assignment[]> {
    const q = this.siteQueues.get(req.siteId);
    const out: Assignment[] = [];
    const mine = [...this.running.values()].filter((r) => r.agentId === agentId).length;
    let free = Math.min(req.free, Math.max(0, req.slots - mine));
    while (q && q.length > 0 && free > 0) {
      const t = q.shift()!;
      const a = await this.startRun(agentId, req.siteId, t);
      if (a) {
        out.push(a);
        free--;
      }
    }
    return out;
  }

  private async startRun(agentId: string, siteId: string, t: TaskInfo): Promise<Assignment | null> {
    const ev: PublishedEvent[] = [];
    const now = this.now();
    const runId = newId('run');
    const result = await this.db.transaction(async (tx) => {
      const upd = await tx
        .update(tasks)
        .set({
          status: 'running',
          attempt: sql`${tasks.attempt} + 1`,
          agentId,
          leaseExpiresAt: new Date(now + this.opts.leaseMs),
          updatedAt: new Date(),
        })
        .where(and(eq(tasks.id, t.taskId), eq(tasks.status, 'planned')))
        .returning({ attempt: tasks.attempt });
      const attempt = upd[0]?.attempt;
      if (attempt === undefined) return null;
      await tx.insert(runs).values({
        id: runId,
        jobId: t.jobId,
        taskId: t.taskId,
        attempt,
        siteId,
        agentId,
        status: 'running',
        startedAt: new Date(now),
      });
      await tx
        .update(jobs)
        .set({ status: 'running', siteId, updatedAt: new Date() })
        .where(eq(jobs.id, t.jobId));
      await this.bus.record(tx, ev, {
        kind: 'job.status',
        entity: 'job',
        entityId: t.jobId,
        tenantId: t.tenantId,
        data: { status: 'running', siteId, agentId, attempt },
      });
      return attempt;
    });
    this.bus.publish(ev);
    if (result === null) return null;
    this.running.set(t.taskId, {
      ...t,
      siteId,
      attempt: result,
      agentId,
      runId,
      startedAt: now,
      leaseExpiresAt: now + this.opts.leaseMs,
    });
    return {
      taskId: t.taskId,
      attempt: result,
      jobId: t.jobId,
      command: t.command,
      env: t.env,
      units: t.units,
      leaseMs: this.opts.leaseMs,
    };
  }

  private async appendLogs(r: { jobId: string; taskId: string; attempt: number }, logs: { stream: string; text: string }[], tx?: Tx) {
    const rows = logs.filter((l) => l.text.length > 0).map((l) => ({
      jobId: r.jobId,
      taskId: r.taskId,
      attempt: r.attempt,
      stream: l.stream,
      text: l.text,
    }));
    if (rows.length) await (tx ?? this.db).insert(taskLogs).values(rows);
  }

  private async complete(
    agentId: string,
    rep: SyncRequest['completed'][number],
  ): Promise<boolean> {
    const r = this.running.get(rep.taskId);
    if (!r || r.attempt !== rep.attempt || r.agentId !== agentId) return false;
    const site = await this.network.getSite(r.siteId);
    const pool = site.pools.find((p) => p.type === r.type);
    const now = this.now();
    const usage = pool
      ? meterRun({
          site,
          pool,
          units: r.units,
          startMs: r.startedAt,
          endMs: Math.max(now, r.startedAt + 1),
          siteLoadKW: siteLoadKW(site, site.pools, this.busyByType(r.siteId)),
        })
      : null;
    const status = rep.exitCode === 0 ? 'succeeded' : 'failed';
    const ev: PublishedEvent[] = [];
    const done = await this.db.transaction(async (tx) => {
      const upd = await tx
        .update(tasks)
        .set({ status, leaseExpiresAt: null, updatedAt: new Date() })
        .where(and(eq(tasks.id, r.taskId), eq(tasks.attempt, r.attempt), eq(tasks.status, 'running')))
        .returning({ id: tasks.id });
      if (upd.length === 0) return false;
      await this.appendLogs(r, rep.logs, tx);
      await tx
        .update(runs)
        .set({
          status,
          endedAt: new Date(now),
          exitCode: rep.exitCode,
          unitHours: usage?.unitHours ?? 0,
          energyKWh: usage?.energyKWh ?? 0,
          greenKWh: usage?.greenKWh ?? 0,
          carbonG: usage?.carbonG ?? 0,
          costFen: usage?.costFen ?? 0,
        })
        .where(and(eq(runs.taskId, r.taskId), eq(runs.attempt, r.attempt)));
      const error = status === 'failed' ? (rep.error ?? `command exited with code ${rep.exitCode}`) : null;
      await tx
        .update(jobs)
        .set({ status, error, updatedAt: new Date() })
        .where(eq(jobs.id, r.jobId));
      await this.bus.record(tx, ev, {
        kind: 'job.status',
        entity: 'job',
        entityId: r.jobId,
        tenantId: r.tenantId,
        actor: agentId,
        data: { status, exitCode: rep.exitCode, siteId: r.siteId, usage },
      });
      return true;
    });
    this.bus.publish(ev);
    this.running.delete(r.taskId);
    if (done) void this.place();
    return done;
  }

  private taskInfo(taskId: string, j: typeof jobs.$inferSelect): TaskInfo {
    return {
      taskId,
      jobId: j.id,
      tenantId: j.tenantId,
      type: j.type,
      units: j.units,
      hours: j.hours,
      regions: j.regions,
      priority: j.priority,
      command: j.command,
      env: j.env,
      createdAt: j.createdAt.getTime(),
    };
  }
}

