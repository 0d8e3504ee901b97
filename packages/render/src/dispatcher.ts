import type { Clock } from '@shuzhi/schema';
import type { ChunkPlan } from './chunks.ts';
import { taskIdOf } from './chunks.ts';
import { Blocklist } from './dispatch/blocklist.ts';
import { DirtyRows } from './dispatch/dirty-rows.ts';
import { JobQueue } from './dispatch/job-queue.ts';
import { LeaseTable, tokenOf } from './dispatch/lease-table.ts';
import { LimitBook, newLimit } from './dispatch/limits.ts';
import type { LimitUse } from './dispatch/limits.ts';
import { Parking } from './dispatch/parking.ts';
import { CANCELLED, COMPLETED, FAILED, JobRec, QUEUED, ACTIVE, canonicalTags } from './dispatch/records.ts';
import type { LeaseRec, NodeRec } from './dispatch/records.ts';
import { snapshotRows } from './dispatch/rows.ts';
import { heldReason } from './dispatch/deps.ts';
import type { Dependency, UpstreamLink } from './dispatch/deps.ts';
import type {
  Assignment,
  DependantsOnCancel,
  DispatcherRows,
  JobRow,
  JobStatus,
  JobLimits,
  JobSubmission,
  LeaseToken,
  NodeSpec,
  Revocation,
  RevocationReason,
  TaskFailure,
  TaskInfo,
  TaskRow,
} from './dispatch/types.ts';
import { LeaseStaleError, RenderDuplicateError, RenderNotFoundError, RestoreInvalidError } from './errors.ts';
import { DEFAULT_FAILURE_POLICY, FAILURE_RULES, decideFailure } from './policy.ts';
import type { FailurePolicy } from './policy.ts';
import { FINAL_JOB_STATES, TASK_STATES, TASK_STATE_CODE, nextJobState, nextTaskState, taskStateFromCode } from './states.ts';
import type { JobEvent, JobState, TaskEvent, TaskState } from './states.ts';

export type { Clock } from '@shuzhi/schema';
export type * from './dispatch/types.ts';
export { DEPENDENCY_MODES } from './dispatch/deps.ts';
export type { Dependency, DependencyMode } from './dispatch/deps.ts';
export type { LimitUse } from './dispatch/limits.ts';

export interface DispatcherOptions {
  readonly clock: Clock;
  readonly policy?: Partial<FailurePolicy>;
}

/**
 * In-memory render dispatcher for tens of thousands of nodes. No global scan per poll: the job queue
 * (dispatch/job-queue.ts) hands a node the head of the queues its tags satisfy; idle nodes wait in
 * the parking (dispatch/parking.ts) until matching work appears; leases carry (task, attempt) fencing
 * tokens and expire through the lease table; blocklists keep failing nodes off a job for a while.
 * This class owns the task and job life cycles over those parts. The caller persists drainChanges()
 * (batched) and rebuilds with Dispatcher.restore().
 */
export class Dispatcher {
  readonly policy: FailurePolicy;
  private readonly clock: Clock;
  private readonly jobs = new Map<string, JobRec>();
  private readonly nodes = new Map<string, NodeRec>();
  private readonly dirty = new DirtyRows();
  private readonly blocklist = new Blocklist(this.dirty);
  private readonly queue = new JobQueue(this.blocklist);
  private readonly parking = new Parking(this.blocklist);
  private readonly limitBook = new LimitBook();
  private readonly leases = new LeaseTable(this.jobs, (freed) => {
    for (const j of freed) this.markReady(j, 1);
  });
  private revocations: Revocation[] = [];
  private nextSeq = 1;

  constructor(options: DispatcherOptions) {
    this.clock = options.clock;
    this.policy = { ...DEFAULT_FAILURE_POLICY, ...options.policy };
  }

  // ---------------------------------------------------------------- nodes

