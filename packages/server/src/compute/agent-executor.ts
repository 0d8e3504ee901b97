import type { Fence, ShellWork, TaskLimits, WorkFence } from '@shuzhi/schema';
import type { Db } from '../db/client.ts';
import { agents } from './db-schema.ts';
import type { Logger } from '../log.ts';
import type { WorkerIdentity } from '../workers/registry.ts';
import { heartbeatMsOf, nextPollAfter, type SourceSync, type SourceSyncResult } from '../workers/source.ts';
import type { ExecTask, Executor, ExecutorHost } from './executor.ts';

interface Lease {
  attempt: ExecTask;
  agentId: string;
  startedAtMs: number;
  expiresAt: number;
}

interface AgentState {
  id: string;
  /** The tenant owning the agent's site: it runs only that tenant's work. */
  ownerTenantId: string | null;
  siteId: string;
  slots: number;
  tags: string[];
  lastSeen: number;
  /** Sync calls in flight: an agent parked in a long poll is online. */
  inSync: number;
  /** Said goodbye: offline until it syncs again, whatever its abandoned polls do. */
  left: boolean;
}

/** Higher priority first, then first come first served. */
const byPriority = (a: ExecTask, b: ExecTask) => b.priority - a.priority || a.createdAtMs - b.createdAtMs;

/**
 * Our own agents as an execution engine: attempts wait in per-site queues in memory until an agent
 * of that site pulls them with its long-poll sync; leases are renewed by its heartbeats and a
 * silent agent's attempt is reported lost when its lease runs out.
 */
export class AgentExecutor implements Executor {
  readonly engine = 'agent' as const;
  private siteQueues = new Map<string, ExecTask[]>();
  private leases = new Map<string, Lease>();
  private agentsById = new Map<string, AgentState>();
  private waiters = new Map<string, Set<() => void>>();
  /** Fences an agent must stop (cancelled jobs), handed out on its next sync. */
  private pendingCancels = new Map<string, Fence[]>();
  /** Fences an agent must preempt (SIGTERM, grace), handed out on its next sync. */
  private pendingPreempts = new Map<string, { fence: Fence; graceMs: number; reason: string }[]>();
  /** The checkpoint a checkpointing task resumes from (compute/checkpoints.ts); none by default. */
  restoreOf: (taskId: string) => Promise<{ sha256: string; bytes: number } | null> = async () => null;
  /** Called when an agent first shows up at a site, so queued work can be placed there. */
  onAgentArrived: () => void = () => undefined;

  constructor(
    private readonly host: ExecutorHost,
    private readonly db: Db,
    private readonly log: Logger,
    private readonly opts: { leaseMs: number; now: () => number; limits: (t: ExecTask) => TaskLimits },
  ) {}

  // ---- Executor ----

  async submit(task: ExecTask): Promise<void> {
    const q = this.siteQueues.get(task.siteId) ?? [];
    q.push(task);
    q.sort(byPriority);
    this.siteQueues.set(task.siteId, q);
    this.wake(task.siteId);
  }

  async cancel(f: Fence): Promise<void> {
    for (const [site, q] of this.siteQueues) {
      this.siteQueues.set(
        site,
        q.filter((a) => !(a.taskId === f.taskId && a.attempt === f.attempt)),
      );
    }
    const l = this.leases.get(f.taskId);
    if (l && l.attempt.attempt === f.attempt) {
      this.leases.delete(f.taskId);
      const list = this.pendingCancels.get(l.agentId) ?? [];
      list.push(f);
      this.pendingCancels.set(l.agentId, list);
      this.wake(l.attempt.siteId);
    }
  }

  async preempt(f: Fence, graceMs: number, reason: string): Promise<void> {
    const l = this.leases.get(f.taskId);
    if (!l || l.attempt.attempt !== f.attempt) return;
    const list = this.pendingPreempts.get(l.agentId) ?? [];
    list.push({ fence: f, graceMs, reason });
    this.pendingPreempts.set(l.agentId, list);
    this.wake(l.attempt.siteId);
  }

