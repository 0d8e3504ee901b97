import type { Clock } from '@shuzhi/schema';
import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { arrayBounds, parseArraySpec, type ArrayBounds, type Staging, type WindowPause } from '@shuzhi/compute';
import { PREEMPT_GRACE_DEFAULT_SECONDS, type PreemptReason, type SiteInput } from '@shuzhi/schema';
import type { Db, Tx } from '../db/client.ts';
import { nextTurn } from '../db/slices.ts';
import { jobs, runs, tasks } from './db-schema.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import type { Logger } from '../log.ts';
import { AgentExecutor } from './agent-executor.ts';
import type { Executor } from './executor.ts';
import type { JobSecrets } from './job-env.ts';
import type { NetworkStore } from './network-store.ts';
import { shellTaskLimits } from '../workers/limits.ts';
import { cheapestSiteNow, siteMayRun, type PlaceFn } from './placement.ts';
import { RunHost, toExecTask, type Attempt, type TaskInfo } from './run-host.ts';

export interface DispatcherOptions {
  leaseMs: number;
  /** The platform's clock (leases, placement, timestamps). */
  clock: Clock;
  /** Opens jobs' env for the engines (and only for them). */
  secrets: JobSecrets;
}

/** Our agents serve every agent site; each Slurm site has an executor of its own (its own cluster). */
const executorKey = (engine: string, siteId: string) => (engine === 'agent' ? 'agent' : `${engine}:${siteId}`);

/**
 * An array's tasks are made (rows written, queued for placement) only as they may run: at most its cap,
 * and never more than this many unfinished at once, so a 100,000-task array costs what its running
 * window costs.
 */
export const ARRAY_WINDOW = 1000;

/** An array job whose tasks are still being made: `next` indexes `indices`; `open` are made and unfinished. */
interface ArrayFeed {
  job: typeof jobs.$inferSelect;
  indices: number[];
  bounds: ArrayBounds;
  next: number;
  open: number;
  window: number;
}

/** Higher priority first, then first come first served. */
const byPriority = (a: TaskInfo, b: TaskInfo) => b.priority - a.priority || a.createdAt - b.createdAt;

/**
 * Places queued tasks at sites and hands them to the site's engine (our agents, or Slurm).
 * Every state change goes to the database first through the RunHost (fenced by attempt); the
 * queues in memory are rebuilt from the database at start.
 */
