import { buildChainModel, rigidBlockHours, type ChainModel } from './chainModel.ts';
import { pricesOnPlannerSlots, pricingGrid, type PricingGrid } from './coarseLp.ts';
import { energyTotals, type EnergyBlock } from './energyBlock.ts';
import { evaluate, UNSERVED_PENALTY_FEN_PER_UNIT_HOUR } from './evaluate.ts';
import { fifo } from './fifo.ts';
import { edfOrder } from './greedy.ts';
import { improvePlan } from './improve.ts';
import { lagrangianAscent, lagrangianStart, type LagrangianPoint } from './lagrange.ts';
import { lnsImprove } from './lns.ts';
import { exchangePairs } from './pairExchange.ts';
import { dualSeeds } from './dualSeeds.ts';
import { energyRowScale, lagrangianBundle } from './dualBundle.ts';
import { polishWithMip } from './polish.ts';
import { capacityPrices, placeAtDuals } from './pricedPlacement.ts';
import { planAtPrices, STORAGE_ROUNDS } from './planAtPrices.ts';
import { planDagByMip } from './precedenceModel.ts';
import { applyJobSolution, buildJobModel, jobModelSize } from './jobModel.ts';
import type { LpModel } from './lp.ts';
import { buildIndex, type PlanIndex } from './planIndex.ts';
import { PlanState, placeCheapest } from './planState.ts';
import type { LowerBound, PlanMetrics, PlanOptions, PlanResult, Policy } from './policy.ts';
import { rescueUnserved } from './rescue.ts';
import { rigidFirstEdf, roundChainSolution } from './round.ts';
import { replanSites } from './siteReplan.ts';
import type { Scenario } from './scenario.ts';
import { HighsWorker, type SolveResult } from './solver.ts';
import { solveClock } from './timing.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => { setTimeout(resolve, Math.max(0, ms)).unref(); });

/** Above this many job-level work columns the exact MIP is replaced by the aggregated LP and rounding. */
export const MIP_MAX_COLUMNS = 4000;
/** The 32-bit WASM HiGHS runs out of memory near 1.5M columns; stay well below. */
export const LP_MAX_COLUMNS = 1_200_000;
export const DEFAULT_TIME_LIMIT_SEC = 60;
/**
 * Up to this many job-level columns, and with at least POLISH_MIN_SEC left, the plan is finished by the
 * exact MIP started from it; otherwise by window MIPs. With less time HiGHS spends it on the full model's
 * root LP and returns the plan unchanged (the bench's small scenario: 47,000 columns, nothing saved in
 * the ~4 s a 10 s limit leaves), while a day-long window's MIP solves in a second or two.
 */
export const POLISH_MAX_COLUMNS = 250_000;
export const POLISH_MIN_SEC = 20;
/**
 * HiGHS' pace on the aggregated LP: rows plus columns it solves per second of budget. With LP_SHARE it
 * sizes the LP (pricingGrid) counting pooled chains only; the rigid blocks added on that grid make it
 * ~1.6× larger on medium (71 k, solved in 1.8–2.7 s of 10 under load 2–3.5).
 */
export const LP_SIZE_PER_SEC = 13_000;
/** Share of the time limit the aggregated LP is sized for, and the share after which it is stopped. */
export const LP_SHARE = 0.35;
export const LP_TIME_SHARE = 0.5;
/** Below this many rows plus columns the LP is never bucketed further (it solves in well under a second). */
export const MIN_LP_SIZE = 30_000;
/**
 * Rigid job lengths that get block chains in the aggregated LP (rigidBlockHours: the lengths carrying
 * the most rigid work); 0 pools every job. A pooled chain lets a 24-hour rigid job run in the cheapest
 * hours of its window; its block must run through the day. Measured offline (bench/planner/lp-curve.ts,
 * LP on today's grid; pooled → blocks for the 24-hour jobs): medium hourly LP 12,243 → 12,484 ¥, L at
 * its duals 12,546 → 12,572 ¥, planAtPrices there 12,955 → 12,897 ¥, LP 45 k → 71 k rows plus columns
 * (1.1 → 2.0 s); medium 15-minute L 12,530 → 12,551, plan 12,913 → 12,877 ¥; small 15-minute L 1,538 →
 * 1,565, plan 1,600 → 1,574 ¥. Optimal's final plan within its 10 s (tuning-ab, rigidBlocks=0 vs default,
 * twice each, load 1.7–3.5): medium hourly 12,944.9 → 12,860.6 ¥, 15-minute 12,913.0 → 12,877.4 ¥; small
 * hourly 1,574.4 → 1,571.0 ¥, 15-minute 1,585.3 → 1,572.2–1,572.9 ¥. A second length (the next weightiest,
 * 2 h on medium) loosened the LP (12,484 → 12,421 ¥: shorter jobs then take 2-hour blocks, whose rate cap
 * is looser than a pooled job's) and took it to 66 k columns.
 */
export const RIGID_BLOCK_LENGTHS = 1;
/**
 * Above this many jobs the LP with rigid blocks gets deadline buckets at least RIGID_BLOCKS_LARGE_WIDTH
 * LP slots wide: on large hourly (100,000 jobs) its 24-hour blocks on the pooled grid's 4-hour buckets
 * took the LP from 209 k rows plus columns, solved in 9.6 s, to 354 k, unsolved after 120 s
 * (bench/planner/lp-curve.ts, load 1–2), where the LP is cut at 30 s; on 16-hour buckets it is 155 k,
 * solved in 9.0 s (load 4.9), L at its duals 123,104 → 123,996 ¥. Optimal within its 60 s (tuning-ab,
 * rigidBlocks=0 vs blocks, one process, load 1.7–2.4): large hourly 126,780 → 126,140 ¥ (its bound
 * 123,174 → 124,087 ¥, 59.1 s both), 15-minute 126,880 → 126,106 ¥ (122,924 → 123,763 ¥, 59.6 → 59.8 s).
 */
