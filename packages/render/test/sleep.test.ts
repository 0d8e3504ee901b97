import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decideWake, goodHours, inSleepWindow, planWake, savedKWh, wantsSleep } from '../src/index.ts';
import type { HourSignal } from '../src/index.ts';

const H = 3_600_000;
// 2026-12-07 is a Monday; 00:00 at UTC+8 is 2026-12-06 16:00 UTC.
const MONDAY = Date.UTC(2026, 11, 6, 16);
const WEEKDAYS = { days: [1, 2, 3, 4, 5], from: '01:00', to: '07:00' };

test('a weekday window 01:00–07:00 in site time', () => {
  assert.equal(inSleepWindow([WEEKDAYS], MONDAY + 0.5 * H, 8), false);
  assert.equal(inSleepWindow([WEEKDAYS], MONDAY + 1 * H, 8), true);
  assert.equal(inSleepWindow([WEEKDAYS], MONDAY + 6.99 * H, 8), true);
  assert.equal(inSleepWindow([WEEKDAYS], MONDAY + 7 * H, 8), false);
  assert.equal(inSleepWindow([WEEKDAYS], MONDAY - 24 * H + 2 * H, 8), false, 'Sunday');
});

test('a window past midnight belongs to the day it starts on', () => {
  const friNight = { days: [5], from: '22:00', to: '06:00' };
  const friday = MONDAY + 4 * 24 * H;
  assert.equal(inSleepWindow([friNight], friday + 23 * H, 8), true);
  assert.equal(inSleepWindow([friNight], friday + 29 * H, 8), true, 'Saturday 05:00');
  assert.equal(inSleepWindow([friNight], friday + 30 * H, 8), false);
  assert.equal(inSleepWindow([friNight], friday + 5 * H, 8), false, 'Friday 05:00 is not Thursday night');
});

test('idle minutes put a node to sleep', () => {
  const p = { windows: [], idleMinutes: 30, idleWatts: 250 };
  assert.equal(wantsSleep(p, MONDAY + 29 * 60_000, MONDAY, 8), false);
  assert.equal(wantsSleep(p, MONDAY + 30 * 60_000, MONDAY, 8), true);
  assert.equal(wantsSleep(p, MONDAY + 30 * 60_000, null, 8), false, 'busy');
  assert.ok(Math.abs(savedKWh(6 * H, 250) - 1.5) < 1e-9);
});

/** 24 hours: a flat peak price, a valley in hours 12–15 (cheap and windy). */
function day(start: number, valleyFrom = 12): HourSignal[] {
  return Array.from({ length: 24 }, (_, i) => ({ startMs: start + i * H, fenPerKWh: i >= valleyFrom && i < valleyFrom + 4 ? 30 : 110, greenShare: i >= valleyFrom && i < valleyFrom + 4 ? 0.6 : 0.1 }));
}

test('the farm waits for the valley when the deadline allows, and wakes in it', () => {
  const hours = day(MONDAY);
  assert.equal(goodHours(hours).size, 4, 'the valley hours');
  assert.equal(goodHours(hours.map((h) => ({ ...h, fenPerKWh: 50, greenShare: 0 }))).size, 24, 'a flat price: nothing to wait for');
  const base = { awakeSlots: 0, sleepingSlots: 10, workMs: 10 * H, hours, stepMs: 60_000, wakeLatencyMs: 120_000 };
  const early = decideWake({ ...base, now: MONDAY + 2 * H, deadlineMs: MONDAY + 20 * H });
  assert.equal(early.wake, false);
  assert.equal(early.reason, 'waiting-for-cheaper-hour');
  assert.deepEqual(decideWake({ ...base, now: MONDAY + 12.5 * H, deadlineMs: MONDAY + 20 * H }), { wake: true, reason: 'cheap-green-hour' });
  assert.deepEqual(decideWake({ ...base, now: MONDAY + 2 * H, deadlineMs: MONDAY + 3 * H }), { wake: true, reason: 'deadline' });
  assert.equal(decideWake({ ...base, now: MONDAY, deadlineMs: null, workMs: 0 }).reason, 'no-work');
});

/** A farm and its work for the property tests: awake and sleeping slots, hours of work, the valley, the start, the step and the spare time. */
const SCENARIO = {
  awake: fc.integer({ min: 0, max: 4 }),
  sleeping: fc.integer({ min: 1, max: 20 }),
  workH: fc.integer({ min: 1, max: 200 }),
  valleyFrom: fc.integer({ min: 0, max: 20 }),
  startH: fc.integer({ min: 0, max: 23 }),
  stepMin: fc.integer({ min: 1, max: 15 }),
  spareH: fc.integer({ min: 0, max: 30 }),
};

