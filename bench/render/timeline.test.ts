// The render bench's --timeline: seconds whose heartbeats (with the second before) exceed 1.5× the mean
// are burst seconds, and the asks and overviews reported in them are summed apart from the rest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timeline } from './timeline.ts';

test('asks and overviews in heartbeat-burst seconds are told apart from the rest', () => {
  const from = 1_000_000_000_000; // epoch ms, on a whole second
  // Mean 203 a second; seconds 2 and 3 carry a burst (their sums with the second before exceed 610).
  const beats = [100, 100, 520, 300, 100, 100];
  const latencies = new Map<number, number[]>([
    [from / 1000 + 1, [10, 20]],
    [from / 1000 + 2, [900]],
    [from / 1000 + 3, [800, 5]],
    [from / 1000 + 5, [30]],
  ]);
  const overviews = [{ at: from + 2500, ms: 1200 }, { at: from + 4100, ms: 40 }];
  const out = timeline({ fromMs: from, toMs: from + 6000, beats, latencies, overviews });
  const rows = out.split('\n');
  assert.equal(rows.length, 1 + 6 + 1, out);
  assert.match(rows[3]!, /^\s+2\s+520\s+1\s+900\s+1200\s+burst$/);
  assert.match(rows[4]!, /burst$/);
  assert.doesNotMatch(rows[2]!, /burst/);
  assert.match(rows.at(-1)!, /mean 203\/s\): ask p99 900 ms over 3 asks, overview max 1200 ms; other seconds: ask p99 30 ms over 3 asks, overview max 40 ms/);
});
