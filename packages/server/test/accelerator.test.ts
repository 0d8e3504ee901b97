import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { announceAgent, client, operatorToken, smallSite, startPlatform, waitUntil, type TestPlatform } from './helpers.ts';

/**
 * Accelerator placement through the API: an A800 site (cheaper) and an 昇腾 910B site, eight devices
 * per interconnect group each. A job asking for 910B never lands on the A800 pool though it is cheaper;
 * a job no pool can satisfy is refused at submit naming what is missing.
 */
let t: TestPlatform;
let op: ReturnType<typeof client>;

const gpuSite = (id: string, model: string, memGB: number, fen: number) => {
  const s = smallSite(id);
  s.pools = [{ type: 'gpu', units: 32, busyW: 400, idleW: 50, pflopsPerUnit: 0.3, fenPerUnitHour: fen, accelerator: { model, memGB, groupUnits: 8 } }];
  return s;
};

before(async () => {
  t = await startPlatform();
  op = client(t.url, { token: await operatorToken(t.p) });
  for (const s of [gpuSite('a800-site', 'A800', 80, 100), gpuSite('ascend-site', '昇腾 910B', 64, 900)]) {
    assert.equal((await op.req('POST', '/api/sites', s)).status, 201);
    await announceAgent(t, s.id);
  }
});
after(() => t.close());

const submit = (extra: Record<string, unknown>) =>
  op.req('POST', '/api/jobs', { name: 'train', type: 'gpu', units: 8, hours: 1, command: 'true', tenantId: 'tianshan-ai', ...extra });

test('a job asking for 910B never lands on the A800 pool; one group never splits', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await submit({ accelerator: '昇腾 910B', oneGroup: true, units: 4 + i });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.accelerator, '昇腾 910B');
    assert.equal(r.body.oneGroup, true);
    ids.push(r.body.id);
  }
  const a800 = (await submit({ accelerator: 'a800', minMemGB: 80 })).body.id;
  for (const id of ids) {
    const j = await waitUntil(`job ${id} placed`, async () => {
      const b = (await op.req('GET', `/api/jobs/${id}`)).body;
      return b.siteId ? b : null;
    });
    assert.equal(j.siteId, 'ascend-site', `${id} at ${j.siteId}`);
    assert.match(j.explanation, /^needs 昇腾 910B, one group; /);
  }
  const j = await waitUntil('the A800 job placed', async () => (await op.req('GET', `/api/jobs/${a800}`)).body.siteId);
  assert.equal(j, 'a800-site');
});

test('a job no pool can satisfy is refused naming the field', async () => {
  const cases = [
    [{ accelerator: 'TPUv5' }, 'accelerator'],
    [{ accelerator: 'A800', minMemGB: 96 }, 'minMemGB'],
    [{ oneGroup: true, units: 16 }, 'oneGroup'],
    [{ accelerator: '910B', sites: ['a800-site'] }, 'accelerator'],
  ] as const;
  for (const [extra, field] of cases) {
    const r = await submit(extra);
    assert.equal(r.status, 400, JSON.stringify(extra));
    assert.equal(r.body.errors[0].path, field, JSON.stringify(r.body.errors));
  }
});
