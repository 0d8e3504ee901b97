import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataQuery, createRng, type DataOutputRule, type DataQueryInput } from '@shuzhi/schema';
import { DataRuleError, planQuery, releaseResult } from '../src/index.ts';
import { discreteLaplaceVariance, meterColumns } from './fixtures.ts';

const K: DataOutputRule = { kind: 'k-anonymity', k: 10 };
const DP: DataOutputRule = { kind: 'differential-privacy', epsilonBudget: 5, maxEpsilonPerQuery: 2 };
const plan = (input: DataQueryInput, output: DataOutputRule) => planQuery(DataQuery.parse(input), meterColumns, output);
const neverCalled = { next: () => assert.fail('k-anonymity draws no noise') };

test('k-anonymity releases groups of at least k with DuckDB bigints as numbers and means to 6 digits', () => {
  const p = plan({ measures: [{ fn: 'count' }, { fn: 'avg', column: 'energy_kwh' }, { fn: 'sum', column: 'peak_kw' }], groupBy: ['county'] }, K);
  const rows = [
    { county: 'Kuitun', __n: 12n, count: 12n, avg_energy_kwh: 123.456789012, sum_peak_kw: '340' },
    { county: 'Shawan', __n: 10n, count: 10n, avg_energy_kwh: null, sum_peak_kw: 0.1 + 0.2 },
  ];
  const r = releaseResult(p, { rows, rowsScanned: 500 }, K, neverCalled);
  assert.deepEqual(r, {
    groups: [
      { key: { county: 'Kuitun' }, values: { count: 12, avg_energy_kwh: 123.457, sum_peak_kw: 340 } },
      { key: { county: 'Shawan' }, values: { count: 10, avg_energy_kwh: null, sum_peak_kw: 0.3 } },
    ],
    release: { kind: 'k-anonymity', k: 10, smallestGroup: 10 },
    rowsScanned: 500,
  });
});

test('one group under k refuses the whole query and names neither the group nor its count', () => {
  const p = plan({ measures: [{ fn: 'count' }], groupBy: ['county'] }, K);
  const rows = [
    { county: 'Kuitun', __n: 40n, count: 40n },
    { county: 'Shawan', __n: 3n, count: 3n },
    { county: 'Wusu', __n: 25n, count: 25n },
  ];
  assert.throws(
    () => releaseResult(p, { rows, rowsScanned: 68 }, K, neverCalled),
    (e: unknown) => {
      assert.ok(e instanceof DataRuleError);
      assert.equal(e.code, 'GROUP_BELOW_K');
      assert.match(e.message, /1 of 3 group\(s\) count fewer than 10 records/);
      assert.doesNotMatch(e.message, /Shawan|\b3 records/);
      return true;
    },
  );
});

test('a total under k is refused, with or without groups', () => {
  const whole = plan({ measures: [{ fn: 'count' }] }, K);
  assert.throws(() => releaseResult(whole, { rows: [{ __n: 9n, count: 9n }], rowsScanned: 9 }, K, neverCalled), { code: 'GROUP_BELOW_K' });
  const grouped = plan({ measures: [{ fn: 'count' }], groupBy: ['county'] }, K);
  assert.throws(() => releaseResult(grouped, { rows: [], rowsScanned: 0 }, K, neverCalled), { code: 'GROUP_BELOW_K' });
  assert.equal(releaseResult(whole, { rows: [{ __n: 10n, count: 10n }], rowsScanned: 10 }, K, neverCalled).groups[0]!.values.count, 10);
});

