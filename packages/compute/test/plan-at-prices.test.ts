import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildIndex, checkPlan, evaluate, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH, parseScenario, type ScenarioInput } from '../src/index.ts';
import { energyBlockModel } from '../src/energyBlock.ts';
import { edfOrder } from '../src/greedy.ts';
import { improvePlan } from '../src/improve.ts';
import { ejectionPass, planAtPrices } from '../src/planAtPrices.ts';
import { placeAtDuals } from '../src/pricedPlacement.ts';
import { tinyScenarioArb } from './scenarios.ts';
import { placed, stuckPlan, twoSites } from './siteFixtures.ts';

test('ejection: y takes its cheapest cells at A by moving x, the job holding them, to A 2–3 — a move plain local search cannot make', () => {
  const plain = stuckPlan();
  improvePlan(plain, edfOrder(twoSites), { maxPasses: 4 });
  assert.deepEqual(placed(plain), ['x@A:0', 'x@A:1', 'y@B:0', 'y@B:1'], 'one job at a time, the plan is stuck');
  const st = stuckPlan();
  const before = evaluate(twoSites, st.allocations()).objective;
  const rep = ejectionPass(st, edfOrder(twoSites), { stop: () => false, maxHolders: 4 });
  assert.equal(rep.kept, 1);
  assert.deepEqual(placed(st), ['x@A:2', 'x@A:3', 'y@A:0', 'y@A:1']);
  // By hand: a busy GPU draws 1.2 × (800 − 100) W = 0.84 kWh an hour above idle. Before: x at A 0–1
  // (10 + 10 fen) and y at B 0–1 (60 + 60): 0.84 × 140 = 117.6 fen; after: y at A 0–1, x at A 2–3
  // (20 + 20): 0.84 × 60 = 50.4 fen. Saved 67.2 fen, by the marginal model and by evaluate() alike.
  const after = evaluate(twoSites, st.allocations()).objective;
  assert.ok(Math.abs(before - after - 67.2) < 1e-6, `${before - after}`);
  assert.ok(Math.abs(rep.savedFen - 67.2) < 1e-6, `${rep.savedFen}`);
  assert.deepEqual(checkPlan(twoSites, st.allocations()), []);
});

test('ejection with time up moves nothing', () => {
  const st = stuckPlan();
  const rep = ejectionPass(st, edfOrder(twoSites), { stop: () => true, maxHolders: 4 });
  assert.equal(rep.kept, 0);
  assert.deepEqual(placed(st), ['x@A:0', 'x@A:1', 'y@B:0', 'y@B:1']);
});

// S has a battery and 2 kW of renewables in hour 0 only; B is plain grid. Job j runs one GPU in hour 1.
// At S its energy comes from the battery, charged in hour 0 at 20 fen/kWh: 0.96 kWh / 0.9 × 20 = 21.33 fen;
// at B it costs 0.96 × 60 = 57.6 fen. The marginal cost model cannot see storage: it prices S at the
// grid's 100 fen/kWh (96 fen) and sends j to B.
const storedInput = {
  version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: 2, carbonPriceFenPerKg: 0, greenShareTarget: null,
  regions: ['xinjiang'], links: [],
  sites: [
    {
      id: 'S', region: 'xinjiang', kind: 'intelligent', pue: 1.2, pools: [{ type: 'gpu', units: 1, busyW: 800, idleW: 0 }],
      grid: { fenPerKWh: [100, 100], carbonGPerKWh: [500, 500] },
      renewables: { kW: [2, 0], fenPerKWh: 20 }, storage: { kWh: 2, kW: 2, efficiency: 0.9 },
    },
    { id: 'B', region: 'xinjiang', kind: 'intelligent', pue: 1.2, pools: [{ type: 'gpu', units: 1, busyW: 800, idleW: 0 }], grid: { fenPerKWh: [60, 60], carbonGPerKWh: [500, 500] } },
  ],
  jobs: [{ id: 'j', type: 'gpu', units: 1, hours: 1, release: 1, deadline: 2, flex: 'rigid', home: 'S', dataGB: 0, regions: ['xinjiang'] }],
} satisfies ScenarioInput;
const stored = parseScenario(storedInput);

/** Multipliers pricing S's hour-1 kWh at the battery's 20 / 0.9 fen, every other kWh at its grid price; no capacity prices. */
function storedPrices() {
  const ix = buildIndex(stored);
  const { eb } = energyBlockModel(ix, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH);
  const y = new Float64Array(eb.numRows);
  const [s, b] = [ix.siteById.get('S')!, ix.siteById.get('B')!];
  for (let t = 0; t < ix.T; t++) { y[eb.energyRow[s * ix.T + t]!] = 100; y[eb.energyRow[b * ix.T + t]!] = 60; }
  y[eb.energyRow[s * ix.T + 1]!] = 20 / 0.9;
  return { ix, eb, y };
}

