// The re-placement at the subgradient ascent's multipliers: kept only when it beats the plan, and optimal
// with it still serves what it served without it (placement at the ascent's multipliers itself: lp-prices.test.ts).
// Real HiGHS throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildIndex, checkPlan, makeOptimal, type PlanResult, type Scenario } from '../src/index.ts';
import { keepBetter } from '../src/optimal.ts';
import { PlanState } from '../src/planState.ts';
import { crowded, placed, stuckPlan, twoSites } from './siteFixtures.ts';

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
