import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentile, weightedPercentile } from './stats.ts';

test('percentile: nearest rank, by hand', () => {
  const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(ten, 50), 5);
  assert.equal(percentile(ten, 90), 9);
  assert.equal(percentile(ten, 99), 10);
  assert.equal(percentile(ten, 0), 1);
  assert.equal(percentile([42], 99), 42);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('weighted percentile counts each sample as many times as its weight', () => {
  // 1 ms carried 9 steps, 100 ms carried 1: the median step took 1 ms, the 95th percentile 100 ms.
  const waves = [{ value: 1, weight: 9 }, { value: 100, weight: 1 }];
  assert.equal(weightedPercentile(waves, 50), 1);
  assert.equal(weightedPercentile(waves, 90), 1);
  assert.equal(weightedPercentile(waves, 95), 100);
});
