import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DataQuery, type DataColumn, type DataOutputRule } from '@shuzhi/schema';
import { DataRuleError, planQuery, releaseResult, type QueryPlan } from '../src/index.ts';
import { evaluate, planOrNull, scenario, type Row } from './scenarios.ts';

// The compiled SQL is run by the real engine the data plane uses, so a plan that DuckDB reads
// differently from the reference evaluator (or refuses) fails here, not at a site.
const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
after(() => {
  db.closeSync();
  instance.closeSync();
});

const SQL_TYPES: Record<DataColumn['type'], string> = {
  string: 'VARCHAR',
  integer: 'BIGINT',
  number: 'DOUBLE',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  boolean: 'BOOLEAN',
};

/** Loads rows as the table behind the view `__product`, all values bound as parameters. */
async function load(con: DuckDBConnection, columns: DataColumn[], rows: Row[]): Promise<void> {
  await con.run('DROP VIEW IF EXISTS __product');
  await con.run('DROP TABLE IF EXISTS product_rows');
  await con.run(`CREATE TABLE product_rows (${columns.map((c) => `"${c.name}" ${SQL_TYPES[c.type]}`).join(', ')})`);
  if (rows.length > 0) {
    const params: (string | number | null)[] = [];
    const tuples = rows.map((r) => `(${columns.map((c) => (params.push(r[c.name] ?? null), `$${params.length}`)).join(', ')})`);
    await con.run(`INSERT INTO product_rows VALUES ${tuples.join(', ')}`, params as never);
  }
  await con.run('CREATE VIEW __product AS SELECT * FROM product_rows');
}

async function run(plan: QueryPlan): Promise<Record<string, unknown>[]> {
  const reader = await db.runAndReadAll(plan.sql, plan.params as never);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

function outcome(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DataRuleError) return e.code;
    throw e;
  }
}

test('PROPERTY: DuckDB computes every plan as the reference evaluator does, and the released results agree', async () => {
  let compared = 0;
  await fc.assert(
    fc.asyncProperty(scenario, async ({ columns, rows, query: input, k }) => {
      const query = DataQuery.parse(input);
      const output: DataOutputRule = { kind: 'k-anonymity', k };
      const plan = planOrNull(query, columns, output);
      if (!plan) return;
      await load(db, columns, rows);
      const actual = await run(plan);
      const expected = evaluate(plan, query, rows).rows;
      assert.equal(actual.length, expected.length, plan.sql);
      actual.forEach((row, i) => {
        const want = expected[i]!;
        for (const g of plan.groupColumns) assert.equal(row[g], want[g], `group column ${g}`);
        assert.equal(row.__n, want.__n);
        for (const o of plan.outputs) {
          const got = row[o.name] as number | bigint | null;
          const exp = want[o.name] as number | bigint | null;
          if (got === null || exp === null) assert.equal(got, exp, o.name);
          else assert.ok(Math.abs(Number(got) - Number(exp)) < 1e-9 * Math.max(1, Math.abs(Number(exp))), `${o.name}: ${got} vs ${exp}`);
        }
      });
      const released = (raw: Record<string, unknown>[]) => outcome(() => releaseResult(plan, { rows: raw, rowsScanned: rows.length }, output, { next: () => 0.5 }));
      assert.deepEqual(released(actual), released(expected));
      compared++;
    }),
    { numRuns: 120, seed: 512026 },
  );
  assert.ok(compared > 30, `only ${compared} plans ran`);
});

const meters: DataColumn[] = [
  { name: 'meter_id', type: 'string', role: 'identifier' },
  { name: 'county', type: 'string', role: 'dimension', categories: ['Shawan', 'Kuitun', 'Wusu'] },
  { name: 'day', type: 'date', role: 'dimension' },
  { name: 'read_at', type: 'timestamp', role: 'dimension' },
  { name: 'energy_kwh', type: 'number', role: 'measure', bounds: [0, 100] },
  { name: 'peak_kw', type: 'integer', role: 'measure', bounds: [0, 20] },
];
const counties = ['Shawan', 'Kuitun', 'Wusu'];
const meterRows: Row[] = Array.from({ length: 120 }, (_, i) => ({
  meter_id: `M-${i % 40}`,
  county: counties[i % 3]!,
  day: `2026-0${1 + (i % 6)}-15`,
  read_at: `2026-01-01 ${String(i % 24).padStart(2, '0')}:00:00`,
  energy_kwh: (i * 37) % 150,
  peak_kw: i % 20,
}));
const K: DataOutputRule = { kind: 'k-anonymity', k: 5 };

