import { UNSERVED_PENALTY_FEN_PER_UNIT_HOUR } from './evaluate.ts';
import { edfOrder } from './greedy.ts';
import { INF } from './energyBlock.ts';
import { LpBuilder } from './lp.ts';
import { addJobColumns, type CellHooks, type WorkCol } from './jobModel.ts';
import type { PlanIndex } from './planIndex.ts';
import type { PlanState } from './planState.ts';
import type { HighsWorker, SolveResult } from './solver.ts';

/** Jobs re-placed with an unserved job: those holding the most of its window's capacity. */
export const RESCUE_NEIGHBOURS = 40;
/** HiGHS time per neighbourhood; a neighbourhood is a few thousand columns at most. */
export const RESCUE_TIME_LIMIT_SEC = 5;

export interface RescueReport {
  /** unserved jobs a neighbourhood MIP was built for */
  tried: number;
  /** unserved jobs (of those and of their neighbourhoods) now fully served */
  rescued: number;
  /** unit-slots served by the rescue that rounding, repair and local search had left unserved */
  servedUnitSlots: number;
  /** one line per job still unserved: what the exact MIP proved (or could not prove) about it */
  proofs: string[];
}

/**
 * The jobs of the same resource type that use capacity inside `job`'s window at the sites it may use
 * (only `sites` of them when given), most-overlapping first, plus other unserved jobs competing for the
 * same window.
 */
export function neighbourhood(st: PlanState, job: number, limit: number, sites?: ReadonlySet<number>): number[] {
  const ix = st.ix;
  const info = ix.jobs[job]!;
  const options = sites ? info.options.filter((o) => sites.has(o.site)) : info.options;
  if (options.length === 0) return [job];
  const window = new Map(options.map((o) => [o.site, o.firstSlot]));
  const lo = Math.min(...options.map((o) => o.firstSlot)), hi = info.job.deadline;
  const scored: { job: number; overlap: number }[] = [];
  for (const other of ix.jobs) {
    const k = other.index;
    if (k === job || other.type !== info.type || other.job.release >= hi || other.job.deadline <= lo) continue;
    let overlap = 0;
    for (const c of st.placementOf(k)) {
      const first = window.get(c.site);
      if (first !== undefined && c.t >= first && c.t < hi) overlap += c.units;
    }
    if (overlap > 0) scored.push({ job: k, overlap });
    else if (st.remaining(k) > 0 && other.options.some((o) => window.has(o.site))) scored.push({ job: k, overlap: 0 });
  }
  scored.sort((a, b) => b.overlap - a.overlap || a.job - b.job);
  return [job, ...scored.slice(0, limit - 1).map((s) => s.job)];
}

/**
 * Exact MIP over a neighbourhood whose jobs have been taken out of the plan: the same placement rules as
 * the job-level model (rigid: one site and start; malleable: one site, ≤ units per slot; divisible: any
 * split, each remote region's transfer once) on the capacity the rest of the plan leaves free. Energy is
 * priced linearly at the grid's effective price; the unserved penalty dominates it, so the MIP serves as
 * much work as any integral placement of these jobs can.
 */
function buildNeighbourhoodModel(st: PlanState, jobs: readonly number[]) {
  const ix: PlanIndex = st.ix;
  const nK = ix.types.length;
  const b = new LpBuilder();
  const capRow = new Map<number, number>();
  const cap = (site: number, type: number, t: number) => {
    const cell = st.cell(site, type, t);
    let r = capRow.get(cell);
    if (r === undefined) capRow.set(cell, (r = b.addRow(-INF, st.capRemain[cell]!)));
    return r;
  };
  const cells: CellHooks = {
    entries: (site, type, t, units, rows, coefs) => { rows.push(cap(site, type, t)); coefs.push(units); },
    cost: (site, type, t, units, fraction) => units * ix.busyKWh[site * nK + type]! * fraction * ix.gridEffFen[site * ix.T + t]!,
    free: (site, type, t) => st.capRemain[st.cell(site, type, t)]!,
  };
  const penalty = UNSERVED_PENALTY_FEN_PER_UNIT_HOUR * ix.slotHours;
  const cols: WorkCol[] = [];
  for (const j of jobs) {
    const info = ix.jobs[j]!;
    const demand = b.addRow(info.work, info.work);
    b.addCol(penalty, 0, info.work, [demand], [1]);
    addJobColumns(b, ix, info, demand, cells, cols);
  }
  return { model: b.build(), cols };
}

