// Billing admission for render work, as for compute jobs: a studio that cannot pay sees its render
// job wait with the reason, nothing of it is handed to a node, and it starts once the wallet is topped up.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BillingService } from '../src/billing/service.ts';
import { client, login, startPlatform, waitUntil, workerSync, enrollWorker, type TestPlatform } from './helpers.ts';
import { farmOf, uploadScene } from './render-helpers.ts';

let t: TestPlatform;
let studio: string;

before(async () => {
  t = await startPlatform({ fundTenants: false });
  studio = await login(t.url, 'tenant2');
});
after(async () => {
  await t.close();
});

const RENDER = { runners: ['blender', 'povray', 'ffmpeg'], slots: 1, free: 1 };

test('a studio with no money: its render job waits and says why; it starts when the wallet is topped up', async () => {
  const api = client(t.url, { cookie: studio });
  const up = await uploadScene(t.url, studio, 'scene.blend', 'FAKE BLEND');
  const r = await api.req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, frames: '1-4', chunkSize: 2, renderer: 'blender' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const id = r.body.id as string;
  assert.equal(r.body.state, 'queued');
  assert.match(r.body.waiting, /billing admission: insufficient-funds/);

  // A node asks for work: nothing of the held job is handed out.
  const w = await enrollWorker(t.p, 'karamay', 'admission-node');
  const first = await workerSync(t.url, w.credential, w.id, { ...RENDER, waitMs: 0 });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual(first.body.assignments, []);
  const shown = await api.req('GET', `/api/render/jobs/${id}`);
  assert.match(shown.body.waiting, /insufficient-funds/);
  assert.equal(shown.body.tasks[0].state, 'queued');
  const pause = await api.req('POST', `/api/render/jobs/${id}/pause`);
  assert.equal(pause.status, 409, 'a held job cannot be paused past billing');
  // The hold is on the job row: a farm rebuilt from the database (restart, new leader) still holds it.
  await farmOf(t).restore();
  assert.match((await api.req('GET', `/api/render/jobs/${id}`)).body.waiting, /insufficient-funds/);
  const still = await workerSync(t.url, w.credential, w.id, { ...RENDER, waitMs: 0 });
  assert.deepEqual(still.body.assignments, []);

  // Billing's own top-up path; the farm's sweep asks again and lets the job in.
  const billing = (t.p.modules.find((m) => m.name === 'billing') as unknown as { service: BillingService }).service;
  const me = (await api.req('GET', '/api/auth/me')).body as { tenantId?: string; user?: { tenantId?: string } };
  const tenantId = (me.tenantId ?? me.user?.tenantId)!;
  await billing.topUps.recordPaid((await t.p.auth.byOperatorName())!, tenantId, { amountFen: 10_000_000, idempotencyKey: 'render-admission-topup' });
  await farmOf(t).readmit();
  const admitted = await api.req('GET', `/api/render/jobs/${id}`);
  assert.equal(admitted.body.waiting, null);
  const got = await waitUntil('a task of the admitted job', async () => {
    const s = await workerSync(t.url, w.credential, w.id, { ...RENDER, waitMs: 0 });
    return s.body.assignments?.length ? s.body.assignments : null;
  });
  assert.equal(got[0].jobId, id);
});
