// Rigid-block chains in the aggregated LP (chainModel.ts splitRigidByLength, addRigidBlocks, rate caps):
// on whole-slot jobs the LP stays a relaxation (its value at most the exact job-level MIP's optimum) and
// is at least the pooled LP's; its size is counted without building it; and on a hand-made scenario it
// keeps a rigid job out of the cheap slots a pooled chain lets it hop between. Real HiGHS throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildIndex, checkPlan, evaluate, HighsWorker, parseScenario, type ScenarioInput } from '../src/index.ts';
import { PlanState } from '../src/planState.ts';
import { roundChainSolution } from '../src/round.ts';
import { buildChainModel, chainModelSize, classify, mergeByBucket, rigidBlockHours, splitRigidByLength } from '../src/chainModel.ts';
import { pricingGrid } from '../src/coarseLp.ts';
import { energyBlockModel } from '../src/energyBlock.ts';
import { GREEN_SHORTFALL_PENALTY_FEN_PER_KWH } from '../src/evaluate.ts';
import { buildJobModel } from '../src/jobModel.ts';
import type { PlanIndex } from '../src/planIndex.ts';
import { tinyScenarioArb } from './scenarios.ts';

const tol = (x: number) => 1e-6 * Math.max(1, Math.abs(x));

async function lpValues(worker: HighsWorker, ix: PlanIndex, width: number): Promise<{ pooled: number; blocks: number; exact: number }> {
  const fine = classify(ix);
  const pooled = await worker.solve({ model: buildChainModel(ix, mergeByBucket(ix, fine, width), width).model, timeLimitSec: 30 });
  const split = splitRigidByLength(ix, fine);
  const blocks = await worker.solve({ model: buildChainModel(ix, mergeByBucket(ix, split, width), width, { rateCaps: true }).model, timeLimitSec: 30 });
  const exact = await worker.solve({ model: buildJobModel(ix).model, timeLimitSec: 30, mipRelGap: 1e-9 });
  assert.ok(pooled.optimal && blocks.optimal && exact.optimal, `${pooled.statusName} ${blocks.statusName} ${exact.statusName}`);
  return { pooled: pooled.objective, blocks: blocks.objective, exact: exact.objective };
}

test('rigid jobs in a block chain run through the dear hour between two cheap ones, as the exact MIP must; a pooled chain hops over it; rounding places both', async () => {
  // One site of two units, tariff cheap / dear / cheap / dear; two like 2-hour rigid jobs (one class) over the first three hours.
  const job = (id: string) => ({ id, type: 'gpu', units: 1, hours: 2, release: 0, deadline: 3, flex: 'rigid' as const, home: 's0', dataGB: 0, regions: ['xinjiang'] });
  const raw: ScenarioInput = {
    version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: 4, carbonPriceFenPerKg: 0, greenShareTarget: null,
    regions: ['xinjiang'], links: [],
    sites: [{ id: 's0', region: 'xinjiang', kind: 'intelligent', pue: 1, pools: [{ type: 'gpu', units: 2, busyW: 1000, idleW: 0 }], grid: { fenPerKWh: [10, 100, 10, 100], carbonGPerKWh: [0, 0, 0, 0] } }],
    jobs: [job('j0'), job('j1')],
  };
  const worker = new HighsWorker();
  try {
    const ix = buildIndex(parseScenario(raw));
    const v = await lpValues(worker, ix, 1);
    // 1 kWh an hour each: pooled 2 × (10 + 10) fen, a block 2 × (10 + 100) fen (either start)
    assert.ok(Math.abs(v.pooled - 40) < 1e-6, `pooled ${v.pooled}`);
    assert.ok(Math.abs(v.blocks - 220) < 1e-6, `blocks ${v.blocks}`);
    assert.ok(Math.abs(v.exact - 220) < 1e-6, `exact ${v.exact}`);
    // the class enters in unit-starts; rounding hands both jobs to the site from them, none left to repair
    const classes = splitRigidByLength(ix, classify(ix));
    assert.equal(classes.length, 1);
    const cm = buildChainModel(ix, classes, 1, { rateCaps: true });
    const lp = await worker.solve({ model: cm.model, timeLimitSec: 30 });
    const st = new PlanState(ix);
    assert.equal(roundChainSolution(cm, lp.colValue, st).repairedJobs, 0);
    assert.deepEqual(checkPlan(ix.scenario, st.allocations()), []);
    assert.ok(Math.abs(evaluate(ix.scenario, st.allocations(), ix).objective - 220) < 1e-6);
  } finally {
    await worker.close();
  }
});

