import type { Clock } from '@shuzhi/schema';
import type { ChunkPlan, TaskKind } from './chunks.ts';
import { parseTaskId, taskIdOf } from './chunks.ts';
import { LeaseStaleError, RenderDuplicateError, RenderNotFoundError, RestoreInvalidError } from './errors.ts';
import type { FrameRange } from './frames.ts';
import { MinHeap } from './heap.ts';
import { DEFAULT_FAILURE_POLICY, FAILURE_RULES, decideFailure } from './policy.ts';
import type { FailureKind, FailurePolicy } from './policy.ts';
import { FINAL_JOB_STATES, TASK_STATES, TASK_STATE_CODE, nextJobState, nextTaskState, taskStateFromCode } from './states.ts';
import type { JobEvent, JobState, TaskEvent, TaskState } from './states.ts';

export type { Clock } from '@shuzhi/schema';

export interface NodeSpec {
  readonly id: string;
  readonly tags?: readonly string[];
  /** Tasks the node runs at once. */
  readonly slots?: number;
}

/** Fencing token: only the holder of the current attempt may report on a task. */
export interface LeaseToken {
  readonly taskId: string;
  readonly attempt: number;
}

export interface Assignment {
  readonly token: LeaseToken;
  readonly nodeId: string;
  readonly jobId: string;
  readonly taskIndex: number;
  readonly kind: TaskKind;
  readonly frames: readonly FrameRange[];
  readonly leaseExpiresAt: number;
}

export type RevocationReason = 'lease-expired' | 'task-paused' | 'task-cancelled' | 'job-cancelled' | 'job-failed';

/** A lease taken away from a node; the server tells the agent to stop that run. */
export interface Revocation {
  readonly nodeId: string;
  readonly token: LeaseToken;
  readonly reason: RevocationReason;
}

export interface JobSubmission {
  readonly id: string;
  readonly plan: ChunkPlan;
  readonly priority: number;
  readonly tags?: readonly string[];
}

export interface TaskFailure {
  readonly kind: FailureKind;
  readonly message: string;
}

export interface TaskRow {
  readonly jobId: string;
  readonly index: number;
  readonly state: TaskState;
  readonly attempt: number;
  readonly nodeId: string | null;
  readonly leaseExpiresAt: number | null;
  readonly failedOn: readonly string[];
}

export interface JobRow {
  readonly id: string;
  readonly seq: number;
  readonly priority: number;
  readonly tags: readonly string[];
  readonly state: JobState;
  readonly failureMessage: string | null;
  readonly blocklist: readonly { readonly nodeId: string; readonly until: number }[];
  readonly nodeFailures: readonly { readonly nodeId: string; readonly count: number }[];
}

export interface DispatcherRows {
  readonly jobs: JobRow[];
  readonly tasks: TaskRow[];
}

export interface JobStatus {
  readonly id: string;
  readonly state: JobState;
  readonly priority: number;
  readonly taskCount: number;
  readonly counts: Readonly<Record<TaskState, number>>;
  readonly failureMessage: string | null;
  readonly blocklist: readonly { readonly nodeId: string; readonly until: number }[];
}

export interface TaskInfo {
  readonly taskId: string;
  readonly kind: TaskKind;
  readonly state: TaskState;
  readonly attempt: number;
  readonly nodeId: string | null;
  readonly leaseExpiresAt: number | null;
  readonly failedOn: readonly string[];
}

interface LeaseRec {
  readonly job: JobRec;
  readonly index: number;
  readonly attempt: number;
  readonly node: NodeRec;
  expiresAt: number;
  ended: boolean;
}

interface NodeRec {
  readonly id: string;
  tags: Set<string>;
  sig: string;
  slots: number;
  online: boolean;
  parked: boolean;
  readonly leases: Set<LeaseRec>;
  /** Jobs holding this node in their blocklist; empty for nearly every node, which keeps assign on the fast path. */
  readonly blockedIn: Set<JobRec>;
}