const unserved = (st: PlanState, jobs: readonly number[]) => jobs.reduce((n, j) => n + st.remaining(j), 0);

/**
 * After rounding, repair and local search: every job with unserved work gets an exact MIP (HiGHS) over its
 * window — it and the jobs that hold capacity there re-placed together, the rest of the plan fixed. The
 * MIP's plan is kept when it serves more work. A job that stays unserved comes with what the MIP proved:
 * at status optimal, no integral re-placement of that neighbourhood serves more work than the plan does.
 */
export async function rescueUnserved(
  st: PlanState, worker: HighsWorker, opts: { secondsLeft: () => number; neighbours?: number },
): Promise<RescueReport> {
  const ix = st.ix;
  const rep: RescueReport = { tried: 0, rescued: 0, servedUnitSlots: 0, proofs: [] };
  for (const j of edfOrder(ix.scenario)) {
    if (st.remaining(j) <= 0) continue;
    const info = ix.jobs[j]!;
    const id = info.job.id;
    if (info.options.length === 0) {
      rep.proofs.push(`${id}: no site can run it inside its window (residency, links, transfer delay or pool size), so no plan serves it`);
      continue;
    }
    const budget = Math.min(RESCUE_TIME_LIMIT_SEC, opts.secondsLeft());
    if (budget < 0.5) {
      rep.proofs.push(`${id}: ${st.remaining(j)} unit-slots unserved; out of time before its exact MIP could run — NOT proved`);
      continue;
    }
    rep.tried++;
    const jobs = neighbourhood(st, j, opts.neighbours ?? RESCUE_NEIGHBOURS);
    const before = unserved(st, jobs);
    const short = jobs.filter((k) => st.remaining(k) > 0);
    const old = jobs.map((k) => st.remove(k).slice());
    const { model, cols } = buildNeighbourhoodModel(st, jobs);
    let res: SolveResult;
    try {
      res = await worker.solve({ model, timeLimitSec: budget, mipRelGap: 1e-6 });
    } catch (e) {
      jobs.forEach((k, i) => { for (const c of old[i]!) st.add(k, c.site, c.t, c.units); });
      rep.proofs.push(`${id}: ${st.remaining(j)} unit-slots unserved; its exact MIP found no solution (${e instanceof Error ? e.message : String(e)}) — NOT proved`);
      continue;
    }
    for (const c of cols) {
      const v = Math.round(res.colValue[c.col] ?? 0);
      for (let k = 0; v > 0 && k < c.slots; k++) st.add(c.job, c.site, c.t + k, v * c.units);
    }
    const after = unserved(st, jobs);
    if (after < before) {
      rep.servedUnitSlots += before - after;
      rep.rescued += short.filter((k) => st.remaining(k) <= 0).length;
    } else {
      for (const k of jobs) st.remove(k);
      jobs.forEach((k, i) => { for (const c of old[i]!) st.add(k, c.site, c.t, c.units); });
    }
    if (st.remaining(j) <= 0) continue;
    const scope = `exact MIP over its window (it and the ${jobs.length - 1} jobs holding capacity there re-placed, the rest of the plan fixed; ${model.numCols} columns)`;
    rep.proofs.push(res.optimal
      ? `${id}: ${st.remaining(j)} unit-slots unserved; ${scope}: HiGHS status ${res.statusName} with ${Math.min(before, after)} unit-slots unserved in the neighbourhood — no integral plan of these jobs serves more work (proof)`
      : `${id}: ${st.remaining(j)} unit-slots unserved; ${scope}: HiGHS status ${res.statusName} — NOT proved`);
  }
  return rep;
}
