// The bench's own Lagrangian bound: the Lagrangian dual solved by column generation from optimal's best
// multipliers, outside every policy's time limit, and the optimal plan's gap to it in parts (whose gap it
// is: the plan's or the bound's).
import { buildIndex, gapParts, HighsWorker, jobGroups, lagrangianByColumns, type GapParts, type Multipliers, type PlanIndex, type PlanResult, type Scenario } from '@shuzhi/compute';
import { seriesConstantOver } from '../../packages/compute/src/coarseLp.ts';
import { n } from './side-by-side.ts';

export interface ColumnBound {
  /** L(y) at the best multipliers found: a valid lower bound (fen) */
  bound: number;
  /** L at the multipliers it started from (optimal's own, or zero) */
  start: number;
  rounds: number;
  columns: number;
  seconds: number;
  /** the last master LP's optimum: the Lagrangian dual is at most this */
  master: number | null;
  converged: boolean;
  /** the master's convexity rows: null one per job, else this many groups of jobs (jobGroups) */
  groups: number | null;
  /** the planner's slots per master slot (masterSlots): 1, the shared rows themselves; 4 at 15-minute slots, hourly rows */
  masterSlots: number;
  /** the optimal plan's gap to `bound` in parts, at the same multipliers */
  parts: GapParts;
}

/**
 * Jobs × slots above which the master gets a convexity row per group of jobs, not per job. The per-job
 * master converges on small (both slot lengths) and medium hourly (1.7 M), but a round takes ~20 s on medium
 * at 15 minutes (6.7 M) and the first one does not solve in 60 s on large hourly (16.8 M), where 210 groups
 * lifted the bound 123,169 → 123,977 ¥ in 60 s and 124,695 ¥ in 90 s (ascent-ab.ts, quiet).
 */
export const PER_JOB_MASTER_MAX = 3_000_000;
/**
 * At most this many groups (jobGroups widens its buckets until they fit). On large hourly the group count
 * decides whether 60 s gain anything: 500 gives 210 groups (64-slot buckets), +1,000 ¥ in 23 rounds; 160
 * gives 126 (the master still near the plan after 25 rounds) and 2,000 gives 1,469 (6 rounds): both nothing.
 */
export const MASTER_GROUPS = 500;

/**
 * The planner's slots per master slot: an hour's where slots are shorter and every series is constant over
 * the hour (the bench's 15-minute scenarios are its hourly ones resampled), else 1. On medium at 15 minutes
 * the per-job master over the planner's own rows gained nothing in 60 s (3 rounds); over hourly rows it
 * lifted the bound 12,530 → 12,639 ¥ in 6 (ascent-ab.ts, load 2.1–3.3). With 210 groups on large at 15
 * minutes: 10 rounds on the planner's rows gained nothing (master 128,440 ¥), 17 on hourly rows 122,924 →
 * 123,013 ¥ (master 125,850 ¥; load 1.1–3.0).
 */
export function masterSlots(ix: PlanIndex): number {
  const hour = 60 / ix.scenario.slotMinutes;
  return Number.isInteger(hour) && hour > 1 && seriesConstantOver(ix.scenario, hour) ? hour : 1;
}

/**
 * The master's groups for this scenario: null (a convexity row per job) where the per-job master is small
 * enough. Counted on the planner's slots even where the master's rows are hourly: on medium at 15 minutes
 * the per-job master on hourly rows reached 12,639 ¥ in 60 s (6 rounds), 209 groups on hourly rows
 * 12,706 ¥ (26 rounds).
 */
export function masterGroups(ix: PlanIndex): { groupOf: Int32Array; count: number } | null {
  return ix.jobs.length * ix.T <= PER_JOB_MASTER_MAX ? null : jobGroups(ix, MASTER_GROUPS);
}

/**
 * The grouped master's duals kept in a box of relative half-width BOX around the best multipliers (dualBox.ts),
 * besides Wentges' smoothing. Unboxed, the grouped master started from optimal's multipliers sat at the plan's
 * value with wild duals (L at them −1,882,608 ¥ in round 5) and gained nothing on large hourly in 60 s; boxed at 0.02,
 * 0.1 and 0.3 it reached 124,347, 124,993 and 124,845 ¥ from 123,130 ¥ (0.1 without smoothing 124,904 ¥,
 * 0.1 as a trust region 124,753 ¥; bound-trace.ts, load 1.9–4.1). The per-job masters (small, medium
 * hourly) stay unboxed: boxed, medium hourly's reached 12,704 ¥ in 31 s where unboxed it had 12,712 ¥ at
 * 58 s, but only 12,718 against 12,712 ¥ at 60 s (load 1.8–3.2), and small converges unboxed in 3 s.
 */
