import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { dataClient, meterCsv, meterProduct } from './data-helpers.ts';
import { startPlatform } from './helpers.ts';
import { migratedDataDir } from './pglite-template.ts';

test('a restart keeps the signing key: contracts agreed before it still verify, and new ones are signed with the same key', async () => {
  const dataDir = await migratedDataDir();
  try {
    let t = await startPlatform({ dataDir });
    const provider = await dataClient(t, 'provider');
    const reg = await provider.req('POST', '/api/data/products', meterProduct());
    assert.equal((await provider.putCsv(`/api/data/products/${reg.body.id}/dataset`, meterCsv(12))).status, 200);
    const consumer = await dataClient(t, 'tenant');
    const before = await consumer.req('POST', '/api/data/contracts', { productId: reg.body.id, purpose: 'research', actions: ['aggregate'] });
    assert.equal(before.body.state, 'agreed');
    await t.close();

    t = await startPlatform({ dataDir });
    const again = await dataClient(t, 'tenant');
    const v = await again.req('GET', `/api/data/contracts/${before.body.id}/verify`);
    assert.equal(v.body.result, 'valid');
    assert.equal(v.body.keyId, before.body.proof.keyId);
    const after = await again.req('POST', '/api/data/contracts', { productId: reg.body.id, purpose: 'planning', actions: ['aggregate'] });
    assert.equal(after.body.proof.keyId, before.body.proof.keyId);
    assert.equal((await again.req('GET', `/api/data/products/${reg.body.id}`)).body.rows, 12, 'the dataset is still at its site');
    await t.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
