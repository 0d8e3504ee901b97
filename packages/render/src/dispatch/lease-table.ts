import { parseTaskId, taskIdOf } from '../chunks.ts';
import { LeaseStaleError } from '../errors.ts';
import { MinHeap } from '../heap.ts';
import { acquireLimits, releaseLimits } from './limits.ts';
import type { JobRec, LeaseRec, NodeRec } from './records.ts';
import type { LeaseToken } from './types.ts';

/**
 * Who holds which task, until when. A lease is on its job (job.active) and its node (node.leases);
 * expiry goes through a heap that holds each lease once, at the expiry it had when it was last put
 * there: a heartbeat only moves `expiresAt` (no heap work, no garbage — 2,000 of them a second at a
 * farm's scale), and an extended lease that reaches the top is put back at its new expiry then.
 */
export class LeaseTable {
  private readonly heap = new MinHeap<{ at: number; lease: LeaseRec }>((a, b) => a.at < b.at);

  constructor(
    private readonly jobs: ReadonlyMap<string, JobRec>,
    /** Jobs that waited on a limit the ended lease gave a unit back to. */
    private readonly onLimitFreed: (jobs: JobRec[]) => void = () => {},
  ) {}

  open(job: JobRec, index: number, attempt: number, node: NodeRec, expiresAt: number, leaseMs: number): LeaseRec {
    const lease: LeaseRec = { job, index, attempt, node, leaseMs, expiresAt, ended: false };
    job.active.set(index, lease);
    node.leases.add(lease);
    if (job.limits.length) acquireLimits(lease);
    this.heap.push({ at: expiresAt, lease });
    return lease;
  }

  /** Moves the lease's expiry later (never earlier: its heap entry must not be later than it). */
  extend(lease: LeaseRec, expiresAt: number): void {
    if (expiresAt > lease.expiresAt) lease.expiresAt = expiresAt;
  }

  end(lease: LeaseRec): void {
    if (lease.ended) return;
    lease.ended = true;
    lease.job.active.delete(lease.index);
    lease.node.leases.delete(lease);
    if (lease.job.limits.length) {
      const freed = releaseLimits(lease);
      if (freed.length) this.onLimitFreed(freed);
    }
  }

  /** The next lease whose time is up at `now`, taken off the heap (still open: the caller ends it), or null. */
  nextExpired(now: number): LeaseRec | null {
    for (;;) {
      const top = this.heap.peek();
      if (!top || top.at > now) return null;
      this.heap.pop();
      const lease = top.lease;
      if (lease.ended) continue;
      if (lease.expiresAt <= now) return lease;
      // Extended since it was put on the heap: back on at its expiry now.
      top.at = lease.expiresAt;
      this.heap.push(top);
    }
  }

  /** The open lease the token names, held by the node; anything else is a stale report. */
  held(nodeId: string, token: LeaseToken): LeaseRec {
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
}

export function tokenOf(lease: LeaseRec): LeaseToken {
  return { taskId: taskIdOf(lease.job.id, lease.index), attempt: lease.attempt };
}