export const MASTER_BOX = 0.1;

/**
 * The Lagrangian dual by column generation for up to `seconds`, started from optimal's multipliers (zero
 * when it has none: it solved the exact MIP) and its plan, then the optimal plan's gap split at the best
 * multipliers. Outside every policy's time limit.
 */
export async function columnBound(s: Scenario, m: Multipliers | null, optimalPlan: PlanResult, seconds: number): Promise<ColumnBound> {
  const ix = m?.ix ?? buildIndex(s);
  const started = performance.now();
  const until = started + seconds * 1000;
  const worker = new HighsWorker();
  const blocks = masterSlots(ix);
  const groups = masterGroups(ix);
  try {
    const c = await lagrangianByColumns(ix, {
      worker, stop: () => performance.now() > until, secondsLeft: () => (until - performance.now()) / 1000,
      start: m?.y ?? new Float64Array(0), plan: optimalPlan.allocations, ...(groups ? { box: MASTER_BOX } : {}), ...(groups ? { groups: groups.groupOf } : {}), ...(blocks > 1 ? { masterSlots: blocks } : {}),
    });
    const elapsed = (performance.now() - started) / 1000;
    return {
      bound: c.bound, start: c.start, rounds: c.rounds, columns: c.columns, seconds: elapsed, master: c.master, converged: c.converged, groups: groups?.count ?? null, masterSlots: blocks,
      parts: gapParts(ix, c.model, c.eb, c.y, optimalPlan.allocations),
    };
  } finally {
    await worker.close();
  }
}

const yuan = (fen: number) => n(fen / 100, 2);
/** How the master was built, as the bench prints it. */
export const masterRows = (groups: number | null, slots = 1) =>
  `${groups === null ? ' (a master row per job' : ` (a master row per group of jobs, ${groups} groups`}${slots > 1 ? `; shared rows summed over ${slots} slots, multipliers constant over each` : ''})`;
const share = (part: number, whole: number) => (whole > 0 ? `${n((part / whole) * 100, 1)}%` : '–');

/** The optimal plan's gap to the Lagrangian bound in parts, as the bench prints them. */
export function gapLines(g: GapParts, groups: number | null = null, slots = 1): string[] {
  const gap = g.plan - g.bound;
  const k = g.jobs.byKind;
  const lines = [
    `gap of optimal to the Lagrangian bound by columns${masterRows(groups, slots)}, at its multipliers: ${yuan(gap)} ¥ (plan ${yuan(g.plan)} ¥ − L(y) ${yuan(g.bound)} ¥), by weak duality in parts:`,
    `  jobs off their cheapest placement at y (the plan's part): ${yuan(g.jobs.fen)} ¥ (${share(g.jobs.fen, gap)}), ${g.jobs.count} jobs — site ${yuan(k.site.fen)} ¥ (${k.site.count}), timing ${yuan(k.timing.fen)} ¥ (${k.timing.count}), unserved ${yuan(k.unserved.fen)} ¥ (${k.unserved.count})`,
    `  capacity priced but not full (complementary slackness): ${yuan(g.capacity.fen)} ¥ (${share(g.capacity.fen, gap)}) on ${g.capacity.rows} pool-slots`,
    `  energy, renewables, storage and green rows with the energy columns: ${yuan(g.energy.fen)} ¥ (${share(g.energy.fen, gap)})`,
  ];
  for (const j of g.jobs.top) {
    lines.push(`    ${j.job}: ${yuan(j.fen)} ¥ ${j.kind} — plan ${j.planSites.join('+') || 'unserved'} from slot ${Number.isFinite(j.planStart) ? j.planStart : '–'}, cheapest at y ${j.bestSites.join('+') || 'unserved'} from slot ${Number.isFinite(j.bestStart) ? j.bestStart : '–'}`);
  }
  return lines;
}
