import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkPlan, evaluate, meterRun, optimal, parseScenario, resampleHourly, ScenarioError, type Allocation, type MeterSite, type ScenarioInput,
} from '../src/index.ts';

/**
 * Exact energy, computed by hand: three rigid one-GPU jobs of 0.25 h, 0.5 h and 1.5 h on one site with
 * PUE 1, a 1,000 W GPU that draws nothing idle, no renewables, so every kWh is grid and carbon is
 * kWh × that hour's intensity. The hour starts at 00:00 Beijing time (16:00 UTC) so that the live
 * meter's 24-hour tables line up with the scenario's hourly series.
 *
 *   hour (BJT)        0     1     2     3
 *   carbon g/kWh     400   100   700   250
 *   tariff fen/kWh    50    80   120    30
 */
const CARBON = [400, 100, 700, 250];
const TARIFF = [50, 80, 120, 30];
const START_MS = Date.parse('2023-06-04T16:00:00Z');
const HOUR_MS = 3600_000;
const GRAM = 1e-9;

function scenario(slotMinutes: 15 | 60): ScenarioInput {
  const job = (id: string, hours: number) => ({
    id, type: 'gpu', units: 1, hours, release: 0, deadline: CARBON.length * (60 / slotMinutes), flex: 'rigid' as const,
    home: 'A', dataGB: 0, regions: ['r'],
  });
  return {
    version: 1, start: new Date(START_MS).toISOString(), slotMinutes, slots: CARBON.length * (60 / slotMinutes),
    carbonPriceFenPerKg: 0, greenShareTarget: null, regions: ['r'],
    sites: [{
      id: 'A', region: 'r', kind: 'general', pue: 1,
      pools: [{ type: 'gpu', units: 3, busyW: 1000, idleW: 0 }],
      grid: { fenPerKWh: resampleHourly(TARIFF, slotMinutes), carbonGPerKWh: resampleHourly(CARBON, slotMinutes) },
    }],
    jobs: [job('quarter', 0.25), job('half', 0.5), job('long', 1.5)],
  };
}

/** Allocations of one unit for `count` consecutive slots from `first`. */
const run = (job: string, first: number, count: number): Allocation[] =>
  Array.from({ length: count }, (_, k) => ({ job, site: 'A', slot: first + k, units: 1 }));

/** The same runs through the live meter, by wall-clock start and end. */
function metered(runs: { fromH: number; hours: number }[]): { carbonG: number; energyKWh: number } {
  const site: MeterSite = {
    lat: 40, lon: 116, pue: 1,
    power: { tariffFenPerKWh: [...TARIFF, ...new Array(20).fill(0)], carbonGPerKWh: [...CARBON, ...new Array(20).fill(0)], renewables: null },
  };
  const pool = { type: 'gpu', units: 3, busyW: 1000, idleW: 0, fenPerUnitHour: 0 };
  let carbonG = 0, energyKWh = 0;
  for (const r of runs) {
    const startMs = START_MS + r.fromH * HOUR_MS;
    const u = meterRun({ site, pool, units: 1, startMs, endMs: startMs + r.hours * HOUR_MS, siteLoadKW: 1 });
    carbonG += u.carbonG;
    energyKWh += u.energyKWh;
  }
  return { carbonG, energyKWh };
}

test('exact energy at 60-minute slots: a job counts only the part of each slot it runs (evaluate and live meter agree to the gram)', () => {
  const s = parseScenario(scenario(60));
  // quarter in hour 0, half in hour 1, long from hour 2 (all of hour 2, half of hour 3).
  const m = evaluate(s, [...run('quarter', 0, 1), ...run('half', 1, 1), ...run('long', 2, 2)]);
  // quarter: 1 kW × 0.25 h = 0.25 kWh × 400 g = 100 g
  // half:    1 kW × 0.5 h  = 0.5 kWh  × 100 g =  50 g
  // long:    1 kWh × 700 g + 0.5 kWh × 250 g  = 700 + 125 = 825 g
  // total 975 g (whole-slot counting would give 400 + 100 + 700 + 250 = 1,450 g)
  assert.ok(Math.abs(m.carbonKg * 1000 - 975) < GRAM, `carbon ${m.carbonKg * 1000} g`);
  // 0.25 + 0.5 + 1.5 = 2.25 kWh
  assert.ok(Math.abs(m.energyKWh - 2.25) < 1e-12, `energy ${m.energyKWh}`);
  // cost: 0.25 × 50 + 0.5 × 80 + 1 × 120 + 0.5 × 30 = 12.5 + 40 + 120 + 15 = 187.5 fen
  assert.ok(Math.abs(m.costFen - 187.5) < 1e-9, `cost ${m.costFen}`);
  const live = metered([{ fromH: 0, hours: 0.25 }, { fromH: 1, hours: 0.5 }, { fromH: 2, hours: 1.5 }]);
  assert.ok(Math.abs(live.carbonG - 975) < GRAM, `metered carbon ${live.carbonG} g`);
  assert.ok(Math.abs(live.energyKWh - 2.25) < 1e-12, `metered energy ${live.energyKWh}`);
});

