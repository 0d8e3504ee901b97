import { evaluate } from './evaluate.ts';
import { bestFor, placementCost } from './improve.ts';
import { commit, type PlanState } from './planState.ts';
import { neighbourhood } from './rescue.ts';
import { regrets, type SeedRanking } from './siteReplan.ts';

/** Jobs tried as the partner of a seed: those holding the most capacity at its cheapest sites in its window. */
export const EXCHANGE_PARTNERS = 24;

export interface PairExchangeReport {
  /** jobs off their cheapest placement (the seeds, by falling regret) */
  seeds: number;
  /** pairs whose joint move the marginal cost model said saves, checked by evaluate() */
  checked: number;
  /** of them, those kept (evaluate() said the plan's objective fell) */
  kept: number;
  /** objective (fen) saved, measured by evaluate() */
  savedFen: number;
}

/**
 * Pair exchange: local search moves one job at a time, so a job held off its cheapest site by another
 * stays there unless both move. For each seed (a job by falling regret, as the site MIPs rank them) and
 * each partner holding capacity at the seed's cheapest sites in its window (rescue's neighbourhood), both
 * come out, the seed takes its cheapest feasible placement, then the partner its own given the seed's;
 * when that costs less under the marginal model (energy and transfer) the whole plan is evaluated and the
 * move kept only if evaluate() says its objective fell (storage and the green target are only counted
 * there). Every placement is a feasible one of PlanState (capacity, windows, per-slot limits), both jobs
 * are served in full, and the plan never gets worse. Plain JavaScript, about a thousand times cheaper per
 * try than a neighbourhood MIP: it reaches the seeds the site MIPs have no time for.
 */
export function exchangePairs(st: PlanState, opts: { stop: () => boolean; partners?: number; rank?: SeedRanking }): PairExchangeReport {
  const ix = st.ix;
  const rep: PairExchangeReport = { seeds: 0, checked: 0, kept: 0, savedFen: 0 };
  if (opts.stop()) return rep;
  const seeds = (opts.rank ?? regrets)(st, opts.stop);
  if (seeds === null) return rep;
  rep.seeds = seeds.length;
  let current = evaluate(ix.scenario, st.allocations(), ix).objective;
  const put = (job: number, cells: readonly { site: number; t: number; units: number }[]) => { for (const c of cells) st.add(job, c.site, c.t, c.units); };
  for (const seed of seeds) {
    const j = seed.job;
    for (const k of neighbourhood(st, j, (opts.partners ?? EXCHANGE_PARTNERS) + 1, seed.sites).slice(1)) {
      if (opts.stop()) return rep;
      if (st.remaining(j) > 0 || st.remaining(k) > 0) continue;
      const oldK = st.remove(k).slice();
      const oldJ = st.remove(j).slice();
      // The pair's cost as placed, counted in the order it is re-placed: the seed without the partner, then the partner.
      const before = placementCost(st, j, oldJ);
      put(j, oldJ);
      const beforeK = placementCost(st, k, oldK);
      st.remove(j);
      const restore = () => { st.remove(j); st.remove(k); put(j, oldJ); put(k, oldK); };
      const pj = bestFor(st, j);
      if (!pj || pj.work < ix.jobs[j]!.work || pj.cost >= before + beforeK) { put(j, oldJ); put(k, oldK); continue; }
      commit(st, j, pj);
      const pk = bestFor(st, k);
      if (!pk || pk.work < ix.jobs[k]!.work || pj.cost + pk.cost >= (before + beforeK) * (1 - 1e-9)) { restore(); continue; }
      commit(st, k, pk);
      rep.checked++;
      const next = evaluate(ix.scenario, st.allocations(), ix).objective;
      if (next < current - 1e-6 * Math.max(1, Math.abs(current))) {
        rep.kept++;
        rep.savedFen += current - next;
        current = next;
      } else restore();
    }
  }
  return rep;
}