export class Dispatcher {
  readonly host: RunHost;
  readonly agents: AgentExecutor;
  private executors = new Map<string, Executor>();
  private unplaced: TaskInfo[] = [];
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private placing: Promise<void> | null = null;
  private placeAgain = false;
  private readonly now: () => number;
  /** Placement hook: the planner replaces the cheapest-now rule when it runs. */
  placeFn: PlaceFn = cheapestSiteNow;
  /**
   * Admission hook: billing checks the tenant can pay before work starts (never into debt). A refused
   * task stays queued and its job says why.
   */
  admit: AdmitFn | null = null;
  /** Quota hook (compute/quotas.ts), asked before `admit`: work its quota holds back is not priced. */
  admitQuota: AdmitFn | null = null;
  /** Dispatch order hook: the quota service orders by priority and fair share; null = `byPriority`. */
  order: ((queue: TaskInfo[]) => TaskInfo[]) | null = null;
  /**
   * Routing hook: work a module runs itself at the site rather than through the site's engine (the data
   * plane computes on a dataset where it is held, at agent sites with no agent online too). Such a task
   * may be placed at any site its job allows, engine online or not, and goes to the executor returned.
   */
  route: RouteFn | null = null;
  private waitingReasons = new Map<string, { reason: string; atMs: number }>();
  private feeds = new Map<string, ArrayFeed>();
  /** Called when an engine comes online (an agent arrives, a Slurm site is registered): plans may change. */
  readonly onEnginesChanged = new Set<() => void>();

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly network: NetworkStore,
    private readonly log: Logger,
    opts: DispatcherOptions,
  ) {
    this.now = () => opts.clock.now();
    this.host = new RunHost(db, bus, network, this.now, (siteId) => this.busyByType(siteId), opts.secrets);
    this.agents = new AgentExecutor(this.host, db, log, { leaseMs: opts.leaseMs, now: this.now, limits: shellTaskLimits });
    this.executors.set('agent', this.agents);
    this.host.onEnded = (a, outcome) => {
      const feed = a.array ? this.feeds.get(a.jobId) : undefined;
      if (feed && outcome !== 'lost') {
        feed.open--;
        if (feed.open === 0 && feed.next === feed.indices.length) this.feeds.delete(a.jobId);
      }
      if (outcome === 'lost') {
        this.unplaced.push(a);
        this.unplaced.sort(byPriority);
      }
      void this.place(outcome !== 'lost');
    };
    this.host.arrayFullyMade = (jobId) => {
      const f = this.feeds.get(jobId);
      return !f || f.next >= f.indices.length;
    };
    this.agents.onAgentArrived = () => {
      this.enginesChanged();
      if (this.unplaced.length) void this.place();
    };
  }

  /** Adds the engine (Slurm) of one site; work placed there goes to it. */
  registerExecutor(siteId: string, executor: Executor): void {
    this.executors.set(executorKey(executor.engine, siteId), executor);
    this.enginesChanged();
  }

  /** Whether work placed at the site would reach an engine now. */
  canRun(site: SiteInput): boolean {
    if (site.engine === 'agent') return this.agents.agentsOnline(site.id) > 0;
    const ex = this.executors.get(executorKey(site.engine, site.id));
    return ex !== undefined && !ex.degraded;
  }

  /** An engine came back (a Slurm controller answers again): plans may change. */
  enginesChanged(): void {
    for (const fn of this.onEnginesChanged) fn();
  }

  unregisterExecutor(siteId: string, engine: string): Executor | undefined {
    const key = executorKey(engine, siteId);
    const ex = this.executors.get(key);
    this.executors.delete(key);
    return ex;
  }

  /** Rebuilds queues and attempts from the database; each engine re-attaches to what it holds. */
  async recover(): Promise<void> {
    const rows = await this.db
      .select({ t: tasks, j: jobs })
      .from(tasks)
      .innerJoin(jobs, eq(jobs.id, tasks.jobId))
      .where(inArray(tasks.status, ['queued', 'planned', 'running']));
    const openRuns = await this.db
      .select({ taskId: runs.taskId, attempt: runs.attempt, startedAt: runs.startedAt })
      .from(runs)
      .where(eq(runs.status, 'running'));
    const started = new Map(openRuns.map((r) => [`${r.taskId}:${r.attempt}`, r.startedAt.getTime()]));
    const sites = await this.network.sitesById();
    const byExecutor = new Map<string, Attempt[]>();
    const routedTo = new Map<Executor, Attempt[]>();
    await this.agents.loadAgents();
    await this.recoverFeeds();
    for (const { t, j } of rows) {
      const info = this.taskInfo(t, j);
      if (t.status === 'queued' || !t.siteId) {
        this.unplaced.push(info);
        continue;
      }
      const a = this.host.attemptOf(info, {
        siteId: t.siteId,
        attempt: t.attempt,
        startedAt: t.status === 'running' ? (started.get(`${t.id}:${t.attempt}`) ?? this.now()) : null,
        readyAt: t.readyAt?.getTime() ?? 0,
      });
      this.host.adopt(a);
      const engine = sites.get(t.siteId)?.engine ?? 'agent';
      const routed = this.route?.(a);
      if (routed) routedTo.set(routed, [...(routedTo.get(routed) ?? []), a]);
      else if (engine === 'agent' && a.startedAt !== null) this.agents.recoverRunning(toExecTask(a), t.agentId ?? 'unknown', a.startedAt);
      else {
        const key = executorKey(engine, t.siteId);
        byExecutor.set(key, [...(byExecutor.get(key) ?? []), a]);
      }
    }
    for (const [key, list] of byExecutor) {
      const ex = this.executors.get(key);
      if (ex) await ex.recover(list.map(toExecTask));
      else for (const a of list) await this.host.lost(a, `no engine configured for site ${a.siteId}`);
    }
    for (const [ex, list] of routedTo) await ex.recover(list.map(toExecTask));
    // Pauses outlive the server: a suspended attempt resumes at its window, a paused task waits for it;
    // one whose run ended meanwhile is closed at that end.
    const closed = await this.host.closeEndedSuspensions();
    if (closed) this.log.info({ suspensions: closed }, 'closed the suspensions of runs that had ended');
    for (const s of await this.host.openSuspensions()) {
      const a = this.host.attempts.get(s.taskId);
      if (a && a.attempt === s.attempt && a.startedAt !== null) a.suspension = { fromMs: s.fromMs, window: s.window };
    }
    const pausedOnce = new Map(rows.filter((r) => r.j.preemptions > 0 && r.t.status === 'queued').map((r) => [r.t.id, r.t.attempt]));
    for (const t of this.unplaced) {
      const attempt = pausedOnce.get(t.taskId);
      if (attempt !== undefined) t.pause = await this.host.windowOf(t.taskId, attempt);
    }
    this.unplaced.sort(byPriority);
    this.log.info(this.counts(), 'dispatcher recovered from database');
  }

  start(tickMs = 1000): void {
    this.timer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = this.tick()
        .catch((err) => this.log.error({ err }, 'dispatcher tick failed'))
        .finally(() => {
          this.ticking = null;
        });
    }, tickMs);
    this.timer.unref();
  }

  /** Stops placing work; a tick under way and the engines' own loops finish before this resolves. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    await Promise.allSettled([...this.executors.values()].map((ex) => ex.close()));
  }

  /** Run on each tick before placement: the preemptor frees units for work that would miss its deadline. */
  beforePlace: (() => Promise<void>) | null = null;

  async tick(): Promise<void> {
    await this.agents.expireLeases();
    await this.agents.releaseOrphans();
    this.agents.wakeReady();
    await this.resumeDue().catch((err: unknown) => this.log.error({ err }, 'resuming suspended work failed'));
    await this.beforePlace?.().catch((err: unknown) => this.log.error({ err }, 'preemption check failed'));
    await this.place();
  }

  // ---- figures ----

  /** Units booked at a site: handed out (waiting in the engine) or running. */
  busyUnits(siteId: string, type?: string): number {
    let n = 0;
    for (const a of this.host.attempts.values()) if (a.siteId === siteId && (!type || a.type === type)) n += a.units;
    return n;
  }

  /** Units running now at a site, by resource type (what draws busy power). */
  busyByType(siteId: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const a of this.host.attempts.values()) {
      // A suspended attempt keeps its units booked but draws no busy power.
      if (a.siteId === siteId && a.startedAt !== null && !a.suspension) out[a.type] = (out[a.type] ?? 0) + a.units;
    }
    return out;
  }

  agentsOnline(siteId?: string): number {
    return this.agents.agentsOnline(siteId);
  }

  counts() {
    let planned = 0;
    let running = 0;
    for (const a of this.host.attempts.values()) a.startedAt === null ? planned++ : running++;
    return { unplaced: this.unplaced.length, planned, running };
  }

  /** Tasks waiting for placement (the quota service reads the owners' waiting demand). */
  queuedTasks(): readonly TaskInfo[] {
    return this.unplaced;
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
    this.unplaced.push(this.taskInfo(row.t, row.j));
    this.unplaced.sort(byPriority);
    await this.place(true);
  }

  /** Cancels a job's work wherever it is: unplaced, waiting in an engine, or running. */
  async cancel(jobId: string, tx: Tx, ev: PublishedEvent[], actor: string): Promise<() => void> {
    const rows = await tx
      .update(tasks)
      .set({ status: 'cancelled', leaseExpiresAt: null, updatedAt: new Date() })
      .where(and(eq(tasks.jobId, jobId), inArray(tasks.status, ['waiting', 'queued', 'planned', 'running'])))
      .returning({ id: tasks.id, attempt: tasks.attempt });
    const now = this.now();
    for (const r of rows) {
      await tx
        .update(runs)
        .set({ status: 'cancelled', endedAt: new Date(now) })
        .where(and(eq(runs.taskId, r.id), eq(runs.attempt, r.attempt), eq(runs.status, 'running')));
      // Cancelled while suspended in place: the suspension ends with the run.
      await this.host.closeSuspension(tx, r.id, r.attempt, now);
    }
    await this.bus.record(tx, ev, {
      kind: 'task.cancelled',
      entity: 'job',
      entityId: jobId,
      actor,
      data: { tasks: rows.map((r) => r.id) },
    });
    const ids = new Set(rows.map((r) => r.id));
    // Memory and engines follow only after the transaction commits.
    return () => {
      this.feeds.delete(jobId);
      this.unplaced = this.unplaced.filter((t) => !ids.has(t.taskId));
      for (const id of ids) this.waitingReasons.delete(id);
      for (const id of ids) {
        const a = this.host.attempts.get(id);
        if (!a) continue;
        this.host.attempts.delete(id);
        void this.executorFor(a).then((ex) => ex?.cancel(a));
      }
      void this.place();
    };
  }

  /**
   * Preempts a handed-out attempt; its task is queued again. A running checkpointing task whose engine
   * can signal it gets SIGTERM and its grace to save a checkpoint (`graceful`: the run ends when the
   * engine reports back); anything else is stopped at once (a task that had not started yet has no run
   * to record). Null when the attempt had already ended.
   */
  async preempt(taskId: string, reason: PreemptReason): Promise<{ graceful: boolean } | null> {
    const a = this.host.attempts.get(taskId);
    if (!a) return null;
    const ex = await this.executorFor(a);
    if (a.startedAt !== null && a.checkpoint && ex?.preempt) {
      if (!this.host.preempting.has(taskId)) {
        this.host.preempting.set(taskId, reason);
        await ex.preempt(a, (a.preemptGraceS ?? PREEMPT_GRACE_DEFAULT_SECONDS) * 1000, reason);
      }
      return { graceful: true };
    }
    const stopped = a.startedAt === null ? await this.host.lost(a, `preempted (${reason}) before it started`) : await this.host.preempted(a, reason, this.now());
    if (stopped) await ex?.cancel(a);
    return stopped ? { graceful: false } : null;
  }

  /**
   * Pauses a running attempt in place until the window `w` (Slurm's `scontrol suspend`), where its site's
   * engine and setting allow a pause that long; false leaves it to be preempted instead. The interval is
   * written first, so a restart in between still resumes it at the window.
   */
  async suspendForWindow(taskId: string, w: WindowPause): Promise<boolean> {
    const a = this.host.attempts.get(taskId);
    if (!a || a.startedAt === null || a.suspension || this.host.preempting.has(taskId)) return false;
    const ex = await this.executorFor(a);
    if (!ex?.suspend || !ex.maySuspend?.(w.resumeAtMs - this.now())) return false;
    if (!(await this.host.suspending(a, w))) return false;
    try {
      await ex.suspend(a);
      return true;
    } catch (err) {
      this.log.warn({ err, taskId, siteId: a.siteId }, 'the engine did not suspend the task; it is preempted instead');
      await this.host.resumedFromSuspension(a, { undo: true });
      return false;
    }
  }

  /** Resumes, once each, the suspended attempts whose window has come (a failed resume is tried on the next tick). */
  private async resumeDue(): Promise<void> {
    const now = this.now();
    for (const a of [...this.host.attempts.values()]) {
      // One being requeued for urgent work (the preemptor takes suspended work first) is not resumed.
      if (!a.suspension || a.suspension.window.resumeAtMs > now || this.host.preempting.has(a.taskId)) continue;
      const ex = await this.executorFor(a);
      if (!ex?.resume) continue;
      try {
        await ex.resume(a);
      } catch (err) {
        this.log.warn({ err, taskId: a.taskId, siteId: a.siteId }, 'could not resume a suspended task yet');
        continue;
      }
      await this.host.resumedFromSuspension(a);
    }
  }

  private async executorFor(a: Attempt): Promise<Executor | undefined> {
    const routed = this.route?.(a);
    if (routed) return routed;
    const site = (await this.network.sitesById()).get(a.siteId);
    return this.executors.get(executorKey(site?.engine ?? 'agent', a.siteId));
  }

  // ---- placement ----

  /** Tells the job why it waits; written when the reason changes, and at most once a minute otherwise. */
  private async noteWaiting(t: TaskInfo, reason: string): Promise<void> {
    const last = this.waitingReasons.get(t.taskId);
    const now = this.now();
    if (last && last.reason === reason && now - last.atMs < 60_000) return;
    this.waitingReasons.set(t.taskId, { reason, atMs: now });
    await this.db
      .update(jobs)
      .set({ explanation: `waiting: ${reason}`, updatedAt: new Date(now) })
      .where(and(eq(jobs.id, t.jobId), eq(jobs.status, 'queued')));
  }

  /**
   * One placement pass at a time: two passes could both see the same free units. `again`: units were
   * freed or work arrived (a task ended, a job was submitted), so a pass runs after a turn of the event
   * loop, taking together everything that ended in that turn (an array's window refills as its tasks
   * end, one pass for all that ended at once rather than one each); asked during a pass, another pass
   * follows it, as its snapshot could not see the change. The turn matters on PGlite, which resolves a
   * statement without returning to the event loop: passes run back to back would hold every request
   * and timer until the array drained. A lost attempt does not ask again: an engine refusing a task
   * would otherwise be handed it back in a loop (it is retried at the next tick).
   */
  async place(again = false): Promise<void> {
    if (this.placing) {
      if (again) this.placeAgain = true;
      return this.placing;
    }
    this.placeAgain = again;
    this.placing = (async () => {
      if (again) await nextTurn();
      do {
        this.placeAgain = false;
        await this.placeOnce();
        if (this.placeAgain) await nextTurn();
      } while (this.placeAgain);
    })().finally(() => {
      this.placing = null;
    });
    return this.placing;
  }

  /** An array job may make its tasks now (submitted free of parents, or its parents are done). */
  async arrayReady(jobId: string): Promise<void> {
    const [j] = await this.db.select().from(jobs).where(and(eq(jobs.id, jobId), isNull(jobs.held), isNotNull(jobs.arraySpec)));
    if (!j || ['succeeded', 'failed', 'cancelled'].includes(j.status) || this.feeds.has(jobId)) return;
    this.feeds.set(jobId, this.feedOf(j, 0, 0));
    // Not awaited: the submitter gets its answer while the first window of tasks is made and placed.
    this.place(true).catch((err: unknown) => this.log.error({ err, jobId }, 'placing an array\'s first tasks failed'));
  }

  private feedOf(j: typeof jobs.$inferSelect, made: number, open: number): ArrayFeed {
    const spec = parseArraySpec(j.arraySpec!);
    return { job: j, indices: spec.indices, bounds: arrayBounds(spec), next: made, open, window: Math.min(spec.cap ?? ARRAY_WINDOW, ARRAY_WINDOW) };
  }

  /** Arrays that were making tasks when the server stopped: carry on from the tasks already made. */
  private async recoverFeeds(): Promise<void> {
    const arrays = await this.db
      .select()
      .from(jobs)
      .where(and(isNotNull(jobs.arraySpec), isNull(jobs.held), inArray(jobs.status, ['queued', 'planned', 'running'])));
    if (!arrays.length) return;
    // Counted in a query of its own: a correlated subquery's bare column names ("job_id" = "id") bound
    // to the tasks table and counted nothing, so a restarted array made its window again past its cap.
    const counts = await this.db
      .select({
        jobId: tasks.jobId,
        made: sql<number>`count(*)::int`,
        open: sql<number>`(count(*) filter (where ${tasks.status} in ('queued', 'planned', 'running')))::int`,
      })
      .from(tasks)
      .where(inArray(tasks.jobId, arrays.map((j) => j.id)))
      .groupBy(tasks.jobId);
    const of = new Map(counts.map((c) => [c.jobId, c]));
    for (const j of arrays) this.feeds.set(j.id, this.feedOf(j, Number(of.get(j.id)?.made ?? 0), Number(of.get(j.id)?.open ?? 0)));
  }

  /** Makes the next tasks of each array as far as its cap allows, in index order, queued for placement. */
  private async feedArrays(): Promise<void> {
    for (const [jobId, f] of this.feeds) {
      const n = Math.min(f.window - f.open, f.indices.length - f.next);
      if (n <= 0) continue;
      const made = f.indices.slice(f.next, f.next + n).map((index) => ({ id: `${jobId}_${index}`, jobId, status: 'queued', arrayIndex: index }));
      const inserted = await this.db.insert(tasks).values(made).onConflictDoNothing().returning({ id: tasks.id, arrayIndex: tasks.arrayIndex });
      f.next += n;
      f.open += inserted.length;
      for (const r of inserted) this.unplaced.push(this.taskInfo({ id: r.id, arrayIndex: r.arrayIndex }, f.job));
      if (f.open === 0 && f.next === f.indices.length) this.feeds.delete(jobId);
    }
    this.unplaced.sort(byPriority);
  }

  private taskInfo(t: { id: string; arrayIndex: number | null }, j: typeof jobs.$inferSelect): TaskInfo {
    const info = taskInfo(t.id, j);
    if (t.arrayIndex === null) return info;
    const bounds = this.feeds.get(j.id)?.bounds ?? arrayBounds(parseArraySpec(j.arraySpec ?? String(t.arrayIndex)));
    return { ...info, jobName: `${j.name}[${t.arrayIndex}]`, array: { index: t.arrayIndex, bounds } };
  }

  /** Array tasks this pass admitted and booked but has not written yet (the quota service counts them as in use). */
  pendingHandOuts(): readonly TaskInfo[] {
    return [...this.batches.values()].flatMap((b) => b.tasks);
  }

  private batches = new Map<string, HandOutBatch>();

  private async placeOnce(): Promise<void> {
    if (this.feeds.size) await this.feedArrays();
    if (this.unplaced.length === 0) return;
    const everySite = await this.network.listSites();
    const sites = everySite.filter((s) => this.canRun(s));
    // Booked units counted once per pass and kept up to date as it books more: counting every attempt
    // for each task would cost a pass the square of an array's window.
    const booked = new Map<string, number>();
    for (const a of this.host.attempts.values()) booked.set(`${a.siteId}:${a.type}`, (booked.get(`${a.siteId}:${a.type}`) ?? 0) + a.units);
    const free = (siteId: string, type: string) => {
      const pool = everySite.find((s) => s.id === siteId)?.pools.find((p) => p.type === type);
      return pool ? pool.units - (booked.get(`${siteId}:${type}`) ?? 0) : 0;
    };
    const all = await this.network.sitesById();
    const links = await this.network.listLinks();
    const still: TaskInfo[] = [];
    // Billing's verdict on one ask (tenant, site, size, transfer) holds for the pass: placing work
    // charges nothing (runs are billed as they end), so an array's tasks are priced once, not each.
    const billed = new Map<string, Promise<{ ok: boolean; reason?: string }>>();
    const snapshot = this.order ? this.order([...this.unplaced]) : [...this.unplaced];
    this.batches.clear();
    try {
      for (const t of snapshot) {
        // A wrong secrets key: the task waits (and says why) rather than going to an engine that cannot get its env.
        if (!this.host.envReadable(t)) {
          await this.noteWaiting(t, 'its env was sealed with another secrets key than this server\'s; set SHUZHI_SECRETS_KEY to the key it was written with');
          still.push(t);
          continue;
        }
        if (t.pause && t.pause.resumeAtMs > this.now()) {
          still.push(t);
          continue;
        }
        const homeRegion = t.home ? (all.get(t.home)?.region ?? null) : null;
        const choice = this.placeFn({ ...t, homeRegion }, this.route?.(t) ? everySite : sites, free, this.now(), links);
        const site = choice ? all.get(choice.siteId) : undefined;
        if (!choice || !site) {
          still.push(t);
          continue;
        }
        // Residency is checked again here, whatever placed the job: a policy bug must not move data out.
        if (!siteMayRun(t, site)) {
          this.log.error({ jobId: t.jobId, siteId: site.id, regions: t.regions }, 'placement broke data residency or the job\'s accelerator ask; refused');
          still.push(t);
          continue;
        }
        const transferFen = choice.staging?.fen ?? 0;
        const refused = await this.refusal(t, site.id, transferFen, billed);
        if (refused !== null) {
          await this.noteWaiting(t, refused);
          still.push(t);
          continue;
        }
        this.waitingReasons.delete(t.taskId);
        booked.set(`${site.id}:${t.type}`, (booked.get(`${site.id}:${t.type}`) ?? 0) + t.units);
        if (!t.array) {
          await this.handOut({ tasks: [t], siteId: site.id, explanation: choice.explanation, staging: choice.staging ?? null });
          continue;
        }
        // An array's tasks placed at one site in this pass are written together at its end.
        const key = `${t.jobId}:${site.id}`;
        const b = this.batches.get(key);
        if (b) b.tasks.push(t);
        else this.batches.set(key, { tasks: [t], siteId: site.id, explanation: choice.explanation, staging: choice.staging ?? null });
      }
      for (const b of this.batches.values()) await this.handOut(b);
    } finally {
      this.batches.clear();
    }
    // Tasks that arrived while this pass awaited are kept for the next one.
    const seen = new Set(snapshot.map((t) => t.taskId));
    this.unplaced = still.concat(this.unplaced.filter((t) => !seen.has(t.taskId)));
  }

  /** Why the task may not start at the site now (quota first: work it holds back is not priced), or null. */
  private async refusal(t: TaskInfo, siteId: string, transferFen: number, billed: Map<string, Promise<{ ok: boolean; reason?: string }>>): Promise<string | null> {
    const failed = (err: unknown) => ({ ok: false, reason: `admission check failed: ${(err as Error).message}` });
    if (this.admitQuota) {
      const q = await this.admitQuota(t, siteId, transferFen).catch(failed);
      if (!q.ok) return q.reason ?? 'not admitted';
    }
    if (!this.admit) return null;
    const key = `${t.tenantId}:${siteId}:${t.type}:${t.units}:${t.hours}:${transferFen}`;
    let verdict = billed.get(key);
    if (!verdict) billed.set(key, (verdict = this.admit(t, siteId, transferFen).catch(failed)));
    const v = await verdict;
    return v.ok ? null : (v.reason ?? 'not admitted');
  }

  /** Writes the batch's attempts and gives each to its engine; one the engine refuses goes back to placement. */
  private async handOut(b: HandOutBatch): Promise<void> {
    for (const a of await this.host.handOut(b.tasks, b.siteId, b.explanation, b.staging)) {
      const ex = await this.executorFor(a);
      try {
        await ex!.submit(toExecTask(a));
      } catch (err) {
        this.log.warn({ err, taskId: a.taskId, siteId: a.siteId }, 'engine refused the task; it goes back to placement');
        await this.host.lost(a, `the ${ex!.engine} engine at ${a.siteId} refused the task: ${(err as Error).message}`);
      }
    }
  }
}

