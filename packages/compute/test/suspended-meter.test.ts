import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activeSpans, meterRun, priceUsageFen, type MeterSite } from '../src/index.ts';

/**
 * A run suspended in place (Slurm's `scontrol suspend`) is metered only while it runs: by hand, one
 * 1,000 W unit at PUE 1, no renewables, from 00:00 to 04:00 Beijing time (16:00 UTC), suspended from
 * 00:30 to 02:45. Active: 00:00–00:30 and 02:45–04:00, i.e. 0.5 h in hour 0, 0.25 h in hour 2, 1 h in hour 3.
 *
 *   hour (BJT)        0     1     2     3
 *   carbon g/kWh     400   100   700   250
 *   tariff fen/kWh    50    80   120    30
 */
const START_MS = Date.parse('2023-06-04T16:00:00Z');
const H = 3600_000;
const site: MeterSite = {
  lat: 43.8, lon: 87.6, pue: 1,
  power: { tariffFenPerKWh: [50, 80, 120, 30, ...Array(20).fill(0)], carbonGPerKWh: [400, 100, 700, 250, ...Array(20).fill(0)], renewables: null },
};
const pool = { type: 'gpu', units: 1, busyW: 1000, idleW: 0, fenPerUnitHour: 1000 };
const suspended = [{ fromMs: START_MS + 0.5 * H, toMs: START_MS + 2.75 * H }];

test('active spans: the run less its suspensions; an open one lasts to the end; overlaps and spans outside are clipped', () => {
  assert.deepEqual(activeSpans(0, 100, []), [{ startMs: 0, endMs: 100 }]);
  assert.deepEqual(activeSpans(0, 100, [{ fromMs: 10, toMs: 20 }, { fromMs: 15, toMs: 30 }, { fromMs: 90, toMs: null }]), [
    { startMs: 0, endMs: 10 }, { startMs: 30, endMs: 90 },
  ]);
  assert.deepEqual(activeSpans(0, 100, [{ fromMs: -5, toMs: 5 }, { fromMs: 200, toMs: 300 }]), [{ startMs: 5, endMs: 100 }]);
});

test('a suspended interval draws no energy, emits no carbon and bills no unit-hours (computed by hand)', () => {
  const u = meterRun({ site, pool, units: 1, startMs: START_MS, endMs: START_MS + 4 * H, siteLoadKW: 1, suspended });
  // 0.5 + 0.25 + 1 = 1.75 kWh (the whole 4 h would be 4 kWh)
  assert.ok(Math.abs(u.energyKWh - 1.75) < 1e-12, `energy ${u.energyKWh}`);
  // 0.5 × 400 + 0.25 × 700 + 1 × 250 = 200 + 175 + 250 = 625 g (whole span: 1,450 g)
  assert.ok(Math.abs(u.carbonG - 625) < 1e-9, `carbon ${u.carbonG}`);
  // 0.5 × 50 + 0.25 × 120 + 1 × 30 = 25 + 30 + 30 = 85 fen of energy
  assert.equal(u.energyCostFen, 85);
  assert.ok(Math.abs(u.unitHours - 1.75) < 1e-12, `unit-hours ${u.unitHours}`);
  assert.equal(u.costFen, 1750);
  const whole = meterRun({ site, pool, units: 1, startMs: START_MS, endMs: START_MS + 4 * H, siteLoadKW: 1 });
  assert.equal(whole.unitHours, 4);
});

test('a time-of-use price bills the unit-hours over the active spans, not the suspended hours', () => {
  const tou = [100, 900, 900, 200, ...Array(20).fill(0)];
  const spans = activeSpans(START_MS, START_MS + 4 * H, suspended);
  // 0.5 × 100 + 0.25 × 900 + 1 × 200 = 50 + 225 + 200 = 475 fen; spread over the whole 4 h it would be 1.75/4 × 2,100 ≈ 919.
  assert.equal(priceUsageFen({ unitHours: 1.75, startMs: START_MS, endMs: START_MS + 4 * H, price: { fenPerUnitHour: 0, touFenPerUnitHour: tou }, spans }), 475);
  assert.equal(priceUsageFen({ unitHours: 1.75, startMs: START_MS, endMs: START_MS + 4 * H, price: { fenPerUnitHour: 0, touFenPerUnitHour: tou } }), 919);
});
