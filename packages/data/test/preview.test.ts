import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '@shuzhi/schema';
import { previewRows } from '../src/index.ts';
import { meterColumns } from './fixtures.ts';

test('a preview draws from the schema: categories, bounds, numbered ids, no sensitive values', () => {
  const rows = previewRows(meterColumns, 20, createRng(3));
  assert.equal(rows.length, 20);
  rows.forEach((r, i) => {
    assert.deepEqual(Object.keys(r), meterColumns.map((c) => c.name));
    assert.equal(r.meter_id, `id-${String(i + 1).padStart(4, '0')}`);
    assert.equal(r.holder_name, null);
    assert.ok(['Shawan', 'Kuitun', 'Wusu'].includes(r.county as string));
    assert.ok(['residential', 'commercial'].includes(r.tariff as string));
    assert.match(r.month as string, /^\d{4}-\d{2}-\d{2}$/);
    const kwh = r.energy_kwh as number;
    assert.ok(kwh >= 0 && kwh <= 2000);
    const peak = r.peak_kw as number;
    assert.ok(Number.isInteger(peak) && peak >= 0 && peak <= 50);
  });
  assert.deepEqual(previewRows(meterColumns, 5, createRng(3)), rows.slice(0, 5), 'the same seed gives the same preview');
});