/**
 * Must hold: a sleeping node is woken before a deadline would be missed. The farm's clock steps; the
 * work runs on the awake slots until the decision wakes the rest; whatever the prices, the work is
 * done by the deadline whenever waking at the start would have met it.
 */
test('property: sleeping nodes are woken in time for any feasible deadline', () => {
  fc.assert(
    fc.property(
      fc.record(SCENARIO),
      (s) => {
        const step = s.stepMin * 60_000;
        const latency = 5 * 60_000;
        const slots = s.awake + s.sleeping;
        const work = s.workH * H;
        const start = MONDAY + s.startH * H;
        // Feasible: waking everyone at the first step meets the deadline with the planner's slack.
        const deadline = start + step + latency + (work * 1.1) / slots + s.spareH * H;
        const hours = [...day(MONDAY - 24 * H, s.valleyFrom), ...day(MONDAY, s.valleyFrom), ...day(MONDAY + 24 * H, s.valleyFrom), ...day(MONDAY + 48 * H, s.valleyFrom)];
        let left = work;
        let wokeAt: number | null = null;
        let doneAt: number | null = null;
        for (let now = start; doneAt === null; now += step) {
          assert.ok(now < deadline, `work left (${left} ms) at the deadline; woke at ${wokeAt}`);
          if (wokeAt === null) {
            const horizon = hours.filter((h) => h.startMs + H > now && h.startMs < now + 24 * H);
            const d = decideWake({ now, awakeSlots: s.awake, sleepingSlots: s.sleeping, workMs: left, deadlineMs: deadline, hours: horizon, stepMs: step, wakeLatencyMs: latency });
            if (d.wake) wokeAt = now;
          }
          // Within the step: the awake slots throughout, the woken ones from the moment they are up.
          const up = wokeAt === null ? Infinity : Math.max(now, wokeAt + latency);
          const phases: [number, number][] = [
            [now, Math.min(now + step, up)],
            [Math.min(now + step, up), now + step],
          ];
          phases.forEach(([a, b], i) => {
            const rate = s.awake + (i === 1 ? s.sleeping : 0);
            if (doneAt !== null || b <= a || rate === 0) return;
            if (rate * (b - a) >= left) doneAt = a + left / rate;
            else left -= rate * (b - a);
          });
        }
        assert.ok(doneAt! <= deadline, `done ${(doneAt! - deadline) / 60_000} min after the deadline; woke at ${wokeAt}`);
      },
    ),
    { numRuns: 300 },
  );
});

test('planWake wakes the slots the work needs, not every sleeper', () => {
  const hours = day(MONDAY);
  const base = { awakeSlots: 0, wakingSlots: 0, sleepingSlots: 20, tasks: 100, hours, stepMs: 60_000, wakeLatencyMs: 6 * 60_000 };
  // 10 slot-hours due in 3 hours: 10 × 1.1 / (3 h − 6 min) → 4 slots, at the latest moment only.
  assert.deepEqual(planWake({ ...base, now: MONDAY + 2 * H, workMs: 10 * H, deadlineMs: MONDAY + 5 * H }).slots, 0, 'not yet: waiting is still in time');
  const due = MONDAY + 2 * H + (10 * H * 1.1) / 20 + 6 * 60_000 + 30_000;
  assert.deepEqual(planWake({ ...base, now: MONDAY + 2 * H, workMs: 10 * H, deadlineMs: due }), { slots: 20, reason: 'deadline', latestWakeMs: null }, 'all of them when all are needed');
  // The ones already waking count: fewer more are woken.
  assert.equal(planWake({ ...base, wakingSlots: 5, sleepingSlots: 15, now: MONDAY + 2 * H, workMs: 10 * H, deadlineMs: due }).slots, 15);
  assert.equal(planWake({ ...base, wakingSlots: 5, sleepingSlots: 15, now: MONDAY + 2 * H, workMs: 10 * H, deadlineMs: due + H }).slots, 0);
  // Five 10-minute tasks: five sleepers at most, woken at the latest moment for five.
  const five = { ...base, tasks: 5, workMs: 50 * 60_000, deadlineMs: MONDAY + 3 * H };
  assert.equal(planWake({ ...five, now: MONDAY + 2 * H }).reason, 'waiting-for-cheaper-hour');
  assert.equal(planWake({ ...five, now: MONDAY + 2 * H }).latestWakeMs, MONDAY + 3 * H - 6 * 60_000 - 11 * 60_000);
  assert.deepEqual(planWake({ ...five, now: MONDAY + 3 * H - 18 * 60_000 }), { slots: 5, reason: 'deadline', latestWakeMs: null });
  assert.equal(planWake({ ...five, awakeSlots: 3, now: MONDAY + 3 * H - 18 * 60_000 }).slots, 0, 'three awake nodes still have time');
  assert.equal(planWake({ ...five, awakeSlots: 3, now: MONDAY + 3 * H - 12 * 60_000 }).slots, 2, 'three of the five tasks run on the awake nodes');
  assert.equal(planWake({ ...five, awakeSlots: 5, now: MONDAY + 3 * H - 18 * 60_000 }).reason, 'awake-nodes-suffice');
  // In the valley (hours 12–16): enough to finish by the valley's end, 3.5 h away.
  const valley = planWake({ ...base, now: MONDAY + 12.5 * H, workMs: 10 * H, deadlineMs: null });
  assert.deepEqual(valley, { slots: Math.ceil((11 * H) / (3.5 * H - 6 * 60_000)), reason: 'cheap-green-hour', latestWakeMs: null });
  assert.equal(planWake({ ...base, awakeSlots: 4, now: MONDAY + 12.5 * H, workMs: 10 * H, deadlineMs: null }).reason, 'awake-nodes-suffice');
  assert.equal(planWake({ ...base, now: MONDAY + 2 * H, workMs: 10 * H, deadlineMs: null }).reason, 'waiting-for-cheaper-hour');
  assert.equal(planWake({ ...base, now: MONDAY, workMs: 0, deadlineMs: null }).reason, 'no-work');
});

