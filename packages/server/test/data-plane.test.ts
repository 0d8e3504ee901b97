import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { planQuery, releaseResult } from '@shuzhi/data';
import { createRng, type DataColumn } from '@shuzhi/schema';
import { cryptoUniform } from '../src/data/executor.ts';
import { DataPlaneError } from '../src/data/plane/errors.ts';
import { DataStore } from '../src/data/plane/store.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'shuzhi-data-plane-'));
const store = new DataStore(dataDir);
after(() => rmSync(dataDir, { recursive: true, force: true }));

const columns: DataColumn[] = [
  { name: 'meter_id', type: 'string', role: 'identifier' },
  { name: 'county', type: 'string', role: 'dimension' },
  { name: 'day', type: 'date', role: 'dimension' },
  { name: 'energy_kwh', type: 'number', role: 'measure' },
  { name: 'peak_kw', type: 'integer', role: 'measure' },
  { name: 'holder', type: 'string', role: 'sensitive' },
];
const schema = { columns };
const k2 = { kind: 'k-anonymity' as const, k: 2 };

const csv = [
  // Columns in another order than the schema's: the header names them.
  'county,meter_id,day,energy_kwh,peak_kw,holder',
  "Shawan,m-1,2026-01-01,10.5,3,Ann",
  "Shawan,m-2,2026-01-01,20,4,Bob",
  "O'Brien Town,m-3,2026-01-02,5,1,Cy",
  "O'Brien Town,m-4,2026-01-02,7,2,Di",
  "Kuitun,m-5,2026-01-03,1,1,Ed",
].join('\n');

const product = (id: string) => ({ id, siteId: 'hami', schema });

const messageOf = (err: unknown) => (err as DataPlaneError).message;

