import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { jobs, runs, tasks } from '../src/compute/db-schema.ts';
import { events } from '../src/db/schema.ts';
import { dataClient, dataOf, meterCsv, meterProduct } from './data-helpers.ts';
import { startPlatform } from './helpers.ts';
import { migratedDataDir } from './pglite-template.ts';

test('after a restart, a use task the plane held is recovered through the route hook and released once', async () => {
  const dataDir = await migratedDataDir();
  let t = await startPlatform({ dataDir });
  try {
    const provider = await dataClient(t, 'provider');
    const consumer = await dataClient(t, 'tenant');
    const reg = await provider.req('POST', '/api/data/products', meterProduct());
    assert.equal((await provider.putCsv(`/api/data/products/${reg.body.id}/dataset`, meterCsv(30))).status, 200);
    const contract = await consumer.req('POST', '/api/data/contracts', { productId: reg.body.id, purpose: 'research', actions: ['aggregate'] });

    // The plane away: the use's task waits unplaced; then it is written as handed to the plane at the
    // data's site, which is where a crash would have left it.
    t.p.compute.dispatcher.route = null;
    const res = await consumer.req('POST', '/api/data/uses', { contractId: contract.body.id, query: { action: 'aggregate', measures: [{ fn: 'count' }], groupBy: ['county'] } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const jobId: string = res.body.jobId;
    const db = t.p.database.db;
    const [held] = await db
      .update(tasks)
      .set({ status: 'planned', siteId: 'urumqi', attempt: sql`${tasks.attempt} + 1` })
      .where(and(eq(tasks.jobId, jobId), eq(tasks.status, 'queued')))
      .returning({ attempt: tasks.attempt });
    await db.update(jobs).set({ status: 'planned', siteId: 'urumqi' }).where(eq(jobs.id, jobId));
    await t.p.close();

    t = await startPlatform({ dataDir, port: t.port });
    const done = await dataOf(t).uses.settled(res.body.id, 60_000);
    assert.equal(done.state, 'released', JSON.stringify(done.refusal));
    assert.equal(done.jobId, jobId);
    const jobRuns = await t.p.database.db.select().from(runs).where(eq(runs.jobId, jobId));
    // The very attempt the plane held: handed back to it, not lost and placed again (nor given to an agent).
    assert.deepEqual(jobRuns.map((r) => [r.siteId, r.attempt, r.status]), [['urumqi', held!.attempt, 'succeeded']]);
    const released = await t.p.database.db.select().from(events).where(and(eq(events.entityId, done.id), eq(events.kind, 'data.use.released')));
    assert.equal(released.length, 1);
  } finally {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
