import type { EnergyBlock } from './energyBlock.ts';
import type { PlanIndex } from './planIndex.ts';
import { PlanState, placeCheapest } from './planState.ts';
import { FLEX_RANK } from './round.ts';

/**
 * Rigid jobs first, then malleable, then divisible; within each, the job with the least slack (its
 * widest window at any site minus its length) first, then the earlier deadline. Jobs with no room to
 * move take capacity before jobs that can go elsewhere: on the bench's medium scenario placing at the
 * LP's prices in EDF order left 10 unit-hours unserved, in this order none.
 */
export function rigidFirstLeastSlack(ix: PlanIndex): number[] {
  const slack = ix.jobs.map((info) => Math.max(-Infinity, ...info.options.map((o) => info.job.deadline - o.firstSlot)) - info.slots);
  return ix.jobs.map((_, j) => j).sort((a, b) => {
    const x = ix.jobs[a]!, y = ix.jobs[b]!;
    return FLEX_RANK[x.job.flex] - FLEX_RANK[y.job.flex] || slack[a]! - slack[b]! || x.job.deadline - y.job.deadline || a - b;
  });
}

/**
 * A plan built at the LP's prices: cheapest-feasible placement, each unit-slot charged its energy and,
 * on top, its capacity row's dual (what that unit-slot is worth to the other jobs in the LP). Jobs then
 * leave the contested cheap slots to the jobs that value them most, which plain cheapest-first placement
 * cannot see. The plan itself is priced at true costs afterwards.
 */
export function placeAtDuals(ix: PlanIndex, eb: EnergyBlock, rowDual: Float64Array, order: readonly number[] = rigidFirstLeastSlack(ix)): PlanState {
  const st = new PlanState(ix);
  st.capPrice = capacityPrices(eb, rowDual);
  for (const j of order) placeCheapest(st, j);
  st.capPrice = null;
  return st;
}

/** Fen per unit-slot held at each (site, type, slot) cell at these multipliers, times `scale`: PlanState.capPrice's form. */
export function capacityPrices(eb: EnergyBlock, rowDual: Float64Array, scale = 1): Float64Array {
  const price = new Float64Array(eb.capRow.length);
  for (let cell = 0; cell < price.length; cell++) {
    const row = eb.capRow[cell]!;
    // A ≤ row's dual is ≤ 0 in a minimisation: its negation is the price of a unit-slot there.
    if (row >= 0) price[cell] = scale * Math.max(0, -(rowDual[row] ?? 0));
  }
  return price;
}