test('date and timestamp filters bind as typed parameters DuckDB compares with the columns', async () => {
  await load(db, meters, meterRows);
  const plan = planQuery(
    DataQuery.parse({ measures: [{ fn: 'count' }], filters: [{ column: 'day', op: 'gte', value: '2026-04-01' }, { column: 'read_at', op: 'lt', value: '2026-01-01T12:00:00' }] }),
    meters,
    K,
  );
  const want = meterRows.filter((r) => (r.day as string) >= '2026-04-01' && (r.read_at as string) < '2026-01-01 12:00:00').length;
  assert.ok(want > 0);
  assert.equal(Number((await run(plan))[0]!.count), want);
});

test('a join counts the product records of the consumer keys, per consumer class', async () => {
  await load(db, meters, meterRows);
  const join = { on: 'meter_id', columns: ['meter_id', 'class'], rows: Array.from({ length: 10 }, (_, i) => [`M-${i}`, i < 6 ? 'a' : 'b']), groupBy: ['class'] };
  const plan = planQuery(DataQuery.parse({ action: 'join', measures: [{ fn: 'count' }, { fn: 'sum', column: 'energy_kwh' }], join }), meters, K);
  await db.run('DROP TABLE IF EXISTS __consumer');
  await db.run('CREATE TABLE __consumer (meter_id VARCHAR, class VARCHAR)');
  for (const row of plan.consumerTable!.rows) await db.run('INSERT INTO __consumer VALUES ($1, $2)', row as never);
  const rows = await run(plan);
  const classOf = (id: string) => (Number(id.slice(2)) < 6 ? 'a' : 'b');
  const joined = meterRows.filter((r) => Number((r.meter_id as string).slice(2)) < 10);
  assert.deepEqual(
    rows.map((r) => [r.class, Number(r.count), r.sum_energy_kwh]),
    ['a', 'b'].map((c) => {
      const members = joined.filter((r) => classOf(r.meter_id as string) === c);
      return [c, members.length, members.reduce((s, r) => s + (r.energy_kwh as number), 0)];
    }),
  );
  const result = releaseResult(plan, { rows, rowsScanned: meterRows.length }, K, { next: () => 0.5 });
  assert.deepEqual(result.groups.map((g) => Object.keys(g.key)), [['class'], ['class']]);
});

test('train fits the same line DuckDB reports for y = 3x + 2 exactly', async () => {
  const line: Row[] = Array.from({ length: 30 }, (_, i) => ({ ...meterRows[i]!, peak_kw: i % 20, energy_kwh: 3 * (i % 20) + 2 }));
  await load(db, meters, line);
  const plan = planQuery(DataQuery.parse({ action: 'train', train: { target: 'energy_kwh', feature: 'peak_kw' } }), meters, K);
  const result = releaseResult(plan, { rows: await run(plan), rowsScanned: line.length }, K, { next: () => 0.5 });
  assert.deepEqual(result.groups[0]!.values, { slope: 3, intercept: 2, r2: 1 });
});

test('under differential privacy DuckDB clamps each value to the bounds before summing', async () => {
  await load(db, meters, meterRows);
  const dp: DataOutputRule = { kind: 'differential-privacy', epsilonBudget: 10, maxEpsilonPerQuery: 10 };
  const plan = planQuery(DataQuery.parse({ measures: [{ fn: 'sum', column: 'energy_kwh' }, { fn: 'avg', column: 'peak_kw' }], groupBy: ['county'], epsilon: 1 }), meters, dp);
  const rows = await run(plan);
  for (const county of counties) {
    const members = meterRows.filter((r) => r.county === county);
    const row = rows.find((r) => r.county === county)!;
    assert.equal(row.sum_energy_kwh, members.reduce((s, r) => s + Math.min(100, r.energy_kwh as number), 0));
    assert.equal(Number(row.avg_peak_kw__count), members.length);
  }
});