  /** Whether `workerId` holds the lease of this attempt now (task-scoped calls are fenced by it). */
  holds(workerId: string, taskId: string, attempt: number): ExecTask | null {
    const l = this.leases.get(taskId);
    return l && l.agentId === workerId && l.attempt.attempt === attempt ? l.attempt : null;
  }

  async recover(tasks: ExecTask[]): Promise<void> {
    for (const t of tasks) await this.submit(t);
  }

  /** A running attempt found in the database at start: its agent gets a fresh lease to report back. */
  recoverRunning(a: ExecTask, agentId: string, startedAtMs: number): void {
    this.leases.set(a.taskId, { attempt: a, agentId, startedAtMs, expiresAt: this.opts.now() + this.opts.leaseMs });
  }

  async loadAgents(): Promise<void> {
    for (const a of await this.db.select().from(agents)) {
      this.agentsById.set(a.id, { id: a.id, ownerTenantId: null, siteId: a.siteId, slots: a.slots, tags: a.tags, lastSeen: 0, inSync: 0, left: true });
    }
  }

  async close(): Promise<void> {
    for (const set of this.waiters.values()) for (const w of set) w();
    this.waiters.clear();
  }

  // ---- figures ----

  /** Tasks leased to agents right now. */
  leasesHeld(): number {
    return this.leases.size;
  }

  agentsOnline(siteId?: string): number {
    const cutoff = this.opts.now() - this.opts.leaseMs;
    let n = 0;
    for (const a of this.agentsById.values()) {
      if (!a.left && (a.inSync > 0 || a.lastSeen >= cutoff) && (!siteId || a.siteId === siteId)) n++;
    }
    return n;
  }

  // ---- periodic work ----

  async expireLeases(): Promise<void> {
    const now = this.opts.now();
    for (const l of [...this.leases.values()]) {
      if (l.expiresAt > now) continue;
      this.leases.delete(l.attempt.taskId);
      if (await this.host.lost(l.attempt, `lease expired: agent ${l.agentId} went silent`)) {
        this.log.warn({ taskId: l.attempt.taskId, agentId: l.agentId, attempt: l.attempt.attempt }, 'lease expired; task requeued');
      }
    }
  }

  /** Work waiting at a site whose agents have all gone away goes back to placement. */
  async releaseOrphans(): Promise<void> {
    for (const [siteId, q] of this.siteQueues) {
      if (q.length === 0 || this.agentsOnline(siteId) > 0) continue;
      this.siteQueues.set(siteId, []);
      for (const a of q) await this.host.lost(a, `no agent online at site ${siteId}`);
      this.log.info({ siteId, tasks: q.length }, 'no agent online at site; work goes back to placement');
    }
  }

  // ---- the worker protocol's shell part (the hub hands us the reports of kind "shell") ----

  /** A worker revoked by an operator: what it held is lost now, and it is offline. */
  async forget(workerId: string): Promise<void> {
    const agent = this.agentsById.get(workerId);
    if (agent) await this.leave(agent, []);
  }

  async sync(w: WorkerIdentity, req: SourceSync, signal?: AbortSignal): Promise<SourceSyncResult> {
    const agent = await this.seeAgent(w, req);
    if (req.leaving) return this.leave(agent, req.completed);
    agent.inSync++;
    try {
      return await this.syncAs(agent, req, signal);
    } finally {
      agent.inSync--;
      if (!agent.left) agent.lastSeen = this.opts.now();
    }
  }

