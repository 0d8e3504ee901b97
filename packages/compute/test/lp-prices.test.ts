// The stages built on the aggregated LP's duals: placement at its prices, the Lagrangian ascent, and
// merging classes by deadline bucket. Real HiGHS throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildIndex, checkPlan, HighsWorker, optimal, parseScenario } from '../src/index.ts';
import { buildChainModel, classify, mergeByBucket } from '../src/chainModel.ts';
import { lagrangianAscent, lagrangianBound } from '../src/lagrange.ts';
import { placeAtDuals, rigidFirstLeastSlack } from '../src/pricedPlacement.ts';
import { placeAtPrices } from '../src/optimal.ts';
import { tinyScenarioArb } from './scenarios.ts';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));

test('placement at the LP prices and at the ascent\'s multipliers keeps every rule; the ascent\'s bound is at least its start and at most the exact optimum', async () => {
  const worker = new HighsWorker();
  try {
    await fc.assert(fc.asyncProperty(tinyScenarioArb({ maxJobs: 6, slots: 6, storage: true }), async (raw) => {
      const s = parseScenario(raw);
      const ix = buildIndex(s);
      const cm = buildChainModel(ix, classify(ix));
      const lp = await worker.solve({ model: cm.model, timeLimitSec: 30, duals: true });
      assert.ok(lp.optimal, lp.statusName);
      const st = placeAtDuals(ix, cm.eb, lp.rowDual);
      assert.deepEqual(checkPlan(s, st.allocations()), []);
      assert.equal(st.capPrice, null, 'the prices are gone once placed: local search sees true costs');
      const exact = await optimal.plan(s);
      const start = lagrangianBound(ix, cm.model, cm.eb, lp.rowDual);
      const bests: number[] = [];
      const r = await lagrangianAscent(ix, cm.model, cm.eb, lp.rowDual, { target: exact.objective, stop: () => false, maxIterations: 25, onBest: (_y, b) => { bests.push(b); } });
      assert.ok(rel(r.start, start) < 1e-9, 'the ascent starts at the bound of its multipliers');
      for (let i = 1; i < bests.length; i++) assert.ok(bests[i]! > bests[i - 1]!, 'each best the ascent reports beats the last');
      if (bests.length) assert.equal(bests.at(-1), r.bound, 'the last best heard is the bound returned');
      // optimal's re-placement at the ascent's multipliers, its local search first holding half the capacity prices
      for (const heldShare of [0, 0.5]) {
        const again = placeAtPrices(ix, cm.eb, r.y, () => false, { heldShare }).st;
        assert.deepEqual(checkPlan(s, again.allocations()), []);
        assert.equal(again.capPrice, null, 'the re-placement leaves priced at true costs');
      }
      assert.ok(r.bound >= start - 1e-9 * Math.max(1, Math.abs(start)));
      assert.ok(r.bound <= exact.objective + 1e-6 * Math.max(1, exact.objective), `ascent bound ${r.bound} above the exact optimum ${exact.objective}`);
    }), { numRuns: 8, seed: 21 });
  } finally {
    await worker.close();
  }
});

test('classes merged by deadline bucket give the same bucketed LP with fewer columns', async () => {
  const worker = new HighsWorker();
  try {
    let fewer = 0;
    await fc.assert(fc.asyncProperty(tinyScenarioArb({ maxJobs: 8, slots: 8 }), async (raw) => {
      const s = parseScenario(raw);
      const ix = buildIndex(s);
      const fine = classify(ix);
      const whole = buildChainModel(ix, fine, 4);
      const merged = buildChainModel(ix, mergeByBucket(ix, fine, 4), 4);
      assert.ok(merged.model.numCols <= whole.model.numCols);
      if (merged.model.numCols < whole.model.numCols) fewer++;
      const a = await worker.solve({ model: whole.model, timeLimitSec: 30 });
      const b = await worker.solve({ model: merged.model, timeLimitSec: 30 });
      assert.ok(a.optimal && b.optimal);
      assert.ok(rel(a.objective, b.objective) < 1e-6, `merged ${b.objective} vs unmerged ${a.objective}`);
    }), { numRuns: 12, seed: 5 });
    assert.ok(fewer > 0, 'some scenario had classes to merge');
  } finally {
    await worker.close();
  }
});

test('least slack first: a job that can only run in one slot is placed before one that can wait', () => {
  const s = parseScenario({
    version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: 4, carbonPriceFenPerKg: 0, greenShareTarget: null,
    regions: ['xinjiang'], links: [],
    sites: [{ id: 's0', region: 'xinjiang', pools: [{ type: 'gpu', units: 1, busyW: 500, idleW: 0 }], grid: { fenPerKWh: [10, 50, 50, 50], carbonGPerKWh: [500, 500, 500, 500] }, pue: 1 }],
    jobs: [
      { id: 'wait', type: 'gpu', units: 1, hours: 1, release: 0, deadline: 4, flex: 'rigid', home: 's0', dataGB: 0, regions: ['xinjiang'] },
      { id: 'now', type: 'gpu', units: 1, hours: 1, release: 0, deadline: 1, flex: 'rigid', home: 's0', dataGB: 0, regions: ['xinjiang'] },
    ],
  });
  const ix = buildIndex(s);
  assert.deepEqual(rigidFirstLeastSlack(ix).map((j) => ix.jobs[j]!.job.id), ['now', 'wait']);
});
