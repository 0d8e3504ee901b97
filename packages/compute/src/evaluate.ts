import { dispatchSite } from './power.ts';
import type { Scenario } from './scenario.ts';
import { buildIndex, runFraction, type PlanIndex } from './planIndex.ts';
import type { Allocation, PlanMetrics } from './policy.ts';

/**
 * Penalty on each unit-hour of requested work that a plan leaves unserved (fen). 1,000 yuan per unit-hour
 * is far above the energy, carbon and transfer cost of any unit-hour, so every policy and the lower
 * bound serve work whenever they can. The same constant is used everywhere.
 */
export const UNSERVED_PENALTY_FEN_PER_UNIT_HOUR = 100_000;

/**
 * Penalty per kWh short of the network green-share target, used only by the `optimal` policy's model
 * (the target is soft so that an unreachable target never makes the LP infeasible).
 */
export const GREEN_SHORTFALL_PENALTY_FEN_PER_KWH = 1_000;

/**
 * Metrics of any plan, computed one way for every policy. Energy (and so cost, carbon and green share)
 * counts the fraction of each slot a job actually runs (runFraction); capacity is held for whole slots.
 */
export function evaluate(scenario: Scenario, allocations: readonly Allocation[], index?: PlanIndex): PlanMetrics {
  const ix = index ?? buildIndex(scenario);
  const { T, types } = ix;
  const nK = types.length;
  const nS = ix.siteIds.length;
  const busy = new Float64Array(nS * nK * T);
  const served = new Float64Array(ix.jobs.length);
  const remoteRegions = new Map<number, Set<string>>();
  const lastSlot = new Int32Array(ix.jobs.length).fill(-1);
  for (const a of allocations) {
    const j = ix.jobById.get(a.job);
    if (j !== undefined && a.units > 0) lastSlot[j] = Math.max(lastSlot[j]!, a.slot);
  }
  for (const a of allocations) {
    const j = ix.jobById.get(a.job);
    const s = ix.siteById.get(a.site);
    if (j === undefined || s === undefined || a.slot < 0 || a.slot >= T || a.units <= 0) continue;
    const info = ix.jobs[j]!;
    if (info.type < 0) continue;
    busy[(s * nK + info.type) * T + a.slot]! += a.units * runFraction(info, a.slot === lastSlot[j]);
    served[j]! += a.units;
    const home = ix.siteRegion[info.homeSite]!;
    const region = ix.siteRegion[s]!;
    if (region !== home) {
      let set = remoteRegions.get(j);
      if (!set) remoteRegions.set(j, (set = new Set()));
      set.add(region);
    }
  }
  let energyKWh = 0, greenKWh = 0, costFen = 0, carbonKg = 0;
  const load = new Float64Array(T);
  scenario.sites.forEach((site, s) => {
    for (let t = 0; t < T; t++) {
      let kwh = ix.idleKWh[s * T + t]!;
      for (let k = 0; k < nK; k++) {
        const units = Math.min(busy[(s * nK + k) * T + t]!, ix.poolUnits[s * nK + k]!);
        kwh += units * ix.busyKWh[s * nK + k]!;
      }
      load[t] = kwh;
    }
    const d = dispatchSite(scenario, site, load);
    energyKWh += d.energyKWh;
    greenKWh += d.greenKWh;
    costFen += d.costFen;
    carbonKg += d.carbonKg;
  });
  let transferFen = 0;
  for (const [j, regions] of remoteRegions) {
    const info = ix.jobs[j]!;
    for (const r of regions) {
      const opt = info.options.find((o) => ix.siteRegion[o.site] === r);
      // A region the job may not use has no option; charge the link price anyway if a link exists.
      transferFen += opt ? opt.transferFen : linkFen(scenario, ix.siteRegion[info.homeSite]!, r, info.job.dataGB);
    }
  }
  let unservedSlots = 0;
  let weightedUnservedSlots = 0;
  let misses = 0;
  ix.jobs.forEach((info, j) => {
    const short = info.work - Math.min(info.work, served[j]!);
    if (short > 1e-6) {
      unservedSlots += short;
      weightedUnservedSlots += short * (info.job.weight ?? 1);
      misses++;
    }
  });
  const unservedUnitHours = unservedSlots * ix.slotHours;
  const objective = costFen + transferFen + scenario.carbonPriceFenPerKg * carbonKg
    + UNSERVED_PENALTY_FEN_PER_UNIT_HOUR * weightedUnservedSlots * ix.slotHours;
  return {
    objective, costFen, energyKWh, greenKWh, greenShare: energyKWh > 0 ? greenKWh / energyKWh : 0, carbonKg,
    transferFen, deadlineMisses: misses, unservedUnitHours,
  };
}

function linkFen(s: Scenario, a: string, b: string, gb: number): number {
  const l = s.links.find((x) => (x.from === a && x.to === b) || (x.from === b && x.to === a));
  return l ? l.fenPerGB * gb : 0;
}
