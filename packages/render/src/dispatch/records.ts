import type { ChunkPlan } from '../chunks.ts';
import { MinHeap } from '../heap.ts';
import { TASK_STATES, TASK_STATE_CODE } from '../states.ts';
import type { JobState } from '../states.ts';
import type { UpstreamLink } from './deps.ts';
import type { LimitRec } from './limits.ts';

/** The dispatcher's in-memory records of jobs, nodes and leases, shared by its parts. */

export const ACTIVE = TASK_STATE_CODE.active;
export const QUEUED = TASK_STATE_CODE.queued;
export const COMPLETED = TASK_STATE_CODE.completed;
export const CANCELLED = TASK_STATE_CODE.cancelled;
export const FAILED = TASK_STATE_CODE.failed;

export interface LeaseRec {
  readonly job: JobRec;
  readonly index: number;
  readonly attempt: number;
  readonly node: NodeRec;
  /** The lease length it was handed out with; a heartbeat renews it by this much, whatever the farm hands out now. */
  readonly leaseMs: number;
  /** Only ever moves later; the expiry heap holds the lease once, at or before this time (see LeaseTable). */
  expiresAt: number;
  ended: boolean;
}

export interface NodeRec {
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

export class JobRec {
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
  /** Jobs this one waits on (see deps.ts), and the jobs waiting on this one. */
  readonly upstream: UpstreamLink[] = [];
  readonly downstream = new Set<JobRec>();
  /** Limits each of its running tasks holds a unit of (see limits.ts); empty for most jobs. */
  limits: LimitRec[] = [];

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

  /** The preview waits for every chunk: it is queued for a node only once they are all settled. */
  queuePreviewIfDue(): boolean {
    if (!this.chunksSettled() || this.states[this.plan.previewIndex] !== QUEUED) return false;
    this.retry.push(this.plan.previewIndex);
    return true;
  }
}

export function canonicalTags(tags: readonly string[] | undefined): string[] {
  return [...new Set(tags ?? [])].sort();
}
