import { bucketFor, chainModelSize, classify, mergeByBucket, splitRigidByLength, type JobClass, type ModelSize } from './chainModel.ts';
import { energyBlockModel, type EnergyBlock } from './energyBlock.ts';
import { GREEN_SHORTFALL_PENALTY_FEN_PER_KWH } from './evaluate.ts';
import type { LpModel } from './lp.ts';
import { buildIndex, type PlanIndex } from './planIndex.ts';
import type { Scenario, SlotMinutes } from './scenario.ts';

/**
 * The scenario on a grid of `factor` slots per slot, for pricing only: every series averaged over its
 * slots, releases rounded down and deadlines up (each job's window only widens), job hours unchanged.
 * Its slot length need not be one the network plans in.
 */
export function coarsenScenario(s: Scenario, factor: number): Scenario {
  if (factor <= 1) return s;
  const T = Math.ceil(s.slots / factor);
  const mean = (v: readonly number[]) => Array.from({ length: T }, (_, c) => {
    const end = Math.min(s.slots, (c + 1) * factor);
    let sum = 0;
    for (let t = c * factor; t < end; t++) sum += v[t] ?? 0;
    return sum / (end - c * factor);
  });
  return {
    ...s,
    slotMinutes: (s.slotMinutes * factor) as SlotMinutes,
    slots: T,
    sites: s.sites.map((site) => ({
      ...site,
      grid: { fenPerKWh: mean(site.grid.fenPerKWh), carbonGPerKWh: mean(site.grid.carbonGPerKWh) },
      ...(site.renewables ? { renewables: { ...site.renewables, kW: mean(site.renewables.kW) } } : {}),
    })),
    jobs: s.jobs.map((j) => ({ ...j, release: Math.floor(j.release / factor), deadline: Math.min(T, Math.ceil(j.deadline / factor)) })),
  };
}

/** Slots merged per LP slot, finest first: each coarse slot an hour or a whole part of one, then whole hours doubled. */
export function coarseningFactors(slotMinutes: number, slots: number): number[] {
  const out = [1];
  for (let k = 2; slotMinutes * k <= 60; k++) if (60 % (slotMinutes * k) === 0) out.push(k);
  let k = out[out.length - 1]!;
  while (slotMinutes * k >= 60 && k * 2 <= slots) { k *= 2; out.push(k); }
  return out;
}

/** Whether every site's series (tariff, carbon, renewables) holds one value over each block of `factor` slots. */
export function seriesConstantOver(s: Scenario, factor: number): boolean {
  const flat = (v: readonly number[]) => v.every((x, t) => t % factor === 0 || x === v[t - 1]);
  return s.sites.every((site) => flat(site.grid.fenPerKWh) && flat(site.grid.carbonGPerKWh) && (!site.renewables || flat(site.renewables.kW)));
}

/**
 * How the aggregated LP is formed: `rigidBlocks` gives rigid jobs block chains (splitRigidByLength) of
 * `blockHours` (every rigid length its own when absent).
 */
export interface GridOptions { rigidBlocks?: boolean; blockHours?: readonly number[]; /** with rigidBlocks: deadline buckets at least this wide (LP slots) */ minWidth?: number }

/** The aggregated LP's grid: slots merged per LP slot, the index it is built on, its classes and deadline buckets. */
export interface PricingGrid {
  factor: number;
  ix: PlanIndex;
  /** classes already merged by deadline bucket */
  classes: JobClass[];
  width: number;
  size: ModelSize;
}

/**
 * The aggregated LP's grid within `budget` rows plus columns, deadline buckets (bucketFor) and merged
 * slots (coarsenScenario) traded against each other. Merging slots into hours loses no price when every
 * series is constant over them (15-minute slots resampled from hourly data): then the grid with the finer
 * deadlines in the planner's slots (factor × width) is taken, the planner's own slots on a tie. Medium at
 * 15-minute slots: at its own slots even one deadline bucket for the whole week is 117,867 rows plus
 * columns; on hours, 64-hour buckets fit. Large: 64-hour buckets at its own slots, 4-hour ones on hours,
 * in about the same size. Only when neither fits are prices merged too: the least merging that fits, the
 * coarsest when none does. The grid is sized on pooled chains; rigid-block chains (`opts`) are then added
 * on that grid, not traded against merging slots (merged slots lose more than the blocks gain: medium
 * hourly sized with its blocks would merge pairs of hours, where L at the duals fell to 11,838 ¥ from
 * 12,546 pooled and 12,572 with blocks on its own hours).
 */
export function pricingGrid(ix: PlanIndex, budget: number, opts: GridOptions = {}): PricingGrid {
  const g = pooledGrid(ix, budget);
  return opts.rigidBlocks ? pricingGridAt(ix, g.factor, Math.max(g.width, opts.minWidth ?? 1), opts) : g;
}

