import { evaluate } from './evaluate.ts';
import { applyJobSolution, buildJobModel, jobModelSize, type WorkCol } from './jobModel.ts';
import { withRows, type ExtraRow } from './lp.ts';
import { buildIndex, type PlanIndex } from './planIndex.ts';
import { PlanState } from './planState.ts';
import type { Allocation, PlanOptions, PlanResult } from './policy.ts';
import { jobSlots } from './power.ts';
import { precedenceViolations, precedenceWindows, stagingSlots, type PrecedenceEdge } from './precedence.ts';
import type { Scenario } from './scenario.ts';
import { HighsWorker } from './solver.ts';
import { solveClock } from './timing.ts';

/** Above this many job-level columns the DAG is planned by rounds of re-solves instead (precedence.ts). */
export const PRECEDENCE_MIP_MAX_COLUMNS = 200_000;

/**
 * Plans a DAG in one solve: the exact job-level MIP with precedence rows. For a dependant c of a parent p,
 * both rigid, in slot-time form (x the start columns, S = Σ start·x, E = Σ (start + run)·x, served = Σ x):
 *   served_c ≤ served_p                              (no dependant without its parent)
 *   S_c − E_p − M·served_c ≥ g − M,  M = T + g        (when c runs: S_c ≥ E_p + g; otherwise void)
 * with g the dearest staging, in whole slots, between any linked pair of sites the two may use — so the
 * rows never let a dependant start before its data arrived, wherever the two run. Windows are first
 * narrowed as for the rounds (precedenceWindows). Returns null — the caller then plans by rounds —
 * when a job on an edge is not rigid, the model is above PRECEDENCE_MIP_MAX_COLUMNS, HiGHS stops at
 * its time limit with work unserved (not proved: serving nothing is always feasible), or (never
 * expected) the plan breaks an edge.
 *
 * `start`, a plan that keeps every edge (the repaired rounds plan), is given to HiGHS as its MIP start
 * (dagMipStart): HiGHS then searches from that incumbent, so an unproved plan is returned too — the
 * caller (planWithPrecedence) keeps whichever of the two evaluate() finds cheaper.
 */
