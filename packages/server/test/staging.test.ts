import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Worker } from '@shuzhi/agent';
import { client, login, newWorker, smallSite, startPlatform, waitUntil, type TestPlatform } from './helpers.ts';

let t: TestPlatform;
let agents: Worker[] = [];
before(async () => {
  t = await startPlatform({ leaseMs: 3000 });
  const xj = smallSite('xj-test', 'xinjiang');
  xj.pools[0]!.fenPerUnitHour = 10;
  const cq = smallSite('cq-test', 'chongqing');
  cq.pools[0]!.fenPerUnitHour = 1;
  await t.p.compute.network.createSite(xj, 'test');
  await t.p.compute.network.createSite(cq, 'test');
  agents = [await newWorker(t, 'xj-test', 'xj-agent', { slots: 2 }), await newWorker(t, 'cq-test', 'cq-agent', { slots: 2 })];
  for (const a of agents) a.start();
  await waitUntil('both agents online', async () => t.p.compute.dispatcher.agentsOnline('cq-test') > 0 && t.p.compute.dispatcher.agentsOnline('xj-test') > 0);
});
after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await t.close();
});

test('a job restricted to Xinjiang is never placed in Chongqing, even when Chongqing is cheaper', async () => {
  const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await tenant.req('POST', '/api/jobs', {
      name: `resident ${i}`, type: 'cpu', units: 4, hours: 100, home: 'xj-test', dataGB: 25, regions: ['xinjiang'], command: 'true',
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    ids.push(r.body.id);
  }
  for (const id of ids) {
    const j = await waitUntil('done', async () => {
      const b = (await tenant.req('GET', `/api/jobs/${id}`)).body;
      return b.status === 'succeeded' ? b : null;
    });
    assert.equal(j.siteId, 'xj-test');
    assert.equal(j.transfer, null);
    assert.ok(j.runs.every((r: { siteId: string }) => r.siteId === 'xj-test'));
  }
});

test('a job allowed in Chongqing pays the transfer and waits for its data to arrive', async () => {
  const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
  // 25 GB over the demo's 100 Gbps Xinjiang–Chongqing link: 2 s and 25 × 5 fen.
  const r = await tenant.req('POST', '/api/jobs', {
    name: 'flows east', type: 'cpu', units: 4, hours: 100, home: 'xj-test', dataGB: 25, command: 'echo ran',
  });
  assert.equal(r.status, 201);
  const j = await waitUntil('done', async () => {
    const b = (await tenant.req('GET', `/api/jobs/${r.body.id}`)).body;
    return b.status === 'succeeded' ? b : null;
  });
  assert.equal(j.siteId, 'cq-test');
  assert.deepEqual(j.transfer, { fromRegion: 'xinjiang', toRegion: 'chongqing', dataGB: 25, fen: 125 });
  assert.match(j.explanation, /stages 25 GB from xinjiang/);
  const waited = Date.parse(j.runs[0].startedAt) - Date.parse(j.createdAt);
  assert.ok(waited >= 2000, `started ${waited} ms after submission; the data needs 2000 ms`);
  const flows = (await tenant.req('GET', '/api/flows')).body.items;
  assert.deepEqual(flows, [{ from: 'xinjiang', to: 'chongqing', jobs: 1, dataGB: 25, fen: 125 }]);
});