interface TagQueue {
  readonly tags: readonly string[];
  readonly levels: Map<number, MinHeap<JobRec>>;
  /** Descending. */
  readonly priorities: number[];
}

const ACTIVE = TASK_STATE_CODE.active;
const QUEUED = TASK_STATE_CODE.queued;
const COMPLETED = TASK_STATE_CODE.completed;
const CANCELLED = TASK_STATE_CODE.cancelled;

class JobRec {
  state: JobState = 'queued';
  failureMessage: string | null = null;
  /** Next never-dispatched chunk; tasks at or past it need no queue entry, so a new job costs O(1). */
  cursor = 0;
  /** Queued tasks behind the cursor (retries, resumes, the preview), lowest index first. */
  readonly retry = new MinHeap<number>((a, b) => a < b);
  readonly states: Uint8Array;
  readonly attempts: Uint32Array;
  readonly counts = new Int32Array(TASK_STATES.length);
  readonly active = new Map<number, LeaseRec>();
  readonly failedOn = new Map<number, Set<string>>();
  readonly nodeFailures = new Map<string, number>();
  readonly blocklist = new Map<string, number>();
  inReady = false;
  readonly tagKey: string;

  constructor(
    readonly id: string,
    readonly seq: number,
    readonly plan: ChunkPlan,
    readonly priority: number,
    readonly tags: readonly string[],
  ) {
    this.states = new Uint8Array(plan.taskCount);
    this.attempts = new Uint32Array(plan.taskCount);
    this.counts[QUEUED] = plan.taskCount;
    this.tagKey = tags.join(',');
  }

  get settled(): number {
    return this.counts[COMPLETED]! + this.counts[CANCELLED]!;
  }

  chunksSettled(): boolean {
    const p = this.states[this.plan.previewIndex]!;
    const previewSettled = p === COMPLETED || p === CANCELLED ? 1 : 0;
    return this.settled - previewSettled === this.plan.chunkCount;
  }
}

function canonicalTags(tags: readonly string[] | undefined): string[] {
  return [...new Set(tags ?? [])].sort();
}

export interface DispatcherOptions {
  readonly clock: Clock;
  readonly policy?: Partial<FailurePolicy>;
}

/**
 * In-memory render dispatcher for tens of thousands of nodes. No global scan per poll: jobs wait in
 * heaps per (required tag set, priority), FIFO by submission; a node only looks at the heads of the
 * queues its tags satisfy (a handful), so assign is O(log jobs) plus O(log tasks) for a retry.
 * A node blocklisted for the head job, or a task that already failed on this node, falls back to a
 * scan of that one queue. Idle nodes are parked per tag set and handed back through drainWakeups()
 * when matching work appears. Leases carry (task, attempt) fencing tokens and expire through a heap.
 * The caller persists drainChanges() (batched) and rebuilds with Dispatcher.restore().
 */