  /** Adds a node or updates its tags/slots; leases it holds (e.g. after a restore) are kept. */
  registerNode(spec: NodeSpec): void {
    const tags = canonicalTags(spec.tags);
    const slots = spec.slots ?? 1;
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`node ${spec.id}: slots must be a positive integer`);
    const existing = this.nodes.get(spec.id);
    if (existing) {
      this.parking.unpark(existing);
      existing.tags = new Set(tags);
      existing.sig = tags.join(',');
      existing.slots = slots;
      existing.online = true;
      return;
    }
    this.nodes.set(spec.id, {
      id: spec.id,
      tags: new Set(tags),
      sig: tags.join(','),
      slots,
      online: true,
      parked: false,
      leases: new Set(),
      blockedIn: new Set(),
    });
  }

  /** A node went away for good: its tasks are requeued without counting against anyone. */
  removeNode(nodeId: string): LeaseToken[] {
    const node = this.nodeOf(nodeId);
    this.parking.unpark(node);
    node.online = false;
    const tokens: LeaseToken[] = [];
    for (const lease of [...node.leases]) {
      tokens.push(tokenOf(lease));
      this.failLease(lease, { kind: 'node-lost', message: `node ${nodeId} left` });
    }
    return tokens;
  }

  // ---------------------------------------------------------------- jobs

  submit(sub: JobSubmission): void {
    if (this.jobs.has(sub.id)) throw new RenderDuplicateError('job', sub.id);
    if (!Number.isInteger(sub.priority)) throw new RangeError('priority must be an integer');
    // Upstream jobs must already exist, so the graph stays acyclic by construction.
    const upstream = (sub.dependsOn ?? []).map((d) => ({ job: this.jobOf(d.upstream), mode: d.mode }));
    const job = new JobRec(sub.id, this.nextSeq++, sub.plan, sub.priority, canonicalTags(sub.tags));
    this.link(job, upstream);
    job.limits = this.limitsOf(job.id, sub);
    this.jobs.set(job.id, job);
    this.queue.register(job);
    this.dirty.job(job);
    this.markReady(job, job.plan.chunkCount);
  }

  pauseJob(jobId: string): void {
    const job = this.jobOf(jobId);
    this.setJobState(job, 'pause');
  }

  resumeJob(jobId: string): void {
    const job = this.jobOf(jobId);
    this.setJobState(job, 'resume');
    this.markReady(job, job.counts[QUEUED]!);
    this.completeJobIfDone(job);
  }

  /** Cancels the job; its dependants are held (the default: the reason shows why) or cancelled too. */
  cancelJob(jobId: string, dependants: DependantsOnCancel = 'hold'): Revocation[] {
    const job = this.jobOf(jobId);
    this.setJobState(job, 'cancel');
    const out = this.revokeAll(job, 'job-cancelled');
    if (dependants === 'cancel') {
      for (const d of job.downstream) if (!FINAL_JOB_STATES.has(d.state)) out.push(...this.cancelJob(d.id, 'cancel'));
    }
    return out;
  }

  /**
   * Re-opens a job: failed and cancelled tasks go back to the queue, failure counts and blocklists are
   * cleared. A completed job is re-queued whole; with the no-overwrite output protocol that re-renders
   * only frames that have gone missing, which makes it a repair.
   */
  requeueJob(jobId: string): void {
    const job = this.jobOf(jobId);
    const wasCompleted = job.state === 'completed';
    this.setJobState(job, 'requeue');
    for (let i = 0; i < job.plan.taskCount; i++) {
      const s = job.states[i]!;
      if (s === FAILED || s === CANCELLED || (wasCompleted && s === COMPLETED)) {
        this.setTaskCode(job, i, QUEUED);
        this.dirty.task(job, i);
      }
    }
    job.failedOn.clear();
    job.nodeFailures.clear();
    this.blocklist.clear(job, (id) => this.nodes.get(id));
    job.failureMessage = null;
    job.cursor = 0;
    job.retry.clear();
    job.queuePreviewIfDue();
    this.markReady(job, job.counts[QUEUED]!);
  }

  // ---------------------------------------------------------------- tasks

  pauseTask(jobId: string, index: number): Revocation[] {
    const job = this.jobOf(jobId);
    return this.stopTask(job, index, 'pause', 'task-paused');
  }

  resumeTask(jobId: string, index: number): void {
    const job = this.jobOf(jobId);
    this.transitionTask(job, index, 'resume');
    this.queue.enqueue(job, index);
    this.markReady(job, 1);
  }

  cancelTask(jobId: string, index: number): Revocation[] {
    const job = this.jobOf(jobId);
    const revoked = this.stopTask(job, index, 'cancel', 'task-cancelled');
    this.afterSettled(job, index);
    return revoked;
  }

  /** Runs a finished, failed or cancelled task again; a re-rendered chunk also re-queues the preview. */
  requeueTask(jobId: string, index: number): void {
    const job = this.jobOf(jobId);
    this.transitionTask(job, index, 'requeue');
    job.failedOn.delete(index);
    if (FINAL_JOB_STATES.has(job.state)) this.setJobState(job, 'requeue');
    const preview = job.plan.previewIndex;
    if (index !== preview) {
      const p = job.states[preview]!;
      if (p === COMPLETED || p === CANCELLED || p === FAILED) {
        this.setTaskCode(job, preview, QUEUED);
        this.dirty.task(job, preview);
      }
    }
    this.queue.enqueue(job, index);
    this.markReady(job, 1);
  }

  // ---------------------------------------------------------------- dispatch

  /**
   * One task for the node, or null (the node is then parked until drainWakeups() names it). The lease
   * (default policy.leaseMs) goes with the task: its heartbeats renew it by that much for as long as it runs.
   */
  assign(nodeId: string, leaseMs: number = this.policy.leaseMs): Assignment | null {
    const now = this.clock.now();
    this.expireLeases();
    const node = this.nodeOf(nodeId);
    if (!node.online) node.online = true;
    if (node.leases.size >= node.slots) return null;
    const picked = this.queue.pick(node, now);
    if (!picked) {
      this.parking.park(node);
      return null;
    }
    this.parking.unpark(node);
    const { job, index } = picked;
    this.setTaskCode(job, index, ACTIVE);
    const attempt = job.attempts[index]! + 1;
    job.attempts[index] = attempt;
    const lease = this.leases.open(job, index, attempt, node, now + leaseMs, leaseMs);
    if (job.state === 'queued') this.setJobState(job, 'start');
    this.dirty.task(job, index);
    return {
      token: { taskId: taskIdOf(job.id, index), attempt },
      nodeId,
      jobId: job.id,
      taskIndex: index,
      kind: job.plan.taskKind(index),
      frames: job.plan.taskFrames(index),
      leaseExpiresAt: lease.expiresAt,
      leaseMs,
    };
  }

  /**
   * Extends a lease by its own length (the one it was handed out with: its node heartbeats every third
   * of that, however the farm's lease changed since); returns the new expiry. Stale tokens throw
   * LeaseStaleError. The extension stays
   * in memory: a farm's heartbeats (20,000 nodes every 10 s) write nothing, since a restore grants
   * every lease it finds a full lease from the restore (see restoreTask), which covers a node's next
   * heartbeat whatever expiry the row holds.
   */
  heartbeat(nodeId: string, token: LeaseToken): number {
    const lease = this.leaseFor(nodeId, token);
    this.leases.extend(lease, this.clock.now() + lease.leaseMs);
    return lease.expiresAt;
  }

  complete(nodeId: string, token: LeaseToken): { jobState: JobState } {
    const lease = this.leaseFor(nodeId, token);
    const { job, index } = lease;
    this.leases.end(lease);
    this.transitionTask(job, index, 'complete');
    job.failedOn.delete(index);
    this.afterSettled(job, index);
    for (const d of job.downstream) this.markReady(d, Math.max(1, Math.ceil(job.plan.chunkSize / d.plan.chunkSize)));
    return { jobState: job.state };
  }

  fail(nodeId: string, token: LeaseToken, failure: TaskFailure): { task: TaskState; jobState: JobState; nodeBlocklisted: boolean } {
    const lease = this.leaseFor(nodeId, token);
    return this.failLease(lease, failure);
  }

  /** The node gives the task back (shutting down, slot reclaimed): requeue, no penalty. */
  release(nodeId: string, token: LeaseToken): void {
    const lease = this.leaseFor(nodeId, token);
    this.failLease(lease, { kind: 'revoked', message: `released by ${nodeId}` });
  }

  /** Requeues every lease whose time is up; the old attempts' reports are refused from now on. */
  expireLeases(): Revocation[] {
    const now = this.clock.now();
    const out: Revocation[] = [];
    for (let lease = this.leases.nextExpired(now); lease; lease = this.leases.nextExpired(now)) {
      const rev: Revocation = { nodeId: lease.node.id, token: tokenOf(lease), reason: 'lease-expired' };
      out.push(rev);
      this.revocations.push(rev);
      this.failLease(lease, { kind: 'lease-expired', message: `lease expired on ${lease.node.id}` });
    }
    return out;
  }

  /** Parked nodes that now have work; the server answers their long-polls and they call assign. */
  drainWakeups(): string[] {
    return this.parking.drain();
  }

  /** Leases taken away since the last call (expiry, pause, cancel, job failure), to tell the agents. */
  drainRevocations(): Revocation[] {
    const out = this.revocations;
    this.revocations = [];
    return out;
  }

  // ---------------------------------------------------------------- limits

  /** Sets a named limit's capacity (null: no limit); jobs that waited on it go back in the queue if it grew. */
  defineLimit(name: string, capacity: number | null): void {
    for (const j of this.limitBook.define(name, capacity ?? Infinity)) this.markReady(j, 1);
  }

  /** Named limits with a capacity or a holder: their use and who holds them. */
  limits(): LimitUse[] {
    return this.limitBook.list();
  }

  // ---------------------------------------------------------------- queries

  jobStatus(jobId: string): JobStatus {
    const job = this.jobOf(jobId);
    const counts = Object.fromEntries(TASK_STATES.map((s) => [s, job.counts[TASK_STATE_CODE[s]]!])) as Record<TaskState, number>;
    return {
      id: job.id,
      state: job.state,
      priority: job.priority,
      taskCount: job.plan.taskCount,
      counts,
      failureMessage: job.failureMessage,
      blocklist: [...job.blocklist].map(([nodeId, until]) => ({ nodeId, until })),
      dependsOn: job.upstream.map((u) => ({ upstream: u.job.id, mode: u.mode })),
      heldReason: FINAL_JOB_STATES.has(job.state) ? null : heldReason(job),
    };
  }

  taskInfo(jobId: string, index: number): TaskInfo {
    const job = this.jobOf(jobId);
    this.checkIndex(job, index);
    const lease = job.active.get(index);
    return {
      taskId: taskIdOf(job.id, index),
      kind: job.plan.taskKind(index),
      state: taskStateFromCode(job.states[index]!),
      attempt: job.attempts[index]!,
      nodeId: lease?.node.id ?? null,
      leaseExpiresAt: lease?.expiresAt ?? null,
      failedOn: [...(job.failedOn.get(index) ?? [])],
    };
  }

  isBlocklisted(jobId: string, nodeId: string): boolean {
    const job = this.jobOf(jobId);
    const node = this.nodes.get(nodeId);
    return node ? this.blocklist.blocks(job, node, this.clock.now()) : job.blocklist.has(nodeId);
  }

  stats(): { nodes: number; parked: number; activeLeases: number; jobs: number } {
    let activeLeases = 0;
    for (const j of this.jobs.values()) activeLeases += j.active.size;
    return { nodes: this.nodes.size, parked: this.parking.size, activeLeases, jobs: this.jobs.size };
  }

  // ---------------------------------------------------------------- persistence

  /** Rows drainChanges() would return now: the persistence backlog the dispatcher holds. */
  pendingChanges(): number {
    return this.dirty.size;
  }

  /** Rows changed since the last call, for one batched transaction. */
  drainChanges(): DispatcherRows {
    return this.dirty.drain();
  }

  /** Every job row and every task row that differs from a fresh task (see snapshotRows). */
  snapshot(): DispatcherRows {
    return snapshotRows(this.jobs.values());
  }

  static restore(
    options: DispatcherOptions & {
      jobs: readonly ({ row: JobRow; plan: ChunkPlan; dependsOn?: readonly Dependency[] } & JobLimits)[];
      tasks: readonly TaskRow[];
      nodes?: readonly NodeSpec[];
      limits?: readonly { name: string; capacity: number }[];
    },
  ): Dispatcher {
    const d = new Dispatcher(options);
    for (const l of options.limits ?? []) d.defineLimit(l.name, l.capacity);
    for (const n of options.nodes ?? []) d.registerNode(n);
    const sorted = [...options.jobs].sort((a, b) => a.row.seq - b.row.seq);
    for (const { row, plan, ...limits } of sorted) d.restoreJob(row, plan, limits);
    for (const { row, dependsOn } of sorted) {
      const job = d.jobs.get(row.id)!;
      d.link(
        job,
        (dependsOn ?? []).map((dep) => {
          const up = d.jobs.get(dep.upstream);
          if (!up) throw new RestoreInvalidError(`job ${row.id} depends on unknown job ${dep.upstream}`, { jobId: row.id, upstream: dep.upstream });
          return { job: up, mode: dep.mode };
        }),
      );
    }
    for (const t of options.tasks) d.restoreTask(t);
    for (const job of d.jobs.values()) {
      job.queuePreviewIfDue();
      d.markReady(job, 0);
    }
    return d;
  }

  // ---------------------------------------------------------------- internals

  private restoreJob(row: JobRow, plan: ChunkPlan, limits: JobLimits): void {
    if (this.jobs.has(row.id)) throw new RestoreInvalidError(`job ${row.id} appears twice`, { jobId: row.id });
    const job = new JobRec(row.id, row.seq, plan, row.priority, canonicalTags(row.tags));
    job.limits = this.limitsOf(row.id, limits);
    job.state = row.state;
    job.failureMessage = row.failureMessage;
    for (const f of row.nodeFailures) job.nodeFailures.set(f.nodeId, f.count);
    this.jobs.set(job.id, job);
    this.queue.register(job);
    this.nextSeq = Math.max(this.nextSeq, row.seq + 1);
    for (const b of row.blocklist) this.blocklist.put(job, this.ghostNode(b.nodeId), b.until);
  }

  private restoreTask(t: TaskRow): void {
    const job = this.jobs.get(t.jobId);
    if (!job) throw new RestoreInvalidError(`task row for unknown job ${t.jobId}`, { jobId: t.jobId, index: t.index });
    if (!Number.isInteger(t.index) || t.index < 0 || t.index >= job.plan.taskCount) {
      throw new RestoreInvalidError(`task index ${t.index} outside job ${t.jobId}`, { jobId: t.jobId, index: t.index });
    }
    this.setTaskCode(job, t.index, TASK_STATE_CODE[t.state]);
    job.attempts[t.index] = t.attempt;
    if (t.failedOn.length) job.failedOn.set(t.index, new Set(t.failedOn));
    if (t.state !== 'active') return;
    if (t.nodeId === null || t.leaseExpiresAt === null) {
      throw new RestoreInvalidError(`active task ${taskIdOf(t.jobId, t.index)} has no lease holder`, { jobId: t.jobId, index: t.index });
    }
    const node = this.ghostNode(t.nodeId);
    node.slots = Math.max(node.slots, node.leases.size + 1);
    // The row holds the expiry the lease had when it was handed out (heartbeats are not written): a
    // node alive across the restart keeps its task if it heartbeats within a lease from now; a node
    // that is gone loses it a lease from now. Which lease its node heartbeats on is not stored: the
    // longest the farm hands out covers any of them.
    const leaseMs = this.policy.longestLeaseMs ?? this.policy.leaseMs;
    this.leases.open(job, t.index, t.attempt, node, Math.max(t.leaseExpiresAt, this.clock.now() + leaseMs), leaseMs);
  }

  /** The named limits a job's tasks hold, plus its own cap on node slots. */
  private limitsOf(jobId: string, l: JobLimits): JobRec['limits'] {
    const out = [...new Set(l.limits ?? [])].map((name) => this.limitBook.of(name));
    if (l.maxNodes !== undefined) {
      if (!Number.isInteger(l.maxNodes) || l.maxNodes < 1) throw new RangeError(`job ${jobId}: maxNodes must be a positive integer`);
      out.push(newLimit(`job:${jobId}`, l.maxNodes));
    }
    return out;
  }

  private link(job: JobRec, upstream: readonly UpstreamLink[]): void {
    for (const u of upstream) {
      job.upstream.push(u);
      u.job.downstream.add(job);
    }
  }

  private ghostNode(nodeId: string): NodeRec {
    let node = this.nodes.get(nodeId);
    if (!node) {
      // Known only from persisted rows until its agent syncs again and registers its tags.
      this.registerNode({ id: nodeId });
      node = this.nodes.get(nodeId)!;
      node.online = false;
    }
    return node;
  }

  private jobOf(jobId: string): JobRec {
    const job = this.jobs.get(jobId);
    if (!job) throw new RenderNotFoundError('job', jobId);
    return job;
  }

  private nodeOf(nodeId: string): NodeRec {
    const node = this.nodes.get(nodeId);
    if (!node) throw new RenderNotFoundError('node', nodeId);
    return node;
  }

  private checkIndex(job: JobRec, index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= job.plan.taskCount) throw new RenderNotFoundError('task', taskIdOf(job.id, index));
  }

  /** Whether the node holds this attempt's lease now; nothing expires or changes. */
  holds(nodeId: string, token: LeaseToken): boolean {
    try {
      this.leases.held(nodeId, token);
      return true;
    } catch (err) {
      if (err instanceof LeaseStaleError) return false;
      throw err;
    }
  }

  private leaseFor(nodeId: string, token: LeaseToken): LeaseRec {
    this.expireLeases();
    return this.leases.held(nodeId, token);
  }

  private failLease(lease: LeaseRec, failure: TaskFailure): { task: TaskState; jobState: JobState; nodeBlocklisted: boolean } {
    const { job, index, node } = lease;
    const now = this.clock.now();
    this.leases.end(lease);
    const decision = decideFailure(
      {
        kind: failure.kind,
        nodeId: node.id,
        taskFailedOn: job.failedOn.get(index) ?? new Set(),
        nodeFailuresInJob: job.nodeFailures.get(node.id) ?? 0,
      },
      this.policy,
    );
    const rule = FAILURE_RULES[failure.kind];
    if (rule.countsAgainstTask) {
      let set = job.failedOn.get(index);
      if (!set) job.failedOn.set(index, (set = new Set()));
      set.add(node.id);
    }
    if (rule.countsAgainstNode) {
      job.nodeFailures.set(node.id, decision.nodeFailuresInJob);
      this.dirty.job(job);
    }
    if (decision.blocklistNode) this.blocklist.add(job, node, now + this.policy.blocklistForgiveMs);
    const event: TaskEvent = decision.task === 'fail-hard' ? 'fail-hard' : failure.kind === 'lease-expired' ? 'expire' : 'fail-retry';
    this.transitionTask(job, index, event);
    if (decision.task === 'fail-hard') {
      const why = decision.failJob
        ? failure.message
        : `task ${taskIdOf(job.id, index)} failed on ${decision.taskFailedOnCount} nodes; last error: ${failure.message}`;
      if (job.state !== 'failed' && !FINAL_JOB_STATES.has(job.state)) {
        job.failureMessage = why;
        this.setJobState(job, 'fail');
        this.revokeAll(job, 'job-failed');
      }
    } else {
      this.queue.enqueue(job, index);
      this.markReady(job, 1);
    }
    return { task: taskStateFromCode(job.states[index]!), jobState: job.state, nodeBlocklisted: job.blocklist.has(node.id) };
  }

  private stopTask(job: JobRec, index: number, event: 'pause' | 'cancel', reason: RevocationReason): Revocation[] {
    this.checkIndex(job, index);
    const lease = job.active.get(index);
    this.transitionTask(job, index, event);
    if (!lease) return [];
    this.leases.end(lease);
    const rev: Revocation = { nodeId: lease.node.id, token: tokenOf(lease), reason };
    this.revocations.push(rev);
    return [rev];
  }

  private revokeAll(job: JobRec, reason: RevocationReason): Revocation[] {
    const out: Revocation[] = [];
    for (const lease of [...job.active.values()]) {
      this.leases.end(lease);
      this.setTaskCode(job, lease.index, CANCELLED);
      this.dirty.task(job, lease.index);
      const rev: Revocation = { nodeId: lease.node.id, token: tokenOf(lease), reason };
      out.push(rev);
      this.revocations.push(rev);
    }
    return out;
  }

  private afterSettled(job: JobRec, index: number): void {
    if (index !== job.plan.previewIndex && job.queuePreviewIfDue()) this.markReady(job, 1);
    this.completeJobIfDone(job);
  }

  private completeJobIfDone(job: JobRec): void {
    if ((job.state === 'active' || job.state === 'paused' || job.state === 'queued') && job.settled === job.plan.taskCount) {
      if (job.state === 'queued') this.setJobState(job, 'start');
      this.setJobState(job, 'complete');
    }
  }

  private transitionTask(job: JobRec, index: number, event: TaskEvent): void {
    this.checkIndex(job, index);
    const from = taskStateFromCode(job.states[index]!);
    const to = nextTaskState(taskIdOf(job.id, index), from, event);
    this.setTaskCode(job, index, TASK_STATE_CODE[to]);
    this.dirty.task(job, index);
  }

  private setTaskCode(job: JobRec, index: number, code: number): void {
    const old = job.states[index]!;
    job.counts[old]!--;
    job.counts[code]!++;
    job.states[index] = code;
  }

  private setJobState(job: JobRec, event: JobEvent): void {
    job.state = nextJobState(job.id, job.state, event);
    this.dirty.job(job);
  }

  /** Puts a job with work back in the queue and wakes up to `want` parked nodes that can take it. */
  private markReady(job: JobRec, want: number): void {
    if (this.queue.ready(job) && want > 0) this.parking.wake(job, want, this.clock.now());
  }
}
