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

const FIRST = { turn: 'first' } as const;
const STEADY = { turn: 'steady' } as const;

/**
 * Heartbeats sent in each second of `seconds` by `agents` handed a long task within the same second,
 * each timing its heartbeats by `nextWait(beat, firstWait)` (beat 0 is the first).
 */
function perSecond(agents: number, seconds: number, random: () => number, nextWait: (beat: number, firstWait: number) => number): number[] {
  const counts = new Array<number>(seconds).fill(0);
  for (let a = 0; a < agents; a++) {
    let at = random() * 1000;
    const firstWait = nextWait(0, 0);
    at += firstWait;
    for (let beat = 1; at < seconds * 1000; beat++) {
      counts[Math.floor(at / 1000)]!++;
      at += nextWait(beat, firstWait);
    }
  }
  return counts;
}

/** The agent's turns: the first, the second as long as the first, then steady. */
const agentWait = (random: () => number) => (beat: number, firstWait: number) =>
  heartbeatWait(INTERVAL, beat === 0 ? FIRST : beat === 1 ? { turn: 'second', firstWaitMs: firstWait } : STEADY, random);

/** The busiest second of `counts[from..to)` over their mean. */
function burstiness(counts: number[], from: number, to: number): number {
  const window = counts.slice(from, to);
  return Math.max(...window) / (window.reduce((x, y) => x + y, 0) / window.length);
}

test("agents handed a task in the same moment spread their first heartbeat over the interval's last three quarters", () => {
  const random = seeded(1);
  const agents = 20_000;
  const firsts = Array.from({ length: agents }, () => heartbeatWait(INTERVAL, FIRST, random));
  // Never later than the interval (the lease is renewed in time, two heartbeats may be lost), and
  // never in its first quarter (a lease just granted needs no renewal yet).
  assert.ok(firsts.every((t) => t >= INTERVAL / 4 && t <= INTERVAL), `first heartbeats from ${Math.min(...firsts)} to ${Math.max(...firsts)} ms`);
  // Spread: each tenth of the span holds about a tenth of the agents (binomial sd ≈ 42 here).
  const from = INTERVAL / 4;
  const tenth = (INTERVAL - from) / 10;
  const tenths = new Array(10).fill(0);
  for (const t of firsts) tenths[Math.min(9, Math.floor((t - from) / tenth))]++;
  for (const n of tenths) assert.ok(n > agents / 10 - 300 && n < agents / 10 + 300, `tenths of the span: ${tenths.join(', ')}`);
});

test('after a synchronized start the heartbeats are spread evenly from the second interval on, and stay so', () => {
  // 20,000 agents handed a long task in the same second (a job submitted to an idle farm, a farm restarted).
  const counts = perSecond(20_000, 120, seeded(7), agentWait(seeded(8)));
  // The first interval: the first heartbeats over its last three quarters, at 4/3 of the mean rate
  // (2,667 a second; the busiest second below 1.5 × the mean 2,000), none in the first two seconds.
  assert.ok(counts.slice(0, 2).every((n) => n === 0), `first seconds: ${counts.slice(0, 4).join(', ')}`);
  assert.ok(Math.max(...counts.slice(0, 11)) < 3000, `first interval: ${counts.slice(0, 11).join(', ')}`);
  // From the second interval on (one second of start spread later) every second carries about one
  // node in ten: the busiest second within 10 % of the mean (binomial sd ≈ 1.6 % at 2,000 a second)…
  assert.ok(burstiness(counts, 11, 120) < 1.1, `busiest / mean from second 11: ${burstiness(counts, 11, 120).toFixed(2)}; ${counts.slice(8, 32).join(', ')}`);
  // …and the mean is one heartbeat per node and interval (less the steady waits' 2 % margin): no more load than that.
  const mean = counts.slice(11, 120).reduce((x, y) => x + y, 0) / 109;
  assert.ok(mean > 2000 && mean < 2000 / 0.98 + 40, `mean ${mean.toFixed(0)} a second`);
  // The same measure on the agent's previous timing (the first in the interval's upper half, every
  // later one up to 10 % early) still finds its half-interval burst two minutes on: what this test guards against.
  const previous = (random: () => number) => (beat: number) => Math.ceil(INTERVAL * (beat === 0 ? 1 - 0.5 * random() : 1 - 0.1 * random()));
  const before = perSecond(20_000, 120, seeded(7), previous(seeded(8)));
  assert.ok(burstiness(before, 11, 120) > 1.5, `previous timing, busiest / mean: ${burstiness(before, 11, 120).toFixed(2)}`);
});