  private async syncAs(agent: AgentState, req: SourceSync, signal?: AbortSignal): Promise<SourceSyncResult> {
    const agentId = agent.id;
    const refused: WorkFence[] = [];
    const cancel: WorkFence[] = this.takeCancels(agentId).map(shell);
    const preempt = this.takePreempts(agentId);
    let accepted = 0;

    for (const rep of req.running) {
      const l = this.leases.get(rep.taskId);
      if (!l || l.attempt.attempt !== rep.attempt || l.agentId !== agentId) {
        refused.push(shell(rep));
        continue;
      }
      accepted++;
      l.expiresAt = this.opts.now() + this.opts.leaseMs;
      if (rep.logs.length) await this.host.logs(rep, rep.logs);
    }
    for (const rep of req.completed) {
      if (await this.complete(agentId, rep)) accepted++;
      else refused.push(shell(rep));
    }
    const reports = req.running.length + req.completed.length;
    // Nothing new is handed to a worker whose every report was stale: it must drop those first.
    if (reports > 0 && accepted === 0) return { assignments: [], cancel, refused, preempt, accepted, nextPollMs: 0 };

    let assignments = signal?.aborted ? [] : await this.assign(agent, req);
    if (assignments.length === 0 && cancel.length === 0 && reports === 0 && req.waitMs > 0 && req.free > 0) {
      await this.waitForWork(agent.siteId, req.waitMs, signal);
      if (!signal?.aborted && !this.agentsById.get(agentId)?.left) assignments = await this.assign(agent, req);
      cancel.push(...this.takeCancels(agentId).map(shell));
      preempt.push(...this.takePreempts(agentId));
    }
    // Come straight back only while slots are free and there may be more work; otherwise heartbeat.
    return { assignments, cancel, refused, preempt, accepted, nextPollMs: nextPollAfter(assignments.length, req.free, heartbeatMsOf(this.opts.leaseMs)) };
  }

  private takePreempts(agentId: string): (WorkFence & { graceMs: number; reason: string })[] {
    const list = this.pendingPreempts.get(agentId) ?? [];
    this.pendingPreempts.delete(agentId);
    // Only attempts the agent still holds: one that ended meanwhile has nothing to stop.
    return list.filter((p) => this.holds(agentId, p.fence.taskId, p.fence.attempt)).map((p) => ({ ...shell(p.fence), graceMs: p.graceMs, reason: p.reason }));
  }

  private takeCancels(agentId: string): Fence[] {
    const list = this.pendingCancels.get(agentId) ?? [];
    this.pendingCancels.delete(agentId);
    return list;
  }

  /**
   * A departing agent reports its last completions; everything else it held is lost now rather
   * than at lease expiry, and it no longer counts as online.
   */
  private async leave(agent: AgentState, completed: SourceSync['completed']): Promise<SourceSyncResult> {
    const refused: WorkFence[] = [];
    let accepted = 0;
    for (const rep of completed) {
      if (await this.complete(agent.id, rep)) accepted++;
      else refused.push(shell(rep));
    }
    agent.left = true;
    for (const l of [...this.leases.values()]) {
      if (l.agentId !== agent.id) continue;
      this.leases.delete(l.attempt.taskId);
      await this.host.lost(l.attempt, `agent ${agent.id} shut down`);
    }
    this.pendingCancels.delete(agent.id);
    this.pendingPreempts.delete(agent.id);
    return { assignments: [], cancel: [], refused, accepted, nextPollMs: 0 };
  }

  private async seeAgent(w: WorkerIdentity, req: SourceSync): Promise<AgentState> {
    const agentId = w.workerId;
    const known = this.agentsById.get(agentId);
    const now = this.opts.now();
    const wasOffline = !known || known.left || (known.inSync === 0 && known.lastSeen < now - this.opts.leaseMs);
    const state: AgentState = {
      id: agentId,
      ownerTenantId: w.ownerTenantId,
      siteId: w.siteId,
      slots: req.slots,
      tags: req.tags,
      lastSeen: now,
      inSync: known?.inSync ?? 0,
      left: req.leaving,
    };
    this.agentsById.set(agentId, state);
    if (!known || known.siteId !== w.siteId || known.slots !== req.slots) {
      await this.db
        .insert(agents)
        .values({ id: agentId, siteId: w.siteId, slots: req.slots, tags: req.tags })
        .onConflictDoUpdate({
          target: agents.id,
          set: { siteId: w.siteId, slots: req.slots, tags: req.tags, lastSeenAt: new Date() },
        });
    }
    if (wasOffline && !req.leaving) this.onAgentArrived();
    return state;
  }