describe('ingest', () => {
  test('a CSV whose header names the columns in any order is stored as Parquet at the site, and counted', async () => {
    const p = product('dp_ok');
    assert.deepEqual(await store.ingestCsv(p, csv), { rows: 5 });
    assert.equal(store.dirOf('hami', 'dp_ok'), join(dataDir, 'sites', 'hami', 'store', 'data', 'dp_ok'));
    assert.deepEqual(readdirSync(store.dirOf('hami', 'dp_ok')), ['data.parquet']);
  });

  test('a value that does not parse as its column type is refused naming the line and the column; nothing is left behind', async () => {
    const bad = csv.replace('Kuitun,m-5,2026-01-03,1,1,Ed', 'Kuitun,m-5,2026-01-03,lots,1,Ed');
    await assert.rejects(store.ingestCsv(product('dp_bad'), bad), (err) => {
      assert.ok(err instanceof DataPlaneError && err.code === 'DATASET_INVALID');
      assert.match(messageOf(err), /line 6, column energy_kwh: the value is not a number/);
      assert.doesNotMatch(messageOf(err), /lots/, 'the message names where, not the value');
      return true;
    });
    assert.deepEqual(readdirSync(store.dirOf('hami', 'dp_bad')), []);
    assert.equal(await store.has(product('dp_bad')), false);
  });

  test('a bad date and a short line are named by line', async () => {
    await assert.rejects(store.ingestCsv(product('dp_bad2'), csv.replace('2026-01-02,5', '2026-13-45,5')), /line 4, column day: the value is not a date/);
    await assert.rejects(store.ingestCsv(product('dp_bad3'), `${csv}\nKuitun,m-9`), /line 7: /);
  });

  test('a header that lacks a schema column or has one more is refused naming them', async () => {
    await assert.rejects(store.ingestCsv(product('dp_hdr'), 'county,meter_id,day,energy_kwh,peak_kw\nA,m,2026-01-01,1,1\n'), /line 1 \(the header\): missing column\(s\) holder/);
    await assert.rejects(
      store.ingestCsv(product('dp_hdr'), 'county,meter_id,day,energy_kwh,peak_kw,holder,extra\nA,m,2026-01-01,1,1,h,x\n'),
      /column\(s\) not in the schema extra/,
    );
  });

  test('a failed ingest keeps the dataset that was there', async () => {
    const p = product('dp_keep');
    await store.ingestCsv(p, csv);
    await assert.rejects(store.ingestCsv(p, csv.replace('10.5', 'ten')), /DATASET_INVALID|line 2/);
    const { rowsScanned } = await store.execute(p, planQuery({ action: 'aggregate', measures: [{ fn: 'count' }], groupBy: [], filters: [] }, columns, k2));
    assert.equal(rowsScanned, 5);
    assert.deepEqual(readdirSync(store.dirOf('hami', 'dp_keep')), ['data.parquet']);
  });

  test('a Parquet file on the site\'s disk is ingested with the schema\'s types; one that does not cast names the row and column', async () => {
    const src = mkdtempSync(join(tmpdir(), 'shuzhi-parquet-src-'));
    const good = join(src, 'good.parquet');
    const bad = join(src, 'bad.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const select = (kwh: string) =>
      `SELECT 'Shawan' AS county, 'm-' || i AS meter_id, DATE '2026-01-01' AS day, ${kwh} AS energy_kwh, i AS peak_kw, 'h' AS holder FROM range(1, 4) t(i)`;
    await c.run(`COPY (${select('i * 1.5')}) TO '${good}' (FORMAT parquet)`);
    await c.run(`COPY (${select("CASE WHEN i = 2 THEN 'x' ELSE '1' END")}) TO '${bad}' (FORMAT parquet)`);
    c.closeSync();
    db.closeSync();
    try {
      assert.deepEqual(await store.ingestFile(product('dp_pq'), good), { rows: 3 });
      await assert.rejects(store.ingestFile(product('dp_pq2'), bad), /row 2, column energy_kwh: the value is not a number/);
      assert.deepEqual(readdirSync(store.dirOf('hami', 'dp_pq2')), []);
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
  });
});

describe('execute', () => {
  const p = product('dp_q');
  test('a plan runs over the stored data; DuckDB numbers come back as numbers and dates as ISO text', async () => {
    await store.ingestCsv(p, csv);
    const plan = planQuery({ action: 'aggregate', measures: [{ fn: 'count' }, { fn: 'sum', column: 'peak_kw' }], groupBy: ['county'], filters: [] }, columns, k2);
    const raw = await store.execute(p, plan);
    assert.equal(raw.rowsScanned, 5);
    const shawan = raw.rows.find((r) => r.county === 'Shawan');
    assert.deepEqual(shawan, { county: 'Shawan', __n: 2, count: 2, sum_peak_kw: 7 });
    const byDay = await store.execute(p, planQuery({ action: 'aggregate', measures: [{ fn: 'count' }], groupBy: ['day'], filters: [] }, columns, k2));
    assert.deepEqual(byDay.rows.map((r) => r.day), ['2026-01-01', '2026-01-02', '2026-01-03']);
  });

  test('a filter value that looks like SQL is a value: it matches nothing and writes no file', async () => {
    const evil = "'; COPY (SELECT 1) TO '/tmp/shuzhi-injected'; --";
    const plan = planQuery({ action: 'aggregate', measures: [{ fn: 'count' }], groupBy: [], filters: [{ column: 'county', op: 'eq', value: evil }] }, columns, k2);
    const raw = await store.execute(p, plan);
    assert.equal(raw.rows[0]!.count, 0);
    assert.equal(existsSync('/tmp/shuzhi-injected'), false);
    // And quotes inside a real value match it exactly.
    const quoted = await store.execute(p, planQuery({ action: 'aggregate', measures: [{ fn: 'count' }], groupBy: [], filters: [{ column: 'county', op: 'eq', value: "O'Brien Town" }] }, columns, k2));
    assert.equal(quoted.rows[0]!.count, 2);
  });

  test("the consumer's join values with quotes are values: they join, and a key that does not parse matches nothing", async () => {
    const plan = planQuery(
      {
        action: 'join',
        measures: [{ fn: 'count' }],
        groupBy: [],
        filters: [],
        join: {
          on: 'county',
          columns: ['county', 'segment'],
          rows: [["O'Brien Town", "it's; DROP TABLE __product; --"], ['Shawan', 'plain'], ["Kuitun' OR '1'='1", 'plain']],
          groupBy: ['segment'],
        },
      },
      columns,
      k2,
    );
    const raw = await store.execute(p, plan);
    const bySegment = Object.fromEntries(raw.rows.map((r) => [r.segment, r.count]));
    assert.deepEqual(bySegment, { "it's; DROP TABLE __product; --": 2, plain: 2 });
    const result = releaseResult(plan, raw, k2, createRng(1));
    assert.equal(result.groups.length, 2);
  });

  test('the engine is locked to the product\'s folder: a statement cannot read another product, another file or write one', async () => {
    const other = product('dp_other');
    await store.ingestCsv(other, csv);
    const otherFile = join(store.dirOf('hami', 'dp_other'), 'data.parquet');
    writeFileSync(join(dataDir, 'secret.csv'), 'a\n1\n');
    for (const sql of [
      `SELECT count(*) AS n FROM read_parquet('${otherFile}')`,
      `SELECT count(*) AS n FROM read_parquet('${store.dirOf('hami', 'dp_q')}/../dp_other/data.parquet')`,
      `SELECT * FROM read_csv('${join(dataDir, 'secret.csv')}')`,
      `SELECT * FROM glob('${dataDir}/*')`,
      `COPY (SELECT 1) TO '${join(dataDir, 'out.csv')}'`,
      `ATTACH '${join(dataDir, 'x.duckdb')}'`,
    ]) {
      await assert.rejects(store.execute(p, { sql, params: [], consumerTable: null }), (err: Error) => /Permission Error|PLAN_UNSAFE|statement/.test(`${(err as DataPlaneError).code ?? ''} ${err.message}`), sql);
    }
    assert.equal(existsSync(join(dataDir, 'out.csv')), false);
    assert.equal(existsSync(join(dataDir, 'x.duckdb')), false);
  });

  test('a plan of several statements, or of one that is not a SELECT, is refused before anything runs', async () => {
    await assert.rejects(store.execute(p, { sql: 'SELECT 1 AS a; SELECT 2 AS b', params: [], consumerTable: null }), (err) => err instanceof DataPlaneError && err.code === 'PLAN_UNSAFE');
    await assert.rejects(store.execute(p, { sql: 'CREATE TABLE t AS SELECT 1 AS a', params: [], consumerTable: null }), (err) => err instanceof DataPlaneError && err.code === 'PLAN_UNSAFE');
  });

  test('a product without a dataset in the store is named', async () => {
    await assert.rejects(store.execute(product('dp_none'), { sql: 'SELECT 1 AS a', params: [], consumerTable: null }), (err) => err instanceof DataPlaneError && err.code === 'DATASET_MISSING');
  });
});

test('the noise source draws uniform doubles in [0, 1) from the OS CSPRNG', () => {
  const n = 20_000;
  const draws = Array.from({ length: n }, () => cryptoUniform.next());
  assert.ok(draws.every((u) => u >= 0 && u < 1));
  // Mean 1/2 and a tenth of the draws in each tenth, well within 10 standard errors.
  assert.ok(Math.abs(draws.reduce((a, b) => a + b, 0) / n - 0.5) < 10 * Math.sqrt(1 / 12 / n));
  for (let d = 0; d < 10; d++) {
    const share = draws.filter((u) => Math.floor(u * 10) === d).length / n;
    assert.ok(Math.abs(share - 0.1) < 10 * Math.sqrt(0.09 / n), `tenth ${d}: ${share}`);
  }
  assert.equal(new Set(draws).size, n, 'no repeats among 53-bit draws');
});
