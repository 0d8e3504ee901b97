import type { PreemptReason } from '@shuzhi/schema';

/**
 * Preemption: who pays for a preempted run, and which running work the platform may stop for more
 * urgent work. Pure: the server feeds it its running attempts and waiting jobs.
 */

/**
 * Whether the tenant pays for a preempted run. Work kept in a checkpoint is work done: billed, whatever
 * the reason. Work lost (no checkpoint) is billed only when the tenant took that risk — it ran on
 * units borrowed from another tenant's quota, which the owner reclaimed. When the platform chose to
 * stop it (a more urgent job, a cheaper window, an operator), the lost segment is not billed.
 */
export function preemptedRunBillable(reason: PreemptReason, checkpointed: boolean): boolean {
  return checkpointed || reason === 'quota-reclaim';
}

/** The default bound on preemptions per job, so work is not thrashed. */
export const DEFAULT_MAX_PREEMPTIONS_PER_JOB = 2;

export interface RunningForPreemption {
  taskId: string;
  jobId: string;
  type: string;
  units: number;
  siteId: string;
  priority: number;
  /** Only checkpointing work is preempted by the planner (the rest would lose what it did). */
  checkpoint: boolean;
  /** Times the job was preempted so far. */
  preemptions: number;
  startedAtMs: number;
}

export interface WaitingForPreemption {
  jobId: string;
  type: string;
  units: number;
  priority: number;
  hours: number;
  deadlineMs: number | null;
  /** Sites the job may run at (residency, pins, an engine online). */
  siteIds: readonly string[];
}

export interface PreemptionChoice {
  taskId: string;
  reason: Extract<PreemptReason, 'priority' | 'cheaper-window'>;
  /** The waiting job the units go to ('priority'), or null (a cheaper window). */
  forJobId: string | null;
}

export interface PreemptionInput {
  running: readonly RunningForPreemption[];
  waiting: readonly WaitingForPreemption[];
  /** Free units of a type at a site now. */
  free: (siteId: string, type: string) => number;
  nowMs: number;
  maxPerJob: number;
  /**
   * A waiting job is urgent when it must start within this long to meet its deadline (its latest
   * start minus now); default: the next 15 minutes.
   */
  urgencyMs?: number;
  /** Per running task: the fraction of its remaining cost a later window saves (0.3 = 30 %). */
  windowSaving?: ReadonlyMap<string, number>;
  /** The least saving worth a preemption (default 0.25). */
  savingThreshold?: number;
}

/**
 * Which running tasks to preempt now, and why. A waiting job that cannot otherwise start by its
 * deadline takes the units of running checkpointing work of strictly lower priority at one of its
 * sites (lowest priority first, then the most recently started: it loses least); a running
 * checkpointing task whose remaining work would cost at least `savingThreshold` less in a later window
 * is paused. A job is never preempted more than `maxPerJob` times, never when it does not checkpoint.
 */
export function choosePreemptions(input: PreemptionInput): PreemptionChoice[] {
  const urgencyMs = input.urgencyMs ?? 15 * 60_000;
  const threshold = input.savingThreshold ?? 0.25;
  const chosen = new Map<string, PreemptionChoice>();
  // Each task preempted counts against its job's bound (an array's tasks share one).
  const perJob = new Map<string, number>();
  const eligible = (r: RunningForPreemption) => r.checkpoint && r.preemptions + (perJob.get(r.jobId) ?? 0) < input.maxPerJob && !chosen.has(r.taskId);
  const choose = (r: RunningForPreemption, c: PreemptionChoice) => {
    chosen.set(r.taskId, c);
    perJob.set(r.jobId, (perJob.get(r.jobId) ?? 0) + 1);
  };
  const urgent = input.waiting
    .filter((w) => w.deadlineMs !== null && w.deadlineMs - w.hours * 3_600_000 - input.nowMs <= urgencyMs)
    .sort((a, b) => b.priority - a.priority || a.deadlineMs! - b.deadlineMs!);
  // Per site and type: units freed by victims already chosen minus units promised to urgent jobs.
  const delta = new Map<string, number>();
  for (const w of urgent) {
    for (const siteId of w.siteIds) {
      const key = `${siteId}:${w.type}`;
      const have = input.free(siteId, w.type) + (delta.get(key) ?? 0);
      if (have >= w.units) {
        // It can start without anyone's units: the dispatcher places it.
        delta.set(key, (delta.get(key) ?? 0) - w.units);
        break;
      }
      const victims = input.running
        .filter((r) => r.siteId === siteId && r.type === w.type && r.priority < w.priority && eligible(r))
        .sort((a, b) => a.priority - b.priority || b.startedAtMs - a.startedAtMs);
      const take: RunningForPreemption[] = [];
      const taking = new Map<string, number>();
      let got = have;
      for (const v of victims) {
        if (got >= w.units) break;
        if (v.preemptions + (perJob.get(v.jobId) ?? 0) + (taking.get(v.jobId) ?? 0) >= input.maxPerJob) continue;
        take.push(v);
        taking.set(v.jobId, (taking.get(v.jobId) ?? 0) + 1);
        got += v.units;
      }
      if (got < w.units) continue;
      for (const v of take) choose(v, { taskId: v.taskId, reason: 'priority', forJobId: w.jobId });
      delta.set(key, (delta.get(key) ?? 0) + (got - have) - w.units);
      break;
    }
  }
  for (const r of input.running) {
    const saving = input.windowSaving?.get(r.taskId);
    if (saving !== undefined && saving >= threshold && eligible(r)) choose(r, { taskId: r.taskId, reason: 'cheaper-window', forJobId: null });
  }
  return [...chosen.values()];
}
