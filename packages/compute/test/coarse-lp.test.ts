// The aggregated LP on merged slots (coarseLp.ts): its size is counted right and kept to the budget, job
// windows only widen, and the Lagrangian bound at its duals mapped to the planner's own slots stays at or
// below the exact optimum. Real HiGHS throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildIndex, checkPlan, HighsWorker, optimal, parseScenario, resampleScenario } from '../src/index.ts';
import { buildChainModel, chainModelSize, classify, mergeByBucket } from '../src/chainModel.ts';
import { coarsenScenario, pricesOnPlannerSlots, pricingGrid, seriesConstantOver } from '../src/coarseLp.ts';
import { energyBlockModel } from '../src/energyBlock.ts';
import { GREEN_SHORTFALL_PENALTY_FEN_PER_KWH } from '../src/evaluate.ts';
import { lagrangianBound } from '../src/lagrange.ts';
import { placeAtDuals } from '../src/pricedPlacement.ts';
import { tinyScenarioArb } from './scenarios.ts';

test('merged slots only widen job windows and keep each site-slot series\' mean', () => {
  fc.assert(fc.property(tinyScenarioArb({ maxJobs: 6, slots: 7, storage: true }), fc.integer({ min: 2, max: 4 }), (raw, factor) => {
    const s = parseScenario(raw);
    const c = coarsenScenario(s, factor);
    assert.equal(c.slots, Math.ceil(s.slots / factor));
    assert.equal(c.slotMinutes, s.slotMinutes * factor);
    s.jobs.forEach((j, i) => {
      const cj = c.jobs[i]!;
      assert.ok(cj.release * factor <= j.release, 'a coarse release is no later');
      assert.ok(Math.min(s.slots, cj.deadline * factor) >= j.deadline, 'a coarse deadline is no earlier');
      assert.equal(cj.hours, j.hours);
    });
    s.sites.forEach((site, i) => {
      const sum = (v: readonly number[]) => v.reduce((a, b) => a + b, 0);
      // the last coarse slot may hold fewer slots: compare the full blocks
      const full = Math.floor(s.slots / factor);
      assert.ok(Math.abs(sum(site.grid.fenPerKWh.slice(0, full * factor)) - factor * sum(c.sites[i]!.grid.fenPerKWh.slice(0, full))) < 1e-6);
    });
  }), { numRuns: 40, seed: 3 });
});

test('the aggregated LP\'s size is counted without building it, and the chosen grid keeps to the budget', () => {
  const factors = new Set<number>();
  fc.assert(fc.property(tinyScenarioArb({ maxJobs: 10, slots: 8, storage: true }), fc.integer({ min: 200, max: 2000 }), (raw, budget) => {
    const s = parseScenario(resampleScenario(raw, 15));
    const ix = buildIndex(s);
    const fine = classify(ix);
    const { model } = energyBlockModel(ix, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH);
    for (const width of [1, 2, 8, 64]) {
      const cm = buildChainModel(ix, mergeByBucket(ix, fine, width), width);
      assert.deepEqual(chainModelSize(ix, fine, width, { rows: model.numRows, cols: model.numCols }), { rows: cm.model.numRows, cols: cm.model.numCols });
    }
    const grid = pricingGrid(ix, budget);
    factors.add(grid.factor);
    const built = buildChainModel(grid.ix, grid.classes, grid.width).model;
    assert.deepEqual(grid.size, { rows: built.numRows, cols: built.numCols });
    // Either it fits, or it is the coarsest grid tried (a whole hour doubled until the horizon) at its widest buckets.
    if (grid.size.rows + grid.size.cols > budget) assert.ok(grid.factor * 2 > s.slots && grid.width >= grid.ix.T, `grid ${grid.factor}×${grid.width} over budget though coarser ones remain`);
    // Slots are merged only when the planner's own slots do not fit with deadline buckets as fine (in its
    // slots) as the merged grid's, or at all when merging loses prices.
    if (grid.factor > 1) {
      const res = seriesConstantOver(s, grid.factor) ? grid.factor * grid.width : ix.T;
      const own = chainModelSize(ix, fine, 2 ** Math.floor(Math.log2(res)), { rows: model.numRows, cols: model.numCols });
      assert.ok(own.rows + own.cols > budget, `slots merged ×${grid.factor} though the planner's own slots fit`);
    }
  }), { numRuns: 30, seed: 11 });
  assert.ok(factors.has(1) && [...factors].some((f) => f > 1), `both the planner's own slots and merged ones were chosen (${[...factors].join(', ')})`);
});

