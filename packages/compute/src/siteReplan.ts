import { evaluate } from './evaluate.ts';
import { bestFor, placementCost } from './improve.ts';
import { replanJobs } from './lns.ts';
import { PlanState } from './planState.ts';
import { neighbourhood } from './rescue.ts';
import type { HighsWorker } from './solver.ts';

/** Jobs re-placed together with a seed: it and those holding the capacity of its cheapest sites in its window. */
export const SITE_NEIGHBOURS = 12;
/** HiGHS time per neighbourhood MIP (a neighbourhood is a few thousand columns; most solve in well under a second). */
export const SITE_SOLVE_SEC = 2;
/**
 * Time to allow per job for the step's first evaluate and one ranking pass: 2 s for 100,000 jobs,
 * over twice what they took there (large at 15-minute slots ran 0.8 s past its limit with 0 jobs ranked).
 */
export const EVALUATE_SEC_PER_JOB = 2e-5;

export interface SiteReplanReport {
  /** neighbourhood MIPs solved */
  solves: number;
  /** of them, those whose plan was kept (it lowered the plan's objective) */
  improved: number;
  /** objective (fen) saved, measured by evaluate() */
  savedFen: number;
  /** jobs whose placement costs more than their cheapest placement in an empty network (the seeds) */
  seeds: number;
}

/** A job off its cheapest placement: by how much (fen), and the sites of that cheapest placement. */
export interface SiteSeed { job: number; regret: number; sites: Set<number> }

/** Ranks the plan's jobs as seeds, by falling regret; null when `outOfTime` said stop first. */
export type SeedRanking = (st: PlanState, outOfTime: () => boolean) => SiteSeed[] | null;

/**
 * Each placed job's regret: what its placement costs given the rest of the plan, less what its cheapest
 * placement would cost were the network empty (no other job holding capacity or renewables), with the
 * sites of that cheapest placement. Jobs with the largest regret are those the rest of the plan pushed
 * furthest from their best site or time.
 */
export function regrets(st: PlanState, outOfTime: () => boolean): SiteSeed[] | null {
  const empty = new PlanState(st.ix);
  return rankSeeds(st, outOfTime, (j) => {
    const ideal = bestFor(empty, j);
    if (!ideal || ideal.work < st.ix.jobs[j]!.work) return null;
    const old = st.remove(j).slice();
    const cost = placementCost(st, j, old);
    for (const c of old) st.add(j, c.site, c.t, c.units);
    return { cost, best: ideal.cost, sites: new Set(ideal.cells.map((c) => c.site)) };
  });
}

/**
 * The plan's fully placed jobs whose placement costs more than their cheapest (`price`: what it costs,
 * the cheapest cost, that one's sites; null to pass the job by), by falling regret; null when
 * `outOfTime` said stop first.
 */
export function rankSeeds(
  st: PlanState, outOfTime: () => boolean, price: (job: number) => { cost: number; best: number; sites: Set<number> } | null,
): SiteSeed[] | null {
  const out: SiteSeed[] = [];
  for (const info of st.ix.jobs) {
    const j = info.index;
    // 100,000 jobs take seconds to rank: the planner's time limit is checked as it goes.
    if (j % 512 === 0 && outOfTime()) return null;
    if (st.placementOf(j).length === 0 || st.remaining(j) > 0) continue;
    const p = price(j);
    if (!p || p.sites.size === 0) continue;
    const regret = p.cost - p.best;
    if (regret > 1e-6 * Math.max(1, Math.abs(p.cost))) out.push({ job: j, regret, sites: p.sites });
  }
  return out.sort((a, b) => b.regret - a.regret || a.job - b.job);
}

/**
 * Site re-planning: the window MIPs (lnsImprove) re-time jobs inside a day, so a job pushed to a dearer
 * site by others holding its cheapest one stays there when freeing that site takes moving those others
 * beyond the day. Here each seed — a job by falling regret (regrets) — is re-placed with the jobs holding
 * capacity at its cheapest sites inside its window (rescue's neighbourhood), all over their whole
 * release–deadline windows, by HiGHS' exact MIP with the rest of the plan fixed (capacity as the rest
 * leaves it; energy, renewables and storage as in the full model). A neighbourhood's new placement is kept
 * only when evaluate() says the whole plan's objective fell, so the plan never gets worse and keeps every
 * constraint the job-level model has. Passes repeat while one saves something and time is left.
 */
export async function replanSites(
  st: PlanState, worker: HighsWorker,
  opts: { secondsLeft: () => number; neighbours?: number; solveSec?: number; maxPasses?: number; rank?: SeedRanking },
): Promise<SiteReplanReport> {
  const ix = st.ix;
  const rep: SiteReplanReport = { solves: 0, improved: 0, savedFen: 0, seeds: 0 };
  // Evaluating and ranking every job is not free on a large plan (the first evaluate alone took large at
  // 15-minute slots, 100,000 jobs, past its limit): not begun without time for both and a solve after
  // them, and the ranking given up when that time is gone.
  if (opts.secondsLeft() < 1 + ix.jobs.length * EVALUATE_SEC_PER_JOB) return rep;
  let current = evaluate(ix.scenario, st.allocations(), ix).objective;
  for (let pass = 0; pass < (opts.maxPasses ?? 3); pass++) {
    if (opts.secondsLeft() < 1) return rep;
    const seeds = (opts.rank ?? regrets)(st, () => opts.secondsLeft() < 0.5);
    if (seeds === null) return rep;
    if (pass === 0) rep.seeds = seeds.length;
    const start = current;
    // A job re-placed in a kept neighbourhood this pass is not a seed again until the next pass: its regret has changed.
    const moved = new Set<number>();
    // Seeds of one cluster often name the same neighbourhood: one that did not improve is not solved again this pass.
    const tried = new Set<string>();
    for (const seed of seeds) {
      if (moved.has(seed.job)) continue;
      const budget = Math.min(opts.solveSec ?? SITE_SOLVE_SEC, opts.secondsLeft());
      if (budget < 0.5) return rep;
      const jobs = neighbourhood(st, seed.job, opts.neighbours ?? SITE_NEIGHBOURS, seed.sites);
      const key = [...jobs].sort((a, b) => a - b).join(',');
      if (tried.has(key)) continue;
      tried.add(key);
      rep.solves++;
      const next = await replanJobs(st, worker, jobs, 0, ix.T, budget, current);
      if (next === null) continue;
      rep.improved++;
      rep.savedFen += current - next;
      current = next;
      for (const k of jobs) moved.add(k);
    }
    if (current >= start) break;
  }
  return rep;
}