function pooledGrid(ix: PlanIndex, budget: number): PricingGrid {
  const at = (factor: number, maxWidth = Infinity) => pricingGridAt(ix, factor, (cix, fine, energy) => bucketFor(cix, fine, budget, energy, maxWidth));
  const fits = (g: PricingGrid) => g.size.rows + g.size.cols <= budget;
  const factors = coarseningFactors(ix.scenario.slotMinutes, ix.T);
  const lossless = factors.filter((f) => f > 1 && ix.scenario.slotMinutes * f <= 60 && seriesConstantOver(ix.scenario, f)).at(-1);
  const hours = lossless ? at(lossless) : null;
  // The planner's own slots are only sized up to the width at which they would lose to the hours.
  const own = at(1, hours && fits(hours) ? hours.factor * hours.width : Infinity);
  if (fits(own) && !(hours && fits(hours) && hours.factor * hours.width < own.width)) return own;
  if (hours && fits(hours)) return hours;
  let g = own;
  for (const factor of factors.slice(1)) {
    if (fits(g)) break;
    g = at(factor);
  }
  return g;
}

/**
 * The aggregated LP's grid at `factor` slots per LP slot, with the deadline bucket width `width` gives
 * (a number, or a choice from the coarse index, its job classes and its energy block's size).
 */
export function pricingGridAt(ix: PlanIndex, factor: number, width: number | ((cix: PlanIndex, fine: JobClass[], energy: ModelSize) => number), opts: GridOptions = {}): PricingGrid {
  const cix = factor === 1 ? ix : buildIndex(coarsenScenario(ix.scenario, factor));
  const { model } = energyBlockModel(cix, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH);
  const energy = { rows: model.numRows, cols: model.numCols };
  const fine = opts.rigidBlocks ? splitRigidByLength(cix, classify(cix), opts.blockHours) : classify(cix);
  const w = typeof width === 'number' ? width : width(cix, fine, energy);
  return { factor, ix: cix, classes: mergeByBucket(cix, fine, w), width: w, size: chainModelSize(cix, fine, w, energy) };
}

/**
 * Multipliers for the planner's own energy block (`eb`, on `ix`) from a coarse LP's duals (`y` on `ceb`,
 * on `cix`, `factor` slots per coarse slot): each slot takes its coarse slot's price per kWh (energy,
 * renewables, storage state, green target) and its share of the coarse capacity price (a coarse unit-slot
 * holds a unit for `factor` slots).
 *
 * Why the bound stays valid: the Lagrangian bound (lagrange.ts) is a lower bound at ANY multipliers with
 * the signs their rows allow — weak duality needs nothing from where they came from; each job's exact
 * placement on the planner's own slots is still minimised at them. Mapping keeps every sign (an energy
 * row is an equality; a capacity or renewables price ≤ 0 divided by `factor` stays ≤ 0), and
 * lagrangianBound projects onto the allowed signs anyway. A coarser grid can only make the bound looser,
 * never wrong.
 */
export function fineMultipliers(ix: PlanIndex, eb: EnergyBlock, cix: PlanIndex, ceb: EnergyBlock, factor: number, y: Float64Array): Float64Array {
  const out = new Float64Array(eb.numRows);
  const T = ix.T, cT = cix.T, nK = ix.types.length;
  const copy = (to: number, from: number, scale = 1) => { if (to >= 0 && from >= 0) out[to] = (y[from] ?? 0) * scale; };
  for (let s = 0; s < ix.siteIds.length; s++) for (let t = 0; t < T; t++) {
    const c = Math.min(cT - 1, Math.floor(t / factor));
    copy(eb.energyRow[s * T + t]!, ceb.energyRow[s * cT + c]!);
    copy(eb.renewRow[s * T + t]!, ceb.renewRow[s * cT + c]!);
    copy(eb.socRow[s * T + t]!, ceb.socRow[s * cT + c]!);
    for (let k = 0; k < nK; k++) copy(eb.capRow[(s * nK + k) * T + t]!, ceb.capRow[(s * nK + k) * cT + c]!, 1 / factor);
  }
  copy(eb.greenRow, ceb.greenRow);
  return out;
}

/** The planner's own energy block and multipliers for it, from an LP solved on `grid`. */
export function pricesOnPlannerSlots(ix: PlanIndex, grid: PricingGrid, ceb: EnergyBlock, y: Float64Array): { model: LpModel; eb: EnergyBlock; y: Float64Array } {
  const { eb, model } = energyBlockModel(ix, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH);
  return { model, eb, y: fineMultipliers(ix, eb, grid.ix, ceb, grid.factor, y) };
}
