// The Lagrangian bound's longer ascent and the plan's gap to it in parts. Real HiGHS for the exact optima.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildIndex, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH, HighsWorker, parseScenario, resampleScenario, type Allocation } from '../src/index.ts';
import { energyBlockModel } from '../src/energyBlock.ts';
import { lagrangianByColumns } from '../src/dualMaster.ts';
import { jobGroups } from '../src/jobGroups.ts';
import { quickPrices } from '../src/quickPrices.ts';
import { placeAtDuals } from '../src/pricedPlacement.ts';
import { checkPlan } from '../src/checkPlan.ts';
import { gapParts } from '../src/gapParts.ts';
import { lagrangianAscent, lagrangianBound } from '../src/lagrange.ts';
import { tinyScenarioArb, withDualsAndOptimum } from './scenarios.ts';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** One site, one 1-unit GPU pool drawing 1 kWh a slot, grid at 10 then 20 fen/kWh; one rigid 1-hour job free to run in either slot. */
const twoSlots = parseScenario({
  version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: 2, carbonPriceFenPerKg: 0, greenShareTarget: null,
  regions: ['xinjiang'], links: [],
  sites: [{
    id: 's0', region: 'xinjiang', kind: 'intelligent', pue: 1,
    pools: [{ type: 'gpu', units: 1, busyW: 1000, idleW: 0 }],
    grid: { fenPerKWh: [10, 20], carbonGPerKWh: [0, 0] },
  }],
  jobs: [{ id: 'j0', type: 'gpu', units: 1, hours: 1, release: 0, deadline: 2, flex: 'rigid', home: 's0', dataGB: 0, regions: ['xinjiang'] }],
});
const lateRun: Allocation[] = [{ job: 'j0', site: 's0', slot: 1, units: 1 }];

test('gap parts by hand: the job run late at the grid prices is all the plan\'s (10 fen of timing)', () => {
  const ix = buildIndex(twoSlots);
  const { model, eb } = energyBlockModel(ix, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH);
  const y = new Float64Array(eb.numRows);
  y[eb.energyRow[0]!] = 10; y[eb.energyRow[1]!] = 20;
  const g = gapParts(ix, model, eb, y, lateRun);
  // L(y) = the job in slot 0 at 10 fen; the plan pays 20 fen in slot 1.
  assert.equal(g.plan, 20);
  close(g.bound, 10, 'L(y)');
  close(lagrangianBound(ix, model, eb, y), 10, 'lagrangianBound');
  close(g.jobs.fen, 10, 'jobs part');
  assert.equal(g.jobs.count, 1);
  assert.deepEqual(g.jobs.byKind.timing, { fen: 10, count: 1 });
  assert.deepEqual(g.jobs.top[0], { job: 'j0', fen: 10, kind: 'timing', planSites: ['s0'], planStart: 1, bestSites: ['s0'], bestStart: 0 });
  close(g.capacity.fen, 0, 'capacity part');
  close(g.energy.fen, 0, 'energy part');
});

test('gap parts by hand: a priced empty pool and energy priced off the grid prices are the multipliers\' gap, not the plan\'s', () => {
  const ix = buildIndex(twoSlots);
  const { model, eb } = energyBlockModel(ix, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH);
  const y = new Float64Array(eb.numRows);
  y[eb.energyRow[0]!] = 15; y[eb.energyRow[1]!] = 15;
  y[eb.capRow[0]!] = -3;
  const g = gapParts(ix, model, eb, y, lateRun);
  // L(y) = y_cap·units (−3) + grid column at 10 − 15 for its 1 kWh (−5) + the job at slot 1 (15 < 3 + 15) = 7.
  close(g.bound, 7, 'L(y)');
  close(lagrangianBound(ix, model, eb, y), 7, 'lagrangianBound');
  close(g.jobs.fen, 0, 'jobs part: the job is at its cheapest placement');
  assert.equal(g.jobs.count, 0);
  // Slot 0's pool is priced at 3 fen but empty: 3. The grid's 1 kWh at slot 0 priced 15 and bought at 10 is
  // −5 in L but unused by the plan, and slot 1's kWh costs 20 against 15: 5 + 5 = 10.
  close(g.capacity.fen, 3, 'capacity part');
  assert.equal(g.capacity.rows, 1);
  close(g.energy.fen, 10, 'energy part');
  close(g.jobs.fen + g.capacity.fen + g.energy.fen, g.plan - g.bound, 'parts add up');
});

