import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { dataContracts } from '../src/data/db-schema.ts';
import { dataClient, dataOf, meterCsv, meterProduct, type DataClient } from './data-helpers.ts';
import { startPlatform, type TestPlatform } from './helpers.ts';

describe('data space API: products and contracts (PGlite)', () => {
  let t: TestPlatform;
  let provider: DataClient;
  let consumer: DataClient;
  let other: DataClient;
  let operator: DataClient;
  let viewer: DataClient;

  before(async () => {
    t = await startPlatform();
    provider = await dataClient(t, 'provider');
    consumer = await dataClient(t, 'tenant');
    other = await dataClient(t, 'tenant2');
    operator = await dataClient(t, 'operator');
    viewer = await dataClient(t, 'viewer');
  });
  after(async () => {
    await t?.close();
  });

  /** Registers and lists a product as the provider; returns its id. */
  async function listed(over: Parameters<typeof meterProduct>[0] = {}, rows = 30): Promise<string> {
    const reg = await provider.req('POST', '/api/data/products', meterProduct(over));
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const up = await provider.putCsv(`/api/data/products/${reg.body.id}/dataset`, meterCsv(rows));
    assert.equal(up.status, 200, JSON.stringify(up.body));
    return reg.body.id;
  }

  describe('products', () => {
    test('a policy that cannot be evaluated is refused, each field named', async () => {
      const res = await provider.req(
        'POST',
        '/api/data/products',
        meterProduct({ policy: { permissions: [{ action: 'aggregate', constraints: [{ leftOperand: 'purpose', operator: 'lt', rightOperand: 'research' }] }], computeRegions: ['henan'] } }),
      );
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.code, 'POLICY_INVALID');
      const paths: string[] = res.body.errors.map((e: { path: string }) => e.path);
      assert.ok(paths.some((p) => p.startsWith('policy.permissions[0].constraints[0]')), paths.join(', '));
      assert.ok(paths.includes('policy.computeRegions'), paths.join(', '));
      const mine = await provider.req('GET', '/api/data/products?provider=xj-energy-data');
      assert.equal(mine.body.total, 0, 'nothing was registered');
    });

    test('an unknown site is refused', async () => {
      const res = await provider.req('POST', '/api/data/products', meterProduct({ siteId: 'atlantis' }));
      assert.equal(res.status, 422);
      assert.equal(res.body.code, 'SITE_UNKNOWN');
    });

    test('a valid product registers as a draft only its provider and the operator see', async () => {
      const reg = await provider.req('POST', '/api/data/products', meterProduct());
      assert.equal(reg.status, 201, JSON.stringify(reg.body));
      assert.equal(reg.body.state, 'draft');
      assert.equal(reg.body.providerTenantId, 'xj-energy-data');
      assert.equal(reg.body.regionId, 'xinjiang');
      assert.equal(reg.body.rows, null);
      assert.equal(reg.body.preview.length, 5);
      for (const row of reg.body.preview) assert.ok(['沙湾', '玛纳斯', '石河子'].includes(row.county), 'the preview comes from the schema');
      // The preview is seeded by the product: the same on every read.
      assert.deepEqual((await provider.req('GET', `/api/data/products/${reg.body.id}`)).body.preview, reg.body.preview);
      assert.equal((await operator.req('GET', `/api/data/products/${reg.body.id}`)).status, 200);
      assert.equal((await other.req('GET', `/api/data/products/${reg.body.id}`)).status, 404);
      const seen = await other.req('GET', '/api/data/products');
      assert.ok(!seen.body.items.some((p: { id: string }) => p.id === reg.body.id));
      // A tenant cannot register in another tenant's name.
      assert.equal((await consumer.req('POST', '/api/data/products', meterProduct({ providerTenantId: 'xj-energy-data' }))).status, 403);
      assert.equal((await viewer.req('POST', '/api/data/products', meterProduct())).status, 403);
    });

    test('a malformed CSV is refused naming its line and column, and nothing is stored', async () => {
      const reg = await provider.req('POST', '/api/data/products', meterProduct());
      const bad = 'meter_id,county,kwh\nm1,沙湾,12\nm2,玛纳斯,lots\n';
      const res = await provider.putCsv(`/api/data/products/${reg.body.id}/dataset`, bad);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.code, 'DATASET_INVALID');
      assert.match(res.body.detail, /line 3/);
      assert.match(res.body.detail, /kwh/);
      const after = await provider.req('GET', `/api/data/products/${reg.body.id}`);
      assert.equal(after.body.state, 'draft');
      assert.equal(after.body.rows, null);
      const dir = join(t.dataDir, 'sites', 'urumqi', 'store', 'data', reg.body.id);
      assert.ok(!existsSync(dir) || readdirSync(dir).length === 0, 'no file left at the site');
      // Only the provider uploads.
      assert.equal((await other.putCsv(`/api/data/products/${reg.body.id}/dataset`, meterCsv(5))).status, 404);
    });

    test('a CSV upload lists the product; it is then found by domain, region, provider and text in both languages', async () => {
      const id = await listed({ title: { zh: '乌鲁木齐智能电表', en: 'Urumqi Smart Meters' }, domain: 'urban' }, 42);
      const got = await consumer.req('GET', `/api/data/products/${id}`);
      assert.equal(got.body.state, 'listed');
      assert.equal(got.body.rows, 42);
      const ids = async (q: string) => (await consumer.req('GET', `/api/data/products?${q}`)).body.items.map((p: { id: string }) => p.id);
      assert.ok((await ids('domain=urban')).includes(id));
      assert.ok(!(await ids('domain=health')).includes(id));
      assert.ok((await ids('region=xinjiang')).includes(id));
      assert.ok(!(await ids('region=henan')).includes(id));
      assert.ok((await ids('provider=xj-energy-data')).includes(id));
      assert.ok(!(await ids('provider=xju-lab')).includes(id));
      assert.ok((await ids(`q=${encodeURIComponent('智能电表')}`)).includes(id));
      assert.ok((await ids('q=smart%20METERS')).includes(id), 'case-insensitive');
      assert.ok(!(await ids('q=tractor')).includes(id));
      // A % in the text is literal, not a wildcard.
      assert.ok(!(await ids('q=%25')).includes(id));
      const items = (await viewer.req('GET', '/api/data/products')).body.items;
      assert.equal(items.find((p: { id: string }) => p.id === id).domain, 'urban', 'the catalogue names each product’s domain');
      const domains = (await viewer.req('GET', '/api/data/domains')).body.items;
      assert.equal(domains.length, 12);
      assert.ok(domains.find((d: { domain: string }) => d.domain === 'urban').products >= 1);
      assert.equal(domains.find((d: { domain: string }) => d.domain === 'urban').name.zh, '城市治理');
      // Once listed, the dataset is fixed.
      assert.equal((await provider.putCsv(`/api/data/products/${id}/dataset`, meterCsv(5))).status, 409);
    });
  });

  describe('contracts', () => {
    test('a request the policy allows is agreed at once, signed, and verifies; altered terms are found out', async () => {
      const id = await listed();
      const res = await consumer.req('POST', '/api/data/contracts', { productId: id, purpose: 'research', actions: ['aggregate'] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.state, 'agreed');
      assert.equal(res.body.consumerTenantId, 'tianshan-ai');
      assert.equal(res.body.terms.feeFenPerUse, 300);
      assert.equal(res.body.proof.alg, 'Ed25519');
      assert.equal(res.body.epsilon, null, 'k-anonymity spends no ε');
      const v = await other.req('GET', `/api/data/contracts/${res.body.id}/verify`);
      assert.equal(v.status, 200);
      assert.equal(v.body.result, 'valid');
      assert.match(v.body.publicKeyPem, /BEGIN PUBLIC KEY/);
      // Someone with database access raises nothing but the fee: the signature no longer matches.
      await t.p.database.db.execute(sql`update data_contracts set terms = jsonb_set(terms, '{feeFenPerUse}', '1') where id = ${res.body.id}`);
      assert.equal((await consumer.req('GET', `/api/data/contracts/${res.body.id}/verify`)).body.result, 'tampered');
    });

    test('the same idempotency key answers with the same contract', async () => {
      const id = await listed();
      const body = { productId: id, purpose: 'planning', actions: ['aggregate'], idempotencyKey: 'same-key-0001' };
      const a = await consumer.req('POST', '/api/data/contracts', body);
      const b = await consumer.req('POST', '/api/data/contracts', body);
      assert.equal(a.body.id, b.body.id);
      const rows = await t.p.database.db.select().from(dataContracts).where(eq(dataContracts.productId, id));
      assert.equal(rows.length, 1);
    });

    test('a prohibited request is declined with the reasons; an unpermitted one goes to the provider', async () => {
      const id = await listed({ policy: { permissions: [{ action: 'aggregate', constraints: [] }], prohibitions: [{ action: 'aggregate', constraints: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'credit-assessment' }] }] } });
      const declined = await consumer.req('POST', '/api/data/contracts', { productId: id, purpose: 'credit-assessment', actions: ['aggregate'] });
      assert.equal(declined.status, 201);
      assert.equal(declined.body.state, 'declined');
      assert.ok(declined.body.reasons.length > 0);
      assert.equal(declined.body.terms, null);
      assert.equal((await consumer.req('GET', `/api/data/contracts/${declined.body.id}/verify`)).body.result, 'unsigned');
    });

    test('with provider approval: requested, then the provider agrees or declines; others see nothing', async () => {
      const id = await listed({ policy: { approval: 'provider' } });
      const asked = await consumer.req('POST', '/api/data/contracts', { productId: id, purpose: 'research', actions: ['aggregate'], note: 'tariff study' });
      assert.equal(asked.body.state, 'requested');
      assert.equal(asked.body.terms, null);
      const cid = asked.body.id;
      assert.equal((await other.req('GET', `/api/data/contracts/${cid}`)).status, 404);
      assert.equal((await other.req('POST', `/api/data/contracts/${cid}/decision`, { decision: 'agree' })).status, 404);
      assert.ok(!(await other.req('GET', '/api/data/contracts')).body.items.some((c: { id: string }) => c.id === cid));
      assert.equal((await consumer.req('POST', `/api/data/contracts/${cid}/decision`, { decision: 'agree' })).status, 403, 'the consumer does not decide');
      const waiting = (await provider.req('GET', '/api/data/contracts?as=provider')).body.items;
      assert.ok(waiting.some((c: { id: string; state: string }) => c.id === cid && c.state === 'requested'));
      assert.ok(!(await provider.req('GET', '/api/data/contracts?as=consumer')).body.items.some((c: { id: string }) => c.id === cid));
      const agreed = await provider.req('POST', `/api/data/contracts/${cid}/decision`, { decision: 'agree', reason: 'fine for research' });
      assert.equal(agreed.status, 200, JSON.stringify(agreed.body));
      assert.equal(agreed.body.state, 'agreed');
      assert.equal((await consumer.req('GET', `/api/data/contracts/${cid}/verify`)).body.result, 'valid');
      assert.equal((await provider.req('POST', `/api/data/contracts/${cid}/decision`, { decision: 'decline' })).status, 409);

      const second = await consumer.req('POST', '/api/data/contracts', { productId: id, purpose: 'commercial-analytics', actions: ['aggregate'] });
      const declined = await provider.req('POST', `/api/data/contracts/${second.body.id}/decision`, { decision: 'decline', reason: 'not for resale' });
      assert.equal(declined.body.state, 'declined');
      assert.equal(declined.body.reasons.at(-1).message, 'not for resale');
    });

    test('revoking ends a contract for both parties; a withdrawn product takes no new contracts', async () => {
      const id = await listed();
      const c = await consumer.req('POST', '/api/data/contracts', { productId: id, purpose: 'research', actions: ['aggregate'] });
      assert.equal((await other.req('POST', `/api/data/contracts/${c.body.id}/revoke`, { reason: 'not mine' })).status, 404);
      const revoked = await consumer.req('POST', `/api/data/contracts/${c.body.id}/revoke`, { reason: 'project ended' });
      assert.equal(revoked.status, 200);
      assert.equal(revoked.body.state, 'revoked');
      assert.equal((await provider.req('GET', `/api/data/contracts/${c.body.id}`)).body.state, 'revoked');
      assert.equal((await provider.req('POST', `/api/data/contracts/${c.body.id}/revoke`, { reason: 'again' })).status, 409);

      assert.equal((await provider.req('POST', `/api/data/products/${id}/withdraw`)).body.state, 'withdrawn');
      const late = await consumer.req('POST', '/api/data/contracts', { productId: id, purpose: 'research', actions: ['aggregate'] });
      assert.equal(late.status, 409);
      assert.equal(late.body.code, 'PRODUCT_NOT_LISTED');
      assert.equal((await other.req('GET', `/api/data/products/${id}`)).status, 404, 'withdrawn: only its provider and the operator see it');
    });

    test('an agreed contract past its end is expired', async () => {
      const id = await listed({ policy: { contractDays: 1 } });
      const c = await consumer.req('POST', '/api/data/contracts', { productId: id, purpose: 'research', actions: ['aggregate'] });
      await t.p.database.db.execute(sql`update data_contracts set expires_at = now() - interval '1 minute' where id = ${c.body.id}`);
      const got = await consumer.req('GET', `/api/data/contracts/${c.body.id}`);
      assert.equal(got.body.state, 'expired');
      assert.equal((await consumer.req('POST', `/api/data/contracts/${c.body.id}/revoke`, { reason: 'too late' })).status, 409);
    });

    test('the operator asks on behalf of a named consumer only', async () => {
      const id = await listed();
      assert.equal((await operator.req('POST', '/api/data/contracts', { productId: id, purpose: 'research', actions: ['aggregate'] })).status, 400);
      const c = await operator.req('POST', '/api/data/contracts', { productId: id, purpose: 'research', actions: ['aggregate'], consumerTenantId: 'karamay-studio' });
      assert.equal(c.status, 201);
      assert.equal(c.body.consumerTenantId, 'karamay-studio');
      assert.ok((await other.req('GET', '/api/data/contracts?as=consumer')).body.items.some((x: { id: string }) => x.id === c.body.id));
    });
  });

  describe('uses, end to end', () => {
    test('register → list → contract → use at the site → released; the provider sees the use and its income', async () => {
      const id = await listed({ feeFenPerUse: 250 }, 60);
      const c = await consumer.req('POST', '/api/data/contracts', { productId: id, purpose: 'research', actions: ['aggregate'] });
      const query = { action: 'aggregate', groupBy: ['county'], measures: [{ fn: 'count' }, { fn: 'sum', column: 'kwh' }] };
      const submitted = await consumer.req('POST', '/api/data/uses', { contractId: c.body.id, query });
      assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
      assert.equal(submitted.body.siteId, 'urumqi');
      const done = await dataOf(t).uses.settled(submitted.body.id, 120_000);
      assert.equal(done.state, 'released', JSON.stringify(done.refusal));
      const got = await consumer.req('GET', `/api/data/uses/${done.id}`);
      assert.equal(got.body.result.release.kind, 'k-anonymity');
      // 60 rows over three counties: 20 each, and the sums of the fixture's readings.
      const expected = new Map<string, number>();
      meterCsv(60).trim().split('\n').slice(1).forEach((line) => {
        const [, county, kwh] = line.split(',');
        expected.set(county!, (expected.get(county!) ?? 0) + Number(kwh));
      });
      assert.equal(got.body.result.groups.length, 3);
      for (const g of got.body.result.groups) {
        assert.equal(g.values.count, 20);
        assert.equal(g.values.sum_kwh, expected.get(g.key.county));
      }
      assert.equal((await other.req('GET', `/api/data/uses/${done.id}`)).status, 404);
      const seenByProvider = (await provider.req('GET', `/api/data/uses?productId=${id}`)).body.items;
      assert.ok(seenByProvider.some((u: { id: string; state: string }) => u.id === done.id && u.state === 'released'));
      const earned = (await provider.req('GET', '/api/data/income')).body;
      const line = earned.asProvider.find((l: { productId: string }) => l.productId === id);
      assert.equal(line.uses, 1);
      assert.equal(line.feeFen, 250);
      const paid = (await consumer.req('GET', '/api/data/income')).body;
      assert.equal(paid.asConsumer.find((l: { productId: string }) => l.productId === id).feeFen, 250);
      assert.equal((await consumer.req('GET', `/api/data/contracts/${c.body.id}`)).body.uses, 1);
      const overview = (await viewer.req('GET', '/api/data/overview')).body.byDomain;
      assert.ok(overview.find((d: { domain: string }) => d.domain === 'green').uses >= 1);
      const audit = (await provider.req('GET', `/api/data/audit?productId=${id}`)).body.items;
      const released = audit.find((e: { kind: string }) => e.kind === 'data.use.released');
      assert.ok(released, 'the release is in the audit');
      assert.equal(released.data.feeFen, 250);
      assert.ok(!('result' in released.data), 'events never carry results');
    });
  });

  describe('audit', () => {
    test("a product's events are shown to its provider and its consumers' own, not to another tenant", async () => {
      const id = await listed();
      const c = await consumer.req('POST', '/api/data/contracts', { productId: id, purpose: 'research', actions: ['aggregate'] });
      const kinds = async (who: DataClient) => (await who.req('GET', `/api/data/audit?productId=${id}`)).body.items.map((e: { kind: string }) => e.kind);
      const forProvider = await kinds(provider);
      for (const k of ['data.product.registered', 'data.product.listed', 'data.contract.requested', 'data.contract.agreed']) assert.ok(forProvider.includes(k), `${k} in ${forProvider}`);
      const forConsumer = await kinds(consumer);
      assert.ok(forConsumer.includes('data.contract.agreed'));
      assert.ok(!forConsumer.includes('data.product.registered'), "the consumer sees its contract's events, not the provider's product history");
      assert.deepEqual(await kinds(other), []);
      assert.ok((await kinds(operator)).includes('data.product.registered'));
      const events = (await provider.req('GET', `/api/data/audit?productId=${id}`)).body.items;
      assert.ok(events.every((e: { data: Record<string, unknown> }) => !('terms' in e.data) && !('proof' in e.data)));
      assert.ok(events.some((e: { entityId: string }) => e.entityId === c.body.id));
    });
  });
});
