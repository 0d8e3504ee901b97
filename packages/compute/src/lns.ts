import { addEnergyBlock, workEntries } from './energyBlock.ts';
import { evaluate, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH, UNSERVED_PENALTY_FEN_PER_UNIT_HOUR } from './evaluate.ts';
import { addJobColumns, type CellHooks, type WorkCol } from './jobModel.ts';
import { LpBuilder, type LpModel } from './lp.ts';
import type { PlanIndex } from './planIndex.ts';
import type { PlanState } from './planState.ts';
import type { HighsWorker } from './solver.ts';

/** Hours of one time window re-planned at once (a day: the price and carbon cycle the plan shifts work along). */
export const LNS_WINDOW_HOURS = 24;
/** Work columns per window MIP; a window with more is split into groups of jobs. */
export const LNS_MAX_COLUMNS = 6000;
/** HiGHS time per window MIP. */
export const LNS_SOLVE_SEC = 4;
/** Seconds past its own limit a neighbourhood's MIP is waited for before it is abandoned (the plan keeps the jobs where they were). */
export const HARD_LIMIT_GRACE_SEC = 0.3;

export interface LnsReport {
  /** window MIPs solved */
  solves: number;
  /** of them, those whose plan was kept (it lowered the plan's objective) */
  improved: number;
  /** objective (fen) saved, measured by evaluate() */
  savedFen: number;
  sweeps: number;
}

/**
 * The exact job-level MIP over a window: `jobs` (already taken out of the plan) may be placed in slots
 * [from, to) on the capacity the rest of the plan leaves; every other job's energy is fixed load, so
 * renewables, storage and the grid are shared exactly as in the full model (energyBlock over the whole
 * horizon, priced by its own columns).
 */
function windowModel(st: PlanState, jobs: readonly number[], from: number, to: number): { model: LpModel; cols: WorkCol[] } {
  const ix = st.ix;
  const nK = ix.types.length;
  const idle = Float64Array.from(ix.idleKWh, (v, i) => v + st.busyLoad[i]!);
  const fixed: PlanIndex = { ...ix, idleKWh: idle };
  const b = new LpBuilder();
  const eb = addEnergyBlock(b, fixed, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH);
  const cells: CellHooks = {
    entries: (site, type, t, units, rows, coefs, fraction) => workEntries(eb, ix, site, type, t, units, rows, coefs, fraction),
    cost: () => 0,
    free: (site, type, t) => (t >= from && t < to ? st.capRemain[st.cell(site, type, t)]! : 0),
  };
  const penalty = UNSERVED_PENALTY_FEN_PER_UNIT_HOUR * ix.slotHours;
  const cols: WorkCol[] = [];
  for (const j of jobs) {
    const info = ix.jobs[j]!;
    const demand = b.addRow(info.work, info.work);
    b.addCol(penalty * (info.job.weight ?? 1), 0, info.work, [demand], [1]);
    addJobColumns(b, ix, info, demand, cells, cols);
  }
  const model = b.build();
  // The capacity rows hold what the fixed jobs leave, not the pool.
  for (let s = 0; s < ix.siteIds.length; s++) for (let k = 0; k < nK; k++) for (let t = 0; t < ix.T; t++) {
    const row = eb.capRow[(s * nK + k) * ix.T + t]!;
    if (row >= 0) model.rowUpper[row] = st.capRemain[st.cell(s, k, t)]!;
  }
  return { model, cols };
}

/** Work columns a job would get in a window (an estimate that bounds the model's size). */
function columnsIn(ix: PlanIndex, j: number, from: number, to: number): number {
  const info = ix.jobs[j]!;
  let n = 0;
  for (const o of info.options) {
    const lo = Math.max(from, o.firstSlot), hi = Math.min(to, info.job.deadline);
    n += Math.max(0, info.job.flex === 'rigid' ? hi - lo - info.slots + 1 : hi - lo);
  }
  return n;
}

/**
 * The jobs a window may re-place, per resource type, in groups of at most `maxCols` columns: those
 * whose whole placement lies inside it, and unserved ones that could run there.
 */