export const RIGID_BLOCKS_WIDE_JOBS = 20_000;
export const RIGID_BLOCKS_LARGE_WIDTH = 16;
/**
 * Optimal's aggregated LP for a time limit: its grid (pricingGrid, sized at `lpPace` × LP_SHARE × the
 * limit) with rigid blocks for the `blockLengths` weightiest rigid lengths, and the chain model on it.
 * Bench scripts that study the LP's duals build it here, as optimal does.
 */
export function aggregatedLp(ix: PlanIndex, limitSec: number, opts: { lpPace?: number; blockLengths?: number } = {}): { grid: PricingGrid; cm: ChainModel; blockHours: number[] } {
  const blockLengths = opts.blockLengths ?? RIGID_BLOCK_LENGTHS;
  const blockHours = blockLengths > 0 ? rigidBlockHours(ix, blockLengths) : [];
  const wide = ix.jobs.length > RIGID_BLOCKS_WIDE_JOBS ? { minWidth: RIGID_BLOCKS_LARGE_WIDTH } : {};
  const grid = pricingGrid(ix, Math.max(MIN_LP_SIZE, (opts.lpPace ?? LP_SIZE_PER_SEC) * LP_SHARE * limitSec), { rigidBlocks: blockHours.length > 0, blockHours, ...wide });
  return { grid, cm: buildChainModel(grid.ix, grid.classes, grid.width, { rateCaps: blockHours.length > 0 }), blockHours };
}

/** Milliseconds the LP's answer is waited for when its deadline has passed: long enough for a queued worker message to be read. */
const LP_ANSWER_GRACE_MS = 50;
/** Rounding's local search stops at this share of the time limit; the exact MIPs get the rest. */
export const ROUND_TIME_SHARE = 0.8;
/**
 * Share of the time left after rounding that the site neighbourhoods (replanSites) get after the window MIPs.
 * On small at hourly slots (plan 1,597 ¥, HiGHS' own exact MIP 1,572 ¥) 461 of the 693 jobs placed
 * differently from the exact MIP's plan sit at other sites (bench/planner/compare-exact.ts). Measured
 * under load (bench/planner/site-ab.ts), off → on: small hourly at 20 s 1,595.0 → 1,591.8 ¥ (window MIPs
 * alone 4 ¥ in the whole rest; with half of it, site MIPs 5.3 ¥ and window MIPs 2 ¥); medium hourly at
 * 20 s 13,024 → 13,013 ¥; large hourly at 60 s 129,081 → 128,689 ¥ (site MIPs 302 ¥).
 */
export const SITE_REPLAN_SHARE = 0.5;
/**
 * Up to this many jobs the site MIPs' seeds are ranked at the LP's duals (dualSeeds); above it against an
 * empty network. The ranking prices each job's cheapest placement as one Lagrangian pass does — seconds
 * on 100,000 jobs at 15-minute slots, time the large plan's site MIPs need (not measured on large).
 */
export const DUAL_SEEDS_MAX_JOBS = 20_000;
/**
 * With site MIPs first (the default where their seeds are ranked at the duals), their share of the time
 * left after rounding; the window MIPs get the rest. Measured under load in one process (bench/planner/tuning-ab.ts, 10 s limit), empty-network seeds
 * with windows first → dual seeds → dual seeds with sites first: small hourly 1,594.16 → 1,582.78 →
 * 1,574.62 ¥ (HiGHS' exact MIP bound 1,568 ¥); small 15-minute 1,597.47 → 1,591.02 → 1,591.02 ¥; medium
 * hourly 13,027.16 ¥ all three. Pair exchange after both found no time left (small hourly 1,574.94 ¥);
 * before the window MIPs it cost them 1–1.7 s for 0.25 ¥ on small, 2–5 ¥ on medium hourly: off by default.
 */
export const SITES_FIRST_SHARE = 0.75;
/**
 * After placement at the LP's prices the subgradient ascent runs alone (HiGHS idle) until its best
 * multipliers are REPRICE_STEPS steps on, or until this share of the time limit; then the plan is placed
 * again at them (placeAtPrices) and the re-placement kept only when better (keepBetter); the exact MIPs
 * follow. Better multipliers give a cheaper placement: on medium hourly (offline,
 * bench/planner/reprice-steps.ts) placement + local search at the LP's duals 13,031 ¥, after 10 ascent
 * steps 13,012 ¥, after 20 12,995 ¥ (the full ascent's 105 steps 12,991 ¥, columns' converged
 * multipliers 12,954 ¥). With the MIPs before the re-placement as well (their work is lost when it wins)
 * the ascent had reached only step 4–10 by 45–55 % of medium hourly's 10 s: 12,994–12,998 ¥; alone, step
 * 12 by 45 %: 12,988 ¥ (tuning-ab, load 4–6). Later than 60 % leaves medium at 15-minute slots (placement
 * 1.8–2.6 s) too little for a re-placement.
 */
export const REPRICE_SHARE = 0.6;
/**
 * The re-placement comes once the ascent's best multipliers are this many steps on (or at REPRICE_SHARE).
 * Medium hourly, 10 s (tuning-ab, load 1.8–2.0): at step 16 the re-placement 12,990.8 ¥, the plan
 * 12,976.5 ¥; at step 25 12,987.7 and 12,970.7 ¥; offline at 19 12,989.7, at 38 12,996.2 ¥.
 */
export const REPRICE_STEPS = 20;
/**
 * Above this many jobs no re-placement: on large (100,000 jobs, hourly; offline) an ascent step takes
 * 0.55 s, its best did not move in the first 19 steps, and placement + local search takes 12–17 s, time
 * the window and site MIPs turn into 560–680 ¥ there.
 */
export const REPRICE_MAX_JOBS = 20_000;
/**
 * The re-placement's local search first runs two passes still charging this share of the capacity prices,
 * then at true costs. Medium hourly, offline, at 0 / 10 / 20 / 40 ascent steps: without 13,031 / 13,012 /
 * 12,995 / 13,003 ¥; share 0.25 13,029 / 13,009 / 12,992 / 12,998; 0.5 13,028 / 13,006 / 12,990 / 12,996;
 * 0.75 13,029 / 13,008 / 12,992 / 12,998; 1 13,031 / 13,011 / 12,995 / 13,002 (+0.15 s each).
 */
