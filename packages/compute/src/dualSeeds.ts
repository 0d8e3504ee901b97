import { UNSERVED_PENALTY_FEN_PER_UNIT_HOUR } from './evaluate.ts';
import type { EnergyBlock } from './energyBlock.ts';
import { jobMin, project, unitPrices } from './lagrange.ts';
import type { LpModel } from './lp.ts';
import { runFraction } from './planIndex.ts';
import type { PlanState } from './planState.ts';
import { rankSeeds, type SiteSeed } from './siteReplan.ts';
import { transferCost } from './improve.ts';

/**
 * Seeds for the site MIPs and pair exchange ranked at the aggregated LP's duals instead of against an
 * empty network: each placed job's regret is what its placement costs at the duals (each unit-slot's
 * capacity dual plus its energy at the site-slot's energy dual, which carries storage and renewables;
 * its transfer) less its cheapest placement at the same duals (the Lagrangian bound's per-job minimum),
 * with that placement's sites. The empty-network regret ignores storage and what other jobs need; the
 * duals price both.
 */
export function dualSeeds(st: PlanState, duals: { model: LpModel; eb: EnergyBlock; y: Float64Array }, stop: () => boolean): SiteSeed[] | null {
  const ix = st.ix;
  const nK = ix.types.length, T = ix.T;
  // Multipliers of the wrong sign are projected to zero, as the bound does.
  const price = unitPrices(ix, duals.eb, project(duals.model, Float64Array.from(duals.y)));
  const pen = UNSERVED_PENALTY_FEN_PER_UNIT_HOUR * ix.slotHours;
  return rankSeeds(st, stop, (j) => {
    const info = ix.jobs[j]!;
    const cells = st.placementOf(j);
    const lastT = Math.max(...cells.map((c) => c.t));
    let cost = transferCost(ix, j, cells);
    for (const c of cells) {
      const i = (c.site * nK + info.type) * T + c.t;
      cost += c.units * (price.cap[i]! + runFraction(info, c.t === lastT) * price.energy[i]!);
    }
    const sites = new Set<number>();
    return { cost, best: jobMin(ix, info, price, pen, (site) => sites.add(site)), sites };
  });
}