test('exact energy at 15-minute slots: the same hours, a finer start, carbon to the gram', () => {
  const s = parseScenario(scenario(15));
  // quarter in slot 0 (00:00–00:15), half in slots 5–6 (01:15–01:45), long in slots 10–15 (02:30–04:00).
  const m = evaluate(s, [...run('quarter', 0, 1), ...run('half', 5, 2), ...run('long', 10, 6)]);
  // quarter: 0.25 kWh × 400 g = 100 g
  // half:    0.5 kWh × 100 g  =  50 g
  // long:    0.5 kWh × 700 g (02:30–03:00) + 1 kWh × 250 g (03:00–04:00) = 350 + 250 = 600 g
  // total 750 g
  assert.ok(Math.abs(m.carbonKg * 1000 - 750) < GRAM, `carbon ${m.carbonKg * 1000} g`);
  assert.ok(Math.abs(m.energyKWh - 2.25) < 1e-12, `energy ${m.energyKWh}`);
  const live = metered([{ fromH: 0, hours: 0.25 }, { fromH: 1.25, hours: 0.5 }, { fromH: 2.5, hours: 1.5 }]);
  assert.ok(Math.abs(live.carbonG - 750) < GRAM, `metered carbon ${live.carbonG} g`);
});

test('exact energy: a malleable job spreads its unit-hours evenly over the unit-slots it holds', () => {
  const input = scenario(60);
  // 2 units × 1.5 h = 3 unit-hours held as 2 × 2 = 4 unit-slots: each unit-slot runs 3/4 of its hour.
  input.jobs = [{ ...input.jobs[2]!, id: 'm', units: 2, flex: 'malleable' }];
  const m = evaluate(parseScenario(input), [{ job: 'm', site: 'A', slot: 0, units: 2 }, { job: 'm', site: 'A', slot: 3, units: 2 }]);
  // 2 × 0.75 kWh × 400 g + 2 × 0.75 kWh × 250 g = 600 + 375 = 975 g; energy 3 kWh
  assert.ok(Math.abs(m.carbonKg * 1000 - 975) < GRAM, `carbon ${m.carbonKg * 1000} g`);
  assert.ok(Math.abs(m.energyKWh - 3) < 1e-12, `energy ${m.energyKWh}`);
});

test('the optimal policy plans with exact energy: its model and bound count the same fractions as evaluate()', async () => {
  // Carbon priced at 10 ¥/kg so that it outweighs any tariff difference (at most 1.2 ¥/kWh here).
  const s = parseScenario({ ...scenario(60), carbonPriceFenPerKg: 1000 });
  const r = await optimal.plan(s, { timeLimitSec: 30 });
  assert.deepEqual(checkPlan(s, r.allocations), []);
  // Best by hand: quarter and half in hour 1 (100 g/kWh): 25 + 50 g; long from hour 0 (1 kWh × 400 +
  // 0.5 kWh × 100 = 450 g) or hour 1 (100 + 0.5 × 700 = 450 g); from hour 2 it would be 825 g. Total 525 g.
  // Counting whole slots, long's best start would be hour 0 or 1 at 500 g (400 + 100).
  assert.ok(Math.abs(r.carbonKg * 1000 - 525) < GRAM, `carbon ${r.carbonKg * 1000} g`);
  assert.ok(r.lowerBound !== undefined && r.lowerBound.objective <= r.objective + 1e-6, `bound ${r.lowerBound?.objective} > plan ${r.objective}`);
});

test('slot length is 5, 15, 30 or 60 minutes; anything else is refused naming slotMinutes', () => {
  for (const ok of [5, 15, 30, 60] as const) {
    assert.equal(parseScenario({ ...scenario(60), slotMinutes: ok, slots: 4, sites: scenario(60).sites }).slotMinutes, ok);
  }
  for (const bad of [20, 45, 120, 0]) {
    assert.throws(() => parseScenario({ ...scenario(60), slotMinutes: bad }), (e: unknown) =>
      e instanceof ScenarioError && e.code === 'SCENARIO_INVALID' && e.issues.some((i) => i.path === 'slotMinutes' && /5, 15, 30, 60/.test(i.message)));
  }
});

test('hourly series resample to sub-hour slots: each sub-slot takes its hour', () => {
  assert.deepEqual(resampleHourly([1, 2], 15), [1, 1, 1, 1, 2, 2, 2, 2]);
  assert.deepEqual(resampleHourly([7], 60), [7]);
});
