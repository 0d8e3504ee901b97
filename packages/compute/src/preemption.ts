import type { PreemptReason } from '@shuzhi/schema';
import { busyKWhPerUnitSlot, gridEffectiveFenPerKWh, slotHours } from './power.ts';
import type { Scenario } from './scenario.ts';

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
  /**
   * Suspended in place (Slurm's `scontrol suspend`): it holds its units and makes no progress, so
   * requeueing it costs the least of all — it is the first victim for urgent work.
   */
  suspended?: boolean;
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
  /** A cheaper window: when it resumes and what the pause saves. */
  window?: WindowPause;
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
  /** Per running task: the best later window to resume it in (cheaperWindow), where there is one. */
  windows?: ReadonlyMap<string, WindowPause>;
  /** The least saving worth a pause (pauseWorthIt): fen, kg CO2e; 0 leaves a criterion unused. */
  minSaveFen?: number;
  minSaveKg?: number;
}

/**
 * Which running tasks to preempt now, and why. A waiting job that cannot otherwise start by its
 * deadline takes the units of running checkpointing work of strictly lower priority at one of its
 * sites: first work suspended in place (it holds units and runs not at all), then the lowest priority,
 * then the most recently started (it loses least); a running
 * checkpointing task whose remaining work would save at least `minSaveFen` fen or `minSaveKg` kg in a
 * later window is paused until it. A job is never preempted more than `maxPerJob` times, never when it does not checkpoint.
 */
export function choosePreemptions(input: PreemptionInput): PreemptionChoice[] {
  const urgencyMs = input.urgencyMs ?? 15 * 60_000;
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
        .sort((a, b) => Number(b.suspended ?? false) - Number(a.suspended ?? false) || a.priority - b.priority || b.startedAtMs - a.startedAtMs);
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
    const window = input.windows?.get(r.taskId);
    // A suspended task already waits for its window.
    if (window && !r.suspended && pauseWorthIt(window, input.minSaveFen ?? 0, input.minSaveKg ?? 0) && eligible(r)) choose(r, { taskId: r.taskId, reason: 'cheaper-window', forJobId: null, window });
  }
  return [...chosen.values()];
}

/** A running task as the cheaper-window check sees it. */
export interface WindowCandidate {
  siteId: string;
  type: string;
  units: number;
  /** Work left, in hours. */
  remainingHours: number;
  /** Its deadline (ms), or null: any window within the scenario's horizon. */
  deadlineMs: number | null;
  /** Time a pause costs in running time: the checkpoint written in the grace, and the restore. */
  overheadHours: number;
}

/** A pause worth taking: resume at `resumeAtMs`; what it saves against running on now (net of the overhead). */
export interface WindowPause {
  resumeAtMs: number;
  saveFen: number;
  saveKg: number;
}

/**
 * Whether pausing a running task now and resuming it in a later window of the scenario (the live
 * network's slots from `startMs`) saves, and where. Priced as the planner prices a slot: the unit's
 * busy energy (busyKWhPerUnitSlot) at the slot's grid price plus the carbon price
 * (gridEffectiveFenPerKWh); the pause runs `overheadHours` more, at the window's price and the pool's
 * unit price. The window must end before the deadline. Null when no window is cheaper.
 */
export function cheaperWindow(s: Scenario, startMs: number, nowMs: number, c: WindowCandidate): WindowPause | null {
  const site = s.sites.find((x) => x.id === c.siteId);
  const pool = site?.pools.find((p) => p.type === c.type);
  if (!site || !pool || c.remainingHours <= 0) return null;
  const h = slotHours(s);
  const slotLen = h * 3_600_000;
  const kWhPerSlot = busyKWhPerUnitSlot(s, site, c.type) * c.units;
  const at = (t: number) => startMs + t * slotLen;
  /** Cost (objective fen) and carbon (kg) of `hours` of work from time `fromMs`, slot by slot. */
  const price = (fromMs: number, hours: number) => {
    let fen = 0;
    let kg = 0;
    let left = hours;
    let t = Math.floor((fromMs - startMs) / slotLen);
    let offset = (fromMs - at(t)) / 3_600_000;
    while (left > 1e-9) {
      if (t >= s.slots) return null;
      const run = Math.min(left, h - offset);
      const kWh = (kWhPerSlot * run) / h;
      fen += kWh * gridEffectiveFenPerKWh(s, site, t);
      kg += (kWh * (site.grid.carbonGPerKWh[t] ?? 0)) / 1000;
      left -= run;
      offset = 0;
      t++;
    }
    return { fen, kg };
  };
  const now = price(nowMs, c.remainingHours);
  if (!now) return null;
  const endMs = Math.min(c.deadlineMs ?? Infinity, at(s.slots));
  const rentFen = (pool.fenPerUnitHour ?? 0) * c.units * c.overheadHours;
  let best: WindowPause | null = null;
  let bestObjective = 0;
  for (let t = Math.floor((nowMs - startMs) / slotLen) + 1; at(t) + (c.remainingHours + c.overheadHours) * 3_600_000 <= endMs; t++) {
    const later = price(at(t), c.remainingHours + c.overheadHours);
    if (!later) break;
    const objective = now.fen - later.fen - rentFen;
    if (objective > bestObjective) {
      bestObjective = objective;
      const carbonFen = (s.carbonPriceFenPerKg * (now.kg - later.kg));
      best = { resumeAtMs: at(t), saveFen: objective - carbonFen, saveKg: now.kg - later.kg };
    }
  }
  return best;
}

/** Whether a pause saves enough to be worth it: at least `minFen` fen, or at least `minKg` kg CO2e (a 0 threshold is not used). */
export function pauseWorthIt(p: WindowPause, minFen: number, minKg: number): boolean {
  return (minFen > 0 && p.saveFen >= minFen) || (minKg > 0 && p.saveKg >= minKg);
}