export class Dispatcher {
  readonly policy: FailurePolicy;
  private readonly clock: Clock;
  private readonly jobs = new Map<string, JobRec>();
  private readonly nodes = new Map<string, NodeRec>();
  private readonly queues = new Map<string, TagQueue>();
  private readonly queuesForSig = new Map<string, TagQueue[]>();
  private readonly parked = new Map<string, { tags: Set<string>; nodes: Set<NodeRec> }>();
  private readonly leaseHeap = new MinHeap<{ at: number; lease: LeaseRec }>((a, b) => a.at < b.at);
  private wakeups: string[] = [];
  private revocations: Revocation[] = [];
  private dirtyJobs = new Set<JobRec>();
  private dirtyTasks = new Map<JobRec, Set<number>>();
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
      this.unpark(existing);
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
    this.unpark(node);
    node.online = false;
    const tokens: LeaseToken[] = [];
    for (const lease of [...node.leases]) {
      tokens.push(this.tokenOf(lease));
      this.failLease(lease, { kind: 'node-lost', message: `node ${nodeId} left` });
    }
    return tokens;
  }

  // ---------------------------------------------------------------- jobs

  submit(sub: JobSubmission): void {
    if (this.jobs.has(sub.id)) throw new RenderDuplicateError('job', sub.id);
    if (!Number.isInteger(sub.priority)) throw new RangeError('priority must be an integer');
    const job = new JobRec(sub.id, this.nextSeq++, sub.plan, sub.priority, canonicalTags(sub.tags));
    this.jobs.set(job.id, job);
    this.queueFor(job);
    this.dirtyJobs.add(job);
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

  cancelJob(jobId: string): Revocation[] {
    const job = this.jobOf(jobId);
    this.setJobState(job, 'cancel');
    return this.revokeAll(job, 'job-cancelled');
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
      if (s === TASK_STATE_CODE.failed || s === CANCELLED || (wasCompleted && s === COMPLETED)) {
        this.setTaskCode(job, i, QUEUED);
        this.markTaskDirty(job, i);
      }
    }
    job.failedOn.clear();
    job.nodeFailures.clear();
    for (const nodeId of job.blocklist.keys()) this.nodes.get(nodeId)?.blockedIn.delete(job);
    job.blocklist.clear();
    job.failureMessage = null;
    job.cursor = 0;
    job.retry.clear();
    if (job.chunksSettled() && job.states[job.plan.previewIndex] === QUEUED) job.retry.push(job.plan.previewIndex);
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
    this.enqueue(job, index);
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
      if (p === COMPLETED || p === CANCELLED || p === TASK_STATE_CODE.failed) {
        this.setTaskCode(job, preview, QUEUED);
        this.markTaskDirty(job, preview);
      }
    }
    this.enqueue(job, index);
    this.markReady(job, 1);
  }

  // ---------------------------------------------------------------- dispatch

  /** One task for the node, or null (the node is then parked until drainWakeups() names it). */
  assign(nodeId: string): Assignment | null {
    const now = this.clock.now();
    this.expireLeases();
    const node = this.nodeOf(nodeId);
    if (!node.online) node.online = true;
    if (node.leases.size >= node.slots) return null;
    const picked = this.pick(node, now);
    if (!picked) {
      this.park(node);
      return null;
    }
    this.unpark(node);
    const { job, index } = picked;
    this.setTaskCode(job, index, ACTIVE);
    const attempt = job.attempts[index]! + 1;
    job.attempts[index] = attempt;
    const lease: LeaseRec = { job, index, attempt, node, expiresAt: now + this.policy.leaseMs, ended: false };
    job.active.set(index, lease);
    node.leases.add(lease);
    this.leaseHeap.push({ at: lease.expiresAt, lease });
    if (job.state === 'queued') this.setJobState(job, 'start');
    this.markTaskDirty(job, index);
    return {
      token: { taskId: taskIdOf(job.id, index), attempt },
      nodeId,
      jobId: job.id,
      taskIndex: index,
      kind: job.plan.taskKind(index),
      frames: job.plan.taskFrames(index),
      leaseExpiresAt: lease.expiresAt,
    };
  }

  /** Extends a lease; returns the new expiry. Stale tokens throw LeaseStaleError. */
  heartbeat(nodeId: string, token: LeaseToken): number {
    const lease = this.leaseFor(nodeId, token);
    lease.expiresAt = this.clock.now() + this.policy.leaseMs;
    this.leaseHeap.push({ at: lease.expiresAt, lease });
    this.markTaskDirty(lease.job, lease.index);
    return lease.expiresAt;
  }

  complete(nodeId: string, token: LeaseToken): { jobState: JobState } {
    const lease = this.leaseFor(nodeId, token);
    const { job, index } = lease;
    this.endLease(lease);
    this.transitionTask(job, index, 'complete');
    job.failedOn.delete(index);
    this.afterSettled(job, index);
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
    for (;;) {
      const top = this.leaseHeap.peek();
      if (!top || top.at > now) break;
      this.leaseHeap.pop();
      const lease = top.lease;
      if (lease.ended || lease.expiresAt !== top.at) continue;
      const rev: Revocation = { nodeId: lease.node.id, token: this.tokenOf(lease), reason: 'lease-expired' };
      out.push(rev);
      this.revocations.push(rev);
      this.failLease(lease, { kind: 'lease-expired', message: `lease expired on ${lease.node.id}` });
    }
    return out;
  }

  /** Parked nodes that now have work; the server answers their long-polls and they call assign. */
  drainWakeups(): string[] {
    const out = this.wakeups;
    this.wakeups = [];
    return out;
  }

  /** Leases taken away since the last call (expiry, pause, cancel, job failure), to tell the agents. */
  drainRevocations(): Revocation[] {
    const out = this.revocations;
    this.revocations = [];
    return out;
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
    return node ? this.blocked(job, node, this.clock.now()) : job.blocklist.has(nodeId);
  }

  stats(): { nodes: number; parked: number; activeLeases: number; jobs: number } {
    let parked = 0;
    for (const g of this.parked.values()) parked += g.nodes.size;
    let activeLeases = 0;
    for (const j of this.jobs.values()) activeLeases += j.active.size;
    return { nodes: this.nodes.size, parked, activeLeases, jobs: this.jobs.size };
  }

  // ---------------------------------------------------------------- persistence

  /** Rows changed since the last call, for one batched transaction. */
  drainChanges(): DispatcherRows {
    const jobs = [...this.dirtyJobs].map((j) => this.jobRow(j));
    const tasks: TaskRow[] = [];
    for (const [job, set] of this.dirtyTasks) for (const i of set) tasks.push(this.taskRow(job, i));
    this.dirtyJobs = new Set();
    this.dirtyTasks = new Map();
    return { jobs, tasks };
  }

  /**
   * Every job row and every task row that differs from a fresh task (queued, attempt 0, no failures).
   * Fresh tasks need no row, so a million-frame job that has not started persists as one row.
   */
  snapshot(): DispatcherRows {
    const jobs: JobRow[] = [];
    const tasks: TaskRow[] = [];
    for (const job of this.jobs.values()) {
      jobs.push(this.jobRow(job));
      for (let i = 0; i < job.plan.taskCount; i++) {
        if (job.states[i] !== QUEUED || job.attempts[i] !== 0 || job.failedOn.has(i)) tasks.push(this.taskRow(job, i));
      }
    }
    return { jobs, tasks };
  }

  static restore(options: DispatcherOptions & { jobs: readonly { row: JobRow; plan: ChunkPlan }[]; tasks: readonly TaskRow[]; nodes?: readonly NodeSpec[] }): Dispatcher {
    const d = new Dispatcher(options);
    for (const n of options.nodes ?? []) d.registerNode(n);
    const sorted = [...options.jobs].sort((a, b) => a.row.seq - b.row.seq);
    for (const { row, plan } of sorted) {
      if (d.jobs.has(row.id)) throw new RestoreInvalidError(`job ${row.id} appears twice`, { jobId: row.id });
      const job = new JobRec(row.id, row.seq, plan, row.priority, canonicalTags(row.tags));
      job.state = row.state;
      job.failureMessage = row.failureMessage;
      for (const f of row.nodeFailures) job.nodeFailures.set(f.nodeId, f.count);
      d.jobs.set(job.id, job);
      d.queueFor(job);
      d.nextSeq = Math.max(d.nextSeq, row.seq + 1);
      for (const b of row.blocklist) {
        job.blocklist.set(b.nodeId, b.until);
        d.ghostNode(b.nodeId).blockedIn.add(job);
      }
    }
    for (const t of options.tasks) {
      const job = d.jobs.get(t.jobId);
      if (!job) throw new RestoreInvalidError(`task row for unknown job ${t.jobId}`, { jobId: t.jobId, index: t.index });
      if (!Number.isInteger(t.index) || t.index < 0 || t.index >= job.plan.taskCount) {
        throw new RestoreInvalidError(`task index ${t.index} outside job ${t.jobId}`, { jobId: t.jobId, index: t.index });
      }
      d.setTaskCode(job, t.index, TASK_STATE_CODE[t.state]);
      job.attempts[t.index] = t.attempt;
      if (t.failedOn.length) job.failedOn.set(t.index, new Set(t.failedOn));
      if (t.state === 'active') {
        if (t.nodeId === null || t.leaseExpiresAt === null) {
          throw new RestoreInvalidError(`active task ${taskIdOf(t.jobId, t.index)} has no lease holder`, { jobId: t.jobId, index: t.index });
        }
        const node = d.ghostNode(t.nodeId);
        node.slots = Math.max(node.slots, node.leases.size + 1);
        const lease: LeaseRec = { job, index: t.index, attempt: t.attempt, node, expiresAt: t.leaseExpiresAt, ended: false };
        job.active.set(t.index, lease);
        node.leases.add(lease);
        d.leaseHeap.push({ at: lease.expiresAt, lease });
      }
    }
    for (const job of d.jobs.values()) {
      if (job.chunksSettled() && job.states[job.plan.previewIndex] === QUEUED) job.retry.push(job.plan.previewIndex);
      d.markReady(job, 0);
    }
    return d;
  }

  // ---------------------------------------------------------------- internals

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

  private tokenOf(lease: LeaseRec): LeaseToken {
    return { taskId: taskIdOf(lease.job.id, lease.index), attempt: lease.attempt };
  }

  private leaseFor(nodeId: string, token: LeaseToken): LeaseRec {
    this.expireLeases();
    const ref = parseTaskId(token.taskId);
    const job = ref ? this.jobs.get(ref.jobId) : undefined;
    if (!ref || !job || ref.index >= job.plan.taskCount) throw new LeaseStaleError(token.taskId, token.attempt, 'unknown task');
    const lease = job.active.get(ref.index);
    const current = job.attempts[ref.index]!;
    if (!lease) throw new LeaseStaleError(token.taskId, token.attempt, 'task is not running', { currentAttempt: current });
    if (lease.attempt !== token.attempt) {
      throw new LeaseStaleError(token.taskId, token.attempt, 'a newer attempt holds the task', { currentAttempt: current });
    }
    if (lease.node.id !== nodeId) throw new LeaseStaleError(token.taskId, token.attempt, `leased to another node`, { currentAttempt: current });
    return lease;
  }

  private endLease(lease: LeaseRec): void {
    lease.ended = true;
    lease.job.active.delete(lease.index);
    lease.node.leases.delete(lease);
  }

  private failLease(lease: LeaseRec, failure: TaskFailure): { task: TaskState; jobState: JobState; nodeBlocklisted: boolean } {
    const { job, index, node } = lease;
    const now = this.clock.now();
    this.endLease(lease);
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
      this.dirtyJobs.add(job);
    }
    if (decision.blocklistNode && !job.blocklist.has(node.id)) {
      job.blocklist.set(node.id, now + this.policy.blocklistForgiveMs);
      node.blockedIn.add(job);
      this.dirtyJobs.add(job);
    }
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
      this.enqueue(job, index);
      this.markReady(job, 1);
    }
    return { task: taskStateFromCode(job.states[index]!), jobState: job.state, nodeBlocklisted: job.blocklist.has(node.id) };
  }

  private stopTask(job: JobRec, index: number, event: 'pause' | 'cancel', reason: RevocationReason): Revocation[] {
    this.checkIndex(job, index);
    const lease = job.active.get(index);
    this.transitionTask(job, index, event);
    if (!lease) return [];
    this.endLease(lease);
    const rev: Revocation = { nodeId: lease.node.id, token: this.tokenOf(lease), reason };
    this.revocations.push(rev);
    return [rev];
  }

  private revokeAll(job: JobRec, reason: RevocationReason): Revocation[] {
    const out: Revocation[] = [];
    for (const lease of [...job.active.values()]) {
      this.endLease(lease);
      this.setTaskCode(job, lease.index, CANCELLED);
      this.markTaskDirty(job, lease.index);
      const rev: Revocation = { nodeId: lease.node.id, token: this.tokenOf(lease), reason };
      out.push(rev);
      this.revocations.push(rev);
    }
    return out;
  }

  private afterSettled(job: JobRec, index: number): void {
    if (index !== job.plan.previewIndex && job.chunksSettled() && job.states[job.plan.previewIndex] === QUEUED) {
      job.retry.push(job.plan.previewIndex);
      this.markReady(job, 1);
    }
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
    this.markTaskDirty(job, index);
  }

  private setTaskCode(job: JobRec, index: number, code: number): void {
    const old = job.states[index]!;
    job.counts[old]!--;
    job.counts[code]!++;
    job.states[index] = code;
  }

  private setJobState(job: JobRec, event: JobEvent): void {
    job.state = nextJobState(job.id, job.state, event);
    this.dirtyJobs.add(job);
  }

  private markTaskDirty(job: JobRec, index: number): void {
    let set = this.dirtyTasks.get(job);
    if (!set) this.dirtyTasks.set(job, (set = new Set()));
    set.add(index);
  }

  /** Makes a queued task reachable: behind the cursor it needs a heap entry, ahead of it none. */
  private enqueue(job: JobRec, index: number): void {
    const preview = job.plan.previewIndex;
    if (index === preview) {
      if (job.chunksSettled()) job.retry.push(index);
    } else if (index < job.cursor) {
      job.retry.push(index);
    }
  }

  private dispatchable(job: JobRec): boolean {
    return job.state === 'queued' || job.state === 'active';
  }

  /** Lowest queued task of the job that this node may run (-1 if none); `take` removes it. */
  private taskFor(job: JobRec, node: NodeRec | null, take: boolean): number {
    const retry = job.retry;
    for (;;) {
      const top = retry.peek();
      if (top === undefined) break;
      if (job.states[top] !== QUEUED) {
        retry.pop();
        continue;
      }
      if (!node || !job.failedOn.get(top)?.has(node.id)) {
        if (take) retry.pop();
        return top;
      }
      // The head failed on this node before; look further down (rare, small heaps).
      for (let i = 1; i < retry.size; i++) {
        const idx = retry.at(i)!;
        if (job.states[idx] === QUEUED && !job.failedOn.get(idx)?.has(node.id)) {
          if (take) retry.removeAt(i);
          return idx;
        }
      }
      break;
    }
    const chunks = job.plan.chunkCount;
    while (job.cursor < chunks && job.states[job.cursor] !== QUEUED) job.cursor++;
    while (job.cursor < chunks) {
      const idx = job.cursor;
      if (job.states[idx] === QUEUED && node && job.failedOn.get(idx)?.has(node.id)) {
        // Failed here before (only possible after a restore); leave it to other nodes.
        retry.push(idx);
        job.cursor++;
        continue;
      }
      if (job.states[idx] !== QUEUED) {
        job.cursor++;
        continue;
      }
      if (take) job.cursor++;
      return idx;
    }
    return -1;
  }

  private hasWork(job: JobRec): boolean {
    return this.dispatchable(job) && this.taskFor(job, null, false) !== -1;
  }

  private blocked(job: JobRec, node: NodeRec, now: number): boolean {
    const until = job.blocklist.get(node.id);
    if (until === undefined) return false;
    if (until > now) return true;
    // Forgiven: the node starts over with this job.
    job.blocklist.delete(node.id);
    job.nodeFailures.delete(node.id);
    node.blockedIn.delete(job);
    this.dirtyJobs.add(job);
    return false;
  }

  private queueFor(job: JobRec): TagQueue {
    let q = this.queues.get(job.tagKey);
    if (!q) {
      q = { tags: job.tags, levels: new Map(), priorities: [] };
      this.queues.set(job.tagKey, q);
      this.queuesForSig.clear();
    }
    if (!q.levels.has(job.priority)) {
      q.levels.set(job.priority, new MinHeap<JobRec>((a, b) => a.seq < b.seq));
      q.priorities.push(job.priority);
      q.priorities.sort((a, b) => b - a);
    }
    return q;
  }

  private matchingQueues(node: NodeRec): TagQueue[] {
    let list = this.queuesForSig.get(node.sig);
    if (!list) {
      list = [...this.queues.values()].filter((q) => q.tags.every((t) => node.tags.has(t)));
      this.queuesForSig.set(node.sig, list);
    }
    return list;
  }

  private pick(node: NodeRec, now: number): { job: JobRec; index: number } | null {
    let best: JobRec | null = null;
    const careful = node.blockedIn.size > 0;
    for (const q of this.matchingQueues(node)) {
      for (const p of q.priorities) {
        if (best && p < best.priority) break;
        const heap = q.levels.get(p)!;
        let cand = this.headWithWork(heap);
        if (cand && ((careful && this.blocked(cand, node, now)) || this.taskFor(cand, node, false) === -1)) {
          cand = this.scan(heap, node, now);
        }
        if (!cand) continue;
        if (!best || cand.priority > best.priority || cand.seq < best.seq) best = cand;
        break;
      }
    }
    if (!best) return null;
    const index = this.taskFor(best, node, true);
    return index === -1 ? null : { job: best, index };
  }

  /** Pops jobs that have nothing to hand out (paused, finished, all tasks out) off the heap. */
  private headWithWork(heap: MinHeap<JobRec>): JobRec | null {
    for (;;) {
      const job = heap.peek();
      if (!job) return null;
      if (this.hasWork(job)) return job;
      heap.pop();
      job.inReady = false;
    }
  }

  private scan(heap: MinHeap<JobRec>, node: NodeRec, now: number): JobRec | null {
    let best: JobRec | null = null;
    for (let i = 0; i < heap.size; i++) {
      const job = heap.at(i)!;
      if (best && job.seq > best.seq) continue;
      if (!this.dispatchable(job) || this.blocked(job, node, now) || this.taskFor(job, node, false) === -1) continue;
      best = job;
    }
    return best;
  }

  /** Puts a job with work back in its heap and wakes up to `want` parked nodes that can take it. */
  private markReady(job: JobRec, want: number): void {
    if (!this.hasWork(job)) return;
    if (!job.inReady) {
      const q = this.queueFor(job);
      q.levels.get(job.priority)!.push(job);
      job.inReady = true;
    }
    if (want > 0) this.wake(job, want);
  }

  private wake(job: JobRec, want: number): void {
    const now = this.clock.now();
    for (const group of this.parked.values()) {
      if (!job.tags.every((t) => group.tags.has(t))) continue;
      for (const node of group.nodes) {
        if (want <= 0) return;
        if (job.blocklist.size && this.blocked(job, node, now)) continue;
        group.nodes.delete(node);
        node.parked = false;
        this.wakeups.push(node.id);
        want--;
      }
    }
  }

  private park(node: NodeRec): void {
    if (node.parked) return;
    let group = this.parked.get(node.sig);
    if (!group) this.parked.set(node.sig, (group = { tags: new Set(node.tags), nodes: new Set() }));
    group.nodes.add(node);
    node.parked = true;
  }

  private unpark(node: NodeRec): void {
    if (!node.parked) return;
    this.parked.get(node.sig)?.nodes.delete(node);
    node.parked = false;
  }

  private jobRow(job: JobRec): JobRow {
    return {
      id: job.id,
      seq: job.seq,
      priority: job.priority,
      tags: job.tags,
      state: job.state,
      failureMessage: job.failureMessage,
      blocklist: [...job.blocklist].map(([nodeId, until]) => ({ nodeId, until })),
      nodeFailures: [...job.nodeFailures].map(([nodeId, count]) => ({ nodeId, count })),
    };
  }

  private taskRow(job: JobRec, index: number): TaskRow {
    const lease = job.active.get(index);
    return {
      jobId: job.id,
      index,
      state: taskStateFromCode(job.states[index]!),
      attempt: job.attempts[index]!,
      nodeId: lease?.node.id ?? null,
      leaseExpiresAt: lease?.expiresAt ?? null,
      failedOn: [...(job.failedOn.get(index) ?? [])],
    };
  }
}