test('the longer ascent (plain and deflected) stays at or below the exact optimum, reports L at its multipliers, and the gap parts add up', async () => {
  const worker = new HighsWorker();
  try {
    await fc.assert(fc.asyncProperty(tinyScenarioArb({ maxJobs: 6, slots: 6, storage: true }), fc.boolean(), async (raw, deflect) => {
      const { ix, cm, lp, exact } = await withDualsAndOptimum(worker, raw);
      const r = await lagrangianAscent(ix, cm.model, cm.eb, lp.rowDual, { target: exact.objective, stop: () => false, maxIterations: 40, deflect });
      assert.ok(r.bound <= exact.objective + 1e-6 * Math.max(1, exact.objective), `ascent bound ${r.bound} above the exact optimum ${exact.objective}`);
      close(lagrangianBound(ix, cm.model, cm.eb, r.y), r.bound, 'the reported bound is L at the reported multipliers');
      const g = gapParts(ix, cm.model, cm.eb, r.y, exact.allocations);
      close(g.bound, r.bound, 'the parts\' L(y)');
      close(g.plan, exact.objective, 'the parts\' plan');
      close(g.jobs.fen + g.capacity.fen + g.energy.fen, g.plan - g.bound, 'parts add up to the gap');
      assert.ok(g.jobs.fen >= -1e-6 && g.capacity.fen >= -1e-6, `jobs ${g.jobs.fen}, capacity ${g.capacity.fen}`);
    }), { numRuns: 10, seed: 15 });
  } finally {
    await worker.close();
  }
});

test('the Lagrangian dual by columns: at most the exact optimum, at least its start, L at its multipliers, and the master\'s optimum once converged', async () => {
  const worker = new HighsWorker();
  try {
    let converged = 0;
    await fc.assert(fc.asyncProperty(tinyScenarioArb({ maxJobs: 6, slots: 6, storage: true }), fc.boolean(), async (raw, fromZero) => {
      const { ix, cm, lp, exact } = await withDualsAndOptimum(worker, raw);
      const start = fromZero ? new Float64Array(0) : lp.rowDual;
      const c = await lagrangianByColumns(ix, { worker, stop: () => false, secondsLeft: () => 30, start, plan: exact.allocations, maxRounds: 200 });
      assert.ok(c.bound <= exact.objective + 1e-6 * Math.max(1, exact.objective), `bound by columns ${c.bound} above the exact optimum ${exact.objective}`);
      assert.ok(c.bound >= c.start - 1e-9 * Math.max(1, Math.abs(c.start)), `bound ${c.bound} below its start ${c.start}`);
      close(lagrangianBound(ix, c.model, c.eb, c.y), c.bound, 'the reported bound is L at the reported multipliers');
      if (!fromZero) close(c.start, lagrangianBound(ix, cm.model, cm.eb, lp.rowDual), 'it starts at L of the given multipliers');
      if (c.converged) {
        converged++;
        assert.ok(c.master !== null);
        close(c.bound, c.master, 'converged: L at the best multipliers is the master\'s optimum');
      }
      const g = gapParts(ix, c.model, c.eb, c.y, exact.allocations);
      close(g.jobs.fen + g.capacity.fen + g.energy.fen, exact.objective - c.bound, 'parts add up to the gap');
    }), { numRuns: 10, seed: 16 });
    assert.ok(converged > 0, 'some run converged');
  } finally {
    await worker.close();
  }
});