export const REPRICE_HELD_SHARE = 0.5;
/** Share of the time limit by which a cheaper candidate plan's exact MIPs for its unserved jobs must end. */
export const SPECULATIVE_RESCUE_SHARE = 0.9;
/** Seconds the exact MIPs for unserved jobs get even past the time limit. */
export const RESCUE_FLOOR_SEC = 15;
/** Unserved jobs named one by one in the notes; the rest are counted. */
const MAX_PROOF_NOTES = 20;

function bound(eb: Parameters<typeof energyTotals>[0], ix: PlanIndex, r: SolveResult): LowerBound {
  const e = energyTotals(eb, ix, r.colValue);
  return { objective: r.objective, costFen: e.costFen, carbonKg: e.carbonKg };
}

function relax(m: LpModel): LpModel {
  const { integrality: _drop, ...rest } = m;
  return rest;
}

/**
 * A plan without the LP: cheapest-feasible placement in EDF order (rigid jobs first, as the rounding's
 * repair places them) and fifo's placement, each improved by local search; the one serving more work
 * wins, then the cheaper. Both are searched because which serves more after the search is not known
 * before it (on the bench's medium scenario fifo's start leaves 1,320 unit-hours unserved and ends at
 * none; the EDF start leaves fewer and ends at 14).
 */
async function heuristicPlan(ix: PlanIndex, scenario: Scenario, stop: () => boolean): Promise<{ st: PlanState; metrics: PlanMetrics; fromFifo: boolean; moves: number; passes: number }> {
  const edf = new PlanState(ix);
  for (const j of rigidFirstEdf(ix)) placeCheapest(edf, j);
  const queued = new PlanState(ix);
  const fifoPlan = await fifo.plan(scenario);
  for (const a of [...fifoPlan.allocations].sort((x, y) => x.slot - y.slot)) queued.add(ix.jobById.get(a.job)!, ix.siteById.get(a.site)!, a.slot, a.units);
  const order = edfOrder(scenario);
  const fromEdf = improvePlan(edf, order, { maxPasses: 4, deadline: stop, serveFirst: true });
  const fromQueue = improvePlan(queued, order, { maxPasses: 4, deadline: stop, serveFirst: true });
  const ofQueue = evaluate(scenario, queued.allocations(), ix);
  const ofEdf = evaluate(scenario, edf.allocations(), ix);
  const fromFifo = better(ofQueue, ofEdf);
  const imp = fromFifo ? fromQueue : fromEdf;
  return { st: fromFifo ? queued : edf, metrics: fromFifo ? ofQueue : ofEdf, fromFifo, moves: imp.moves, passes: imp.passes };
}

/**
 * Above this many jobs planAtPrices runs only its storage-priced search and no storage rounds: on large
 * hourly at the LP's duals it alone gave 126,952 ¥ in 4.1 s where both searches took 8.3 s for the same
 * plan (the marginal search wins only where y prices storage poorly, as on small at 15 minutes), the
 * storage rounds kept nothing there (126,952 ¥ with or without, offline), and large's MIPs need that time.
 */
export const ONE_SEARCH_MAX_JOBS = 20_000;
/**
 * From this many jobs up, planAtPrices ends with one ejection round (a job moved into a full place by
 * moving up to EJECT_MAX_HOLDERS of its holders elsewhere). tuning-ab, quiet (load 1.2–1.7), off → on:
 * medium hourly 12,856.4 → 12,850.3 ¥, 15-minute 12,862.9 → 12,855.4, large hourly 126,139.7 → 126,113.4,
 * 15-minute 126,105.5 → 126,104.3, in the time the site and window MIPs found nothing in on medium; small
 * 1,571.0 → 1,572.0 hourly and 1,573.2 → 1,573.2 at 15 minutes, where the MIPs use that time better.
 */
export const EJECTION_MIN_JOBS = 5_000;

/**
 * A plan placed at multipliers y on the shared site-slot rows, with local search until `deadline`: the
 * one place optimal places at given prices. By default planAtPrices (placement at y's capacity and
 * energy prices, local search with storage sites priced at y and at marginal costs, the cheaper kept);
 * with `legacy`, placeAtDuals (capacity prices on top of marginal energy costs) then local search at true
 * costs, with `heldShare` of the capacity prices still charged in its first two passes.
 */
export function placeAtPrices(ix: PlanIndex, eb: EnergyBlock, y: Float64Array, deadline: () => boolean, opts: { heldShare?: number; legacy?: boolean; storageRounds?: number; ejection?: boolean } = {}): { st: PlanState; moves: number; ejections: number } {
  if (!opts.legacy) {
    const r = planAtPrices(ix, eb, y, {
      stop: deadline, ejectionRounds: (opts.ejection ?? ix.jobs.length >= EJECTION_MIN_JOBS) ? 1 : 0, ...(ix.jobs.length > ONE_SEARCH_MAX_JOBS ? { searches: ['storageAtY'] as const, storageRounds: 0 } : {}), ...(opts.storageRounds === undefined ? {} : { storageRounds: opts.storageRounds }),
    });
    return { st: r.st, moves: r.moves, ejections: r.ejections };
  }
  const st = placeAtDuals(ix, eb, y);
  const order = edfOrder(ix.scenario);
  let moves = 0;
  if ((opts.heldShare ?? 0) > 0) {
    st.capPrice = capacityPrices(eb, y, opts.heldShare);
    moves += improvePlan(st, order, { maxPasses: 2, deadline, serveFirst: true }).moves;
    st.capPrice = null;
  }
  moves += improvePlan(st, order, { maxPasses: 4, deadline, serveFirst: true }).moves;
  return { st, moves, ejections: 0 };
}

