import { bucketFor, chainModelSize, classify, mergeByBucket, type JobClass, type ModelSize } from './chainModel.ts';
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
 * The finest grid whose aggregated LP fits `budget` rows plus columns: deadline buckets first (bucketFor),
 * then slots merged (coarsenScenario) when even one deadline bucket for the whole horizon does not fit.
 * At 15-minute slots the energy block alone (a row and a column per site-slot, more with storage) and one
 * chain per (type, site) over every slot outgrow a 10 s budget; on an hourly grid the LP is the hourly one.
 * The coarsest grid is taken when none fits.
 */
export function pricingGrid(ix: PlanIndex, budget: number): PricingGrid {
  const factors = coarseningFactors(ix.scenario.slotMinutes, ix.T);
  let grid: PricingGrid | null = null;
  for (const factor of factors) {
    const cix = factor === 1 ? ix : buildIndex(coarsenScenario(ix.scenario, factor));
    const { model } = energyBlockModel(cix, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH);
    const energy = { rows: model.numRows, cols: model.numCols };
    const fine = classify(cix);
    const width = bucketFor(cix, fine, budget, energy);
    const size = chainModelSize(cix, fine, width, energy);
    grid = { factor, ix: cix, classes: mergeByBucket(cix, fine, width), width, size };
    if (size.rows + size.cols <= budget) break;
  }
  return grid!;
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