test('the Lagrangian bound at a coarse LP\'s duals on 15-minute slots stays at or below the exact optimum; placement at those prices keeps every rule', async () => {
  const worker = new HighsWorker();
  try {
    let finite = 0;
    await fc.assert(fc.asyncProperty(tinyScenarioArb({ maxJobs: 5, slots: 6, storage: true }), fc.constantFrom(2, 4), async (raw, factor) => {
      const s = parseScenario(resampleScenario(raw, 15));
      const ix = buildIndex(s);
      const cix = buildIndex(coarsenScenario(s, factor));
      const classes = classify(cix);
      const cm = buildChainModel(cix, classes);
      const lp = await worker.solve({ model: cm.model, timeLimitSec: 30, duals: true });
      assert.ok(lp.optimal, lp.statusName);
      const grid = { factor, ix: cix, classes, width: 1, size: { rows: cm.model.numRows, cols: cm.model.numCols } };
      const prices = pricesOnPlannerSlots(ix, grid, cm.eb, lp.rowDual);
      const lag = lagrangianBound(ix, prices.model, prices.eb, prices.y);
      const exact = await optimal.plan(s);
      assert.match(exact.method ?? '', /exact MIP \(optimal\)/, 'the tiny scenario is solved exactly');
      if (Number.isFinite(lag)) finite++;
      assert.ok(lag <= exact.objective + 1e-6 * Math.max(1, exact.objective), `bound ${lag} above the exact optimum ${exact.objective}`);
      const st = placeAtDuals(ix, prices.eb, prices.y);
      assert.deepEqual(checkPlan(s, st.allocations()), []);
    }), { numRuns: 5, seed: 7 });
    assert.ok(finite > 0, 'some bound was finite');
  } finally {
    await worker.close();
  }
});

test('an hourly LP\'s duals mapped to 15-minute slots price the 15-minute problem as the hourly one: the same Lagrangian value', async () => {
  const worker = new HighsWorker();
  try {
    await fc.assert(fc.asyncProperty(tinyScenarioArb({ maxJobs: 6, slots: 6, storage: true }), async (raw) => {
      // no data to move: windows open at the same hour on both grids
      const hourly = parseScenario({ ...raw, jobs: raw.jobs.map((j) => ({ ...j, dataGB: 0 })) });
      const s = parseScenario(resampleScenario(hourly, 15));
      const ix = buildIndex(s);
      const hix = buildIndex(coarsenScenario(s, 4));
      const cm = buildChainModel(hix, classify(hix));
      const lp = await worker.solve({ model: cm.model, timeLimitSec: 30, duals: true });
      assert.ok(lp.optimal, lp.statusName);
      const grid = { factor: 4, ix: hix, classes: cm.classes, width: 1, size: { rows: cm.model.numRows, cols: cm.model.numCols } };
      const prices = pricesOnPlannerSlots(ix, grid, cm.eb, lp.rowDual);
      const onHours = lagrangianBound(hix, cm.model, cm.eb, lp.rowDual);
      const onQuarters = lagrangianBound(ix, prices.model, prices.eb, prices.y);
      assert.ok(Math.abs(onHours - onQuarters) <= 1e-6 * Math.max(1, Math.abs(onHours)), `hourly ${onHours} vs 15-minute ${onQuarters}`);
    }), { numRuns: 12, seed: 9 });
  } finally {
    await worker.close();
  }
});