export async function planDagByMip(
  scenario: Scenario, edges: readonly PrecedenceEdge[], opts?: PlanOptions, start?: readonly Allocation[],
): Promise<(PlanResult & { rounds: number; blocked: string[] }) | null> {
  const clock = solveClock(opts);
  const t0 = clock.now();
  const byId = new Map(scenario.jobs.map((j) => [j.id, j]));
  if (edges.some((e) => byId.get(e.job)?.flex !== 'rigid' || e.after.some((p) => byId.get(p)?.flex !== 'rigid'))) return null;
  const windows = precedenceWindows(scenario, edges);
  const blocked = new Set(scenario.jobs.filter((j) => windows.get(j.id)!.release + jobSlots(scenario, j) > windows.get(j.id)!.deadline).map((j) => j.id));
  // A dependant of a blocked job cannot run either.
  for (let grew = true; grew;) {
    grew = false;
    for (const e of edges) if (!blocked.has(e.job) && e.after.some((p) => blocked.has(p))) { blocked.add(e.job); grew = true; }
  }
  const jobs = scenario.jobs.filter((j) => !blocked.has(j.id)).map((j) => ({ ...j, release: windows.get(j.id)!.release, deadline: windows.get(j.id)!.deadline }));
  const narrowed: Scenario = { ...scenario, jobs };
  const ix = buildIndex(narrowed);
  if (jobModelSize(ix) > PRECEDENCE_MIP_MAX_COLUMNS) return null;
  const jm = buildJobModel(ix);
  const cols = new Map<number, typeof jm.work>();
  for (const w of jm.work) cols.set(w.job, [...(cols.get(w.job) ?? []), w]);
  const rows: ExtraRow[] = [];
  const live = edges.filter((e) => !blocked.has(e.job));
  for (const e of live) {
    const c = ix.jobById.get(e.job)!;
    const child = ix.jobs[c]!;
    for (const pid of e.after) {
      const p = ix.jobById.get(pid)!;
      const parent = ix.jobs[p]!;
      let g = 0;
      for (const from of parent.options) for (const to of child.options) {
        const k = stagingSlots(narrowed, ix.siteIds[from.site]!, ix.siteIds[to.site]!, e.dataGB ?? child.job.dataGB);
        if (Number.isFinite(k)) g = Math.max(g, k);
      }
      const M = ix.T + g;
      const cc = cols.get(c) ?? [], pc = cols.get(p) ?? [];
      rows.push({ lower: -Infinity, upper: 0, cols: [...cc.map((w) => w.col), ...pc.map((w) => w.col)], coefs: [...cc.map(() => 1), ...pc.map(() => -1)] });
      rows.push({
        lower: g - M, upper: Infinity,
        cols: [...cc.map((w) => w.col), ...pc.map((w) => w.col)],
        coefs: [...cc.map((w) => w.t - M), ...pc.map((w) => -(w.t + w.slots))],
      });
    }
  }
  const model = withRows(jm.model, rows);
  const worker = new HighsWorker();
  const limit = opts?.timeLimitSec ?? 60;
  let res;
  try {
    opts?.onProgress?.({ policy: 'optimal', phase: `solving the DAG as one MIP (${model.numCols} columns, ${rows.length} precedence rows)` });
    res = await worker.solve({ model, timeLimitSec: limit, mipRelGap: 1e-4, ...(start ? { start: dagMipStart(jm.work, ix, live, start) } : {}) });
  } catch {
    return null;
  } finally {
    await worker.close();
  }
  const st = new PlanState(ix);
  applyJobSolution(jm, res.colValue, st);
  const allocations = st.allocations();
  if (precedenceViolations(narrowed, live, allocations).length > 0) return null;
  const metrics = evaluate(scenario, allocations);
  // Leaving work unserved is always feasible: an unproved plan that does so (HiGHS stopped at its time
  // limit, perhaps with nothing better than serving nothing) is not taken; the rounds plan it instead.
  if (!start && !res.optimal && metrics.unservedUnitHours > 0) return null;
  const notes = [
    `DAG planned in one solve${start ? ' (warm-started from the rounds plan)' : ''}: the exact job-level MIP with ${rows.length} precedence rows (a dependant starts at or after each parent's end plus the dearest staging between the sites the two may use), ${model.numCols} columns, HiGHS status ${res.statusName}${Number.isFinite(res.mipGap) ? `, gap ${(res.mipGap * 100).toFixed(2)} %` : ''}`,
  ];
  if (blocked.size) notes.push(`${blocked.size} dependant(s) could not start before their deadline after their parents: ${[...blocked].slice(0, 5).join(', ')}`);
  const bounds: NonNullable<PlanResult['bounds']> = Number.isFinite(res.mipDualBound)
    ? { mip: { objective: res.mipDualBound, gap: Number.isFinite(res.mipGap) ? res.mipGap : null, status: res.statusName } } : {};
  return {
    policy: 'optimal', ...metrics, allocations, solveMs: clock.now() - t0, bounds, method: `exact MIP with precedence rows (${res.statusName})`, notes, rounds: 1, blocked: [...blocked],
  };
}

/**
 * The MIP start for planDagByMip: every rigid job's start column at the site and first slot where
 * `plan` runs it set to 1, every other work column 0 (HiGHS completes the energy columns). A job whose
 * start has no column in the narrowed model, or any of whose parents is not started, is left out of
 * the start (0), so the start keeps the precedence rows (served_c ≤ served_p).
 */
export function dagMipStart(
  work: readonly WorkCol[], ix: PlanIndex,
  edges: readonly PrecedenceEdge[], plan: readonly Allocation[],
): { indices: Int32Array; values: Float64Array } {
  const first = new Map<string, { site: string; slot: number }>();
  for (const a of plan) {
    if (a.units <= 0) continue;
    const f = first.get(a.job);
    if (!f || a.slot < f.slot) first.set(a.job, { site: a.site, slot: a.slot });
  }
  const chosen = new Map<number, number>();
  work.forEach((w, i) => {
    const f = first.get(ix.jobs[w.job]!.job.id);
    if (f && ix.siteIds[w.site] === f.site && w.t === f.slot) chosen.set(w.job, i);
  });
  for (let dropped = true; dropped;) {
    dropped = false;
    for (const e of edges) {
      const c = ix.jobById.get(e.job);
      if (c !== undefined && chosen.has(c) && e.after.some((p) => !chosen.has(ix.jobById.get(p) ?? -1))) { chosen.delete(c); dropped = true; }
    }
  }
  const indices = new Int32Array(work.length), values = new Float64Array(work.length);
  const on = new Set(chosen.values());
  work.forEach((w, i) => { indices[i] = w.col; values[i] = on.has(i) ? 1 : 0; });
  return { indices, values };
}
