import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPlan, evaluate, parseScenario, type ScenarioInput } from '../src/index.ts';

/**
 * A second plan scored by hand, at 15-minute slots, for the parts evaluate-hand.test.ts does not reach:
 * a rigid job's partly-run last slot, a malleable job's partial fill, a divisible job split over two
 * regions (transfer paid once, transfer delay), and work left unserved in quarter hours.
 *
 * Site A (xinjiang) and site B (chongqing): PUE 1, 4 GPUs of 1,000 W busy and 0 W idle each, so a busy
 * GPU-slot is 1 kW × 0.25 h = 0.25 kWh and an idle site draws nothing. A's grid: 40, 40, 80, 80 fen/kWh
 * at 500 g/kWh; B's: 20 fen/kWh at 1,000 g/kWh. Link 100 Gbps at 2 fen/GB. No carbon price.
 */
const input: ScenarioInput = {
  version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 15, slots: 4, carbonPriceFenPerKg: 0, greenShareTarget: null,
  regions: ['xinjiang', 'chongqing'],
  links: [{ from: 'xinjiang', to: 'chongqing', gbps: 100, fenPerGB: 2 }],
  sites: [
    { id: 'A', region: 'xinjiang', kind: 'intelligent', pue: 1, pools: [{ type: 'gpu', units: 4, busyW: 1000, idleW: 0 }], grid: { fenPerKWh: [40, 40, 80, 80], carbonGPerKWh: [500, 500, 500, 500] } },
    { id: 'B', region: 'chongqing', kind: 'general', pue: 1, pools: [{ type: 'gpu', units: 4, busyW: 1000, idleW: 0 }], grid: { fenPerKWh: [20, 20, 20, 20], carbonGPerKWh: [1000, 1000, 1000, 1000] } },
  ],
  jobs: [
    // 0.6 h rigid: 3 slots, the last one run for 0.1 h of its 0.25 h (0.4 of it)
    { id: 'r', type: 'gpu', units: 2, hours: 0.6, release: 0, deadline: 4, flex: 'rigid', home: 'A', dataGB: 0, regions: ['xinjiang'] },
    // 2 GPUs × 0.5 h = 4 GPU-slots; its 10 GB take 0.8 s over the link, so B may start at slot 1
    { id: 'd', type: 'gpu', units: 2, hours: 0.5, release: 0, deadline: 4, flex: 'divisible', home: 'A', dataGB: 10, regions: ['xinjiang', 'chongqing'] },
    // 2 GPUs × 0.3 h held as 2 slots: each GPU-slot runs 0.3 / 0.5 = 0.6 of the slot
    { id: 'm', type: 'gpu', units: 2, hours: 0.3, release: 0, deadline: 4, flex: 'malleable', home: 'B', dataGB: 0, regions: ['chongqing'] },
  ],
};

const plan = [
  { job: 'r', site: 'A', slot: 0, units: 2 }, { job: 'r', site: 'A', slot: 1, units: 2 }, { job: 'r', site: 'A', slot: 2, units: 2 },
  { job: 'd', site: 'A', slot: 3, units: 1 }, { job: 'd', site: 'B', slot: 1, units: 2 }, // 3 of its 4 GPU-slots
  { job: 'm', site: 'B', slot: 2, units: 2 }, { job: 'm', site: 'B', slot: 3, units: 2 },
];

test('evaluate() at 15-minute slots, by hand: partly-run slots, a split divisible job, unserved quarter hours', () => {
  const s = parseScenario(input);
  const m = evaluate(s, plan);
  // r: 2 × 0.25 kWh × (1 + 1 + 0.4) = 1.2 kWh; 2 × 0.25 × 40 × 2 + 2 × 0.25 × 0.4 × 80 = 40 + 16 = 56 fen; 0.6 kg
  // d: A slot 3: 0.25 kWh, 20 fen, 0.125 kg; B slot 1: 2 × 0.25 = 0.5 kWh, 10 fen, at 1,000 g/kWh 0.5 kg
  // m: 4 × 0.25 × 0.6 = 0.6 kWh at B: 12 fen, 0.6 kg
  assert.ok(Math.abs(m.energyKWh - (1.2 + 0.25 + 0.5 + 0.6)) < 1e-9, `energy ${m.energyKWh}`);
  assert.ok(Math.abs(m.costFen - (56 + 20 + 10 + 12)) < 1e-9, `cost ${m.costFen}`);
  assert.ok(Math.abs(m.carbonKg - (0.6 + 0.125 + 0.5 + 0.6)) < 1e-9, `carbon ${m.carbonKg}`);
  assert.equal(m.greenKWh, 0);
  // d's 10 GB cross to chongqing once, though it runs in both regions: 10 × 2 fen
  assert.equal(m.transferFen, 20);
  // d lacks one GPU-slot: a quarter of a GPU-hour, one deadline missed
  assert.equal(m.unservedUnitHours, 0.25);
  assert.equal(m.deadlineMisses, 1);
  assert.ok(Math.abs(m.objective - (98 + 20 + 100_000 * 0.25)) < 1e-9, `objective ${m.objective}`);
  assert.deepEqual(checkPlan(s, plan), []);
});

test('checkPlan() at 15-minute slots, faults made by hand: size per slot, split malleable job, transfer delay, fractional units, unknown job', () => {
  const s = parseScenario(input);
  const problems = checkPlan(s, [
    { job: 'm', site: 'B', slot: 2, units: 3 }, // 3 GPUs in one slot for a 2-GPU job
    { job: 'm', site: 'A', slot: 3, units: 1 }, // m may only run in chongqing, and now runs at two sites
    { job: 'd', site: 'B', slot: 0, units: 1 }, // its data reach B only in slot 1
    { job: 'd', site: 'A', slot: 0, units: 1.5 },
    { job: 'zz', site: 'A', slot: 0, units: 1 },
  ]);
  assert.deepEqual(problems.sort(), [
    'd: slot 0 outside [1, 4) at B',
    'd: units 1.5 is not a positive whole number',
    'm: 3 units in one slot, job size is 2',
    'm: malleable job split over sites B, A',
    'm: site A not allowed',
    'unknown job or site in {"job":"zz","site":"A","slot":0,"units":1}',
  ].sort());
});
