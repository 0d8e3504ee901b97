import { runFraction, type PlanIndex } from './planIndex.ts';
import { bestDivisible, bestMalleable, bestRigid, commit, type Placement, type PlanState } from './planState.ts';

export interface ImproveReport {
  passes: number;
  moves: number;
  /** fen saved under the planner's marginal cost model (energy without storage + transfer) */
  savedFen: number;
}

/** Cost of a placement already removed from the plan, were it put back now (energy + transfer, once per remote region). */
export function placementCost(st: PlanState, job: number, cells: readonly { site: number; t: number; units: number }[]): number {
  const ix = st.ix;
  const info = ix.jobs[job]!;
  const merged = new Map<number, number>();
  for (const c of cells) merged.set(c.site * ix.T + c.t, (merged.get(c.site * ix.T + c.t) ?? 0) + c.units);
  const lastT = Math.max(...cells.map((c) => c.t));
  let cost = 0;
  for (const [key, units] of merged) {
    const t = key % ix.T;
    cost += st.cost(Math.floor(key / ix.T), info.type, t, units, runFraction(info, t === lastT));
  }
  return cost + transferCost(ix, job, cells);
}

/** A placement's data transfer (fen): once per remote region it uses. */
export function transferCost(ix: PlanIndex, job: number, cells: readonly { site: number }[]): number {
  const info = ix.jobs[job]!;
  const regions = new Set<string>();
  for (const c of cells) if (ix.siteRegion[c.site] !== ix.siteRegion[info.homeSite]) regions.add(ix.siteRegion[c.site]!);
  let cost = 0;
  for (const r of regions) cost += info.options.find((o) => ix.siteRegion[o.site] === r)?.transferFen ?? 0;
  return cost;
}

export function bestFor(st: PlanState, job: number): Placement | undefined {
  const info = st.ix.jobs[job]!;
  if (info.options.length === 0) return undefined;
  if (info.job.flex === 'rigid') return bestRigid(st, info, info.options);
  if (info.job.flex === 'malleable') return bestMalleable(st, info, info.options, info.work);
  return bestDivisible(st, info, info.options, info.work);
}

/**
 * Local search: take each job out and put it back at its cheapest feasible place given every other job,
 * keeping the move only when it serves more work or costs less. Each accepted move lowers the plan's
 * cost under the marginal model, so passes stop when nothing moves (or at `maxPasses` / `deadline`; with
 * `serveFirst`, the deadline is not heeded in a pass that starts with work unserved).
 */
export function improvePlan(
  st: PlanState, order: readonly number[], opts: { maxPasses: number; deadline?: () => boolean; serveFirst?: boolean },
): ImproveReport {
  const rep: ImproveReport = { passes: 0, moves: 0, savedFen: 0 };
  for (let pass = 0; pass < opts.maxPasses; pass++) {
    // serveFirst: a pass that starts with work unserved runs to its end whatever the deadline says —
    // it is the pass that can serve that work, and unserved work costs more than a late answer.
    const serving = opts.serveFirst === true && st.served.some((v, j) => v < st.ix.jobs[j]!.work && st.ix.jobs[j]!.options.length > 0);
    if (!serving && opts.deadline?.()) return rep;
    rep.passes++;
    let moved = 0, saved = 0;
    for (const j of order) {
      if (!serving && opts.deadline?.()) return rep;
      const info = st.ix.jobs[j]!;
      if (info.options.length === 0) continue;
      const oldWork = st.served[j]!;
      const old = st.remove(j).slice();
      const oldCost = placementCost(st, j, old);
      const p = bestFor(st, j);
      const gain = p ? oldCost - p.cost : 0;
      if (p && (p.work > oldWork || (p.work === oldWork && gain > 1e-6 * Math.max(1, oldCost)))) {
        commit(st, j, p);
        moved++;
        if (p.work === oldWork) saved += gain;
      } else {
        for (const c of old) st.add(j, c.site, c.t, c.units);
      }
    }
    rep.moves += moved;
    rep.savedFen += saved;
    if (moved === 0) break;
  }
  return rep;
}