/**
 * Must hold, with partial waking: the farm decides every step and wakes only the slots planWake asks
 * for; a feasible deadline is still met, and every wake is needed — one slot fewer would not have done
 * the work in time by the plan's own arithmetic.
 */
test('property: waking only as many as needed still meets every feasible deadline', () => {
  fc.assert(
    fc.property(
      fc.record({ ...SCENARIO, sleeping: fc.integer({ min: 1, max: 40 }), latencyMin: fc.integer({ min: 0, max: 10 }), tasks: fc.integer({ min: 1, max: 60 }) }),
      (s) => {
        const step = s.stepMin * 60_000;
        const latency = s.latencyMin * 60_000;
        const slots = s.awake + s.sleeping;
        const work = s.workH * H;
        const start = MONDAY + s.startH * H;
        // A slot runs one task at a time: no more than `tasks` slots work at once.
        const deadline = start + step + latency + (work * 1.1) / Math.min(slots, s.tasks) + s.spareH * H;
        const hours = [...day(MONDAY - 24 * H, s.valleyFrom), ...day(MONDAY, s.valleyFrom), ...day(MONDAY + 24 * H, s.valleyFrom), ...day(MONDAY + 48 * H, s.valleyFrom)];
        let left = work;
        let asleep = s.sleeping;
        const wakes: { at: number; n: number }[] = [];
        let doneAt: number | null = null;
        for (let now = start; doneAt === null; now += step) {
          assert.ok(now < deadline, `work left (${left} ms) at the deadline; wakes ${JSON.stringify(wakes)}`);
          const up = wakes.filter((x) => x.at + latency <= now).reduce((a, x) => a + x.n, 0);
          const waking = wakes.filter((x) => x.at + latency > now).reduce((a, x) => a + x.n, 0);
          const horizon = hours.filter((h) => h.startMs + H > now && h.startMs < now + 24 * H);
          const input = { now, tasks: s.tasks, awakeSlots: s.awake + up, wakingSlots: waking, sleepingSlots: asleep, workMs: left, deadlineMs: deadline, hours: horizon, stepMs: step, wakeLatencyMs: latency };
          const plan = planWake(input);
          assert.ok(plan.slots >= 0 && plan.slots <= Math.min(asleep, s.tasks), 'never more than the sleepers, nor than the tasks');
          if (plan.slots > 0 && plan.slots < asleep && plan.reason === 'deadline') {
            const fewer = (s.awake + up) * (deadline - now) + (waking + plan.slots - 1) * Math.max(0, deadline - now - latency);
            assert.ok(fewer < left * 1.1, 'one slot fewer would have been enough');
          }
          if (plan.slots > 0) {
            wakes.push({ at: now, n: plan.slots });
            asleep -= plan.slots;
          }
          // Within the step, piecewise: each slot works from the moment it is up.
          const cuts = [now, ...wakes.map((x) => x.at + latency).filter((t) => t > now && t < now + step), now + step].sort((a, b) => a - b);
          for (let i = 0; i + 1 < cuts.length && doneAt === null; i++) {
            const [a, b] = [cuts[i]!, cuts[i + 1]!];
            const rate = Math.min(s.tasks, s.awake + wakes.filter((x) => x.at + latency <= a).reduce((acc, x) => acc + x.n, 0));
            if (rate === 0 || b <= a) continue;
            if (rate * (b - a) >= left) doneAt = a + left / rate;
            else left -= rate * (b - a);
          }
        }
        assert.ok(doneAt! <= deadline, `done ${(doneAt! - deadline) / 60_000} min after the deadline; wakes ${JSON.stringify(wakes)}`);
      },
    ),
    { numRuns: 300 },
  );
});
