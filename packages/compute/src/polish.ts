import { evaluate } from './evaluate.ts';
import { applyJobSolution, buildJobModel } from './jobModel.ts';
import type { PlanState } from './planState.ts';
import type { HighsWorker, SolveRequest } from './solver.ts';

export interface PolishReport {
  status: string;
  /** HiGHS' proven lower bound on the exact MIP (fen), NaN if none */
  bound: number;
  /** HiGHS' relative gap at the end */
  gap: number;
  /** HiGHS' best plan's objective in its model (fen), NaN if it has none */
  incumbent: number;
  /** objective saved (fen), measured by evaluate(); 0 when the plan was kept */
  savedFen: number;
  columns: number;
}

/**
 * The exact job-level MIP (buildJobModel) started from the plan: its work columns set to the plan's
 * placement, the rest (energy, storage, a malleable job's site pick) completed by HiGHS. HiGHS searches
 * from there for the time given; its plan replaces ours only when evaluate() says it is cheaper. Its
 * proven bound is a lower bound on every integral plan, reported with the gap.
 */
export async function polishWithMip(st: PlanState, worker: HighsWorker, timeLimitSec: number, options: Pick<SolveRequest, 'mipHeuristicEffort' | 'presolve'> = {}): Promise<PolishReport> {
  const ix = st.ix;
  const jm = buildJobModel(ix);
  const at = new Map<string, number>();
  const firstAt = new Map<number, string>();
  for (const info of ix.jobs) {
    const cells = st.placementOf(info.index);
    for (const c of cells) at.set(`${info.index}:${c.site}:${c.t}`, (at.get(`${info.index}:${c.site}:${c.t}`) ?? 0) + c.units);
    if (info.job.flex === 'rigid' && cells.length > 0) firstAt.set(info.index, `${cells[0]!.site}:${Math.min(...cells.map((c) => c.t))}`);
  }
  const indices = new Int32Array(jm.work.length), values = new Float64Array(jm.work.length);
  jm.work.forEach((w, i) => {
    indices[i] = w.col;
    values[i] = ix.jobs[w.job]!.job.flex === 'rigid' ? (firstAt.get(w.job) === `${w.site}:${w.t}` ? 1 : 0) : (at.get(`${w.job}:${w.site}:${w.t}`) ?? 0);
  });
  const before = evaluate(ix.scenario, st.allocations(), ix).objective;
  const r = await worker.solve({ model: jm.model, timeLimitSec, mipRelGap: 1e-4, start: { indices, values }, ...options });
  const rep: PolishReport = { status: r.statusName, bound: r.mipDualBound, gap: r.mipGap, incumbent: r.objective, savedFen: 0, columns: jm.model.numCols };
  if (!Number.isFinite(r.objective)) return rep;
  const old = ix.jobs.map((info) => st.remove(info.index).slice());
  applyJobSolution(jm, r.colValue, st);
  const after = evaluate(ix.scenario, st.allocations(), ix).objective;
  if (after < before) rep.savedFen = before - after;
  else {
    for (const info of ix.jobs) st.remove(info.index);
    old.forEach((cells, j) => { for (const c of cells) st.add(j, c.site, c.t, c.units); });
  }
  return rep;
}