test('the Lagrangian dual by columns over groups of jobs: at most the exact optimum, L at its multipliers, a group per job as the per-job master, and once converged the per-job master\'s optimum', async () => {
  const worker = new HighsWorker();
  try {
    let bothConverged = 0, aggregated = 0;
    await fc.assert(fc.asyncProperty(tinyScenarioArb({ maxJobs: 6, slots: 6, storage: true }), fc.integer({ min: 1, max: 3 }), async (raw, maxGroups) => {
      const { ix, lp, exact } = await withDualsAndOptimum(worker, raw);
      const run = (groups?: Int32Array) => lagrangianByColumns(ix, { worker, stop: () => false, secondsLeft: () => 30, start: lp.rowDual, plan: exact.allocations, maxRounds: 200, ...(groups ? { groups } : {}) });
      const perJob = await run();
      const g = jobGroups(ix, maxGroups);
      assert.ok(g.count <= maxGroups || g.width >= ix.T, `${g.count} groups of width ${g.width}`);
      assert.deepEqual(new Set(g.groupOf).size, g.count);
      if (g.count < ix.jobs.length) aggregated++;
      const grouped = await run(g.groupOf);
      assert.ok(grouped.bound <= exact.objective + 1e-6 * Math.max(1, exact.objective), `grouped bound ${grouped.bound} above the exact optimum ${exact.objective}`);
      assert.ok(grouped.bound >= grouped.start - 1e-9 * Math.max(1, Math.abs(grouped.start)), `grouped bound ${grouped.bound} below its start ${grouped.start}`);
      close(lagrangianBound(ix, grouped.model, grouped.eb, grouped.y), grouped.bound, 'the grouped bound is L at its multipliers');
      const single = await run(Int32Array.from(ix.jobs, (_, j) => j));
      close(single.bound, perJob.bound, 'a group per job is the per-job master');
      assert.equal(single.rounds, perJob.rounds);
      // Group columns are points of the product of the jobs' placement sets, whose convex hull is the product
      // of theirs: converged, both masters are the same Lagrangian dual.
      if (grouped.converged && perJob.converged) {
        bothConverged++;
        close(grouped.bound, perJob.bound, 'converged grouped and per-job bounds');
      }
    }), { numRuns: 10, seed: 17 });
    assert.ok(bothConverged > 0 && aggregated > 0, `${bothConverged} runs converged both ways, ${aggregated} grouped jobs together`);
  } finally {
    await worker.close();
  }
});

test('the Lagrangian dual by columns over groups with its duals in a box around the best multipliers: at most the exact optimum, at least its start, L at its multipliers, and once converged the unboxed per-job master\'s optimum', async () => {
  const worker = new HighsWorker();
  try {
    let converged = 0, bound = 0;
    await fc.assert(fc.asyncProperty(tinyScenarioArb({ maxJobs: 6, slots: 6, storage: true }), fc.integer({ min: 1, max: 3 }), fc.constantFrom(0.05, 0.5), async (raw, maxGroups, box) => {
      const { ix, lp, exact } = await withDualsAndOptimum(worker, raw);
      const g = jobGroups(ix, maxGroups);
      let bindingRounds = 0;
      const c = await lagrangianByColumns(ix, {
        worker, stop: () => false, secondsLeft: () => 30, start: lp.rowDual, plan: exact.allocations, maxRounds: 200, groups: g.groupOf, box,
        onRound: (r) => { if (r.box?.binding) bindingRounds++; },
      });
      assert.ok(c.bound <= exact.objective + 1e-6 * Math.max(1, exact.objective), `boxed bound ${c.bound} above the exact optimum ${exact.objective}`);
      assert.ok(c.bound >= c.start - 1e-9 * Math.max(1, Math.abs(c.start)), `boxed bound ${c.bound} below its start ${c.start}`);
      close(lagrangianBound(ix, c.model, c.eb, c.y), c.bound, 'the boxed bound is L at its multipliers');
      if (bindingRounds > 0) bound++;
      if (c.converged) {
        converged++;
        const perJob = await lagrangianByColumns(ix, { worker, stop: () => false, secondsLeft: () => 30, start: lp.rowDual, plan: exact.allocations, maxRounds: 200 });
        assert.ok(c.master !== null, 'converged on an unboxed master');
        close(c.bound, c.master, 'converged: L at the best multipliers is the master\'s optimum');
        if (perJob.converged) close(c.bound, perJob.bound, 'the boxed grouped master converges to the per-job dual');
      }
    }), { numRuns: 10, seed: 23 });
    assert.ok(converged > 0 && bound > 0, `${converged} runs converged, ${bound} leaned on their box`);
  } finally {
    await worker.close();
  }
});