/** Multipliers on the shared site-slot rows of `model` (its first eb.numRows rows) and the Lagrangian bound L(y) at them. */
export interface Multipliers { ix: PlanIndex; model: LpModel; eb: EnergyBlock; y: Float64Array; bound: number }

interface Candidate { label: string; st: PlanState; metrics: PlanMetrics }

/** Objective without the unserved penalty: what the work a plan serves costs. */
const servedCost = (m: PlanMetrics) => m.objective - m.unservedUnitHours * UNSERVED_PENALTY_FEN_PER_UNIT_HOUR;

/**
 * A plan that serves its work more cheaply than `reference` but leaves some unserved gets the exact MIPs
 * for its unserved jobs (while `secondsLeft`): on the bench's medium scenario, placement at the LP's
 * prices in EDF order left 10 unit-hours that four such MIPs served (given 30 s), after which it beat
 * the plan that served everything from the start (fifo + local search) by 2.6 %. Returns a note, or
 * null when nothing was tried.
 */
async function rescueIfCheaper(c: Candidate, reference: Candidate, worker: HighsWorker, secondsLeft: () => number): Promise<string | null> {
  if (c.metrics.unservedUnitHours <= 0 || servedCost(c.metrics) >= servedCost(reference.metrics) || secondsLeft() <= 1) return null;
  const rr = await rescueUnserved(c.st, worker, { secondsLeft });
  if (rr.servedUnitSlots > 0) improvePlan(c.st, edfOrder(c.st.ix.scenario), { maxPasses: 1, serveFirst: true });
  c.metrics = evaluate(c.st.ix.scenario, c.st.allocations(), c.st.ix);
  return `${c.label} serves its work more cheaply than ${reference.label} but left some unserved: ${rr.tried} exact MIPs for it served ${rr.rescued} jobs in full, ${c.metrics.unservedUnitHours.toFixed(1)} unit-hours still unserved`;
}

/** Whether plan a beats plan b: more work served, then a lower objective (whose unserved penalty already dominates). */
function better(a: { unservedUnitHours: number; objective: number }, b: { unservedUnitHours: number; objective: number }): boolean {
  return a.unservedUnitHours < b.unservedUnitHours - 1e-9 || (a.unservedUnitHours <= b.unservedUnitHours + 1e-9 && a.objective < b.objective);
}

/** Whether plan `next` (a re-placement) replaces `current`: only when better() says so — more work served, then cheaper by evaluate(). */
export function keepBetter(current: PlanState, next: PlanState): { kept: boolean; now: PlanMetrics; next: PlanMetrics } {
  const ix = current.ix;
  const now = evaluate(ix.scenario, current.allocations(), ix), then = evaluate(ix.scenario, next.allocations(), ix);
  return { kept: better(then, now), now, next: then };
}

/**
 * The LP plan made integral. Small problems: the exact job-level MIP (its LP relaxation is the lower
 * bound). Larger ones: jobs aggregated into classes, the aggregated LP solved (the lower bound prices each
 * job's exact placement at the LP duals), rounded, repaired and improved by
 * local search. The plan is always the LP-derived one; the notes say what was done (including any
 * heuristic placement when the LP could not be solved).
 */