test('no heartbeat waits longer than the interval, whichever turn, so two may be lost before the lease ends', () => {
  const random = seeded(2);
  const seconds: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const first = heartbeatWait(INTERVAL, FIRST, random);
    const second = heartbeatWait(INTERVAL, { turn: 'second', firstWaitMs: first }, random);
    assert.ok(first <= INTERVAL && second <= INTERVAL && second >= 0.75 * INTERVAL, `first ${first}, second ${second}`);
    assert.ok(heartbeatWait(INTERVAL, STEADY, random) <= INTERVAL);
    seconds.push(first + second);
  }
  // The second heartbeat lands in the next interval, each tenth of it holding about a tenth of them.
  assert.ok(seconds.every((t) => t >= INTERVAL && t <= 2 * INTERVAL));
  const tenths = new Array(10).fill(0);
  for (const t of seconds) tenths[Math.min(9, Math.floor((t - INTERVAL) / (INTERVAL / 10)))]++;
  assert.ok(tenths.every((n) => n > 400 && n < 600), `second heartbeats by tenth of the next interval: ${tenths.join(', ')}`);
  // A first wait drawn at a longer interval (the task's lease changed) gives no wait over this one.
  assert.equal(heartbeatWait(INTERVAL, { turn: 'second', firstWaitMs: 3 * INTERVAL }, random), INTERVAL);
});

test("a short task sends fewer heartbeats with the first in the interval's last three quarters than anywhere in it", () => {
  // Tasks of 1–5 s at a 10 s interval: heartbeats a task sends before it ends, with the agent's first
  // wait or one drawn over the whole interval (later heartbeats steady).
  const mean = (firstWait: (r: () => number) => number, later: (r: () => number) => (beat: number, first: number) => number) => {
    const random = seeded(6);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) {
      const length = 1000 + random() * 4000;
      const first = firstWait(random);
      for (let at = first, beat = 1; at < length; at += later(random)(beat++, first)) sum++;
    }
    return sum / 20_000;
  };
  const lastQuarters = mean((r) => heartbeatWait(INTERVAL, FIRST, r), agentWait);
  const wholeInterval = mean((r) => Math.max(1, Math.ceil((1 - r()) * INTERVAL)), (r) => () => heartbeatWait(INTERVAL, STEADY, r));
  // Expected 0.10 (the first in 2.5–10 s: none for a task under 2.5 s) against 0.3 (mean length /
  // interval); no task here lives to its second heartbeat.
  assert.ok(lastQuarters < wholeInterval - 0.15, `heartbeats per task: ${lastQuarters.toFixed(2)} (last three quarters) vs ${wholeInterval.toFixed(2)} (whole interval)`);
});

test('steady heartbeats come within the interval and up to 2% before it, so phases that met drift apart', () => {
  const random = seeded(2);
  const waits = Array.from({ length: 5000 }, () => heartbeatWait(INTERVAL, STEADY, random));
  assert.ok(waits.every((t) => t >= 0.98 * INTERVAL && t <= INTERVAL));
  assert.ok(new Set(waits).size > 100, 'the waits differ from one heartbeat to the next');
  // Two agents heartbeating together do not stay together: after ten beats they are apart.
  const a = seeded(3);
  const b = seeded(4);
  let ta = 0;
  let tb = 0;
  for (let i = 0; i < 10; i++) {
    ta += heartbeatWait(INTERVAL, STEADY, a);
    tb += heartbeatWait(INTERVAL, STEADY, b);
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
