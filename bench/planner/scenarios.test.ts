import assert from 'node:assert/strict';
import { test } from 'node:test';
import { releaseSlots } from './scenarios.ts';

test('release slots follow real arrival times: a burst stays a burst, a gap stays a gap', () => {
  // Four jobs within the first hour, then one each at 50 h and 100 h: a 100 h span over 144 slots
  // makes each slot 100/144 ≈ 0.694 h, so 0.9 h is slot 1 (1.296) and 50 h is slot 72.
  assert.deepEqual(releaseSlots([0, 0.2, 0.5, 0.9, 50, 100]), [0, 0, 0, 1, 72, 143]);
  // Evenly spaced by index these six would have been 0, 24, 48, 72, 96, 120.
});

test('release slots: one arrival time for all maps to slot 0; the last arrival is the last slot', () => {
  assert.deepEqual(releaseSlots([5, 5, 5]), [0, 0, 0]);
  assert.deepEqual(releaseSlots([10, 20], 9), [0, 9]);
});