test('differential privacy releases every category combination, never __n, and spends exactly the plan ε', () => {
  const p = plan({ measures: [{ fn: 'count' }, { fn: 'sum', column: 'energy_kwh' }, { fn: 'avg', column: 'peak_kw' }], groupBy: ['county', 'tariff'], epsilon: 1.2 }, DP);
  const rows = [{ county: 'Wusu', tariff: 'commercial', __n: 500n, count: 500n, sum_energy_kwh: 1000, avg_peak_kw__sum: 400, avg_peak_kw__count: 20n }];
  const r = releaseResult(p, { rows, rowsScanned: 500 }, DP, createRng(7));
  assert.deepEqual(
    r.groups.map((g) => `${g.key.county}/${g.key.tariff}`),
    ['Shawan/residential', 'Shawan/commercial', 'Kuitun/residential', 'Kuitun/commercial', 'Wusu/residential', 'Wusu/commercial'],
  );
  for (const g of r.groups) assert.deepEqual(Object.keys(g.values), ['count', 'sum_energy_kwh', 'avg_peak_kw']);
  assert.ok(r.groups.every((g) => (g.values.count ?? 0) >= 0));
  assert.equal(r.release.kind, 'differential-privacy');
  if (r.release.kind !== 'differential-privacy') return;
  assert.equal(r.release.epsilonSpent, 1.2);
  // Four noisy numbers (count, sum, avg's sum and count): ε = Σ Δ/b over them.
  const sensitivity: Record<string, number> = { count: 1, sum_energy_kwh: 2000, 'avg_peak_kw:sum': 50, 'avg_peak_kw:count': 1 };
  assert.deepEqual(Object.keys(r.release.scale).sort(), Object.keys(sensitivity).sort());
  const spent = Object.entries(r.release.scale).reduce((s, [name, b]) => s + sensitivity[name]! / b, 0);
  assert.ok(Math.abs(spent - 1.2) < 1e-9, `spent ${spent}`);
  const wusu = r.groups.find((g) => g.key.county === 'Wusu' && g.key.tariff === 'commercial')!;
  const mean = wusu.values.avg_peak_kw;
  assert.ok(mean === null || (mean !== undefined && mean >= 0 && mean <= 50), 'the mean stays within the bounds');
});

test('a raw group outside the categories is not released', () => {
  const p = plan({ measures: [{ fn: 'count' }], groupBy: ['county'], epsilon: 1 }, DP);
  const r = releaseResult(p, { rows: [{ county: 'Urumqi', __n: 50n, count: 50n }], rowsScanned: 50 }, DP, createRng(1));
  assert.deepEqual(r.groups.map((g) => g.key.county), ['Shawan', 'Kuitun', 'Wusu']);
});

/** Variance of the noise on `name` around `truth` over many seeds. */
function noiseVariance(p: ReturnType<typeof plan>, rows: Record<string, unknown>[], name: string, truth: number, seeds: number): number {
  let sum = 0;
  let sumSq = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const v = releaseResult(p, { rows, rowsScanned: 1 }, DP, createRng(seed * 7919)).groups[0]!.values[name]! - truth;
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / seeds;
  return sumSq / seeds - mean * mean;
}

test('the noise on counts and sums has the scale Δ/ε_share (statistically, over many seeds)', () => {
  // ε 2 over two outputs: a share of 1 each; count Δ = 1, sum Δ = 2000 (energy_kwh bounds [0, 2000]).
  const p = plan({ measures: [{ fn: 'count' }, { fn: 'sum', column: 'energy_kwh' }], epsilon: 2 }, DP);
  const rows = [{ __n: 5000n, count: 5000n, sum_energy_kwh: 1_234_000 }];
  const seeds = 6000;
  const countVar = noiseVariance(p, rows, 'count', 5000, seeds);
  const expectedCount = discreteLaplaceVariance(1);
  assert.ok(Math.abs(countVar / expectedCount - 1) < 0.08, `count noise variance ${countVar} vs ${expectedCount}`);
  const sumVar = noiseVariance(p, rows, 'sum_energy_kwh', 1_234_000, seeds);
  const r = 2000 / 1000;
  const expectedSum = r * r * discreteLaplaceVariance(1000 / 1);
  assert.ok(Math.abs(sumVar / expectedSum - 1) < 0.08, `sum noise variance ${sumVar} vs ${expectedSum}`);
  // …which is the Laplace mechanism's 2(Δ/ε)² to within the grid.
  assert.ok(Math.abs(expectedSum / (2 * 2000 ** 2) - 1) < 0.001);
});

test('noisy counts are never negative: clamping at zero is post-processing', () => {
  const p = plan({ measures: [{ fn: 'count' }], groupBy: ['county'], epsilon: 0.1 }, DP);
  for (let seed = 1; seed <= 50; seed++) {
    const r = releaseResult(p, { rows: [], rowsScanned: 0 }, DP, createRng(seed));
    assert.ok(r.groups.every((g) => g.values.count! >= 0));
  }
});
