import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { exactBounds, optimal, parseScenario, resampleScenario } from '../src/index.ts';
import { tinyScenarioArb } from './scenarios.ts';

test('exact bounds at 15-minute slots: the job-level LP and the MIP\'s proven bound are computed, LP ≤ MIP bound ≤ the optimal plan', async () => {
  await fc.assert(fc.asyncProperty(tinyScenarioArb({ maxJobs: 5, slots: 6, storage: true, maxUnits: 3 }), async (raw) => {
    // Fractional hours: rigid jobs end part-way through a 15-minute slot.
    const s = parseScenario(resampleScenario({ ...raw, jobs: raw.jobs.map((j) => ({ ...j, hours: j.hours - 0.4 })) }, 15));
    const b = await exactBounds(s, { timeLimitSec: 20 });
    assert.ok(b, 'the model is small enough to solve');
    assert.ok(b.lp !== null && b.mip.objective !== null, `LP ${b.lp}, MIP bound ${b.mip.objective} (status ${b.mip.status})`);
    const plan = await optimal.plan(s, { timeLimitSec: 5 });
    const tol = 1e-6 * Math.max(1, plan.objective);
    assert.ok(b.lp <= b.mip.objective + tol, `LP ${b.lp} above the MIP bound ${b.mip.objective}`);
    assert.ok(b.mip.objective <= plan.objective + tol, `MIP bound ${b.mip.objective} above the plan ${plan.objective}`);
  }), { numRuns: 8, seed: 15 });
});