/** Tasks of one job placed at one site in one pass, written in one transaction. */
interface HandOutBatch {
  tasks: TaskInfo[];
  siteId: string;
  explanation: string;
  staging: Staging | null;
}

/** The executor that runs this task instead of its site's engine, or null (see Dispatcher.route). */
export type RouteFn = (t: Pick<TaskInfo, 'jobId' | 'tenantId' | 'command'>) => Executor | null;

/** `transferFen`: what staging the job's data to the site costs on top of its compute. */
export type AdmitFn = (t: TaskInfo, siteId: string, transferFen: number) => Promise<{ ok: boolean; reason?: string }>;

function taskInfo(taskId: string, j: typeof jobs.$inferSelect): TaskInfo {
  return {
    taskId,
    jobId: j.id,
    jobName: j.name,
    tenantId: j.tenantId,
    type: j.type,
    units: j.units,
    hours: j.hours,
    regions: j.regions,
    sites: j.sites,
    home: j.home,
    dataGB: j.dataGB,
    flex: j.flex,
    priority: j.priority,
    command: j.command,
    sealedEnv: j.env,
    createdAt: j.createdAt.getTime(),
    project: j.project,
    accelerator: j.accelerator,
    minMemGB: j.minMemGB,
    oneGroup: j.oneGroup,
    checkpoint: j.checkpoint,
    preemptGraceS: j.preemptGraceS,
    preemptions: j.preemptions,
    deadlineAt: j.deadlineAt?.getTime() ?? null,
  };
}
