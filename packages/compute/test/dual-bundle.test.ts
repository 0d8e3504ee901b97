// The proximal bundle method on the Lagrangian dual (dualBundle.ts) against the job-level LP's optimum and
// the exact optimum, both from HiGHS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HighsWorker } from '../src/index.ts';
import { energyRowScale, lagrangianBundle } from '../src/dualBundle.ts';
import { buildJobModel } from '../src/jobModel.ts';
import { lagrangianAscent, lagrangianBound } from '../src/lagrange.ts';
import type { LpModel } from '../src/lp.ts';
import { tinyScenarioArb, withDualsAndOptimum } from './scenarios.ts';

const relax = (m: LpModel): LpModel => { const { integrality: _drop, ...rest } = m; return rest; };
const tol = (x: number) => 1e-6 * Math.max(1, Math.abs(x));

test('the bundle\'s bound is L at its multipliers, never above the exact optimum, and from the LP\'s duals reaches the job-level LP\'s value', async () => {
  const worker = new HighsWorker();
  try {
    let fromZeroCloser = 0, runs = 0;
    await fc.assert(fc.asyncProperty(tinyScenarioArb({ maxJobs: 6, slots: 6, storage: true }), async (raw) => {
      const { ix, cm, lp, exact } = await withDualsAndOptimum(worker, raw);
      const jobLp = await worker.solve({ model: relax(buildJobModel(ix).model), timeLimitSec: 30 });
      assert.ok(jobLp.optimal, jobLp.statusName);
      const bests: number[] = [];
      const r = await lagrangianBundle(ix, cm.model, cm.eb, lp.rowDual, {
        target: exact.objective, stop: () => false, maxIterations: 200, rowScale: energyRowScale(cm.eb), onBest: (_y, b) => { bests.push(b); },
      });
      assert.ok(Math.abs(lagrangianBound(ix, cm.model, cm.eb, r.y) - r.bound) <= tol(r.bound), 'the reported bound is L at the reported multipliers');
      for (let i = 1; i < bests.length; i++) assert.ok(bests[i]! > bests[i - 1]!, 'each best heard beats the last');
      assert.ok(r.bound >= r.start - tol(r.start), 'never below its start');
      assert.ok(r.bound <= exact.objective + tol(exact.objective), `bundle bound ${r.bound} above the exact optimum ${exact.objective}`);
      // The Lagrangian dual is at least the job-level LP (each job's own placements are integral); 200 steps get within 0.5 % of it.
      assert.ok(r.bound >= jobLp.objective - 0.005 * Math.abs(jobLp.objective) - 1, `bundle bound ${r.bound} more than 0.5 % below the job-level LP ${jobLp.objective} (start ${r.start})`);
      // From zero multipliers the same budget of passes: the bundle ends at least as close to the LP's value as subgradient ascent, on most scenarios.
      const zero = new Float64Array(cm.eb.numRows);
      const b0 = await lagrangianBundle(ix, cm.model, cm.eb, zero, { target: exact.objective, stop: () => false, maxIterations: 60, rowScale: energyRowScale(cm.eb) });
      const a0 = await lagrangianAscent(ix, cm.model, cm.eb, zero, { target: exact.objective, stop: () => false, maxIterations: 60 });
      assert.ok(b0.bound <= exact.objective + tol(exact.objective));
      runs++;
      if (b0.bound >= a0.bound - tol(a0.bound)) fromZeroCloser++;
    }), { numRuns: 10, seed: 15 });
    assert.ok(fromZeroCloser >= runs / 2, `the bundle beat the ascent from zero on only ${fromZeroCloser} of ${runs} scenarios`);
  } finally {
    await worker.close();
  }
});
