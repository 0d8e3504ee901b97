import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import type { DataUse } from '@shuzhi/schema';
import { cheapestSiteNow } from '../src/compute/placement.ts';
import { runs } from '../src/compute/db-schema.ts';
import type { ExecTask } from '../src/compute/executor.ts';
import { dataContracts, dataUses } from '../src/data/db-schema.ts';
import { events } from '../src/db/schema.ts';
import { dataClient, dataOf, meterCsv, meterProduct, type DataClient } from './data-helpers.ts';
import { startPlatform, type TestPlatform } from './helpers.ts';

/**
 * Uses end to end on one platform (PGlite): the API, the consumer's compute job placed at the data's
 * site, the data plane there (DuckDB over the stored Parquet), the output rule, the release.
 */
describe('data uses: computed at the data\'s site, released once (PGlite)', () => {
  let t: TestPlatform;
  let provider: DataClient;
  let consumer: DataClient;
  let other: DataClient;

  before(async () => {
    t = await startPlatform();
    provider = await dataClient(t, 'provider');
    consumer = await dataClient(t, 'tenant');
    other = await dataClient(t, 'tenant2');
  });
  after(async () => {
    await t?.close();
  });

  const data = () => dataOf(t);
  const db = () => t.p.database.db;

  async function listed(over: Parameters<typeof meterProduct>[0] = {}, rows = 30): Promise<string> {
    const reg = await provider.req('POST', '/api/data/products', meterProduct(over));
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const up = await provider.putCsv(`/api/data/products/${reg.body.id}/dataset`, meterCsv(rows));
    assert.equal(up.status, 200, JSON.stringify(up.body));
    return reg.body.id;
  }

  async function agreed(productId: string, actions = ['aggregate']): Promise<string> {
    const res = await consumer.req('POST', '/api/data/contracts', { productId, purpose: 'research', actions });
    assert.equal(res.body.state, 'agreed', JSON.stringify(res.body));
    return res.body.id;
  }

  const byCounty = { action: 'aggregate', measures: [{ fn: 'count' }, { fn: 'avg', column: 'kwh' }], groupBy: ['county'] };

  async function use(contractId: string, query: Record<string, unknown> = byCounty, as: DataClient = consumer) {
    return as.req('POST', '/api/data/uses', { contractId, query });
  }

  const settled = (id: string) => data().uses.settled(id, 60_000);
  const contractUses = async (id: string) => (await db().select({ uses: dataContracts.uses }).from(dataContracts).where(eq(dataContracts.id, id)))[0]!.uses;
  const useEvents = (id: string, kind: string) => db().select().from(events).where(and(eq(events.entityId, id), eq(events.kind, kind)));

  /** A task of the use's job as the dispatcher would hand it to the plane (after a restart: `recover`). */
  const planeTask = (u: { id: string; jobId: string | null }, at: Pick<ExecTask, 'taskId' | 'attempt' | 'siteId' | 'type'>): ExecTask => ({
    ...at,
    jobId: u.jobId!,
    jobName: `data use ${u.id}`,
    units: 1,
    hours: 0.05,
    command: `shuzhi data-plane run ${u.id}`,
    env: {},
    tenantId: 'tianshan-ai',
    priority: 60,
    createdAtMs: 0,
    readyAtMs: 0,
  });

  /**
   * Keeps the plane away from new tasks (the dispatcher's route hook unset): a use's job then waits
   * unplaced, as it would behind a busy site, until the hook is back.
   */
  async function whilePlaneAway<T>(fn: () => Promise<T>): Promise<T> {
    t.p.compute.dispatcher.route = null;
    try {
      return await fn();
    } finally {
      data().uses.attach();
    }
  }

  test('a query runs as the consumer\'s compute job at the data\'s site and releases only aggregates; the job\'s logs say counts, not values', async () => {
    const contractId = await agreed(await listed());
    const res = await use(contractId);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.state, 'queued');
    assert.ok(res.body.jobId, 'its job is submitted');
    const done = await settled(res.body.id);
    assert.equal(done.state, 'released', JSON.stringify(done.refusal));
    assert.equal(done.siteId, 'urumqi');
    assert.deepEqual(
      done.result!.groups.map((g) => [g.key.county, g.values.count]).sort(),
      [['沙湾', 10], ['玛纳斯', 10], ['石河子', 10]].sort(),
    );
    assert.deepEqual(done.result!.release, { kind: 'k-anonymity', k: 3, smallestGroup: 10 });
    assert.equal(done.result!.rowsScanned, 30);

    const job = await consumer.req('GET', `/api/jobs/${done.jobId}`);
    assert.equal(job.status, 200, 'the job is the consumer\'s own');
    assert.equal(job.body.tenantId, 'tianshan-ai');
    assert.equal(job.body.status, 'succeeded');
    assert.deepEqual(job.body.runs.map((r: { siteId: string }) => r.siteId), ['urumqi']);
    const logs = await consumer.req('GET', `/api/jobs/${done.jobId}/logs`);
    const text = logs.body.items?.map((l: { text: string }) => l.text).join('') ?? JSON.stringify(logs.body);
    assert.match(text, /data plane at urumqi: 30 rows scanned, 3 groups released under k=3/);
    assert.doesNotMatch(text, /\bm\d+\b/, 'no meter id in the logs');

    const released = await useEvents(done.id, 'data.use.released');
    assert.equal(released.length, 1);
    assert.deepEqual(released[0]!.data, {
      useId: done.id,
      contractId,
      productId: done.productId,
      consumerTenantId: 'tianshan-ai',
      providerTenantId: done.providerTenantId,
      feeFen: 300,
      siteId: 'urumqi',
    });
    // The provider sees the use of its product; another tenant does not know it exists.
    const seen = await provider.req('GET', `/api/data/uses/${done.id}`);
    assert.equal(seen.status, 200);
    assert.equal((await other.req('GET', `/api/data/uses/${done.id}`)).status, 404);
  });

  test('the same idempotency key gives the same use, counted once', async () => {
    const contractId = await agreed(await listed());
    const body = { contractId, query: byCounty, idempotencyKey: 'use-key-0001' };
    const [a, b] = await Promise.all([consumer.req('POST', '/api/data/uses', body), consumer.req('POST', '/api/data/uses', body)]);
    assert.equal(a.body.id, b.body.id);
    await settled(a.body.id);
    assert.equal(await contractUses(contractId), 1);
  });

  test('a join runs the consumer\'s rows at the site; the provider sees the use without those rows', async () => {
    const productId = await listed({ policy: { permissions: [{ action: 'aggregate', constraints: [] }, { action: 'join', constraints: [] }] } });
    const contractId = await agreed(productId, ['aggregate', 'join']);
    const rows = Array.from({ length: 12 }, (_, i) => [`m${i}`, i % 2 ? "tariff 'A'" : 'tariff B']);
    const res = await use(contractId, { action: 'join', measures: [{ fn: 'count' }], join: { on: 'meter_id', columns: ['meter_id', 'tariff'], rows, groupBy: ['tariff'] } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const done = await settled(res.body.id);
    assert.equal(done.state, 'released', JSON.stringify(done.refusal));
    assert.deepEqual(Object.fromEntries(done.result!.groups.map((g) => [g.key.tariff, g.values.count])), { "tariff 'A'": 6, 'tariff B': 6 });
    const mine = await consumer.req('GET', `/api/data/uses/${done.id}`);
    assert.equal(mine.body.query.join.rows.length, 12);
    const theirs = await provider.req('GET', `/api/data/uses?productId=${productId}`);
    assert.equal(theirs.body.items.length, 1);
    assert.deepEqual(theirs.body.items[0].query.join.rows, [], 'the consumer\'s own rows are not the provider\'s to read');
  });

  describe('residency', () => {
    test('a product in Xinjiang is computed at its site even when another region is far cheaper', async () => {
      // Zhengzhou (Henan) made the cheapest site for the job's shape by far.
      const before = await t.p.compute.network.getSite('zhengzhou');
      await t.p.compute.network.updateSite('zhengzhou', { pools: before.pools.map((pl) => ({ ...pl, fenPerUnitHour: 1 })) }, 'test');
      const sites = await t.p.compute.network.listSites();
      const cheapest = cheapestSiteNow({ type: 'gpu', units: 1, hours: 0.05, regions: [], homeRegion: null, dataGB: 0 }, sites, () => 1_000_000, Date.now(), []);
      assert.equal(cheapest?.siteId, 'zhengzhou', 'without residency the job would go to Henan');

      const productId = await listed({ siteId: 'hami' });
      const done = await settled((await use(await agreed(productId))).body.id);
      assert.equal(done.state, 'released', JSON.stringify(done.refusal));
      const job = await consumer.req('GET', `/api/jobs/${done.jobId}`);
      assert.deepEqual(job.body.regions, ['xinjiang']);
      assert.deepEqual(job.body.runs.map((r: { siteId: string }) => r.siteId), ['hami']);
    });

    test('a task of the use that reaches the plane at another site is refused RESIDENCY and releases nothing', async () => {
      const contractId = await agreed(await listed({ siteId: 'hami' }));
      const queued: DataUse = await whilePlaneAway(async () => {
        const res = await use(contractId);
        assert.equal(res.status, 202);
        // A task at Zhengzhou, as a placement bug would hand it to the plane.
        await data().uses.plane.recover([planeTask(res.body, { taskId: 'task_elsewhere', attempt: 1, siteId: 'zhengzhou', type: 'gpu' })]);
        return settled(res.body.id);
      });
      assert.equal(queued.state, 'refused');
      assert.equal(queued.refusal?.code, 'RESIDENCY');
      assert.match(queued.refusal!.message, /held at hami .* only in xinjiang; this task reached zhengzhou \(henan\)/);
      assert.equal(queued.result, null);
      assert.equal((await useEvents(queued.id, 'data.use.released')).length, 0);
      assert.equal(await contractUses(contractId), 0, 'a refused use is not counted');
    });
  });

  describe('revoked contracts', () => {
    test('a use asked after revocation is refused at once (409) and nothing is spent or written', async () => {
      const contractId = await agreed(await listed());
      const rev = await provider.req('POST', `/api/data/contracts/${contractId}/revoke`, { reason: 'end of pilot' });
      assert.equal(rev.status, 200, JSON.stringify(rev.body));
      const res = await use(contractId);
      assert.equal(res.status, 409);
      assert.equal(res.body.code, 'CONTRACT_NOT_ACTIVE');
      assert.equal(await contractUses(contractId), 0);
      assert.equal((await db().select().from(dataUses).where(eq(dataUses.contractId, contractId))).length, 0);
    });

    test('a queued use whose contract is revoked before it runs is refused when it reaches the plane', async () => {
      const contractId = await agreed(await listed());
      const id = await whilePlaneAway(async () => {
        const res = await use(contractId);
        assert.equal(res.status, 202);
        assert.equal((await provider.req('POST', `/api/data/contracts/${contractId}/revoke`, { reason: 'provider withdrew consent' })).status, 200);
        return res.body.id as string;
      });
      await t.p.compute.dispatcher.place();
      const done = await settled(id);
      assert.equal(done.state, 'refused');
      assert.equal(done.refusal?.code, 'CONTRACT_NOT_ACTIVE');
      assert.equal(done.result, null);
      assert.equal(await contractUses(contractId), 0);
    });
  });

  describe('differential privacy: ε', () => {
    const dpPolicy = { output: { kind: 'differential-privacy', epsilonBudget: 3, maxEpsilonPerQuery: 1 } } as const;
    const dpQuery = (epsilon: number) => ({ action: 'aggregate', measures: [{ fn: 'count' }], groupBy: ['county'], epsilon });

    test('uses spend their ε; exhaustion is refused with the numbers; an invalid query spends nothing', async () => {
      const productId = await listed({ policy: dpPolicy });
      const contractId = await agreed(productId);
      for (const eps of [1, 1, 0.5]) {
        const res = await use(contractId, dpQuery(eps));
        assert.equal(res.status, 202, JSON.stringify(res.body));
        const done = await settled(res.body.id);
        assert.equal(done.state, 'released', JSON.stringify(done.refusal));
        assert.equal(done.result!.release.kind, 'differential-privacy');
      }
      assert.deepEqual(await data().uses.epsilonOf(productId, 'tianshan-ai'), { budget: 3, spent: 2.5, left: 0.5 });
      const tooMuch = await use(contractId, dpQuery(1));
      assert.equal(tooMuch.status, 409);
      assert.equal(tooMuch.body.code, 'BUDGET_EXHAUSTED');
      assert.match(tooMuch.body.detail ?? tooMuch.body.message, /ε budget 3\.0 for this product: 2\.5 spent, 0\.5 left; this query asks 1\.0/);
      const invalid = await use(contractId, dpQuery(2));
      assert.equal(invalid.status, 422);
      assert.equal(invalid.body.code, 'EPSILON_TOO_LARGE');
      assert.deepEqual(await data().uses.epsilonOf(productId, 'tianshan-ai'), { budget: 3, spent: 2.5, left: 0.5 });
      assert.equal(await contractUses(contractId), 3);
      // What is left can still be spent.
      assert.equal((await settled((await use(contractId, dpQuery(0.5))).body.id)).state, 'released');
      assert.deepEqual(await data().uses.epsilonOf(productId, 'tianshan-ai'), { budget: 3, spent: 3, left: 0 });
    });

    test('a query the output rule refuses at the site (a group under k) spends nothing', async () => {
      const contractId = await agreed(await listed({ policy: { output: { kind: 'k-anonymity', k: 11 } } }));
      const res = await use(contractId);
      assert.equal(res.status, 202);
      const done = await settled(res.body.id);
      assert.equal(done.state, 'refused');
      assert.equal(done.refusal?.code, 'GROUP_BELOW_K');
      assert.equal(done.result, null);
      assert.equal(done.epsilonSpent, 0);
      assert.equal(await contractUses(contractId), 0);
      const job = await consumer.req('GET', `/api/jobs/${done.jobId}`);
      assert.equal(job.body.status, 'failed');
    });
  });

  test('a use whose job the consumer cancels before it runs fails and gives its spend back', async () => {
    const contractId = await agreed(await listed());
    const id = await whilePlaneAway(async () => {
      const res = await use(contractId);
      assert.equal((await consumer.req('POST', `/api/jobs/${res.body.jobId}/cancel`)).status, 200);
      return res.body.id as string;
    });
    const done = await settled(id);
    assert.equal(done.state, 'failed');
    assert.equal(done.refusal?.code, 'CANCELLED');
    assert.equal(await contractUses(contractId), 0);
    assert.equal((await useEvents(id, 'data.use.released')).length, 0);
  });

  test('a use left without a job (a crash between the use and its job) is submitted again at start, and released once', async () => {
    const contractId = await agreed(await listed());
    const id = await whilePlaneAway(async () => {
      const res = await use(contractId);
      // The crash: the job was submitted, its id never stored.
      await db().update(dataUses).set({ jobId: null }).where(eq(dataUses.id, res.body.id));
      await data().uses.start();
      const [row] = await db().select().from(dataUses).where(eq(dataUses.id, res.body.id));
      assert.ok(row!.jobId && row!.jobId !== res.body.jobId, 'a new job was submitted');
      return res.body.id as string;
    });
    await t.p.compute.dispatcher.place();
    const done = await settled(id);
    assert.equal(done.state, 'released', JSON.stringify(done.refusal));
    assert.equal((await useEvents(id, 'data.use.released')).length, 1);
    assert.equal(await contractUses(contractId), 1);
  });

  test('exactly once: a released use has one data.use.released event and one billed run, even when the plane runs it again after a restart', async () => {
    const done = await settled((await use(await agreed(await listed()))).body.id);
    assert.equal(done.state, 'released');
    const [run] = await db().select().from(runs).where(eq(runs.jobId, done.jobId!));
    const task = planeTask(done, { taskId: run!.taskId, attempt: run!.attempt, siteId: 'urumqi', type: 'cpu' });
    await data().uses.plane.recover([task, task]);
    await data().uses.plane.close(); // waits for the runs it holds
    assert.equal((await useEvents(done.id, 'data.use.released')).length, 1);
    const jobRuns = await db().select().from(runs).where(eq(runs.jobId, done.jobId!));
    assert.equal(jobRuns.length, 1);
    assert.equal(jobRuns[0]!.status, 'succeeded');
    assert.ok((jobRuns[0]!.unitHours ?? 0) > 0, 'the run is metered');
    const again = await data().uses.get({ userId: 'x', username: 'x', displayName: 'x', role: 'operator', tenantId: null, department: null, via: 'token' }, done.id);
    assert.deepEqual(again.result, done.result);
  });
});
