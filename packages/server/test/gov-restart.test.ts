import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { startPlatform } from './helpers.ts';
import { NEWBORN_OFFICERS, answersFor, as, govOf, materialsFor, workUntilDone } from './gov-suite.ts';
import { migratedDataDir } from './pglite-template.ts';

const ALL = ['population', 'household', 'marriage', 'enterprise', 'social_insurance', 'certificates'];

test('a restart loses no step: the case, its queue rows and the issuer key survive', async () => {
  const dataDir = await migratedDataDir();
  try {
    let t = await startPlatform({ dataDir });
    await govOf(t).seedDemo!();
    const c = await as(t, 'citizen');
    const pre = (await c.req('POST', '/api/gov/prefill', { itemId: 'item_newborn', consent: ALL })).body;
    const sub = await c.req('POST', '/api/gov/applications', { itemId: 'item_newborn', idempotencyKey: 'restart-0001', consent: ALL, answers: answersFor(pre), materials: materialsFor(pre) });
    assert.equal(sub.status, 201);
    const id = sub.body.application.id;
    const health = await as(t, 'officer-health');
    assert.equal((await health.req('POST', `/api/gov/applications/${id}/tasks/svc_nb_birth_medical_certificate/actions`, { action: 'accept' })).status, 200);
    assert.equal((await health.req('POST', `/api/gov/applications/${id}/tasks/svc_nb_birth_medical_certificate/actions`, { action: 'approve' })).status, 200);
    const keyBefore = (await c.req('GET', '/api/public/gov/keys')).body.keyId;
    await t.close();

    t = await startPlatform({ dataDir });
    const police = await as(t, 'officer-police');
    const q = await police.req('GET', '/api/gov/tasks');
    assert.ok(q.body.items.some((e: { applicationId: string; serviceId: string; state: string }) => e.applicationId === id && e.serviceId === 'svc_nb_household_registration' && e.state === 'ready'));
    await workUntilDone(t, id, NEWBORN_OFFICERS);
    const c2 = await as(t, 'citizen');
    const app = await c2.req('GET', `/api/gov/applications/${id}`);
    assert.equal(app.body.status, 'issued');
    assert.equal((await c2.req('GET', '/api/public/gov/keys')).body.keyId, keyBefore);
    assert.equal((await c2.req('GET', `/api/public/gov/verify/${app.body.certificates[0].id}`)).body.result, 'valid');
    // Same key after the restart: a resubmit still answers with the same case.
    const again = await c2.req('POST', '/api/gov/applications', { itemId: 'item_newborn', idempotencyKey: 'restart-0001', consent: ALL, answers: answersFor(pre), materials: materialsFor(pre) });
    assert.equal(again.body.application.id, id);
    await t.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
