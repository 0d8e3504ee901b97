// The data bench's smoke run (--quick): both paths run every query kind, and the full path releases
// exactly what the same compiled SQL gives directly in DuckDB (k-anonymity adds no noise).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTable, measure } from './bench.ts';
import { QUERIES } from './product.ts';

test('--quick: one table row per query kind, and both paths release the same aggregates', async () => {
  const rows = 1_000_000;
  const r = await measure(rows, 5);
  assert.deepEqual(r.table.map((q) => q.query), QUERIES.map((q) => q.name));
  assert.equal(r.table.reduce((n, q) => n + q.runs, 0), 5);
  for (const q of r.table) {
    assert.equal(q.rows, rows, `${q.query} scanned the whole product`);
    for (const v of [q.directP50, q.directP99, q.fullP50, q.fullP99, q.rowsPerSec, q.overhead]) assert.ok(Number.isFinite(v) && v > 0, `${q.query}: ${v}`);
  }
  assert.equal(r.released.length, QUERIES.length);
  for (const rel of r.released) {
    assert.ok(rel.full.length > 0, `${rel.query} released groups`);
    assert.deepEqual(rel.full, rel.direct, rel.query);
  }
  // The count by county covers every row, one group per county.
  const byCounty = r.released.find((x) => x.query === QUERIES[0]!.name)!;
  assert.equal(byCounty.full.length, 20);
  assert.equal(byCounty.full.reduce((n, g) => n + (g.values.count ?? 0), 0), rows);
  const text = formatTable(r, 'npm run bench -- data --quick');
  for (const q of QUERIES) assert.match(text, new RegExp(`\\| ${q.name.replace(/[()]/g, '\\$&')}`));
  assert.match(text, /1,000,000 synthetic meter readings/);
});
