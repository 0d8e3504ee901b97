import assert from 'node:assert/strict';
import { test } from 'node:test';
import { provenMip, runTable, type PlannerRun } from './side-by-side.ts';

const stopped = { objective: 236_100, incumbent: null, gap: 0.98, status: 'Time limit reached' };

test('a MIP stopped before its root LP proves no bound: no number, no gap', () => {
  // medium hourly at 60 s: the LP relaxation did not solve, HiGHS' dual bound was presolve's 2,361 ¥
  assert.deepEqual(provenMip(stopped, null, 60), { ...stopped, objective: null, gap: null, timeLimitSec: 60, rootSolved: false });
  // below the LP relaxation: the root was not solved either
  assert.equal(provenMip(stopped, 1_250_000, 60).objective, null);
  const run: PlannerRun = { slotMinutes: 60, timeLimitSec: 10, results: [], bounds: { lagrangian: null, lp: null, mip: provenMip(stopped, null, 60), best: null, bestFrom: null } };
  const text = runTable(run);
  assert.match(text, /MIP bound \(.*\): no bound proven/);
  assert.doesNotMatch(text, /2,361/);
});

test('a MIP stopped past its root, or solved, keeps its bound', () => {
  const past = { objective: 156_900, incumbent: 157_200, gap: 0.002, status: 'Time limit reached' };
  assert.deepEqual(provenMip(past, 155_900, 60), { ...past, timeLimitSec: 60, rootSolved: true });
  const solved = { objective: 157_000, incumbent: 157_000, gap: 0, status: 'optimal' };
  assert.equal(provenMip(solved, null, 60).objective, 157_000);
});
