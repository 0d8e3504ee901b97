import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { client, enrollWorker, login, smallSite, startPlatform, workerSync, type TestPlatform } from './helpers.ts';

let t: TestPlatform;
before(async () => {
  t = await startPlatform();
});
after(async () => {
  await t.close();
});

const job = (over: Record<string, unknown> = {}) => ({
  name: 'test job',
  type: 'cpu',
  units: 4,
  hours: 1,
  command: 'echo hi',
  ...over,
});

describe('platform basics', () => {
  test('health is public and names the database', async () => {
    const r = await client(t.url, {}).req('GET', '/api/health');
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'ok');
    assert.equal(r.body.database, 'pglite');
  });

  test('every other API route needs authentication, answered as problem+json', async () => {
    for (const path of ['/api/jobs', '/api/sites', '/api/overview', '/api/auth/me']) {
      const r = await client(t.url, {}).req('GET', path);
      assert.equal(r.status, 401, path);
      assert.match(r.type, /application\/problem\+json/);
      assert.equal(r.body.code, 'AUTH_REQUIRED');
    }
  });

  test('a wrong password or unknown token is refused', async () => {
    const bad = await client(t.url, {}).req('POST', '/api/auth/login', { username: 'operator', password: 'nope' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.code, 'AUTH_INVALID');
    const tok = await client(t.url, { token: 'not-a-token' }).req('GET', '/api/sites');
    assert.equal(tok.status, 401);
  });

  test('the OpenAPI document lists the routes', async () => {
    const r = await client(t.url, {}).req('GET', '/api/openapi.json');
    assert.equal(r.status, 200);
    for (const p of ['/api/jobs', '/api/sites/{id}', '/api/workers/{id}/sync']) assert.ok(r.body.paths[p], p);
  });

  test('unknown API routes are 404 problem+json', async () => {
    const cookie = await login(t.url, 'viewer');
    const r = await client(t.url, { cookie }).req('GET', '/api/nothing-here');
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'NOT_FOUND');
  });
});

describe('bad input', () => {
  test('each invalid job names its bad field and writes nothing', async () => {
    const cookie = await login(t.url, 'tenant');
    const c = client(t.url, { cookie });
    const before = (await c.req('GET', '/api/jobs')).body.total;
    const cases: [Record<string, unknown>, string][] = [
      [job({ units: -1 }), 'units'],
      [job({ units: 1.5 }), 'units'],
      [job({ type: 'quantum' }), 'type'],
      [job({ command: '' }), 'command'],
      [job({ hours: 'two' }), 'hours'],
      [job({ regions: ['mars'] }), 'regions.0'],
      [job({ home: 'nowhere' }), 'home'],
      [job({ units: 100_000 }), 'units'],
      [job({ env: { 'bad name': 'x' } }), 'env.bad name'],
      [job({ releaseAt: '2030-01-02T00:00:00Z', deadlineAt: '2030-01-01T00:00:00Z' }), 'deadlineAt'],
    ];
    for (const [body, field] of cases) {
      const r = await c.req('POST', '/api/jobs', body);
      assert.equal(r.status, 400, `${field}: ${JSON.stringify(r.body)}`);
      assert.match(r.type, /problem\+json/);
      assert.ok(
        r.body.errors.some((e: { path: string }) => e.path === field),
        `expected an error on ${field}, got ${JSON.stringify(r.body.errors)}`,
      );
    }
    const malformed = await c.req('POST', '/api/jobs', '{"name": ');
    assert.equal(malformed.status, 400);
    assert.equal((await c.req('GET', '/api/jobs')).body.total, before);
  });

  test('an invalid site names the field; nothing is created', async () => {
    const cookie = await login(t.url, 'operator');
    const c = client(t.url, { cookie });
    const site = smallSite('bad-site');
    const r = await c.req('POST', '/api/sites', { ...site, power: { ...site.power, tariffFenPerKWh: [1, 2, 3] } });
    assert.equal(r.status, 400);
    assert.ok(r.body.errors.some((e: { path: string }) => e.path === 'power.tariffFenPerKWh'));
    const r2 = await c.req('POST', '/api/sites', { ...site, region: 'atlantis' });
    assert.equal(r2.status, 400);
    assert.ok(r2.body.errors.some((e: { path: string }) => e.path === 'region'));
    assert.equal((await c.req('GET', '/api/sites/bad-site')).status, 404);
  });
});

