// The worker's heartbeat phase and retry jitter (pacing.ts): properties over many simulated agents,
// drawn from a seeded generator so a failure repeats; no clocks involved.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heartbeatWait, retryCeiling, retryWait } from '../src/worker/pacing.ts';

/** A seeded generator (a linear congruential one), the same draws every run. */
function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const INTERVAL = 10_000;

test("agents handed a task in the same moment spread their first heartbeat over the interval's upper half", () => {
  const random = seeded(1);
  const agents = 20_000;
  const firsts = Array.from({ length: agents }, () => heartbeatWait(INTERVAL, true, random));
  // Never later than the interval (the lease is renewed in time, two heartbeats may be lost), and
  // never in its first half (a lease just granted needs no renewal yet).
  assert.ok(firsts.every((t) => t >= INTERVAL / 2 && t <= INTERVAL), `first heartbeats from ${Math.min(...firsts)} to ${Math.max(...firsts)} ms`);
  // Spread: each tenth of the upper half holds about a tenth of the agents (binomial sd ≈ 42 here).
  const half = INTERVAL / 2;
  const tenths = new Array(10).fill(0);
  for (const t of firsts) tenths[Math.min(9, Math.floor((t - half) / (half / 10)))]++;
  for (const n of tenths) assert.ok(n > agents / 10 - 300 && n < agents / 10 + 300, `tenths of the upper half: ${tenths.join(', ')}`);
  // So the busiest half-second sees about a tenth of the fleet, not all of it.
  assert.ok(Math.max(...tenths) < 0.12 * agents);
});

test('a short task sends fewer heartbeats with the first in the upper half than anywhere in the interval', () => {
  // Tasks of 10–30 s at a 10 s interval (the render bench's paced phase): heartbeats a task sends before it ends.
  const beatsOf = (firstWait: (r: () => number) => number, random: () => number) => {
    let n = 0;
    const length = 10_000 + random() * 20_000;
    for (let at = firstWait(random); at < length; at += heartbeatWait(INTERVAL, false, random)) n++;
    return n;
  };
  const tasks = 20_000;
  const mean = (firstWait: (r: () => number) => number, seed: number) => {
    const random = seeded(seed);
    let sum = 0;
    for (let i = 0; i < tasks; i++) sum += beatsOf(firstWait, random);
    return sum / tasks;
  };
  const upperHalf = mean((r) => heartbeatWait(INTERVAL, true, r), 6);
  const wholeInterval = mean((r) => Math.max(1, Math.ceil((1 - r()) * INTERVAL)), 6);
  // Expected ≈ 1.8 against ≈ 2.1: a tenth of the heartbeats a paced farm sends.
  assert.ok(upperHalf < wholeInterval - 0.2, `heartbeats per task: ${upperHalf.toFixed(2)} (upper half) vs ${wholeInterval.toFixed(2)} (whole interval)`);
  // Still at least one per task longer than the interval: the lease is renewed.
  assert.ok(upperHalf >= 1);
});

test('steady heartbeats come within the interval and up to 10% before it, so phases that met drift apart', () => {
  const random = seeded(2);
  const waits = Array.from({ length: 5000 }, () => heartbeatWait(INTERVAL, false, random));
  assert.ok(waits.every((t) => t >= 0.9 * INTERVAL && t <= INTERVAL));
  assert.ok(new Set(waits).size > 100, 'the waits differ from one heartbeat to the next');
  // Two agents heartbeating together do not stay together: after ten beats they are apart.
  const a = seeded(3);
  const b = seeded(4);
  let ta = 0;
  let tb = 0;
  for (let i = 0; i < 10; i++) {
    ta += heartbeatWait(INTERVAL, false, a);
    tb += heartbeatWait(INTERVAL, false, b);
  }
  assert.notEqual(ta, tb);
});

test('the retry ceiling doubles from the first wait to the maximum; each wait is jittered within its upper half', () => {
  const backoff = { firstMs: 500, maxMs: 10_000 };
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 40].map((n) => retryCeiling(n, backoff)), [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  const random = seeded(5);
  for (let failures = 1; failures <= 8; failures++) {
    const ceiling = retryCeiling(failures, backoff);
    const waits = Array.from({ length: 2000 }, () => retryWait(failures, backoff, random));
    assert.ok(waits.every((w) => w >= ceiling / 2 && w <= ceiling), `failure ${failures}: within [${ceiling / 2}, ${ceiling}]`);
    // Spread over the half: a fleet that failed together does not retry together.
    assert.ok(Math.min(...waits) < 0.55 * ceiling && Math.max(...waits) > 0.95 * ceiling, `failure ${failures}: ${Math.min(...waits)}–${Math.max(...waits)}`);
  }
  // Grows: the mean wait after each failure is longer than after the one before, up to the cap.
  const mean = (n: number) => Array.from({ length: 2000 }, () => retryWait(n, backoff, random)).reduce((x, y) => x + y, 0) / 2000;
  for (let n = 2; n <= 6; n++) assert.ok(mean(n) > mean(n - 1), `mean after ${n} failures exceeds the one after ${n - 1}`);
});