export function makeOptimal(tuning: {
  mipMaxColumns?: number; lns?: boolean; siteMips?: boolean; sitesFirst?: boolean; pairs?: boolean; dualSeeds?: boolean; dagMip?: boolean; lpSizePerSec?: number;
  /** share of the time limit at which the plan is re-placed at the ascent's best multipliers (REPRICE_SHARE; 0 = never) */
  reprice?: number;
  /** with legacyPlacement: share of the capacity prices the re-placement's local search holds in its first passes (REPRICE_HELD_SHARE) */
  heldShare?: number;
  /** the exact MIPs run before the re-placement too (else the ascent runs alone until it) */
  mipsBefore?: boolean;
  /** with mipsBefore off, the re-placement comes as soon as the ascent's best is at least this many steps on */
  repriceSteps?: number;
  /**
   * with legacyPlacement: the placement at the LP's prices holds heldShare of the capacity prices in its first local-search passes too (large hourly,
   * offline: 128,287 → 128,165 ¥, its placement + local search 12–17 s → 12–32 s under load; not yet A/B'd within the limit)
   */
  heldFirst?: boolean;
  /** place at given prices the way before planAtPrices (placeAtDuals + local search), for A/B */
  legacyPlacement?: boolean;
  /** planAtPrices' storage rounds (on: STORAGE_ROUNDS, also above ONE_SEARCH_MAX_JOBS; off: none; default: STORAGE_ROUNDS up to ONE_SEARCH_MAX_JOBS jobs) */
  storageRound?: boolean;
  /** planAtPrices' ejection round (default: from EJECTION_MIN_JOBS jobs up) */
  ejection?: boolean;
  /** the LP is posted before the heuristic fallback is built, and the fallback stops improving once the LP is answered */
  fallbackStops?: boolean;
  /** rigid job lengths given block chains in the aggregated LP (RIGID_BLOCK_LENGTHS; 0 = all pooled) */
  rigidBlocks?: number;
  /**
   * how the multipliers are tightened from the LP's duals: subgradient ascent (the default) or the proximal bundle method
   * (dualBundle.ts). tuning-ab, load 1.2–4.0: the same plans on medium and large, its bound higher (medium hourly 12,574 →
   * 12,610 ¥, large hourly 123,143 → 123,224 ¥); on small at 15 minutes its barely better multipliers set off a re-placement
   * that took the site MIPs' time once (1,585 → 1,598 ¥). Not the default.
   */
  dualMethod?: 'ascent' | 'bundle';
  /** hears the best Lagrangian multipliers the plan found (none when it solved the exact MIP or the LP failed), e.g. for a longer ascent outside its time limit */
  onMultipliers?: (m: Multipliers) => void;
} = {}): Policy {
  const mipMax = tuning.mipMaxColumns ?? MIP_MAX_COLUMNS;
  const lpPace = tuning.lpSizePerSec ?? LP_SIZE_PER_SEC;
  const lnsOn = tuning.lns ?? true;
  const sitesOn = tuning.siteMips ?? true;
  const pairsOn = tuning.pairs ?? false;
  const dualSeedsOn = tuning.dualSeeds ?? true;
  const sitesFirst = tuning.sitesFirst;
  const repriceShare = tuning.reprice ?? REPRICE_SHARE;
  const heldShare = tuning.heldShare ?? REPRICE_HELD_SHARE;
  const mipsBefore = tuning.mipsBefore ?? false;
  const repriceSteps = tuning.repriceSteps ?? REPRICE_STEPS;
  const heldFirst = tuning.heldFirst ?? false;
  const fallbackStops = tuning.fallbackStops ?? true;
  const legacy = tuning.legacyPlacement ?? false;
  const ejection = tuning.ejection;
  const storageRounds = tuning.storageRound === undefined ? undefined : tuning.storageRound ? STORAGE_ROUNDS : 0;
  const blockLengths = tuning.rigidBlocks ?? RIGID_BLOCK_LENGTHS;
  const dualMethod = tuning.dualMethod ?? 'ascent';
  return {
  name: 'optimal',
  planDag: tuning.dagMip === false ? undefined : planDagByMip,
  async plan(scenario: Scenario, opts?: PlanOptions): Promise<PlanResult> {
    const clock = solveClock(opts);
    const t0 = clock.now();
    const limit = opts?.timeLimitSec ?? DEFAULT_TIME_LIMIT_SEC;
    const progress = (phase: string, fraction?: number) =>
      opts?.onProgress?.({ policy: 'optimal', phase, ...(fraction === undefined ? {} : { fraction }) });
    const remaining = () => Math.max(1, limit - (clock.now() - t0) / 1000);
    const ix = buildIndex(scenario);
    const notes: string[] = [];
    if (scenario.greenShareTarget === null && !scenario.sites.some((s) => s.storage)) {
      notes.push('no storage and no green-share target: this is a transport problem with convex piecewise-linear costs; solved as an LP anyway');
    }
    if (scenario.greenShareTarget !== null) {
      notes.push(`green-share target ${scenario.greenShareTarget} is a soft constraint of this policy's model; lowerBound includes its shortfall penalty, fifo and greedy ignore the target`);
    }
    let worker = new HighsWorker();
    let st = new PlanState(ix);
    let lowerBound: LowerBound | undefined;
    let bounds: NonNullable<PlanResult['bounds']> = {};
    let exactSolved = false;
    let method = '';
    /** the aggregated LP and its duals, from which the Lagrangian bound is tightened while the exact MIPs run */
    let duals: { model: LpModel; eb: EnergyBlock; y: Float64Array; start: LagrangianPoint } | null = null;
    /** how long placement at the LP's prices took: what a re-placement at other multipliers must have left */
    let placeMs = Infinity;
    try {
      const size = jobModelSize(ix);
      if (mipMax > 0 && size <= mipMax) {
        progress('building job-level model');
        const jm = buildJobModel(ix);
        progress('solving LP relaxation');
        const lp = await worker.solve({ model: relax(jm.model), timeLimitSec: remaining() });
        if (lp.optimal) { lowerBound = bound(jm.eb, ix, lp); bounds.lp = lp.objective; }
        progress('solving MIP');
        const mip = await worker.solve({ model: jm.model, timeLimitSec: remaining(), mipRelGap: 1e-7 });
        applyJobSolution(jm, mip.colValue, st);
        exactSolved = mip.optimal;
        if (Number.isFinite(mip.mipDualBound)) bounds.mip = { objective: mip.mipDualBound, gap: Number.isFinite(mip.mipGap) ? mip.mipGap : null, status: mip.statusName };
        method = `exact MIP (${mip.statusName})`;
        notes.push(`exact job-level MIP: ${jm.model.numCols} columns, ${jm.model.numRows} rows, status ${mip.statusName}`);
      } else {
        progress('aggregating jobs into classes');
        // The LP's size follows its time budget: deadlines are bucketed, then slots merged, until its rows and columns fit.
        const { grid, cm, blockHours } = aggregatedLp(ix, limit, { lpPace, blockLengths });
        const { classes, width } = grid;
        const coarse = grid.factor > 1 ? ` on ${grid.ix.scenario.slotMinutes}-minute slots (${grid.factor} of the plan's slots each: its own slots fit the time share only with coarser deadline buckets, or not at all)` : '';
        notes.push(`aggregated ${ix.jobs.length} jobs into ${classes.length} classes (same type, release, sites, entry slots, transfer per unit and deadline${width > 1 ? ' bucket' : ''}) and ${cm.chains.size} (type, deadline${width > 1 ? ` bucket of ${width} slots` : ''}, site) chains${blockHours.length ? ` (rigid jobs of at least ${blockHours.join(', ')} h in blocks of that length)` : ''}: LP${coarse} with ${cm.model.numCols} columns, ${cm.model.numRows} rows`);
        if (cm.model.numCols > LP_MAX_COLUMNS) {
          notes.push(`model exceeds ${LP_MAX_COLUMNS} columns (WASM memory): NOT solved; jobs placed by cheapest-feasible placement in EDF order or as fifo places them, whichever serves more, plus local search (a heuristic plan), no lower bound`);
          method = 'HEURISTIC: LP too large';
          const h = await heuristicPlan(ix, scenario, () => remaining() <= 1);
          st = h.st;
          if (h.fromFifo) { method = 'HEURISTIC from fifo: LP too large'; notes.push('fifo\'s placement serves more work than cheapest-first in EDF order: started from it'); }
          notes.push(`local search: ${h.moves} moves in ${h.passes} passes`);
        } else {
          progress('solving aggregated LP');
          method = 'LP + rounding';
          // HiGHS solves the LP in its worker while this thread builds the heuristic plan (both cores busy);
          // the best of placement at the LP's prices, the LP rounded and the heuristic goes on to the exact MIPs.
          // The LP may run past its share (up to the rescue floor) only while the heuristic plan leaves work
          // unserved: then the LP's rounding is the best hope of serving it. Otherwise it is cut at its share.
          const lpDeadline = t0 + LP_TIME_SHARE * limit * 1000;
          const lpSolve = worker.solve({ model: cm.model, timeLimitSec: Math.max(LP_TIME_SHARE * limit, RESCUE_FLOOR_SEC), duals: true });
          // One turn for the worker's queue to post the LP before the heuristic's synchronous placement holds this thread.
          if (fallbackStops) await Promise.resolve();
          // The heuristic plan is the fallback; it stops improving once HiGHS has answered (seen on shared memory,
          // since its local search holds this thread): on medium at 15-minute slots it ran to the LP's share, 5 s
          // of a 10 s limit, for a plan 340 ¥ dearer than placement at the LP's prices, while the LP took 1.2 s.
          const h = await heuristicPlan(ix, scenario, () => clock.now() > lpDeadline || (fallbackStops && worker.answered()));
          const serves = h.st.served.every((v, j) => v >= ix.jobs[j]!.work || ix.jobs[j]!.options.length === 0);
          // The grace lets an answer that came while this thread was busy past the deadline be read before
          // the cut: a timer of 0 can fire before the worker's queued message (medium at 15-minute slots under
          // load: an LP solved in 3 s was cut as unfinished after a heuristic plan that ran past its share).
          const cut = serves ? await Promise.race([lpSolve, sleep(Math.max(lpDeadline - clock.now(), LP_ANSWER_GRACE_MS)).then(() => null)]) : await lpSolve;
          if (cut === null) {
            // HiGHS cannot be interrupted mid-solve: its worker goes, a fresh one serves the exact MIPs.
            await worker.close();
            worker = new HighsWorker();
          }
          const lp: SolveResult = cut ?? { statusName: 'timeLimit (cut at its share of the limit)', optimal: false, objective: NaN, colValue: new Float64Array(0), rowDual: new Float64Array(0), mipDualBound: NaN, mipGap: NaN };
          // The LP's duals as multipliers on the planner's own slots (the same ones unless slots were merged).
          const prices = !lp.optimal ? null : grid.factor === 1 ? { model: cm.model, eb: cm.eb, y: lp.rowDual } : pricesOnPlannerSlots(ix, grid, cm.eb, lp.rowDual);
          if (prices) {
            // The aggregated LP counts each chain's mean run fraction, so it is no bound by itself.
            const at = lagrangianStart(ix, prices.model, prices.eb, prices.y);
            const lag = at.value;
            if (Number.isFinite(lag)) {
              duals = { ...prices, start: at };
              lowerBound = { ...bound(cm.eb, grid.ix, lp), objective: lag };
              bounds.lagrangian = lag;
              notes.push(`lower bound ${(lag / 100).toFixed(0)} ¥: each job's exact placement (contiguous rigid windows, per-slot size limits, the fraction of each slot it runs) priced at the aggregated LP's duals (Lagrangian bound, valid at any duals; the LP itself gives ${(lp.objective / 100).toFixed(0)} ¥); cost and carbon of the bound are the LP's`);
            } else notes.push('the Lagrangian bound at the LP duals is unbounded; no lower bound reported');
          } else {
            notes.push(`LP stopped with status ${lp.statusName}; no lower bound reported`);
          }
          const roundDeadline = t0 + ROUND_TIME_SHARE * limit * 1000;
          const heuristic = `${h.fromFifo ? 'fifo\'s placement' : 'cheapest-feasible in EDF order, rigid first'}, local search ${h.moves} moves`;
          if (prices) {
            progress('placing at the LP prices');
            const placing = clock.now();
            const { st: priced, moves, ejections } = placeAtPrices(ix, prices.eb, prices.y, () => clock.now() > roundDeadline, { heldShare: heldFirst ? heldShare : 0, legacy, storageRounds, ejection });
            placeMs = clock.now() - placing;
            notes.push(legacy
              ? `placed at the LP's prices (cheapest-feasible, rigid first, least slack first, each unit-slot charged its capacity dual too), then local search ${moves} moves`
              : `placed at the LP's prices (cheapest-feasible, rigid first, least slack first, each unit-slot charged its capacity dual and each kWh its energy rows' price), then local search with storage priced at them and at marginal costs, the cheaper kept${ejections > 0 ? `, then ${ejections} ejections (a round kept only when cheaper)` : ''}: ${moves} moves`);
            const heur: Candidate = { label: `${h.fromFifo ? 'fifo' : 'EDF cheapest-feasible'} + local search`, st: h.st, metrics: h.metrics };
            const atPrices: Candidate = { label: 'placement at the LP prices + local search', st: priced, metrics: evaluate(scenario, priced.allocations(), ix) };
            progress('exact MIP for the unserved jobs of the placement at the LP prices');
            const rescueNote = await rescueIfCheaper(atPrices, heur, worker, () => (t0 + SPECULATIVE_RESCUE_SHARE * limit * 1000 - clock.now()) / 1000);
            if (rescueNote) notes.push(rescueNote);
            const candidates = [atPrices, heur];
            if (grid.factor > 1) notes.push('the LP\'s own values are on merged slots: not rounded');
            // The rounding (the LP's slot budgets, then repair) is kept for when no plan so far serves every
            // job; otherwise its time goes to the exact window MIPs. On the bench it served less and cost
            // more than placement at the prices on every scenario (small 1,604 vs 1,599 ¥; medium 21,114 vs
            // 13,031 ¥ with 8 unit-hours unserved; large 178,210 vs 128,287 ¥ with 48).
            else if (candidates.some((c) => c.metrics.unservedUnitHours <= 0)) notes.push('the LP not rounded: a plan above already serves every job');
            else if (clock.now() < roundDeadline) {
              progress('rounding');
              const rep = roundChainSolution(cm, lp.colValue, st);
              notes.push(`rounded the LP to whole units per slot; ${rep.repairedJobs} jobs did not fit the LP's slot budgets and were placed by cheapest-feasible repair`);
              progress('improving');
              const imp = improvePlan(st, edfOrder(scenario), { maxPasses: 4, deadline: () => clock.now() > roundDeadline, serveFirst: true });
              notes.push(`local search on the rounding (each job moved to its cheapest feasible place given the others): ${imp.moves} moves in ${imp.passes} passes`);
              candidates.push({ label: 'LP rounding + local search', st, metrics: evaluate(scenario, st.allocations(), ix) });
            } else notes.push('no time left to round the LP\'s own values');
            const best = candidates.reduce((x, c) => (better(c.metrics, x.metrics) ? c : x));
            for (const c of candidates) notes.push(`candidate ${c.label}${c === heur ? ` (${heuristic})` : ''}: ${(c.metrics.objective / 100).toFixed(0)} ¥, ${c.metrics.unservedUnitHours.toFixed(1)} unit-hours unserved${c === best ? ' — kept' : ''}`);
            st = best.st;
            method = best.label;
          } else {
            // An unfinished LP's values are no guide: the heuristic plan goes on.
            st = h.st;
            method = `HEURISTIC: ${h.fromFifo ? 'fifo' : 'EDF cheapest-feasible'} + local search (LP unfinished)`;
            const imp = improvePlan(st, edfOrder(scenario), { maxPasses: 4, deadline: () => clock.now() > roundDeadline, serveFirst: true });
            notes.push(`the LP did not finish: kept the heuristic plan built while it ran (${heuristic}), then ${imp.moves} more local-search moves`);
          }
        }
      }
      if (st.served.some((v, j) => v < ix.jobs[j]!.work)) {
        progress('exact MIP for unserved jobs');
        // Unserved work costs far more than a late answer: the rescue gets a floor even when the LP used the time up.
        const rescueUntil = clock.now() + Math.max(remaining() - 1, RESCUE_FLOOR_SEC) * 1000;
        const rr = await rescueUnserved(st, worker, { secondsLeft: () => (rescueUntil - clock.now()) / 1000 });
        notes.push(`unserved after rounding: ${rr.tried} exact MIPs (HiGHS) over an unserved job's window with the jobs overlapping it; ${rr.rescued} unserved jobs now served in full (${rr.servedUnitSlots} unit-slots more served)`);
        for (const p of rr.proofs.slice(0, MAX_PROOF_NOTES)) notes.push(`not served: ${p}`);
        if (rr.proofs.length > MAX_PROOF_NOTES) notes.push(`not served: ${rr.proofs.length - MAX_PROOF_NOTES} more jobs, not listed`);
        if (rr.servedUnitSlots > 0) {
          const imp = improvePlan(st, edfOrder(scenario), { maxPasses: 1, deadline: () => remaining() <= 1, serveFirst: true });
          notes.push(`local search after the rescue: ${imp.moves} moves`);
        }
      }
      // The bound's ascent is JavaScript on this thread while HiGHS works in its worker: both cores busy.
      /** the ascent's best multipliers so far, if any beat the LP's duals */
      let improved: { y: Float64Array; bound: number; iterations: number } | null = null;
      const ascent = duals ? (dualMethod === 'bundle' ? lagrangianBundle : lagrangianAscent)(ix, duals.model, duals.eb, duals.y, {
        target: evaluate(scenario, st.allocations(), ix).objective, stop: () => remaining() <= 1, start: duals.start,
        ...(dualMethod === 'bundle' ? { rowScale: energyRowScale(duals.eb) } : {}),
        onBest: (y, b, iterations) => { improved = { y: Float64Array.from(y), bound: b, iterations }; },
      }) : null;
      let ascentEnded = false;
      void ascent?.finally(() => { ascentEnded = true; });
      // Site MIPs and pair exchange start from the jobs dearest at the LP's duals against their cheapest placement there.
      const atDuals = duals;
      const rank = dualSeedsOn && atDuals && ix.jobs.length <= DUAL_SEEDS_MAX_JOBS ? (s: PlanState, stop: () => boolean) => dualSeeds(s, atDuals, stop) : undefined;
      if (lnsOn && !exactSolved && size <= POLISH_MAX_COLUMNS && remaining() > POLISH_MIN_SEC) {
        progress('exact MIP started from the plan');
        const p = await polishWithMip(st, worker, remaining() - 1);
        if (p.savedFen > 0) method += ' + MIP from the plan';
        if (Number.isFinite(p.bound)) bounds.mip = { objective: p.bound, gap: Number.isFinite(p.gap) ? p.gap : null, status: p.status };
        notes.push(`exact job-level MIP (HiGHS, ${p.columns} columns) started from this plan: status ${p.status}, HiGHS' best plan ${Number.isFinite(p.incumbent) ? `${(p.incumbent / 100).toFixed(0)} ¥` : 'none'}, ${(p.savedFen / 100).toFixed(0)} ¥ saved${Number.isFinite(p.bound) ? `, its proven bound ${(p.bound / 100).toFixed(0)} ¥` : ''}`);
      } else if (lnsOn && !exactSolved) {
        const end = () => t0 + (limit - 1) * 1000;
        const windowMips = async (untilMs: number) => {
          progress('re-planning day-long windows exactly');
          const lns = await lnsImprove(st, worker, { secondsLeft: () => (untilMs - clock.now()) / 1000 });
          if (lns.improved > 0) method += ' + window MIPs';
          notes.push(`window MIPs (HiGHS, each day-long window re-planned exactly with the rest fixed): ${lns.improved} of ${lns.solves} kept in ${lns.sweeps} sweeps, ${(lns.savedFen / 100).toFixed(0)} ¥ saved`);
        };
        const siteMips = async (untilMs: number) => {
          progress('re-planning site choice exactly');
          const sites = await replanSites(st, worker, { secondsLeft: () => (untilMs - clock.now()) / 1000, rank });
          if (sites.improved > 0) method += ' + site MIPs';
          notes.push(`site MIPs (HiGHS; a job off its cheapest placement${rank ? ' at the LP\'s duals' : ''} re-placed with the jobs holding its cheapest sites, over their whole windows, the rest fixed): ${sites.improved} of ${sites.solves} kept (${sites.seeds} jobs off their cheapest placement), ${(sites.savedFen / 100).toFixed(2)} ¥ saved`);
        };
        // Site choice first where the seeds are ranked at the duals (the default): on small at hourly slots
        // the site MIPs seeded there saved 17 ¥ where the window MIPs saved 0–2. Without that ranking (large,
        // above DUAL_SEEDS_MAX_JOBS) the windows go first: sites first there ran large 15-minute to 60.8 s of
        // its 60 and kept neither (npm run bench -- planner, quiet), where windows first kept window MIPs in 59.8 s.
        // The window MIPs re-time jobs within a day; the site neighbourhoods after them get a share of the time left.
        const sitesFirstNow = sitesOn && (sitesFirst ?? rank !== undefined);
        const mips = async (untilMs: number) => {
          const share = sitesFirstNow ? SITES_FIRST_SHARE : sitesOn ? 1 - SITE_REPLAN_SHARE : 1;
          const split = clock.now() + share * Math.max(0, untilMs - clock.now());
          if (sitesFirstNow) { await siteMips(split); await windowMips(untilMs); } else { await windowMips(split); if (sitesOn) await siteMips(untilMs); }
        };
        const repriceAt = t0 + repriceShare * limit * 1000;
        const repricing = ascent && duals && repriceShare > 0 && ix.jobs.length <= REPRICE_MAX_JOBS;
        if (repricing && repriceAt + placeMs >= end()) notes.push(`not re-placed: placement at the LP's prices took ${(placeMs / 1000).toFixed(1)} s, more than would be left after ${Math.round(repriceShare * 100)} % of the limit`);
        if (repricing && duals && repriceAt + placeMs < end()) {
          if (mipsBefore) await mips(repriceAt);
          else {
            // The ascent alone on this thread until the re-placement (HiGHS idle): its steps are not slowed by the MIPs' model building.
            progress('tightening the multipliers for a re-placement');
            // A held timer: with the ascent ended and the worker unreferenced, an unreferenced one would let the process exit mid-plan.
            while (!ascentEnded && clock.now() < repriceAt && ((improved as { iterations: number } | null)?.iterations ?? 0) < repriceSteps) {
              await new Promise<void>((resolve) => { setTimeout(resolve, Math.max(0, Math.min(20, repriceAt - clock.now()))); });
            }
          }
          const snap = improved as { y: Float64Array; bound: number; iterations: number } | null;
          if (!snap) notes.push('not re-placed: the ascent found no better multipliers than the LP\'s duals by then');
          else if (clock.now() + 1.5 * placeMs > end()) notes.push(`not re-placed: placement at the LP's prices took ${(placeMs / 1000).toFixed(1)} s, more than the time left`);
          else {
            progress('placing at the ascent\'s multipliers');
            const { st: again, moves } = placeAtPrices(ix, duals.eb, snap.y, () => clock.now() > end(), { heldShare, legacy, storageRounds, ejection });
            const { kept, now, next } = keepBetter(st, again);
            notes.push(`re-placed at the multipliers of ${dualMethod === 'bundle' ? 'bundle' : 'ascent'} step ${snap.iterations} (Lagrangian ${(snap.bound / 100).toFixed(0)} ¥), local search ${moves} moves${heldShare > 0 ? ` (its first passes holding ${heldShare} of the capacity prices)` : ''}: ${(next.objective / 100).toFixed(2)} ¥, ${next.unservedUnitHours.toFixed(1)} unit-hours unserved, against ${(now.objective / 100).toFixed(2)} ¥${kept ? ' — kept' : ' — not kept'}`);
            if (kept) { st = again; method += ' + re-placed at the ascent\'s multipliers'; }
          }
        }
        await mips(end());
        if (pairsOn && remaining() > 1.5) {
          progress('exchanging pairs of jobs');
          const px = exchangePairs(st, { stop: () => remaining() <= 1, rank });
          if (px.kept > 0) method += ' + pair exchange';
          notes.push(`pair exchange (a job off its cheapest placement${rank ? ' at the LP\'s duals' : ''} and one holding its cheapest sites moved together, each to its cheapest feasible place): ${px.kept} of ${px.checked} kept (${px.seeds} jobs off their cheapest placement), ${(px.savedFen / 100).toFixed(2)} ¥ saved`);
        }
      }
      if (ascent) {
        const a = await ascent;
        if (duals) tuning.onMultipliers?.({ ix, model: duals.model, eb: duals.eb, y: a.y, bound: a.bound });
        if (lowerBound && a.bound > lowerBound.objective) {
          lowerBound = { ...lowerBound, objective: a.bound };
          bounds.lagrangian = a.bound;
        }
        notes.push(Number.isFinite(a.start)
          ? `Lagrangian bound tightened by ${a.iterations} ${dualMethod === 'bundle' ? 'proximal bundle' : 'subgradient'} steps from the LP's duals: ${(a.start / 100).toFixed(0)} ¥ → ${(a.bound / 100).toFixed(0)} ¥`
          : 'Lagrangian bound not tightened: the time limit came before its first pass over the jobs ended');
      }
    } catch (e) {
      notes.push(`solver failed (${e instanceof Error ? e.message : String(e)}): NOT solved; jobs placed by cheapest-feasible placement in EDF order (a heuristic plan), no lower bound`);
      st = new PlanState(ix);
      method = 'HEURISTIC: solver failed';
      for (const j of edfOrder(scenario)) placeCheapest(st, j);
      lowerBound = undefined;
      bounds = {};
    } finally {
      await worker.close();
    }
    const allocations = st.allocations();
    const metrics = evaluate(scenario, allocations, ix);
    return {
      policy: 'optimal', ...metrics, allocations, solveMs: clock.now() - t0,
      ...(lowerBound ? { lowerBound } : {}), bounds, method, notes,
    };
  },
};
}

export const optimal: Policy = makeOptimal();