function windowGroups(st: PlanState, from: number, to: number, maxCols: number): number[][] {
  const ix = st.ix;
  const byType = new Map<number, { jobs: number[]; cols: number }[]>();
  for (const info of ix.jobs) {
    const j = info.index;
    const cells = st.placementOf(j);
    const inside = cells.length > 0 ? cells.every((c) => c.t >= from && c.t < to) : st.remaining(j) > 0;
    if (!inside) continue;
    const n = columnsIn(ix, j, from, to);
    if (n === 0) continue;
    let groups = byType.get(info.type);
    if (!groups) byType.set(info.type, (groups = [{ jobs: [], cols: 0 }]));
    let g = groups[groups.length - 1]!;
    if (g.cols + n > maxCols && g.jobs.length > 0) groups.push((g = { jobs: [], cols: 0 }));
    g.jobs.push(j);
    g.cols += n;
  }
  return [...byType.values()].flat().map((g) => g.jobs);
}

/**
 * Takes `jobs` out of the plan and re-places them by HiGHS' exact MIP over slots [from, to) (windowModel)
 * on what the rest of the plan leaves; keeps the new placement only when evaluate() says the whole plan's
 * objective fell below `current`, else puts the old one back. Returns the new objective, or null when the
 * plan is unchanged — so a plan never gets worse.
 */
export async function replanJobs(
  st: PlanState, worker: HighsWorker, jobs: readonly number[], from: number, to: number, budgetSec: number, current: number,
): Promise<number | null> {
  const ix = st.ix;
  const old = jobs.map((k) => st.remove(k).slice());
  const restore = () => {
    for (const k of jobs) st.remove(k);
    jobs.forEach((k, i) => { for (const c of old[i]!) st.add(k, c.site, c.t, c.units); });
    return null;
  };
  const { model, cols } = windowModel(st, jobs, from, to);
  let x: Float64Array;
  try {
    x = (await worker.solve({ model, timeLimitSec: budgetSec, mipRelGap: 1e-6, hardLimitSec: budgetSec + HARD_LIMIT_GRACE_SEC })).colValue;
  } catch {
    return restore();
  }
  // Rigid columns first: each add() of a job's last unit-slot prices its tail.
  for (const c of cols) {
    const v = Math.round(x[c.col] ?? 0);
    for (let k = 0; v > 0 && k < c.slots; k++) st.add(c.job, c.site, c.t + k, v * c.units);
  }
  const next = evaluate(ix.scenario, st.allocations(), ix).objective;
  return next < current - 1e-6 * Math.max(1, Math.abs(current)) ? next : restore();
}

/**
 * Large-neighbourhood search: day-long windows, half a day apart, each re-planned by HiGHS' exact MIP
 * (windowModel) with the rest of the plan fixed; a window's new placement is kept only when evaluate()
 * says the whole plan's objective fell. Sweeps repeat while one saves at least `minGain` of the
 * objective and time is left. It moves jobs jointly, which the one-job-at-a-time local search cannot.
 */
export async function lnsImprove(
  st: PlanState, worker: HighsWorker,
  opts: { secondsLeft: () => number; maxSweeps?: number; minGain?: number; windowHours?: number; maxCols?: number },
): Promise<LnsReport> {
  const ix = st.ix;
  const rep: LnsReport = { solves: 0, improved: 0, savedFen: 0, sweeps: 0 };
  const W = Math.max(2, Math.round((opts.windowHours ?? LNS_WINDOW_HOURS) / ix.slotHours));
  const step = Math.max(1, Math.floor(W / 2));
  let current = evaluate(ix.scenario, st.allocations(), ix).objective;
  for (let sweep = 0; sweep < (opts.maxSweeps ?? 3); sweep++) {
    rep.sweeps++;
    const start = current;
    for (let from = 0; from < ix.T; from += step) {
      const to = Math.min(ix.T, from + W);
      for (const jobs of windowGroups(st, from, to, opts.maxCols ?? LNS_MAX_COLUMNS)) {
        const budget = Math.min(LNS_SOLVE_SEC, opts.secondsLeft());
        if (budget < 0.5) return rep;
        rep.solves++;
        const next = await replanJobs(st, worker, jobs, from, to, budget, current);
        if (next !== null) {
          rep.improved++;
          rep.savedFen += current - next;
          current = next;
        }
      }
      if (to === ix.T) break;
    }
    if (start - current < (opts.minGain ?? 5e-4) * Math.abs(start)) break;
  }
  return rep;
}
