import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataQuery, type DataOutputRule, type DataQueryInput } from '@shuzhi/schema';
import { DataRuleError, planQuery } from '../src/index.ts';
import { meterColumns } from './fixtures.ts';

const K: DataOutputRule = { kind: 'k-anonymity', k: 10 };
const DP: DataOutputRule = { kind: 'differential-privacy', epsilonBudget: 5, maxEpsilonPerQuery: 1 };
const q = (input: DataQueryInput) => DataQuery.parse(input);

function refused(input: DataQueryInput, output: DataOutputRule, code: string, path: string, columns = meterColumns): DataRuleError {
  try {
    planQuery(q(input), columns, output);
  } catch (e) {
    assert.ok(e instanceof DataRuleError, String(e));
    assert.equal(e.code, code, e.message);
    assert.ok(e.issues?.some((i) => i.path === path), `no issue at ${path}: ${JSON.stringify(e.issues)}`);
    return e;
  }
  assert.fail(`planned although it should be refused with ${code}`);
}

test('an aggregate query compiles to one parameterised statement over __product', () => {
  const plan = planQuery(
    q({ measures: [{ fn: 'count' }, { fn: 'sum', column: 'energy_kwh' }, { fn: 'avg', column: 'peak_kw' }], groupBy: ['county', 'tariff'], filters: [{ column: 'month', op: 'gte', value: '2026-03-01' }] }),
    meterColumns,
    K,
  );
  assert.deepEqual(plan.groupColumns, ['county', 'tariff']);
  assert.deepEqual(plan.outputs.map((o) => o.name), ['count', 'sum_energy_kwh', 'avg_peak_kw']);
  assert.deepEqual(plan.params, ['2026-03-01']);
  assert.equal(plan.epsilon, 0);
  assert.equal(plan.consumerTable, null);
  assert.match(plan.sql, /^SELECT p\."county" AS "county", p\."tariff" AS "tariff", count\(\*\) AS "__n", /);
  assert.match(plan.sql, /FROM __product p WHERE p\."month" >= CAST\(\$1 AS DATE\) GROUP BY p\."county", p\."tariff" ORDER BY p\."county", p\."tariff"$/);
  assert.doesNotMatch(plan.sql, /least\(/, 'no clamping under k-anonymity');
});

test('identifier and sensitive columns may not be grouped, filtered or aggregated', () => {
  refused({ measures: [{ fn: 'count' }], groupBy: ['meter_id'] }, K, 'COLUMN_NOT_ALLOWED', 'query.groupBy[0]');
  refused({ measures: [{ fn: 'count' }], filters: [{ column: 'meter_id', op: 'eq', value: 'M-0001' }] }, K, 'COLUMN_NOT_ALLOWED', 'query.filters[0].column');
  refused({ measures: [{ fn: 'count' }], groupBy: ['holder_name'] }, K, 'COLUMN_NOT_ALLOWED', 'query.groupBy[0]');
  refused({ measures: [{ fn: 'sum', column: 'holder_name' }] }, K, 'COLUMN_NOT_ALLOWED', 'query.measures[0].column');
  const join = { on: 'holder_name', columns: ['holder_name'], rows: [['x']] };
  refused({ action: 'join', measures: [{ fn: 'count' }], join }, K, 'COLUMN_NOT_ALLOWED', 'query.join.on');
});

test('a query without an aggregate returns records and is refused', () => {
  refused({ groupBy: ['county'] }, K, 'RETURNS_RECORDS', 'query.measures');
});

test('an unknown column is named', () => {
  const e = refused({ measures: [{ fn: 'sum', column: 'salary' }] }, K, 'COLUMN_UNKNOWN', 'query.measures[0].column');
  assert.match(e.message, /salary/);
  refused({ measures: [{ fn: 'count' }], groupBy: ['town'] }, K, 'COLUMN_UNKNOWN', 'query.groupBy[0]');
});

test('roles and types: a measure is not grouped, a dimension not summed, filter values match the column', () => {
  refused({ measures: [{ fn: 'count' }], groupBy: ['energy_kwh'] }, K, 'QUERY_INVALID', 'query.groupBy[0]');
  refused({ measures: [{ fn: 'sum', column: 'county' }] }, K, 'QUERY_INVALID', 'query.measures[0].column');
  refused({ measures: [{ fn: 'count' }], filters: [{ column: 'month', op: 'gt', value: 'last spring' }] }, K, 'QUERY_INVALID', 'query.filters[0].value');
  refused({ measures: [{ fn: 'count' }], filters: [{ column: 'month', op: 'lt', value: '2026-02-30' }] }, K, 'QUERY_INVALID', 'query.filters[0].value');
  refused({ measures: [{ fn: 'count' }], filters: [{ column: 'county', op: 'lt', value: 'K' }] }, K, 'QUERY_INVALID', 'query.filters[0].value');
  refused({ measures: [{ fn: 'count' }], filters: [{ column: 'county', op: 'in', value: 'Wusu' }] }, K, 'QUERY_INVALID', 'query.filters[0].value');
  refused({ measures: [{ fn: 'count' }, { fn: 'count' }] }, K, 'QUERY_INVALID', 'query.measures');
});

test('values are bound as parameters, never spliced into the SQL', () => {
  const evil = "x'; DROP TABLE t; --";
  const plan = planQuery(q({ measures: [{ fn: 'count' }], filters: [{ column: 'county', op: 'in', value: ['Wusu', evil] }, { column: 'tariff', op: 'neq', value: evil }] }), meterColumns, K);
  assert.deepEqual(plan.params, ['Wusu', evil, evil]);
  assert.ok(!plan.sql.includes('DROP'), plan.sql);
  assert.match(plan.sql, /p\."county" IN \(\$1, \$2\) AND p\."tariff" <> \$3/);
});

test('differential privacy needs categories to group by, bounds to sum and an ε within the per-query cap', () => {
  const noCategories = meterColumns.map((c) => (c.name === 'county' ? { ...c, categories: undefined } : c));
  refused({ measures: [{ fn: 'count' }], groupBy: ['county'], epsilon: 0.5 }, DP, 'QUERY_INVALID', 'query.groupBy[0]', noCategories);
  const noBounds = meterColumns.map((c) => (c.name === 'energy_kwh' ? { ...c, bounds: undefined } : c));
  refused({ measures: [{ fn: 'avg', column: 'energy_kwh' }], epsilon: 0.5 }, DP, 'BOUNDS_MISSING', 'query.measures[0].column', noBounds);
  refused({ measures: [{ fn: 'count' }] }, DP, 'QUERY_INVALID', 'query.epsilon');
  refused({ measures: [{ fn: 'count' }], epsilon: 1.5 }, DP, 'EPSILON_TOO_LARGE', 'query.epsilon');
  refused({ action: 'train', train: { target: 'energy_kwh', feature: 'peak_kw' }, epsilon: 1 }, DP, 'QUERY_INVALID', 'query.train');
  const join = { on: 'meter_id', columns: ['meter_id', 'class'], rows: [['M-1', 'a']], groupBy: ['class'] };
  const e = refused({ action: 'join', measures: [{ fn: 'count' }], join, epsilon: 1 }, DP, 'JOIN_INVALID', 'query.join.groupBy');
  assert.match(e.message, /schema/);
});

test('under differential privacy sums are clamped to the bounds and an avg is selected as its sum and count', () => {
  const plan = planQuery(q({ measures: [{ fn: 'sum', column: 'energy_kwh' }, { fn: 'avg', column: 'peak_kw' }], groupBy: ['county'], epsilon: 0.8 }), meterColumns, DP);
  assert.equal(plan.epsilon, 0.8);
  assert.deepEqual(plan.params, [0, 2000, 0, 50]);
  assert.deepEqual(plan.categories, { county: ['Shawan', 'Kuitun', 'Wusu'] });
  assert.match(plan.sql, /sum\(least\(greatest\(p\."energy_kwh", \$1\), \$2\)\) AS "sum_energy_kwh"/);
  assert.match(plan.sql, /sum\(least\(greatest\(p\."peak_kw", \$3\), \$4\)\) AS "avg_peak_kw__sum", count\(p\."peak_kw"\) AS "avg_peak_kw__count"/);
});

test('a join runs on the consumer rows at the site and groups by product then consumer columns', () => {
  const join = { on: 'meter_id', columns: ['meter_id', 'class'], rows: [['M-1', 'a'], ['M-2', 'b']], groupBy: ['class'] };
  const plan = planQuery(q({ action: 'join', measures: [{ fn: 'avg', column: 'energy_kwh' }], groupBy: ['county'], join }), meterColumns, K);
  assert.deepEqual(plan.groupColumns, ['county', 'class']);
  assert.deepEqual(plan.consumerTable, { columns: ['meter_id', 'class'], rows: [['M-1', 'a'], ['M-2', 'b']] });
  assert.match(plan.sql, /FROM __product p JOIN __consumer c ON p\."meter_id" = c\."meter_id" GROUP BY p\."county", c\."class"/);
  assert.ok(!plan.sql.includes('M-1'));
});

test('joins are refused when they would reveal or fake records', () => {
  const base = { on: 'meter_id', columns: ['meter_id', 'class'], rows: [['M-1', 'a'], ['M-2', 'b']] };
  refused({ action: 'join', measures: [{ fn: 'count' }], join: { ...base, groupBy: ['meter_id'] } }, K, 'JOIN_INVALID', 'query.join.groupBy[0]');
  refused({ action: 'join', measures: [{ fn: 'count' }], join: { ...base, rows: [['M-1', 'a'], ['M-1', 'b']] } }, K, 'JOIN_INVALID', 'query.join.rows[1]');
  refused({ action: 'join', measures: [{ fn: 'count' }], join: { ...base, rows: [['M-1']] } }, K, 'JOIN_INVALID', 'query.join.rows[0]');
  const numericKey = meterColumns.map((c) => (c.name === 'meter_id' ? { ...c, type: 'integer' as const } : c));
  const dup = { on: 'meter_id', columns: ['meter_id'], rows: [[7], ['07']] };
  refused({ action: 'join', measures: [{ fn: 'count' }], join: dup }, K, 'JOIN_INVALID', 'query.join.rows[1]', numericKey);
  refused({ action: 'join', measures: [{ fn: 'count' }], join: { ...base, columns: ['id', 'class'] } }, K, 'JOIN_INVALID', 'query.join.columns');
  refused({ action: 'aggregate', measures: [{ fn: 'count' }], join: base }, K, 'JOIN_INVALID', 'query.join');
  refused({ action: 'join', measures: [{ fn: 'count' }] }, K, 'JOIN_INVALID', 'query.join');
});

test('train fits y on x per group with DuckDB regression aggregates', () => {
  const plan = planQuery(q({ action: 'train', groupBy: ['tariff'], train: { target: 'energy_kwh', feature: 'peak_kw' } }), meterColumns, K);
  assert.deepEqual(plan.outputs.map((o) => o.name), ['slope', 'intercept', 'r2']);
  assert.match(plan.sql, /regr_slope\(p\."energy_kwh", p\."peak_kw"\) AS "slope", regr_intercept\(p\."energy_kwh", p\."peak_kw"\) AS "intercept", regr_r2\(p\."energy_kwh", p\."peak_kw"\) AS "r2"/);
  refused({ action: 'train', train: { target: 'energy_kwh', feature: 'meter_id' } }, K, 'COLUMN_NOT_ALLOWED', 'query.train.feature');
  refused({ action: 'aggregate', train: { target: 'energy_kwh', feature: 'peak_kw' } }, K, 'QUERY_INVALID', 'query.train');
});
