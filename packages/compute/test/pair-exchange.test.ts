import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildIndex, checkPlan, evaluate, parseScenario } from '../src/index.ts';
import { edfOrder } from '../src/greedy.ts';
import { exchangePairs } from '../src/pairExchange.ts';
import { PlanState, placeCheapest } from '../src/planState.ts';
import { tinyScenarioArb } from './scenarios.ts';
import { crowded, placed, stuckPlan, twoSites } from './siteFixtures.ts';

test('pair exchange moves x and y together: y gets the cheap site, x moves later there; every constraint holds', () => {
  const st = stuckPlan();
  const before = evaluate(twoSites, st.allocations());
  const rep = exchangePairs(st, { stop: () => false });
  assert.equal(rep.kept, 1);
  const after = evaluate(twoSites, st.allocations());
  assert.ok(Math.abs(rep.savedFen - (before.objective - after.objective)) < 1e-6, `${rep.savedFen} vs ${before.objective - after.objective}`);
  assert.deepEqual(placed(st), ['x@A:2', 'x@A:3', 'y@A:0', 'y@A:1']);
  assert.deepEqual(checkPlan(twoSites, st.allocations()), []);
});

test('pair exchange with time up does nothing', () => {
  const st = stuckPlan();
  const rep = exchangePairs(st, { stop: () => true });
  assert.equal(rep.checked, 0);
  assert.deepEqual(placed(st), ['x@A:0', 'x@A:1', 'y@B:0', 'y@B:1']);
});

test('pair exchange never makes a plan worse, serves as much and keeps capacity, windows and residency', () => {
  const check = (scenario: ReturnType<typeof parseScenario>) => {
    const ix = buildIndex(scenario);
    const st = new PlanState(ix);
    for (const j of edfOrder(scenario)) placeCheapest(st, j);
    const before = evaluate(scenario, st.allocations(), ix);
    const rep = exchangePairs(st, { stop: () => false });
    const after = evaluate(scenario, st.allocations(), ix);
    assert.ok(after.objective <= before.objective + 1e-6, `${after.objective} > ${before.objective}`);
    assert.ok(after.unservedUnitHours <= before.unservedUnitHours + 1e-9);
    assert.ok(Math.abs(rep.savedFen - (before.objective - after.objective)) < 1e-6 * Math.max(1, before.objective));
    assert.deepEqual(checkPlan(scenario, st.allocations()), []);
    return rep;
  };
  assert.ok(check(crowded).seeds > 0, 'the EDF plan leaves jobs off their cheapest sites');
  let kept = 0;
  fc.assert(fc.property(tinyScenarioArb({ maxJobs: 8, slots: 6, storage: true }), (input) => { kept += check(parseScenario(input)).kept; }), { numRuns: 150 });
  assert.ok(kept > 0, 'some random plans were changed: the property is not vacuous');
});
