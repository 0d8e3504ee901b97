import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { client, login, startPlatform, waitUntil } from './helpers.ts';
import { fakeNode, farmOf, uploadScene } from './render-helpers.ts';
import { migratedDataDir } from './pglite-template.ts';

/**
 * The render farm's storage contract on one database: a job rendered by fake-renderer nodes, its
 * frames, logs and metering written by the batched log, and the dispatcher rebuilt after a restart.
 * Run against PGlite (render-pglite.test.ts) and PostgreSQL 15 (test/system/render-postgres.test.ts).
 */
export function renderStorageSuite(label: string, databaseUrl: () => string | undefined): void {
  test(`render farm storage on ${label}: render, persist, restart`, async () => {
    const url = databaseUrl();
    const dataDir = url ? mkdtempSync(join(tmpdir(), 'shuzhi-render-suite-')) : await migratedDataDir();
    let t = await startPlatform({ dataDir, leaseMs: 2000, ...(url ? { databaseUrl: url } : {}) });
    let jobId = '';
    try {
      const cookie = await login(t.url, 'tenant2');
      const up = await uploadScene(t.url, cookie, 'scene.blend', 'FAKE');
      const r = await client(t.url, { cookie }).req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, frames: '1-12', chunkSize: 4, renderer: 'blender', tags: ['suite'] });
      assert.equal(r.status, 201);
      jobId = r.body.id;
      const nodes = [await fakeNode(t, 'suite-1', { tags: ['suite'] }), await fakeNode(t, 'suite-2', { tags: ['suite'] })];
      nodes.forEach((n) => n.start());
      await waitUntil('job completed', async () => (await client(t.url, { cookie }).req('GET', `/api/render/jobs/${jobId}`)).body.state === 'completed');
      await Promise.all(nodes.map((n) => n.stop()));
      await farmOf(t).writer.flush();
      const logs = (await client(t.url, { cookie }).req('GET', `/api/render/jobs/${jobId}/logs`)).body.items;
      assert.ok(logs.length > 0);
    } finally {
      await t.close();
    }
    t = await startPlatform({ dataDir, leaseMs: 2000, ...(url ? { databaseUrl: url } : {}) });
    try {
      const cookie = await login(t.url, 'tenant2');
      const d = (await client(t.url, { cookie }).req('GET', `/api/render/jobs/${jobId}`)).body;
      assert.equal(d.state, 'completed');
      assert.equal(d.counts.completed, 4);
      assert.equal(d.framesDone, 12);
      assert.ok(d.usage && d.usage.energyKWh > 0, 'metered usage survives the restart');
      const frames = (await client(t.url, { cookie }).req('GET', `/api/render/jobs/${jobId}/frames`)).body;
      assert.equal(frames.total, 12);
    } finally {
      await t.close();
    }
  });
}
