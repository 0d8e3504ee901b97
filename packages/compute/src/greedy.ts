import { evaluate } from './evaluate.ts';
import { buildIndex } from './planIndex.ts';
import { PlanState, placeCheapest } from './planState.ts';
import type { Policy, PlanOptions, PlanResult } from './policy.ts';
import type { Scenario } from './scenario.ts';
import { solveClock } from './timing.ts';

/** Jobs in earliest-deadline-first order (ties: release, then the heavier weight, then file order). */
export function edfOrder(s: Scenario): number[] {
  return s.jobs.map((_, i) => i).sort((a, b) => {
    const ja = s.jobs[a]!, jb = s.jobs[b]!;
    return ja.deadline - jb.deadline || ja.release - jb.release || (jb.weight ?? 1) - (ja.weight ?? 1) || a - b;
  });
}

/**
 * Carbon Aware SDK style: each job, in EDF order, takes the cheapest feasible site and window under the
 * forecasts (energy price + carbon price × intensity + data transfer), given what earlier jobs took.
 */
export const greedy: Policy = {
  name: 'greedy',
  async plan(scenario: Scenario, opts?: PlanOptions): Promise<PlanResult> {
    const clock = solveClock(opts);
    const t0 = clock.now();
    const ix = buildIndex(scenario);
    const st = new PlanState(ix);
    const order = edfOrder(scenario);
    order.forEach((j, n) => {
      placeCheapest(st, j);
      if (opts?.onProgress && n % 2000 === 0) opts.onProgress({ policy: 'greedy', phase: 'placing', fraction: n / order.length });
    });
    const allocations = st.allocations();
    const metrics = evaluate(scenario, allocations, ix);
    return { policy: 'greedy', ...metrics, allocations, solveMs: clock.now() - t0, notes: [] };
  },
};
