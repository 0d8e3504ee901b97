import type { EnergyBlock } from './energyBlock.ts';
import { UNSERVED_PENALTY_FEN_PER_UNIT_HOUR } from './evaluate.ts';
import type { LpModel } from './lp.ts';
import type { JobInfo, PlanIndex } from './planIndex.ts';

/**
 * A lower bound on the integral problem from multipliers on the shared site-slot rows (capacity, energy
 * balance, renewables, storage state, green target), usually the duals of an LP relaxation.
 *
 * For any multipliers y with the right signs, min over (each job's own integral placements) and (each
 * energy column within its bounds) of cost − yᵀ(Ax − b) is ≤ the optimum (weak duality). The jobs'
 * part is solved exactly per job — a rigid job's best contiguous window, a malleable job's best site and
 * at most `units` per slot, a divisible job's best set of regions — so the bound is at least as tight as
 * the job-level LP at the same multipliers and closes the relaxation gaps of the aggregated model. Each
 * unit-slot's energy counts the fraction of the slot the job runs (runFraction), as evaluate() does.
 */
export function lagrangianBound(ix: PlanIndex, model: LpModel, eb: EnergyBlock, rowDual: Float64Array): number {
  const nR = eb.numRows, nC = eb.numCols;
  const y = new Float64Array(nR);
  let value = 0;
  for (let i = 0; i < nR; i++) {
    let v = rowDual[i] ?? 0;
    const lo = model.rowLower[i]!, hi = model.rowUpper[i]!;
    if (v > 0 && !Number.isFinite(lo)) v = 0;
    if (v < 0 && !Number.isFinite(hi)) v = 0;
    y[i] = v;
    value += v > 0 ? v * lo : v < 0 ? v * hi : 0;
  }
  for (let c = 0; c < nC; c++) {
    let rc = model.colCost[c]!;
    for (let k = model.starts[c]!; k < model.starts[c + 1]!; k++) rc -= y[model.indices[k]!]! * model.values[k]!;
    const lo = model.colLower[c]!, hi = Math.min(model.colUpper[c]!, eb.impliedUpper[c]!);
    const at = rc >= 0 ? lo : hi;
    if (!Number.isFinite(at)) return Number.NEGATIVE_INFINITY;
    value += rc * at;
  }
  const price = unitPrices(ix, eb, y);
  const pen = UNSERVED_PENALTY_FEN_PER_UNIT_HOUR * ix.slotHours;
  for (const info of ix.jobs) value += jobMin(ix, info, price, pen);
  return value;
}

/** Reduced cost of one unit-slot per (site, type, slot), in its capacity part −y_cap and its energy part kWh × (y_energy + target × y_green). */
interface UnitPrices { cap: Float64Array; energy: Float64Array }

function unitPrices(ix: PlanIndex, eb: EnergyBlock, y: Float64Array): UnitPrices {
  const nK = ix.types.length, T = ix.T;
  const cap = new Float64Array(ix.siteIds.length * nK * T);
  const energy = new Float64Array(ix.siteIds.length * nK * T);
  const yG = eb.greenRow >= 0 ? y[eb.greenRow]! : 0;
  for (let s = 0; s < ix.siteIds.length; s++) for (let k = 0; k < nK; k++) {
    const kwh = ix.busyKWh[s * nK + k]!;
    for (let t = 0; t < T; t++) {
      const capRow = eb.capRow[(s * nK + k) * T + t]!;
      const yCap = capRow >= 0 ? y[capRow]! : 0;
      cap[(s * nK + k) * T + t] = -yCap;
      energy[(s * nK + k) * T + t] = kwh * (y[eb.energyRow[s * T + t]!]! + eb.target * yG);
    }
  }
  return { cap, energy };
}

/** Cheapest way to place `need` unit-slots over (price, capacity) pieces, each unit-slot at most `pen`. */
function fillCost(pieces: { p: number; cap: number }[], need: number, pen: number): number {
  pieces.sort((a, b) => a.p - b.p);
  let left = need, cost = 0;
  for (const x of pieces) {
    if (left <= 0 || x.p >= pen) break;
    const q = Math.min(left, x.cap);
    cost += q * x.p;
    left -= q;
  }
  return cost + left * pen;
}

function jobMin(ix: PlanIndex, info: JobInfo, price: UnitPrices, pen: number): number {
  const { job, type, slots: d, work } = info;
  const nK = ix.types.length, T = ix.T;
  let best = work * pen;
  if (info.options.length === 0) return best;
  const base = (s: number) => (s * nK + type) * T;
  const { cap, energy } = price;
  // A unit-slot run for fraction f: its capacity part whole, its energy part × f.
  const at = (i: number, f: number) => cap[i]! + f * energy[i]!;
  if (job.flex === 'rigid') {
    for (const o of info.options) {
      const b = base(o.site);
      let sum = 0;
      for (let t = o.firstSlot; t < job.deadline; t++) {
        sum += at(b + t, 1);
        if (t - o.firstSlot >= d) sum -= at(b + t - d, 1);
        // the window's last slot runs only `tail` of the slot
        if (t - o.firstSlot >= d - 1) best = Math.min(best, o.transferFen + job.units * (sum - (1 - info.tail) * energy[b + t]!));
      }
    }
  } else if (job.flex === 'malleable') {
    for (const o of info.options) {
      const b = base(o.site);
      const pieces: { p: number; cap: number }[] = [];
      for (let t = o.firstSlot; t < job.deadline; t++) pieces.push({ p: at(b + t, info.fill), cap: job.units });
      best = Math.min(best, o.transferFen + fillCost(pieces, work, pen));
    }
  } else {
    const home = ix.siteRegion[info.homeSite]!;
    const remote = [...new Set(info.options.filter((o) => o.remote).map((o) => ix.siteRegion[o.site]!))];
    const transfer = new Map(info.options.map((o) => [ix.siteRegion[o.site]!, o.transferFen]));
    for (let mask = 0; mask < 1 << Math.min(remote.length, 6); mask++) {
      const regions = new Set([home, ...remote.filter((_, i) => mask & (1 << i))]);
      let fixed = 0;
      for (const r of regions) if (r !== home) fixed += transfer.get(r) ?? 0;
      const pieces: { p: number; cap: number }[] = [];
      for (const o of info.options) {
        if (!regions.has(ix.siteRegion[o.site]!)) continue;
        const b = base(o.site);
        const room = Math.min(work, ix.poolUnits[o.site * nK + type]!);
        for (let t = o.firstSlot; t < job.deadline; t++) pieces.push({ p: at(b + t, info.fill), cap: room });
      }
      if (pieces.length) best = Math.min(best, fixed + fillCost(pieces, work, pen));
    }
  }
  return best;
}
