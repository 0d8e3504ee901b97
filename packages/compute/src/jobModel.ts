import { addEnergyBlock, energyTotals, INF, workEntries, type EnergyBlock } from './energyBlock.ts';
import { UNSERVED_PENALTY_FEN_PER_UNIT_HOUR, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH } from './evaluate.ts';
import { LpBuilder, type LpModel } from './lp.ts';
import type { JobInfo, PlanIndex } from './planIndex.ts';
import type { PlanState } from './planState.ts';

/** A work column of the job-level model: `units` per unit of the column value, on `slots` consecutive slots from `t`. */
export interface WorkCol { col: number; job: number; site: number; t: number; slots: number; units: number }

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
 * What a job's placement columns join at a (site, slot): `entries` adds the rows (capacity, energy) that
 * `units` unit-slots run for `fraction` of the slot join, `cost` prices them (beyond the transfer),
 * `free` is the most units the column may take there.
 */
export interface CellHooks {
  entries(site: number, type: number, t: number, units: number, rows: number[], coefs: number[], fraction: number): void;
  cost(site: number, type: number, t: number, units: number, fraction: number): number;
  free(site: number, type: number, t: number): number;
}

/**
 * A job's placement columns, joined to its `demand` row: rigid jobs choose one (site, start); malleable
 * jobs one site and 0..units per slot; divisible jobs any integer split, paying each remote region's
 * transfer once. Each work column is recorded in `work`.
 */
