import { addEnergyBlock, energyTotals, INF, workEntries, type EnergyBlock } from './energyBlock.ts';
import { UNSERVED_PENALTY_FEN_PER_UNIT_HOUR, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH } from './evaluate.ts';
import { LpBuilder, type LpModel } from './lp.ts';
import type { PlanIndex } from './planIndex.ts';
import type { PlanState } from './planState.ts';

/** A work column of the job-level model: `units` per unit of the column value, on `slots` consecutive slots from `t`. */
interface WorkCol { col: number; job: number; site: number; t: number; slots: number; units: number }

export interface JobModel {
  model: LpModel;
  eb: EnergyBlock;
  work: WorkCol[];
}

/** Integer columns the job-level MIP would have; decides whether it is small enough to solve exactly. */
export function jobModelSize(ix: PlanIndex): number {
  let n = 0;
  for (const j of ix.jobs) for (const o of j.options) n += j.job.deadline - o.firstSlot;
  return n;
}

/**
 * Exact job-level MIP: rigid jobs choose one (site, start); malleable jobs one site and 0..units per slot;
 * divisible jobs any integer split, paying each remote region's transfer once.
 */
export function buildJobModel(ix: PlanIndex): JobModel {
  const b = new LpBuilder();
  const eb = addEnergyBlock(b, ix, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH);
  const work: WorkCol[] = [];
  const nK = ix.types.length;
  const penalty = UNSERVED_PENALTY_FEN_PER_UNIT_HOUR * ix.slotHours;
  for (const info of ix.jobs) {
    const j = info.index;
    const { job, slots: d, type } = info;
    const demand = b.addRow(info.work, info.work);
    b.addCol(penalty * (job.weight ?? 1), 0, info.work, [demand], [1]);
    if (job.flex === 'rigid') {
      for (const o of info.options) {
        for (let tau = o.firstSlot; tau + d <= job.deadline; tau++) {
          const rows = [demand], coefs = [job.units * d];
          for (let t = tau; t < tau + d; t++) workEntries(eb, ix, o.site, type, t, job.units, rows, coefs, t === tau + d - 1 ? info.tail : 1);
          work.push({ col: b.addCol(o.transferFen, 0, 1, rows, coefs, true), job: j, site: o.site, t: tau, slots: d, units: job.units });
        }
      }
    } else if (job.flex === 'malleable') {
      const pick = b.addRow(-INF, 1);
      for (const o of info.options) {
        const link = b.addRow(-INF, 0);
        b.addCol(o.transferFen, 0, 1, [pick, link], [1, -info.work], true);
        for (let t = o.firstSlot; t < job.deadline; t++) {
          const rows = [demand, link], coefs = [1, 1];
          workEntries(eb, ix, o.site, type, t, 1, rows, coefs, info.fill);
          work.push({ col: b.addCol(0, 0, job.units, rows, coefs, true), job: j, site: o.site, t, slots: 1, units: 1 });
        }
      }
    } else {
      const regionRow = new Map<string, number>();
      for (const o of info.options) {
        if (!o.remote) continue;
        const r = ix.siteRegion[o.site]!;
        if (regionRow.has(r)) continue;
        const row = b.addRow(-INF, 0);
        regionRow.set(r, row);
        b.addCol(o.transferFen, 0, 1, [row], [-info.work], true);
      }
      for (const o of info.options) {
        const cap = Math.min(info.work, ix.poolUnits[o.site * nK + type]!);
        for (let t = o.firstSlot; t < job.deadline; t++) {
          const rows = [demand], coefs = [1];
          if (o.remote) { rows.push(regionRow.get(ix.siteRegion[o.site]!)!); coefs.push(1); }
          workEntries(eb, ix, o.site, type, t, 1, rows, coefs, info.fill);
          work.push({ col: b.addCol(0, 0, cap, rows, coefs, true), job: j, site: o.site, t, slots: 1, units: 1 });
        }
      }
    }
  }
  return { model: b.build(), eb, work };
}

/** Writes an integral solution of the job-level model into a plan. */
export function applyJobSolution(jm: JobModel, x: Float64Array, st: PlanState): void {
  for (const w of jm.work) {
    const v = Math.round(x[w.col] ?? 0);
    if (v <= 0) continue;
    for (let k = 0; k < w.slots; k++) st.add(w.job, w.site, w.t + k, v * w.units);
  }
}

export { energyTotals };
