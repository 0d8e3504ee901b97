import { evaluate } from './evaluate.ts';
import { buildIndex } from './planIndex.ts';
import { bestRigid, PlanState } from './planState.ts';
import type { Policy, PlanOptions, PlanResult } from './policy.ts';
import type { Scenario } from './scenario.ts';
import { solveClock } from './timing.ts';

/**
 * A plain batch system: jobs in order of release, each at its home site only, starting as early as
 * capacity allows and running at full size; blind to price and carbon. Work that cannot finish by the
 * deadline is cut off there (a wall-time limit) and counts as unserved.
 */
export const fifo: Policy = {
  name: 'fifo',
  async plan(scenario: Scenario, opts?: PlanOptions): Promise<PlanResult> {
    const clock = solveClock(opts);
    const t0 = clock.now();
    const ix = buildIndex(scenario);
    const st = new PlanState(ix);
    // Among jobs released together, the heavier weight (priority, fair share) first.
    const order = ix.jobs.map((j) => j.index).sort((a, b) => {
      const ja = ix.jobs[a]!.job, jb = ix.jobs[b]!.job;
      return ja.release - jb.release || (jb.weight ?? 1) - (ja.weight ?? 1) || a - b;
    });
    order.forEach((j, n) => {
      const info = ix.jobs[j]!;
      const home = info.options.filter((o) => o.site === info.homeSite);
      if (home.length === 0) return;
      if (info.job.flex === 'rigid') {
        const p = bestRigid(st, info, home, true);
        if (p) for (const c of p.cells) st.add(j, c.site, c.t, c.units);
      } else {
        for (let t = info.job.release; t < info.job.deadline && st.remaining(j) > 0; t++) {
          const free = st.capRemain[st.cell(info.homeSite, info.type, t)]!;
          st.add(j, info.homeSite, t, Math.min(info.job.units, free, st.remaining(j)));
        }
      }
      if (opts?.onProgress && n % 5000 === 0) opts.onProgress({ policy: 'fifo', phase: 'queue', fraction: n / order.length });
    });
    const allocations = st.allocations();
    const metrics = evaluate(scenario, allocations, ix);
    return { policy: 'fifo', ...metrics, allocations, solveMs: clock.now() - t0, notes: [] };
  },
};