export function addJobColumns(b: LpBuilder, ix: PlanIndex, info: JobInfo, demand: number, cells: CellHooks, work: WorkCol[]): void {
  const j = info.index;
  const { job, slots: d, type } = info;
  if (job.flex === 'rigid') {
    for (const o of info.options) {
      for (let tau = o.firstSlot; tau + d <= job.deadline; tau++) {
        let fits = true, cost = o.transferFen;
        const rows = [demand], coefs = [job.units * d];
        for (let t = tau; t < tau + d && fits; t++) {
          const f = t === tau + d - 1 ? info.tail : 1;
          fits = cells.free(o.site, type, t) >= job.units;
          cost += cells.cost(o.site, type, t, job.units, f);
          cells.entries(o.site, type, t, job.units, rows, coefs, f);
        }
        if (fits) work.push({ col: b.addCol(cost, 0, 1, rows, coefs, true), job: j, site: o.site, t: tau, slots: d, units: job.units });
      }
    }
  } else if (job.flex === 'malleable') {
    const pick = b.addRow(-INF, 1);
    for (const o of info.options) {
      const link = b.addRow(-INF, 0);
      b.addCol(o.transferFen, 0, 1, [pick, link], [1, -info.work], true);
      for (let t = o.firstSlot; t < job.deadline; t++) {
        const free = Math.min(job.units, cells.free(o.site, type, t));
        if (free <= 0) continue;
        const rows = [demand, link], coefs = [1, 1];
        cells.entries(o.site, type, t, 1, rows, coefs, info.fill);
        work.push({ col: b.addCol(cells.cost(o.site, type, t, 1, info.fill), 0, free, rows, coefs, true), job: j, site: o.site, t, slots: 1, units: 1 });
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
      for (let t = o.firstSlot; t < job.deadline; t++) {
        const free = Math.min(info.work, cells.free(o.site, type, t));
        if (free <= 0) continue;
        const rows = [demand], coefs = [1];
        if (o.remote) { rows.push(regionRow.get(ix.siteRegion[o.site]!)!); coefs.push(1); }
        cells.entries(o.site, type, t, 1, rows, coefs, info.fill);
        work.push({ col: b.addCol(cells.cost(o.site, type, t, 1, info.fill), 0, free, rows, coefs, true), job: j, site: o.site, t, slots: 1, units: 1 });
      }
    }
  }
}

/**
 * Rigid jobs' running units per (site, type, slot) as a flow: y[t] − y[t−1] = units starting at t − units
 * ending at t. A rigid start column then joins two flow rows (and its last slot's energy row when that
 * slot runs only in part) instead of the capacity and energy rows of every slot it covers; y joins those
 * rows once per slot. The same polytope (y is the running sum of starts less ends), a fraction of the
 * nonzeros: on the bench's small scenario at 15-minute slots, 0.7 M instead of 4.6 M, past which the
 * 32-bit WASM HiGHS aborted in the exact MIP.
 */
interface RigidFlow { row: Int32Array; T: number }

function addRigidFlow(b: LpBuilder, eb: EnergyBlock, ix: PlanIndex): RigidFlow {
  const nK = ix.types.length, { T } = ix;
  const row = new Int32Array(ix.poolUnits.length * T).fill(-1);
  const types = new Set(ix.jobs.filter((j) => j.job.flex === 'rigid').map((j) => j.type));
  for (let p = 0; p < ix.poolUnits.length; p++) {
    if (ix.poolUnits[p]! <= 0 || !types.has(p % nK)) continue;
    for (let t = 0; t < T; t++) row[p * T + t] = b.addRow(0, 0);
  }
  for (let p = 0; p < ix.poolUnits.length; p++) {
    if (row[p * T]! < 0) continue;
    const site = Math.floor(p / nK), type = p % nK;
    for (let t = 0; t < T; t++) {
      const rows = [row[p * T + t]!], coefs = [1];
      if (t + 1 < T) { rows.push(row[p * T + t + 1]!); coefs.push(-1); }
      workEntries(eb, ix, site, type, t, 1, rows, coefs);
      b.addCol(0, 0, ix.poolUnits[p]!, rows, coefs);
    }
  }
  return { row, T };
}

/** A rigid job's start columns on the flow (addRigidFlow): one per (site, start) that fits before its deadline. */
function addRigidStarts(b: LpBuilder, ix: PlanIndex, eb: EnergyBlock, flow: RigidFlow, info: JobInfo, demand: number, work: WorkCol[]): void {
  const { job, slots: d, type } = info;
  const nK = ix.types.length, u = job.units;
  for (const o of info.options) {
    const p = o.site * nK + type;
    if (ix.poolUnits[p]! < u) continue;
    for (let tau = o.firstSlot; tau + d <= job.deadline; tau++) {
      const rows = [demand, flow.row[p * flow.T + tau]!], coefs = [u * d, -u];
      if (tau + d < flow.T) { rows.push(flow.row[p * flow.T + tau + d]!); coefs.push(u); }
      // y counts the last slot in full; the part of it the job does not run is taken back.
      if (info.tail < 1) {
        const r: number[] = [], c: number[] = [];
        workEntries(eb, ix, o.site, type, tau + d - 1, u, r, c, 1 - info.tail);
        r.forEach((row, i) => { if (row !== eb.capRow[p * ix.T + tau + d - 1]) { rows.push(row); coefs.push(-c[i]!); } });
      }
      work.push({ col: b.addCol(o.transferFen, 0, 1, rows, coefs, true), job: info.index, site: o.site, t: tau, slots: d, units: u });
    }
  }
}

/**
 * Above this many (rigid start column, covered slot) pairs the job-level model takes rigid jobs on the
 * flow (addRigidFlow). Below it the per-slot form stays: the same LP, but HiGHS' MIP search finds better
 * plans on it (small at hourly slots, 144 k pairs: best plan 1,572.6 ¥ in 30 s against 1,586.3 ¥ on the
 * flow, the same proven bound) and dual simplex solves its LP in about half the time. Small at
 * 15-minute slots has 2.0 M pairs (4.6 M nonzeros), where the per-slot form made HiGHS abort.
 */
export const RIGID_FLOW_MIN_ENTRIES = 1_000_000;

/** (rigid start column, covered slot) pairs of the per-slot job-level model: its rigid jobs' share of the nonzeros is about twice this. */
export function rigidSlotEntries(ix: PlanIndex): number {
  let n = 0;
  for (const j of ix.jobs) {
    if (j.job.flex !== 'rigid') continue;
    for (const o of j.options) n += Math.max(0, j.job.deadline - o.firstSlot - j.slots + 1) * j.slots;
  }
  return n;
}

/**
 * Exact job-level MIP: every job's placement columns (addJobColumns) over the network's energy block;
 * rigid jobs on the running-units flow when `rigid` says so ('auto': above RIGID_FLOW_MIN_ENTRIES).
 */
export function buildJobModel(ix: PlanIndex, opts: { rigid?: 'flow' | 'slots' | 'auto' } = {}): JobModel {
  const b = new LpBuilder();
  const eb = addEnergyBlock(b, ix, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH);
  const rigid = opts.rigid ?? 'auto';
  const flow = rigid === 'flow' || (rigid === 'auto' && rigidSlotEntries(ix) > RIGID_FLOW_MIN_ENTRIES) ? addRigidFlow(b, eb, ix) : null;
  const work: WorkCol[] = [];
  const nK = ix.types.length;
  const penalty = UNSERVED_PENALTY_FEN_PER_UNIT_HOUR * ix.slotHours;
  // Energy is priced by the energy block's columns; the work columns only join its rows.
  const cells: CellHooks = {
    entries: (site, type, t, units, rows, coefs, fraction) => workEntries(eb, ix, site, type, t, units, rows, coefs, fraction),
    cost: () => 0,
    free: (site, type) => ix.poolUnits[site * nK + type]!,
  };
  for (const info of ix.jobs) {
    const demand = b.addRow(info.work, info.work);
    b.addCol(penalty * (info.job.weight ?? 1), 0, info.work, [demand], [1]);
    if (flow && info.job.flex === 'rigid') addRigidStarts(b, ix, eb, flow, info, demand, work);
    else addJobColumns(b, ix, info, demand, cells, work);
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
