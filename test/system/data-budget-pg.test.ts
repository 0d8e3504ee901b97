import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { dataUses } from '../../packages/server/src/data/db-schema.ts';
import { dataClient, dataOf, meterCsv, meterProduct } from '../../packages/server/test/data-helpers.ts';
import { startPlatform, type TestPlatform } from '../../packages/server/test/helpers.ts';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';

/**
 * The ε budget under concurrent uses on real PostgreSQL, where transactions really run at once (PGlite
 * runs one at a time): the guarded update lets exactly as many uses through as the budget holds.
 */
let pg: PostgresHandle;
let t: TestPlatform;
before(async () => {
  pg = await startPostgres({ database: 'shuzhi_data_budget' });
  t = await startPlatform({ databaseUrl: pg.url });
});
after(async () => {
  await t?.close();
  await pg?.stop();
});

test('20 concurrent uses of ε = 0.5 against a budget of 3: exactly 6 are queued, 3.0 is spent, the rest are refused with BUDGET_EXHAUSTED', async () => {
  const provider = await dataClient(t, 'provider');
  const consumer = await dataClient(t, 'tenant');
  const reg = await provider.req('POST', '/api/data/products', meterProduct({ policy: { output: { kind: 'differential-privacy', epsilonBudget: 3, maxEpsilonPerQuery: 1 } } }));
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  assert.equal((await provider.putCsv(`/api/data/products/${reg.body.id}/dataset`, meterCsv(30))).status, 200);
  const contract = await consumer.req('POST', '/api/data/contracts', { productId: reg.body.id, purpose: 'research', actions: ['aggregate'] });
  assert.equal(contract.body.state, 'agreed', JSON.stringify(contract.body));

  const query = { action: 'aggregate', measures: [{ fn: 'count' }], groupBy: ['county'], epsilon: 0.5 };
  const answers = await Promise.all(Array.from({ length: 20 }, () => consumer.req('POST', '/api/data/uses', { contractId: contract.body.id, query })));

  const queued = answers.filter((a) => a.status === 202);
  const refused = answers.filter((a) => a.status !== 202);
  assert.equal(queued.length, 6, JSON.stringify(answers.map((a) => a.status)));
  assert.ok(refused.every((a) => a.status === 409 && a.body.code === 'BUDGET_EXHAUSTED'), JSON.stringify(refused.map((a) => a.body)));
  assert.deepEqual(await dataOf(t).uses.epsilonOf(reg.body.id, 'tianshan-ai'), { budget: 3, spent: 3, left: 0 });
  const rows = await t.p.database.db.select().from(dataUses).where(eq(dataUses.contractId, contract.body.id));
  assert.equal(rows.length, 6, 'a refused use writes nothing');
  // And they run: released ones keep what they spent.
  for (const a of queued) assert.equal((await dataOf(t).uses.settled(a.body.id, 120_000)).state, 'released');
  assert.deepEqual(await dataOf(t).uses.epsilonOf(reg.body.id, 'tianshan-ai'), { budget: 3, spent: 3, left: 0 });
});
