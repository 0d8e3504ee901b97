import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alibabaGpu, gaiaAzure } from './data.ts';
import { BENCH_SCENARIOS, buildScenario, peakPerSlot, releaseSlots } from './scenarios.ts';

test('release slots: busy hours keep their own slot, idle gaps shrink by one factor', () => {
  // Busy hours 0 (three jobs), 1 (one job), 101 and 201: idle gaps of 99 and 99 hours into 9 slots
  // (0–9 has 10 slots; 4 busy hours need 3 steps, 6 slots are left for 198 idle hours: × 6/198).
  const r = releaseSlots([0, 0.2, 0.5, 1.9, 101, 201.5], 9);
  assert.deepEqual(r.slots, [0, 0, 0, 1, 1 + 1 + 3, 1 + 1 + 3 + 1 + 3]);
  assert.deepEqual(r.compression, { occupiedHours: 4, hoursPerSlot: 1, gapScale: 6 / 198 });
});

test('release slots: a trace that fits keeps its hours as they are; one arrival time maps to slot 0', () => {
  assert.deepEqual(releaseSlots([3, 4.5, 7]).slots, [0, 1, 4]);
  assert.deepEqual(releaseSlots([5, 5, 5]).slots, [0, 0, 0]);
});

test('release slots: more busy hours than slots — consecutive busy hours share a slot, no more than needed', () => {
  const r = releaseSlots([0, 1, 2, 3, 4], 2);
  assert.equal(r.compression.hoursPerSlot, 2);
  assert.deepEqual(r.slots, [0, 0, 1, 1, 2]);
});

/** Most arrivals in one trace hour, counting hours from the first arrival as releaseSlots does. */
const peakHour = (a: number[]) => peakPerSlot(a.map((x) => Math.floor(x - a[0]!)));

test('small bench scenario: the most jobs released in one slot is the most that arrived in one trace hour', () => {
  const spec = BENCH_SCENARIOS.find((s) => s.name === 'small')!;
  const s = buildScenario('small', spec.jobs, spec.sites, spec.carbonPriceFenPerKg).scenario;
  const nGpu = Math.round(spec.jobs * 0.3);
  const gpuArrivals = alibabaGpu().slice(0, nGpu).map((j) => j.arrivalH);
  const cpuArrivals = gaiaAzure().slice(0, spec.jobs - nGpu).map((j) => j.arrivalH);
  const released = (type: string) => s.jobs.filter((j) => j.type === type).map((j) => j.release);
  assert.equal(peakPerSlot(released('gpu')), peakHour(gpuArrivals));
  assert.equal(peakPerSlot(released('cpu')), peakHour(cpuArrivals));
  // and hour by hour: the CPU trace's first 700 jobs span 70 busy hours, each one its own slot
  const perHour = new Map<number, number>();
  for (const a of cpuArrivals) perHour.set(Math.floor(a), (perHour.get(Math.floor(a)) ?? 0) + 1);
  const perSlot = new Map<number, number>();
  for (const r of released('cpu')) perSlot.set(r, (perSlot.get(r) ?? 0) + 1);
  assert.deepEqual([...perSlot.values()].sort((a, b) => a - b), [...perHour.values()].sort((a, b) => a - b));
});
