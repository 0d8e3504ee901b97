import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { DataRuleError, planQuery, releaseResult } from '@shuzhi/data';
import { createRng, type DataColumn, type DataFilter, type DataMeasure, type DataQuery } from '@shuzhi/schema';
import { DataStore } from '../src/data/plane/store.ts';

/**
 * A consumer never obtains raw rows: over random small tables (each with an identifier and a sensitive
 * column) and random queries the rules allow or refuse — groups, filters, measures, joins with the
 * consumer's own rows, including a label that singles out one key — every use through the real plane
 * (DuckDB over the stored Parquet) is either refused, or every group it releases covers at least k
 * records of the truth computed here from the same rows, and no identifier or sensitive value appears
 * anywhere in what is released.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'shuzhi-data-prop-'));
const store = new DataStore(dataDir);
after(() => rmSync(dataDir, { recursive: true, force: true }));

const COUNTIES = ['north', 'south', 'east'];
const columns: DataColumn[] = [
  { name: 'person_id', type: 'string', role: 'identifier' },
  { name: 'county', type: 'string', role: 'dimension', categories: COUNTIES },
  { name: 'year', type: 'integer', role: 'dimension' },
  { name: 'income', type: 'number', role: 'measure', bounds: [0, 1000] },
  { name: 'diagnosis', type: 'string', role: 'sensitive' },
];

interface Row {
  person_id: string;
  county: string;
  year: number;
  income: number;
  diagnosis: string;
}

const hex = fc.stringMatching(/^[0-9a-f]{8}$/);
/** A pool of people, some with several records (as a meter has many readings). */
const people = fc.uniqueArray(hex.map((h) => `pid-${h}`), { minLength: 1, maxLength: 12 });
const table = people.chain((ids) =>
  fc
    .array(
      fc.record({
        person_id: fc.constantFrom(...ids),
        county: fc.constantFrom(...COUNTIES),
        year: fc.integer({ min: 2020, max: 2022 }),
        income: fc.integer({ min: 0, max: 100_000 }).map((x) => x / 100),
        diagnosis: hex.map((h) => `dx-${h}`),
      }),
      { minLength: 10, maxLength: 150 },
    )
    .map((rows) => ({ ids, rows })),
);

/** Mostly what the rules allow; now and then what they never do (weight 1), so both paths are taken. */
const mostly = <T,>(allowed: fc.Arbitrary<T>, forbidden: fc.Arbitrary<T>) => fc.oneof({ arbitrary: allowed, weight: 8 }, { arbitrary: forbidden, weight: 1 });

const filter = mostly<DataFilter>(
  fc.oneof(
    fc.record({ column: fc.constant('county'), op: fc.constantFrom('eq' as const, 'neq' as const), value: fc.constantFrom(...COUNTIES) }),
    fc.record({ column: fc.constant('county'), op: fc.constant('in' as const), value: fc.subarray(COUNTIES, { minLength: 1 }) }),
    fc.record({ column: fc.constant('year'), op: fc.constantFrom('eq' as const, 'gt' as const, 'lte' as const, 'neq' as const), value: fc.integer({ min: 2019, max: 2023 }) }),
  ),
  // Identifiers and sensitive columns are never filtered on.
  fc.record({ column: fc.constantFrom('person_id', 'diagnosis'), op: fc.constant('eq' as const), value: fc.constant('pid-00000000') }),
);

const query = (ids: string[]) =>
  fc
    .record({
      groupBy: mostly<string[]>(fc.subarray(['county', 'year']), fc.constantFrom(['person_id'], ['county', 'diagnosis'])),
      measures: mostly<DataMeasure[]>(
        fc.subarray<DataMeasure>([{ fn: 'count' }, { fn: 'sum', column: 'income' }, { fn: 'avg', column: 'income' }], { minLength: 1 }),
        fc.constantFrom<DataMeasure[]>([], [{ fn: 'sum', column: 'diagnosis' }]),
      ),
      filters: fc.array(filter, { maxLength: 2 }),
      join: fc.option(
        fc.record({
          keys: fc.uniqueArray(fc.oneof(fc.constantFrom(...ids), hex.map((h) => `pid-${h}`)), { minLength: 1, maxLength: 10 }),
          labels: fc.array(fc.constantFrom('x', "y'; DROP TABLE __product; --"), { minLength: 10, maxLength: 10 }),
          // One key gets a label of its own: the classic attempt to single out a record.
          singleOut: fc.boolean(),
        }),
        { nil: undefined },
      ),
    })
    .map(({ groupBy, measures, filters, join: j }): DataQuery => {
      const base = { measures, filters, groupBy, train: undefined, epsilon: undefined };
      if (!j) return { ...base, action: 'aggregate' as const };
      const rows = j.keys.map((k, i) => [k, j.singleOut && i === 0 ? 'only-this-one' : j.labels[i]!]);
      return { ...base, action: 'join' as const, join: { on: 'person_id', columns: ['person_id', 'label'], rows, groupBy: ['label'] } };
    });

