/** Why an attempt ended without completing. */
export const FAILURE_KINDS = ['render-error', 'scene-load', 'lease-expired', 'node-lost', 'revoked'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface FailureRule {
  /** Counts toward blocklisting the node for this job. */
  readonly countsAgainstNode: boolean;
  /** Counts toward the task's "failed on N different nodes" limit. */
  readonly countsAgainstTask: boolean;
  /** The whole job fails at once with the renderer's message. */
  readonly failsJob: boolean;
}

/**
 * A lost lease or node says nothing about the task (the machine went away), so it only requeues;
 * a scene that does not load will not load anywhere, so the job fails at once.
 */
export const FAILURE_RULES = {
  'render-error': { countsAgainstNode: true, countsAgainstTask: true, failsJob: false },
  'scene-load': { countsAgainstNode: false, countsAgainstTask: true, failsJob: true },
  'lease-expired': { countsAgainstNode: false, countsAgainstTask: false, failsJob: false },
  'node-lost': { countsAgainstNode: false, countsAgainstTask: false, failsJob: false },
  revoked: { countsAgainstNode: false, countsAgainstTask: false, failsJob: false },
} as const satisfies Record<FailureKind, FailureRule>;

export interface FailurePolicy {
  /** Failed tasks of one job on one node before that node is blocklisted for the job. */
  readonly nodeFailuresBeforeBlocklist: number;
  /** How long a blocklisting lasts; after it the node may try the job again with a clean slate. */
  readonly blocklistForgiveMs: number;
  /** Distinct nodes that must fail a task before it fails hard. */
  readonly distinctNodesBeforeTaskFails: number;
  /** Lease length; agents heartbeat about every third of it, so three missed beats expire it. */
  readonly leaseMs: number;
  /**
   * The longest lease the farm may hand out (assign may be given a longer one than leaseMs, for a big
   * fleet); default leaseMs. A restored lease gets it: its row does not say which lease its node heartbeats on.
   */
  readonly longestLeaseMs?: number;
}

export const DEFAULT_FAILURE_POLICY = {
  nodeFailuresBeforeBlocklist: 3,
  blocklistForgiveMs: 30 * 60_000,
  distinctNodesBeforeTaskFails: 3,
  leaseMs: 90_000,
} as const satisfies FailurePolicy;

export interface FailureFacts {
  readonly kind: FailureKind;
  /** Distinct nodes that already failed this task (counted failures only), not including this one. */
  readonly taskFailedOn: ReadonlySet<string>;
  /** Counted failures of this job's tasks on this node so far, not including this one. */
  readonly nodeFailuresInJob: number;
  readonly nodeId: string;
}

export interface FailureDecision {
  readonly task: 'requeue' | 'fail-hard';
  readonly blocklistNode: boolean;
  readonly failJob: boolean;
  /** Distinct failing nodes after this failure. */
  readonly taskFailedOnCount: number;
  readonly nodeFailuresInJob: number;
}

/** The failure policy as a pure function of the facts, so the dispatcher and tests share it. */
export function decideFailure(facts: FailureFacts, policy: FailurePolicy = DEFAULT_FAILURE_POLICY): FailureDecision {
  const rule = FAILURE_RULES[facts.kind];
  const failedOn = rule.countsAgainstTask && !facts.taskFailedOn.has(facts.nodeId) ? facts.taskFailedOn.size + 1 : facts.taskFailedOn.size;
  const nodeFailures = facts.nodeFailuresInJob + (rule.countsAgainstNode ? 1 : 0);
  const failJob = rule.failsJob;
  const hard = failJob || (rule.countsAgainstTask && failedOn >= policy.distinctNodesBeforeTaskFails);
  return {
    task: hard ? 'fail-hard' : 'requeue',
    blocklistNode: rule.countsAgainstNode && nodeFailures >= policy.nodeFailuresBeforeBlocklist,
    failJob,
    taskFailedOnCount: failedOn,
    nodeFailuresInJob: nodeFailures,
  };
}