describe('authorisation', () => {
  test('a tenant never sees another tenant\'s jobs', async () => {
    const a = client(t.url, { cookie: await login(t.url, 'tenant') });
    const b = client(t.url, { cookie: await login(t.url, 'tenant2') });
    const mine = await a.req('POST', '/api/jobs', job({ name: 'secret training run' }));
    assert.equal(mine.status, 201, JSON.stringify(mine.body));
    const id = mine.body.id;
    assert.equal(mine.body.tenantId, 'tianshan-ai');

    const get = await b.req('GET', `/api/jobs/${id}`);
    assert.equal(get.status, 404);
    assert.equal(get.body.code, 'JOB_NOT_FOUND');
    assert.equal((await b.req('GET', `/api/jobs/${id}/logs`)).status, 404);
    assert.equal((await b.req('POST', `/api/jobs/${id}/cancel`)).status, 404);
    const list = await b.req('GET', '/api/jobs?limit=500');
    assert.ok(list.body.items.every((j: { tenantId: string }) => j.tenantId === 'karamay-studio'));
    assert.ok(!list.body.items.some((j: { id: string }) => j.id === id));
    // A tenant cannot submit on another tenant's behalf either.
    const spoof = await b.req('POST', '/api/jobs', job({ tenantId: 'tianshan-ai' }));
    assert.equal(spoof.status, 403);

    const viewer = client(t.url, { cookie: await login(t.url, 'viewer') });
    assert.equal((await viewer.req('GET', `/api/jobs/${id}`)).status, 200);
  });

  test('roles are checked on the server for every write', async () => {
    const viewer = client(t.url, { cookie: await login(t.url, 'viewer') });
    assert.equal((await viewer.req('POST', '/api/jobs', job())).status, 403);
    assert.equal((await viewer.req('POST', '/api/sites', smallSite('v-site'))).status, 403);
    const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
    assert.equal((await tenant.req('POST', '/api/regions', { id: 'x', nameZh: 'x', nameEn: 'x', lat: 0, lon: 0 })).status, 403);
    assert.equal((await tenant.req('DELETE', '/api/sites/hami')).status, 403);
    assert.equal((await tenant.req('GET', '/api/tenants')).status, 403);
    const officer = client(t.url, { cookie: await login(t.url, 'officer') });
    assert.equal((await officer.req('GET', '/api/jobs')).status, 403);
  });

  test('a worker credential syncs only as its own worker; user sessions and tokens cannot act as workers', async () => {
    const a = await enrollWorker(t.p, 'hami', 'api-a');
    const b = await enrollWorker(t.p, 'hami', 'api-b');
    assert.equal((await workerSync(t.url, a.credential, a.id, {})).status, 200);
    assert.equal((await workerSync(t.url, a.credential, b.id, {})).status, 403);
    const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
    const r = await tenant.req('POST', `/api/workers/${a.id}/sync`, { slots: 1, free: 1, waitMs: 0 });
    assert.ok(r.status === 401 || r.status === 403, String(r.status));
  });
});

describe('network CRUD', () => {
  test('operator creates, edits and deletes a site', async () => {
    const c = client(t.url, { cookie: await login(t.url, 'operator') });
    const created = await c.req('POST', '/api/sites', smallSite('crud-site'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await c.req('POST', '/api/sites', smallSite('crud-site'))).body.code, 'SITE_EXISTS');
    const patched = await c.req('PATCH', '/api/sites/crud-site', { pue: 1.35 });
    assert.equal(patched.status, 200);
    assert.equal((await c.req('GET', '/api/sites/crud-site')).body.pue, 1.35);
    const curve = await c.req('GET', '/api/sites/hami/power?hours=24');
    assert.equal(curve.status, 200);
    assert.equal(curve.body.hours.length, 24);
    assert.ok(curve.body.hours.some((h: { renewableKW: number }) => h.renewableKW > 0));
    assert.equal((await c.req('DELETE', '/api/sites/crud-site')).status, 204);
    assert.equal((await c.req('GET', '/api/sites/crud-site')).status, 404);
  });

  test('operator manages regions and links; a region with sites cannot be deleted', async () => {
    const c = client(t.url, { cookie: await login(t.url, 'operator') });
    assert.equal((await c.req('POST', '/api/regions', { id: 'gansu', nameZh: '甘肃', nameEn: 'Gansu', lat: 36, lon: 103.8 })).status, 201);
    assert.equal((await c.req('PATCH', '/api/regions/gansu', { nameEn: 'Gansu province' })).body.nameEn, 'Gansu province');
    assert.equal((await c.req('POST', '/api/links', { from: 'gansu', to: 'xinjiang', gbps: 40, fenPerGB: 4 })).status, 201);
    assert.equal((await c.req('POST', '/api/links', { from: 'gansu', to: 'gansu', gbps: 40, fenPerGB: 4 })).status, 400);
    assert.equal((await c.req('DELETE', '/api/links/gansu/xinjiang')).status, 204);
    assert.equal((await c.req('DELETE', '/api/links/gansu/xinjiang')).status, 404);
    assert.equal((await c.req('DELETE', '/api/regions/xinjiang')).body.code, 'REGION_IN_USE');
    assert.equal((await c.req('DELETE', '/api/regions/gansu')).status, 204);
    const regions = (await c.req('GET', '/api/regions')).body.items.map((r: { id: string }) => r.id);
    assert.ok(!regions.includes('gansu'));
  });

  test('overview sums the network; Xinjiang exceeds 10,000 PFLOPS', async () => {
    const c = client(t.url, { cookie: await login(t.url, 'viewer') });
    const o = await c.req('GET', '/api/overview');
    assert.equal(o.status, 200);
    assert.ok(o.body.pflopsXinjiang > 10_000, String(o.body.pflopsXinjiang));
    assert.ok(o.body.pflopsOnline >= o.body.pflopsXinjiang);
    assert.equal(o.body.regions, 3);
  });
});