  /** Wakes parked agents of sites where staged data has just arrived. */
  wakeReady(): void {
    const now = this.opts.now();
    for (const [siteId, q] of this.siteQueues) if (q.some((a) => a.readyAtMs <= now)) this.wake(siteId);
  }

  private waitForWork(siteId: string, ms: number, signal?: AbortSignal): Promise<void> {
    const now = this.opts.now();
    if (this.siteQueues.get(siteId)?.some((a) => a.readyAtMs <= now)) return Promise.resolve();
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

  private wake(siteId: string) {
    const set = this.waiters.get(siteId);
    if (!set) return;
    this.waiters.delete(siteId);
    for (const w of set) w();
  }

  private async assign(agent: AgentState, req: SourceSync): Promise<ShellWork[]> {
    const agentId = agent.id;
    const q = this.siteQueues.get(agent.siteId);
    const out: ShellWork[] = [];
    let mine = 0;
    for (const l of this.leases.values()) if (l.agentId === agentId) mine++;
    let free = Math.min(req.free, Math.max(0, req.slots - mine));
    // Attempts whose data is still being staged stay queued; the rest go in priority order.
    const now = this.opts.now();
    // A tenant's own workers run only that tenant's work (placement keeps to this; this is the backstop).
    const mayRun = (a: ExecTask) => a.readyAtMs <= now && (agent.ownerTenantId === null || a.tenantId === agent.ownerTenantId);
    const ready = q ? q.filter(mayRun).slice(0, free) : [];
    if (q && ready.length) this.siteQueues.set(agent.siteId, q.filter((a) => !ready.includes(a)));
    for (const a of ready) {
      const startedAtMs = this.opts.now();
      // The host refuses an attempt that is no longer current (cancelled, requeued): it is not run.
      if ((await this.host.started(a, startedAtMs, agentId)) === false) continue;
      const restore = a.checkpoint ? await this.restoreOf(a.taskId) : null;
      this.leases.set(a.taskId, { attempt: a, agentId, startedAtMs, expiresAt: this.opts.now() + this.opts.leaseMs });
      out.push({
        kind: 'shell',
        taskId: a.taskId,
        attempt: a.attempt,
        jobId: a.jobId,
        command: a.command,
        env: a.env,
        units: a.units,
        leaseMs: this.opts.leaseMs,
        limits: this.opts.limits(a),
        ...(a.checkpoint ? { checkpoint: { restore } } : {}),
      });
      free--;
    }
    return out;
  }

  private async complete(agentId: string, rep: SourceSync['completed'][number]): Promise<boolean> {
    const l = this.leases.get(rep.taskId);
    if (!l || l.attempt.attempt !== rep.attempt || l.agentId !== agentId) return false;
    const { result } = rep;
    if (result.failure?.code === 'preempted') {
      // Stopped by our preemption: the host records the segment and queues the task again.
      if (rep.logs.length) await this.host.logs(rep, rep.logs);
      this.leases.delete(rep.taskId);
      const ended = this.host.preemptEnded ? this.host.preemptEnded(rep, this.opts.now()) : this.host.lost(rep, 'preempted');
      return (await ended) !== false;
    }
    // No exit code: the command never ran (127) or was killed (137); the message says which.
    const exitCode = result.exitCode ?? (result.failure?.code === 'killed' ? 137 : result.ok ? 0 : 127);
    const ok = (await this.host.finished(rep, {
      exitCode,
      ...(result.failure ? { error: `${result.failure.code}: ${result.failure.message}` } : {}),
      startedAtMs: l.startedAtMs,
      endedAtMs: this.opts.now(),
      logs: rep.logs,
    })) !== false;
    this.leases.delete(rep.taskId);
    return ok;
  }
}

const shell = (f: Fence): WorkFence => ({ kind: 'shell', taskId: f.taskId, attempt: f.attempt });
