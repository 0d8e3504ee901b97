import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPlan, evaluate, parseScenario, UNSERVED_PENALTY_FEN_PER_UNIT_HOUR, type ScenarioInput } from '../src/index.ts';

/**
 * A plan scored by hand, so that evaluate() and checkPlan() — which every policy and every property
 * test is measured with — are themselves measured against something outside the code.
 *
 * Site A (xinjiang): PUE 1.25, 2 GPUs, 900 W busy / 100 W idle; grid 50, 100, 20 fen/kWh and
 * 600, 300, 900 g/kWh; own renewables 1 kW in slot 0 only, at 20 fen/kWh.
 * Site B (chongqing): PUE 1.5, 1 GPU, 500 W / 100 W; grid 40 fen/kWh and 500 g/kWh every slot.
 * Link 5 fen/GB. Carbon price 0.1 fen/kg. One-hour slots.
 */
const input: ScenarioInput = {
  version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: 3, carbonPriceFenPerKg: 0.1, greenShareTarget: null,
  regions: ['xinjiang', 'chongqing'],
  links: [{ from: 'xinjiang', to: 'chongqing', gbps: 100, fenPerGB: 5 }],
  sites: [
    {
      id: 'A', region: 'xinjiang', kind: 'intelligent', pue: 1.25,
      pools: [{ type: 'gpu', units: 2, busyW: 900, idleW: 100 }],
      grid: { fenPerKWh: [50, 100, 20], carbonGPerKWh: [600, 300, 900] },
      renewables: { kW: [1, 0, 0], fenPerKWh: 20 },
    },
    {
      id: 'B', region: 'chongqing', kind: 'general', pue: 1.5,
      pools: [{ type: 'gpu', units: 1, busyW: 500, idleW: 100 }],
      grid: { fenPerKWh: [40, 40, 40], carbonGPerKWh: [500, 500, 500] },
    },
  ],
  jobs: [
    { id: 'j1', type: 'gpu', units: 2, hours: 1, release: 0, deadline: 3, flex: 'rigid', home: 'A', dataGB: 0, regions: ['xinjiang'] },
    { id: 'j2', type: 'gpu', units: 1, hours: 2, release: 0, deadline: 3, flex: 'rigid', home: 'A', dataGB: 10, regions: ['xinjiang', 'chongqing'] },
    { id: 'j3', type: 'gpu', units: 1, hours: 1, release: 0, deadline: 3, flex: 'rigid', home: 'B', dataGB: 0, regions: ['chongqing'] },
  ],
};

test('evaluate(): a plan scored by hand — energy, green share, cost, carbon, transfer, unserved work', () => {
  const s = parseScenario(input);
  // j1 on both GPUs of A in slot 0; j2 at B in slots 1 and 2 (its 10 GB cross the link); j3 left out.
  const m = evaluate(s, [
    { job: 'j1', site: 'A', slot: 0, units: 2 },
    { job: 'j2', site: 'B', slot: 1, units: 1 },
    { job: 'j2', site: 'B', slot: 2, units: 1 },
  ]);
  // A idles at 1.25 × 2 × 100 W = 0.25 kWh a slot; a busy GPU adds 1.25 × 800 W = 1.0 kWh.
  //   slot 0: 0.25 + 2 × 1.0 = 2.25 kWh: 1 kWh own renewables (20 fen/kWh ≤ 50 + 0.1 × 0.6) + 1.25 kWh grid
  //           cost 1 × 20 + 1.25 × 50 = 82.5 fen; carbon 1.25 × 0.6 = 0.75 kg
  //   slot 1: 0.25 kWh grid: 25 fen, 0.075 kg;  slot 2: 0.25 kWh grid: 5 fen, 0.225 kg
  //   A: 2.75 kWh, 1 kWh green, 112.5 fen, 1.05 kg
  // B idles at 1.5 × 100 W = 0.15 kWh; a busy GPU adds 1.5 × 400 W = 0.6 kWh.
  //   slots 0–2: 0.15 + 0.75 + 0.75 = 1.65 kWh grid at 40 fen and 0.5 kg/kWh: 66 fen, 0.825 kg
  assert.ok(Math.abs(m.energyKWh - 4.4) < 1e-9, `energy ${m.energyKWh}`);
  assert.ok(Math.abs(m.greenKWh - 1) < 1e-9, `green ${m.greenKWh}`);
  assert.ok(Math.abs(m.greenShare - 1 / 4.4) < 1e-9, `green share ${m.greenShare}`);
  assert.ok(Math.abs(m.costFen - 178.5) < 1e-9, `cost ${m.costFen}`);
  assert.ok(Math.abs(m.carbonKg - 1.875) < 1e-9, `carbon ${m.carbonKg}`);
  // j2's 10 GB from xinjiang to chongqing at 5 fen/GB.
  assert.equal(m.transferFen, 50);
  // j3: 1 GPU for 1 hour not served.
  assert.equal(m.unservedUnitHours, 1);
  assert.equal(m.deadlineMisses, 1);
  assert.equal(UNSERVED_PENALTY_FEN_PER_UNIT_HOUR, 100_000);
  // 178.5 + 50 + 0.1 × 1.875 + 100,000 × 1
  assert.ok(Math.abs(m.objective - 100_228.6875) < 1e-9, `objective ${m.objective}`);
});

test('checkPlan(): the same network, broken by hand, each fault named', () => {
  const s = parseScenario(input);
  const problems = checkPlan(s, [
    { job: 'j1', site: 'A', slot: 0, units: 2 },
    { job: 'j2', site: 'A', slot: 0, units: 1 }, // a third GPU at A in slot 0
    { job: 'j3', site: 'A', slot: 1, units: 1 }, // j3 may only run in chongqing
    { job: 'j1', site: 'A', slot: 3, units: 1 }, // past the deadline (and more work than j1 asked for)
  ]);
  assert.deepEqual(problems.sort(), [
    'j1: 3 unit-slots allocated, 2 requested',
    // Rigid jobs hold all their units for consecutive slots: j1 now has a second piece, j2 only one slot of two.
    'j1: rigid job not run as 2 units for 1 consecutive slots',
    'j1: slot 3 outside [0, 3) at A',
    'j2: rigid job not run as 1 units for 2 consecutive slots',
    'j3: site A not allowed',
    'site A gpu slot 0: 3 units > capacity 2',
  ].sort());
});