test('storage priced at y: the job stays at the battery site, which the marginal search leaves for the grid', () => {
  const { ix, eb, y } = storedPrices();
  const rep = planAtPrices(ix, eb, y);
  assert.equal(rep.kept, 'storageAtY');
  assert.deepEqual(placed(rep.st), ['j@S:1']);
  assert.equal(rep.st.ix, ix, 'the plan is on the caller\'s index');
  const marginal = planAtPrices(ix, eb, y, { searches: ['marginal'], storageRounds: 0 });
  assert.deepEqual(placed(marginal.st), ['j@B:1']);
  const base = placeAtDuals(ix, eb, y);
  improvePlan(base, edfOrder(stored), { maxPasses: 4 });
  assert.deepEqual(placed(base), ['j@B:1']);
  const ours = evaluate(stored, rep.st.allocations(), ix).objective;
  const theirs = evaluate(stored, base.allocations(), ix).objective;
  assert.ok(Math.abs(theirs - ours - (57.6 - (0.96 / 0.9) * 20)) < 1e-6, `${theirs} − ${ours}`);
  assert.equal(rep.objectives.storageAtY, ours);
  assert.equal(rep.objectives.marginal, theirs);
});

// The same sites, B's grid at 90 fen/kWh, and multipliers that miss the battery: S's hour-1 kWh at its
// grid's 100 fen. Both searches then send j to B (0.96 × 90 = 86.4 fen against 96 at S). The plan's own
// dispatch at S (no load there) prices S's hour-1 kWh at the battery's 20 / 0.9 = 22.2 fen; at a quarter
// of it and three quarters of y's, 0.96 × (22.2 / 4 + 75) = 77.3 fen, j moves to S, where it costs 21.3.
const storedDearB = parseScenario({ ...storedInput, sites: storedInput.sites.map((s) => (s.id === 'B' ? { ...s, grid: { ...s.grid, fenPerKWh: [90, 90] } } : s)) });

test('storage round: priced by the plan\'s own dispatch, the job moves to the battery y missed, and the plan gets cheaper by evaluate()', () => {
  const ix = buildIndex(storedDearB);
  const { eb } = energyBlockModel(ix, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH);
  const y = new Float64Array(eb.numRows);
  const [s, b] = [ix.siteById.get('S')!, ix.siteById.get('B')!];
  for (let t = 0; t < ix.T; t++) { y[eb.energyRow[s * ix.T + t]!] = 100; y[eb.energyRow[b * ix.T + t]!] = 90; }
  const without = planAtPrices(ix, eb, y, { storageRounds: 0 });
  assert.deepEqual(placed(without.st), ['j@B:1'], 'at y and at marginal costs alike');
  const rep = planAtPrices(ix, eb, y);
  assert.equal(rep.storageRounds, 1, 'the second round finds nothing cheaper');
  assert.deepEqual(placed(rep.st), ['j@S:1']);
  assert.equal(rep.st.ix, ix);
  const before = evaluate(storedDearB, without.st.allocations(), ix).objective;
  const after = evaluate(storedDearB, rep.st.allocations(), ix).objective;
  assert.ok(Math.abs(before - after - (0.96 * 90 - (0.96 / 0.9) * 20)) < 1e-6, `${before} − ${after}`);
  assert.deepEqual(checkPlan(storedDearB, rep.st.allocations(), ix), []);
});

test('planAtPrices with time up still places every job (at y), tries one search and keeps it', () => {
  const { ix, eb, y } = storedPrices();
  const rep = planAtPrices(ix, eb, y, { stop: () => true });
  assert.deepEqual(placed(rep.st), ['j@S:1'], 'placed at y: S\'s battery kWh are the cheapest');
  assert.deepEqual(Object.keys(rep.objectives), ['storageAtY']);
  assert.equal(rep.moves, 0);
});

test('planAtPrices keeps every rule at any multipliers: capacity, windows, residency, rigid contiguity, malleable one site and per-slot size; it keeps the cheaper search, and an ejection round only when cheaper by evaluate()', () => {
  let moved = 0, rounds = 0;
  fc.assert(fc.property(
    tinyScenarioArb({ maxJobs: 8, slots: 6, storage: true }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 64, maxLength: 64 }),
    (input, noise) => {
      const scenario = parseScenario(input);
      const ix = buildIndex(scenario);
      const { eb } = energyBlockModel(ix, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH);
      const y = new Float64Array(eb.numRows);
      // Energy rows at 0–150 fen/kWh, capacity rows at 0 to −300 fen per unit-slot.
      for (const row of eb.energyRow) y[row] = 150 * noise[row % noise.length]!;
      for (const row of eb.capRow) if (row >= 0) y[row] = -300 * noise[(row * 7) % noise.length]!;
      const rep = planAtPrices(ix, eb, y);
      const got = evaluate(scenario, rep.st.allocations(), ix);
      assert.deepEqual(checkPlan(scenario, rep.st.allocations(), ix), []);
      // The kept search's plan, or cheaper where a storage round was kept.
      if (rep.storageRounds === 0) assert.equal(got.objective, Math.min(...Object.values(rep.objectives)));
      else assert.ok(got.objective < Math.min(...Object.values(rep.objectives)));
      rounds += rep.storageRounds;
      const ejected = planAtPrices(ix, eb, y, { ejectionRounds: 2 });
      assert.deepEqual(checkPlan(scenario, ejected.st.allocations(), ix), []);
      // A kept ejection round made the plan cheaper; none kept leaves it as it was.
      const afterEjections = evaluate(scenario, ejected.st.allocations(), ix).objective;
      if (ejected.ejections > 0) assert.ok(afterEjections < got.objective, `${afterEjections} < ${got.objective}`);
      else assert.equal(afterEjections, got.objective);
      moved += ejected.ejections;
    },
  ), { numRuns: 150 });
  assert.ok(moved > 0, 'some random plans had ejections: the property is not vacuous');
  assert.ok(rounds > 0, 'some random plans kept a storage round: the property is not vacuous');
});