test('with rigid blocks the aggregated LP lies between the pooled LP and the exact optimum (whole-slot jobs), and its size is counted right', async () => {
  const worker = new HighsWorker();
  let tighter = 0;
  try {
    await fc.assert(fc.asyncProperty(tinyScenarioArb({ maxJobs: 6, slots: 6, storage: true }), fc.constantFrom(1, 2, 4), async (raw, width) => {
      const ix = buildIndex(parseScenario(raw));
      const split = splitRigidByLength(ix, classify(ix));
      const { model } = energyBlockModel(ix, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH);
      const built = buildChainModel(ix, mergeByBucket(ix, split, width), width, { rateCaps: true }).model;
      assert.deepEqual(chainModelSize(ix, split, width, { rows: model.numRows, cols: model.numCols }), { rows: built.numRows, cols: built.numCols });
      const v = await lpValues(worker, ix, width);
      assert.ok(v.blocks >= v.pooled - tol(v.pooled), `blocks ${v.blocks} below pooled ${v.pooled}`);
      if (width === 1) assert.ok(v.blocks <= v.exact + tol(v.exact), `blocks ${v.blocks} above the exact optimum ${v.exact}`);
      if (v.blocks > v.pooled + tol(v.pooled)) tighter++;
    }), { numRuns: 25, seed: 5 });
    assert.ok(tighter > 0, 'the blocks tightened the LP somewhere');
  } finally {
    await worker.close();
  }
});

test('block lengths: the rigid lengths carrying the most work; a job takes the longest block not longer than itself, shorter ones stay pooled', () => {
  const job = (id: string, hours: number, units: number, flex: 'rigid' | 'malleable') => ({ id, type: 'gpu', units, hours, release: 0, deadline: 8, flex, home: 's0', dataGB: 0, regions: ['xinjiang'] });
  const ix = buildIndex(parseScenario({
    version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: 8, carbonPriceFenPerKg: 0, greenShareTarget: null, regions: ['xinjiang'], links: [],
    sites: [{ id: 's0', region: 'xinjiang', kind: 'intelligent', pue: 1, pools: [{ type: 'gpu', units: 8, busyW: 1000, idleW: 0 }], grid: { fenPerKWh: Array(8).fill(10), carbonGPerKWh: Array(8).fill(0) } }],
    jobs: [job('a', 4, 2, 'rigid'), job('b', 6, 1, 'rigid'), job('c', 2, 1, 'rigid'), job('d', 1, 8, 'rigid'), job('e', 6, 4, 'malleable')],
  }));
  assert.deepEqual(rigidBlockHours(ix, 1), [4]);
  assert.deepEqual(rigidBlockHours(ix, 2), [4, 6]);
  const parts = splitRigidByLength(ix, classify(ix), [4]);
  const lengthOf = (id: string) => parts.find((c) => c.jobs.includes(ix.jobById.get(id)!))!.length;
  assert.equal(lengthOf('a'), 4);
  assert.equal(lengthOf('b'), 4);
  assert.equal(lengthOf('c'), undefined);
  assert.equal(lengthOf('d'), undefined);
  assert.equal(lengthOf('e'), undefined);
  // the grid with blocks is the pooled grid's, blocks added
  const pooled = pricingGrid(ix, 1_000), blocks = pricingGrid(ix, 1_000, { rigidBlocks: true, blockHours: [4] });
  assert.deepEqual([blocks.factor, blocks.width], [pooled.factor, pooled.width]);
  const wide = pricingGrid(ix, 1_000, { rigidBlocks: true, blockHours: [4], minWidth: 4 });
  assert.deepEqual([wide.factor, wide.width], [pooled.factor, Math.max(4, pooled.width)]);
  assert.ok(blocks.classes.some((c) => c.length === 4));
});
