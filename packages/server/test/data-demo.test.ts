import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataClient, dataOf, type DataClient } from './data-helpers.ts';
import { startPlatform, type TestPlatform } from './helpers.ts';

describe('data space demo: products, scenarios and their uses', () => {
  let t: TestPlatform;
  let viewer: DataClient;
  before(async () => {
    t = await startPlatform();
    viewer = await dataClient(t, 'viewer');
  });
  after(async () => {
    await t?.close();
  });

  test('seeding lists three products at a Xinjiang site with their datasets, once', async () => {
    const lines = await dataOf(t).seedDemo!();
    assert.equal(lines.length, 3);
    assert.deepEqual(await dataOf(t).seedDemo!(), [], 'a second seed finds everything there');
    const items = (await viewer.req('GET', '/api/data/products')).body.items as { domain: string; rows: number; regionId: string; synthetic: boolean; state: string; title: { zh: string } }[];
    assert.equal(items.length, 3);
    const byDomain = new Map(items.map((p) => [p.domain, p]));
    assert.equal(byDomain.get('green')!.rows, 35_040);
    assert.equal(byDomain.get('science')!.rows, 8_152);
    assert.equal(byDomain.get('agriculture')!.rows, 49_600);
    for (const p of items) {
      assert.equal(p.state, 'listed');
      assert.equal(p.regionId, 'xinjiang');
    }
    assert.equal(byDomain.get('agriculture')!.synthetic, true);
    assert.match(byDomain.get('agriculture')!.title.zh, /合成数据/);
    assert.equal(byDomain.get('green')!.synthetic, false);
  });

  test("the demo runs each scenario's use as the demo consumer and keeps the released result", async () => {
    await dataOf(t).startDemo!(t.url);
    let scenarios: { id: string; useId: string | null; contractId: string | null; result: { groups: unknown[]; release: { kind: string } } | null }[] = [];
    for (let i = 0; i < 600; i++) {
      scenarios = (await viewer.req('GET', '/api/data/scenarios')).body.items;
      if (scenarios.length === 3 && scenarios.every((s) => s.useId !== null)) break;
      await sleep(200);
    }
    assert.equal(scenarios.length, 3);
    const byId = new Map(scenarios.map((s) => [s.id, s]));
    for (const s of scenarios) assert.ok(s.contractId && s.useId, `${s.id} has a contract and a use`);
    assert.equal(byId.get('green-load-shifting')!.result!.groups.length, 24, 'one group per hour of day');
    assert.equal(byId.get('green-load-shifting')!.result!.release.kind, 'k-anonymity');
    assert.equal(byId.get('science-gpu-sizing')!.result!.groups.length, 5, 'pods request 0, 1, 2, 4 or 8 GPUs');
    const agri = byId.get('agriculture-soil-moisture')!.result!;
    assert.equal(agri.release.kind, 'differential-privacy');
    assert.equal(agri.groups.length, 8, 'one group per cotton county, from the schema');
    const tenant = await dataClient(t, 'tenant');
    const contracts = (await tenant.req('GET', '/api/data/contracts?as=consumer')).body.items as { productId: string; epsilon: { spent: number } | null }[];
    assert.equal(contracts.length, 3);
    assert.ok(contracts.some((c) => c.epsilon !== null && Math.abs(c.epsilon.spent - 0.5) < 1e-9), 'the DP use spent its ε');
  });
});
