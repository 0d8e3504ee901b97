import type { ChunkPlan, TaskKind } from '../chunks.ts';
import type { Dependency } from './deps.ts';
import type { FrameRange } from '../frames.ts';
import type { FailureKind } from '../policy.ts';
import type { JobState, TaskState } from '../states.ts';

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
  /** The lease this task was handed out with: each heartbeat extends it by this much, and the node heartbeats every third of it. */
  readonly leaseMs: number;
}

export type RevocationReason = 'lease-expired' | 'task-paused' | 'task-cancelled' | 'job-cancelled' | 'job-failed';

/** A lease taken away from a node; the server tells the agent to stop that run. */
export interface Revocation {
  readonly nodeId: string;
  readonly token: LeaseToken;
  readonly reason: RevocationReason;
}

/** What a job's running tasks hold: units of named limits, and at most `maxNodes` node slots at once. */
export interface JobLimits {
  readonly limits?: readonly string[];
  readonly maxNodes?: number | undefined;
}

export interface JobSubmission extends JobLimits {
  readonly id: string;
  readonly plan: ChunkPlan;
  readonly priority: number;
  readonly tags?: readonly string[];
  /** Jobs (already submitted) this one waits on, as a whole or frame by frame. */
  readonly dependsOn?: readonly Dependency[];
}

/** What happens to a cancelled job's dependants: they wait (held, with the reason) or are cancelled too. */
export type DependantsOnCancel = 'hold' | 'cancel';

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
  readonly dependsOn: readonly Dependency[];
  /** Set while an upstream failed or was cancelled: "upstream job job_a frame 12 failed". */
  readonly heldReason: string | null;
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
