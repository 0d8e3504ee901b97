// Seeds for the site MIPs and pair exchange ranked at the aggregated LP's duals. Real HiGHS.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPlan, evaluate } from '../src/index.ts';
import { buildChainModel, classify } from '../src/chainModel.ts';
import { dualSeeds } from '../src/dualSeeds.ts';
import { exchangePairs } from '../src/pairExchange.ts';
import type { PlanState } from '../src/planState.ts';
import { replanSites } from '../src/siteReplan.ts';
import { HighsWorker } from '../src/solver.ts';
import { placed, stuckPlan, twoSites } from './siteFixtures.ts';

async function rankedAtDuals(worker: HighsWorker, st: PlanState) {
  const cm = buildChainModel(st.ix, classify(st.ix));
  const lp = await worker.solve({ model: cm.model, timeLimitSec: 30, duals: true });
  assert.ok(lp.optimal, lp.statusName);
  return (s: PlanState, stop: () => boolean) => dualSeeds(s, { model: cm.model, eb: cm.eb, y: lp.rowDual }, stop);
}

test('at the LP duals y, held at the dear site B, is a seed whose cheapest placement is at A; seeds come by falling regret', async () => {
  const st = stuckPlan();
  const worker = new HighsWorker();
  try {
    const seeds = (await rankedAtDuals(worker, st))(st, () => false)!;
    const y = st.ix.jobById.get('y')!, a = st.ix.siteById.get('A')!;
    const sy = seeds.find((s) => s.job === y);
    assert.ok(sy && sy.regret > 0 && sy.sites.has(a), JSON.stringify(seeds.map((s) => ({ ...s, sites: [...s.sites] }))));
    for (let i = 1; i < seeds.length; i++) assert.ok(seeds[i - 1]!.regret >= seeds[i]!.regret);
    assert.equal((await rankedAtDuals(worker, st))(st, () => true), null, 'time up: no ranking');
  } finally {
    await worker.close();
  }
});

test('site MIPs and pair exchange seeded at the LP duals both leave the two-site local optimum', async () => {
  const worker = new HighsWorker();
  try {
    for (const step of ['site MIPs', 'pair exchange']) {
      const st = stuckPlan();
      const rank = await rankedAtDuals(worker, st);
      const before = evaluate(twoSites, st.allocations()).objective;
      if (step === 'site MIPs') assert.equal((await replanSites(st, worker, { secondsLeft: () => 30, rank })).improved, 1);
      else assert.equal(exchangePairs(st, { stop: () => false, rank }).kept, 1);
      assert.deepEqual(placed(st), ['x@A:2', 'x@A:3', 'y@A:0', 'y@A:1'], step);
      assert.ok(evaluate(twoSites, st.allocations()).objective < before);
      assert.deepEqual(checkPlan(twoSites, st.allocations()), []);
    }
  } finally {
    await worker.close();
  }
});