/** The truth: records per group after the filters and the join, computed from the rows themselves. */
function truth(rows: Row[], q: DataQuery): Map<string, number> {
  const labelOf = new Map((q.join?.rows ?? []).map((r) => [String(r[0]), String(r[1])]));
  const kept = rows.filter((r) =>
    q.filters.every((f) => {
      const v = r[f.column as keyof Row];
      if (f.op === 'eq') return v === f.value;
      if (f.op === 'neq') return v !== f.value;
      if (f.op === 'in') return (f.value as unknown[]).includes(v);
      if (f.op === 'gt') return (v as number) > (f.value as number);
      if (f.op === 'lte') return (v as number) <= (f.value as number);
      throw new Error(`filter ${f.op} not modelled`);
    }) && (!q.join || labelOf.has(r.person_id)),
  );
  const sizes = new Map<string, number>();
  for (const r of kept) {
    const key = groupKey(Object.fromEntries([...q.groupBy.map((g) => [g, r[g as keyof Row]]), ...(q.join ? [['label', labelOf.get(r.person_id)!]] : [])]));
    sizes.set(key, (sizes.get(key) ?? 0) + 1);
  }
  return sizes;
}

const groupKey = (key: Record<string, unknown>) => JSON.stringify(Object.keys(key).sort().map((k) => [k, key[k]]));

const csvOf = (rows: Row[]) =>
  ['person_id,county,year,income,diagnosis', ...rows.map((r) => [r.person_id, r.county, r.year, r.income, r.diagnosis].join(','))].join('\n') + '\n';

const REFUSALS = new Set(['GROUP_BELOW_K', 'RETURNS_RECORDS', 'COLUMN_NOT_ALLOWED']);

test('no allowed operation returns raw rows: refused, or every released group covers k records and names no identifier or sensitive value', async () => {
  let run = 0;
  const seen = { released: 0, refused: 0 };
  const noise = createRng(1);
  await fc.assert(
    fc.asyncProperty(
      table.chain(({ ids, rows }) => fc.record({ ids: fc.constant(ids), rows: fc.constant(rows), q: query(ids), k: fc.integer({ min: 2, max: 4 }) })),
      async ({ rows, q, k }) => {
        const product = { id: `dp_prop${run++}`, siteId: 'hami', schema: { columns } };
        const output = { kind: 'k-anonymity' as const, k };
        let released;
        try {
          const plan = planQuery(q, columns, output);
          if (rows.length > 0) await store.ingestCsv(product, csvOf(rows));
          else return; // an empty dataset cannot be listed (ingest refuses it): nothing to query
          released = releaseResult(plan, await store.execute(product, plan), output, noise);
        } catch (err) {
          if (!(err instanceof DataRuleError)) throw err;
          assert.ok(REFUSALS.has(err.code), `refused with ${err.code}: ${err.message}`);
          seen.refused++;
          return;
        }
        seen.released++;
        const sizes = truth(rows, q);
        for (const g of released.groups) {
          const n = sizes.get(groupKey(g.key));
          assert.ok(n !== undefined && n >= k, `group ${JSON.stringify(g.key)} covers ${n} records, under k=${k}`);
          if ('count' in g.values) assert.equal(g.values.count, n);
        }
        const text = JSON.stringify(released);
        for (const r of rows) {
          assert.ok(!text.includes(r.person_id), `identifier ${r.person_id} released`);
          assert.ok(!text.includes(r.diagnosis), `sensitive value ${r.diagnosis} released`);
        }
      },
    ),
    { numRuns: 40, seed: 20261206 },
  );
  // Both sides of the rule were exercised, or the property would hold vacuously.
  assert.ok(seen.released > 0 && seen.refused > 0, JSON.stringify(seen));
});