test('the Lagrangian dual by columns on an hourly master for 15-minute slots: at most the exact optimum, L at its multipliers, hourly master duals, and once converged the master\'s optimum', async () => {
  const worker = new HighsWorker();
  try {
    let converged = 0;
    await fc.assert(fc.asyncProperty(tinyScenarioArb({ maxJobs: 5, slots: 4, storage: true, maxUnits: 3 }), fc.boolean(), async (raw, fromZero) => {
      // Fractional hours: rigid jobs end part-way through a 15-minute slot.
      const { ix, lp, exact } = await withDualsAndOptimum(worker, resampleScenario({ ...raw, jobs: raw.jobs.map((j) => ({ ...j, hours: j.hours - 0.4 })) }, 15));
      assert.equal(ix.scenario.slotMinutes, 15);
      const c = await lagrangianByColumns(ix, { worker, stop: () => false, secondsLeft: () => 30, start: fromZero ? new Float64Array(0) : lp.rowDual, plan: exact.allocations, maxRounds: 200, masterSlots: 4 });
      assert.ok(c.bound <= exact.objective + 1e-6 * Math.max(1, exact.objective), `bound ${c.bound} above the exact optimum ${exact.objective}`);
      assert.ok(c.bound >= c.start - 1e-9 * Math.max(1, Math.abs(c.start)), `bound ${c.bound} below its start ${c.start}`);
      close(lagrangianBound(ix, c.model, c.eb, c.y), c.bound, 'the reported bound is L at the reported (15-minute) multipliers');
      if (c.rounds > 0) {
        // The master's duals are one price per hour: energy rows equal within each hour, capacity rows too.
        for (let i = 0; i < ix.siteIds.length * ix.T; i++) if (i % 4 !== 0) close(c.yMaster[c.eb.energyRow[i]!]!, c.yMaster[c.eb.energyRow[i - (i % 4)]!]!, `energy row ${i}`);
        c.eb.capRow.forEach((row, i) => { if (row >= 0 && i % 4 !== 0) close(c.yMaster[row]!, c.yMaster[c.eb.capRow[i - (i % 4)]!]!, `capacity row ${i}`); });
      }
      if (c.converged) {
        converged++;
        assert.ok(c.master !== null);
        close(c.bound, c.master, 'converged: L at the best multipliers is the hourly master\'s optimum');
      }
    }), { numRuns: 8, seed: 19 });
    assert.ok(converged > 0, 'some run converged');
  } finally {
    await worker.close();
  }
});

test('quick prices for placement: L at its multipliers, at least the LP duals\' L, at most the exact optimum, and a plan placed there is feasible', async () => {
  const worker = new HighsWorker();
  try {
    await fc.assert(fc.asyncProperty(tinyScenarioArb({ maxJobs: 6, slots: 6, storage: true }), async (raw) => {
      const { ix, cm, lp, exact } = await withDualsAndOptimum(worker, raw);
      const atLp = lagrangianBound(ix, cm.model, cm.eb, lp.rowDual);
      const q = await quickPrices(ix, { model: cm.model, eb: cm.eb, y: lp.rowDual }, { seconds: 60, target: exact.objective, maxIterations: 20 });
      close(lagrangianBound(ix, cm.model, cm.eb, q.y), q.bound, 'the bound is L at the returned multipliers');
      assert.ok(q.bound >= atLp - 1e-9 * Math.max(1, Math.abs(atLp)), `bound ${q.bound} below L at the LP's duals ${atLp}`);
      assert.ok(q.bound <= exact.objective + 1e-6 * Math.max(1, exact.objective), `bound ${q.bound} above the exact optimum ${exact.objective}`);
      const st = placeAtDuals(ix, cm.eb, q.y);
      assert.deepEqual(checkPlan(ix.scenario, st.allocations(), ix), []);
    }), { numRuns: 10, seed: 18 });
  } finally {
    await worker.close();
  }
});
