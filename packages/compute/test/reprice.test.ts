// The re-placement at the subgradient ascent's multipliers: kept only when it beats the plan, and optimal
// with it still serves what it served without it. Real HiGHS throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildIndex, checkPlan, HighsWorker, makeOptimal, parseScenario, type PlanResult, type Scenario } from '../src/index.ts';
import { buildChainModel, classify } from '../src/chainModel.ts';
import { lagrangianAscent } from '../src/lagrange.ts';
import { keepBetter, placeAtPrices } from '../src/optimal.ts';
import { PlanState } from '../src/planState.ts';
import { crowded, placed, stuckPlan, twoSites } from './siteFixtures.ts';
import { tinyScenarioArb } from './scenarios.ts';

/** twoSites' best plan: y at A in hours 0–1, x at A in hours 2–3 (stuckPlan puts y at the dear B). */
function bestPlan(): PlanState {
  const ix = buildIndex(twoSites);
  const st = new PlanState(ix);
  const [x, y, a] = [ix.jobById.get('x')!, ix.jobById.get('y')!, ix.siteById.get('A')!];
  for (const t of [0, 1]) st.add(y, a, t, 1);
  for (const t of [2, 3]) st.add(x, a, t, 1);
  return st;
}

test('a re-placement is kept only when cheaper, and never when it serves less', () => {
  const stuck = stuckPlan(), best = bestPlan();
  const up = keepBetter(stuck, best);
  assert.equal(up.kept, true, 'the cheaper plan replaces the dearer one');
  assert.ok(up.next.objective < up.now.objective);
  const down = keepBetter(best, stuck);
  assert.equal(down.kept, false, 'a dearer re-placement is dropped');
  assert.equal(keepBetter(best, bestPlan()).kept, false, 'an equal one is dropped too: the plan in hand stays');
  // Cheaper only because it leaves y unserved: dropped.
  const ix = buildIndex(twoSites);
  const partial = new PlanState(ix);
  for (const t of [0, 1]) partial.add(ix.jobById.get('x')!, ix.siteById.get('A')!, t, 1);
  const less = keepBetter(stuck, partial);
  assert.ok(less.next.unservedUnitHours > less.now.unservedUnitHours);
  assert.equal(less.kept, false, 'serving less loses whatever it costs');
  assert.deepEqual(placed(best), ['x@A:2', 'x@A:3', 'y@A:0', 'y@A:1']);
});

test('placement at the ascent\'s multipliers (local search first holding half the capacity prices) keeps every rule and leaves no prices behind', async () => {
  const worker = new HighsWorker();
  try {
    await fc.assert(fc.asyncProperty(tinyScenarioArb({ maxJobs: 6, slots: 6, storage: true }), async (raw) => {
      const s = parseScenario(raw);
      const ix = buildIndex(s);
      const cm = buildChainModel(ix, classify(ix));
      const lp = await worker.solve({ model: cm.model, timeLimitSec: 30, duals: true });
      assert.ok(lp.optimal, lp.statusName);
      const bests: number[] = [];
      const a = await lagrangianAscent(ix, cm.model, cm.eb, lp.rowDual, {
        target: 1e9, stop: () => false, maxIterations: 10, onBest: (_y, b) => { bests.push(b); },
      });
      for (let i = 1; i < bests.length; i++) assert.ok(bests[i]! > bests[i - 1]!, 'each best the ascent reports beats the last');
      if (bests.length) assert.equal(bests.at(-1), a.bound, 'the last best heard is the bound returned');
      for (const heldShare of [0, 0.5]) {
        const { st } = placeAtPrices(ix, cm.eb, a.y, () => false, { heldShare });
        assert.deepEqual(checkPlan(s, st.allocations()), []);
        assert.equal(st.capPrice, null, 'the plan leaves priced at true costs');
      }
    }), { numRuns: 8, seed: 15 });
  } finally {
    await worker.close();
  }
});

const servedUnits = (r: PlanResult) => {
  const m = new Map<string, number>();
  for (const a of r.allocations) m.set(a.job, (m.get(a.job) ?? 0) + a.units);
  return m;
};

for (const [name, s] of [['crowded', crowded], ['twoSites', twoSites]] as [string, Scenario][]) {
  test(`optimal on ${name} through the LP path: with the re-placement it serves every job it served without it, by valid plans`, async () => {
    // mipMaxColumns 0: the aggregated LP path even on a tiny scenario; repriceSteps 1: re-placed at the first better multipliers.
    const without = await makeOptimal({ mipMaxColumns: 0, reprice: 0 }).plan(s, { timeLimitSec: 3 });
    const withIt = await makeOptimal({ mipMaxColumns: 0, repriceSteps: 1 }).plan(s, { timeLimitSec: 3 });
    for (const r of [without, withIt]) assert.deepEqual(checkPlan(s, r.allocations), []);
    const before = servedUnits(without), after = servedUnits(withIt);
    for (const [job, units] of before) assert.ok((after.get(job) ?? 0) >= units, `${job}: ${after.get(job) ?? 0} units served, ${units} without the re-placement`);
    assert.ok(withIt.unservedUnitHours <= without.unservedUnitHours);
    assert.ok(!without.notes.some((n) => /re-placed at the multipliers/.test(n)), 'reprice 0 turns it off');
    // crowded's ascent finds better multipliers at once: the re-placement is tried there (twoSites' does not).
    if (name === 'crowded') assert.ok(withIt.notes.some((n) => /re-placed at the multipliers/.test(n)), withIt.notes.join('\n'));
  });
}
