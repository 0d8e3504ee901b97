import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '@shuzhi/schema';
import { discreteLaplace } from '../src/index.ts';
import { discreteLaplaceVariance } from './fixtures.ts';


for (const [b, seed] of [[0.5, 11], [2, 12], [10, 13]] as const) {
  test(`discrete Laplace of scale ${b}: integers, mean 0, the exact variance, symmetric`, () => {
    const rng = createRng(seed);
    const n = 40_000;
    let sum = 0;
    let sumSq = 0;
    let pos = 0;
    let neg = 0;
    for (let i = 0; i < n; i++) {
      const x = discreteLaplace(b, rng);
      assert.ok(Number.isInteger(x));
      sum += x;
      sumSq += x * x;
      if (x > 0) pos++;
      if (x < 0) neg++;
    }
    const variance = discreteLaplaceVariance(b);
    const mean = sum / n;
    assert.ok(Math.abs(mean) < 4 * Math.sqrt(variance / n), `mean ${mean}`);
    const empirical = sumSq / n - mean * mean;
    assert.ok(Math.abs(empirical / variance - 1) < 0.05, `variance ${empirical} vs ${variance}`);
    const pPos = pos / n;
    assert.ok(Math.abs(pPos - neg / n) < 4 * Math.sqrt(pPos / n), `P(X>0) ${pPos} vs P(X<0) ${neg / n}`);
    // P(X = 0) = (1 − q)/(1 + q): the mass at zero, which a continuous sampler rounded to integers would miss.
    const q = Math.exp(-1 / b);
    const pZero = (n - pos - neg) / n;
    assert.ok(Math.abs(pZero - (1 - q) / (1 + q)) < 4 * Math.sqrt(pZero / n) + 1e-3, `P(X=0) ${pZero}`);
  });
}

test('a source that returns exactly 0 still gives a finite sample; a non-positive scale is refused', () => {
  assert.equal(discreteLaplace(3, { next: () => 0 }), 0);
  assert.throws(() => discreteLaplace(0, createRng(1)), RangeError);
  assert.throws(() => discreteLaplace(Number.NaN, createRng(1)), RangeError);
});
