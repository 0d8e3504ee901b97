import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { and, eq, inArray } from 'drizzle-orm';
import type { ExecTask, Executor } from '@shuzhi/server/testing';
import { billingCharges } from '../src/billing/db-schema.ts';
import type { BillingService } from '../src/billing/service.ts';
import { runs, tasks } from '../src/compute/db-schema.ts';
import { client, login, startPlatform, waitUntil, type TestPlatform } from './helpers.ts';
import { migratedDataDir } from './pglite-template.ts';

/**
 * An array's tasks are made and placed window by window (Dispatcher.feedArrays): these tests step its
 * tasks through a fake engine (named so: it holds what it is handed, and the test starts and ends each
 * task through the dispatcher's host, as an engine reports) on a real (PGlite) platform.
 */
function heldEngine(t: TestPlatform, command: string) {
  const e = { handed: [] as ExecTask[], waiting: [] as ExecTask[] };
  const executor = {
    engine: 'agent',
    async submit(task: ExecTask) {
      e.handed.push(task);
      e.waiting.push(task);
    },
    async cancel() {},
    async recover() {},
    async close() {},
  } as Executor;
  const d = t.p.compute.dispatcher;
  d.route = (x) => (x.command === command ? executor : null);
  return e;
}

async function siteAndTenant(t: TestPlatform) {
  const site = (await t.p.compute.network.listSites()).find((s) => !s.ownerTenantId && s.pools.some((p) => p.type === 'cpu'))!;
  return { site, tenant: client(t.url, { cookie: await login(t.url, 'tenant') }) };
}

const sweep = (site: string, command: string, array: string) => ({ name: 'sweep', type: 'cpu', units: 1, hours: 0.01, command, sites: [site], array });

/** The job's tasks as stored: how many are made, and how many of them are not finished. */
async function made(t: TestPlatform, jobId: string) {
  const rows = await t.p.database.db.select({ status: tasks.status, index: tasks.arrayIndex }).from(tasks).where(eq(tasks.jobId, jobId));
  return { made: rows.length, open: rows.filter((r) => ['queued', 'planned', 'running'].includes(r.status)).length, indices: rows.map((r) => r.index) };
}

/** Ends the oldest task the engine holds (started, then exit 0) through the dispatcher's host. */
async function endOldest(t: TestPlatform, e: ReturnType<typeof heldEngine>) {
  const task = e.waiting.shift()!;
  const f = { taskId: task.taskId, attempt: task.attempt };
  const now = Date.now();
  assert.ok(await t.p.compute.dispatcher.host.started(f, now, null));
  assert.ok(await t.p.compute.dispatcher.host.finished(f, { exitCode: 0, startedAtMs: now, endedAtMs: now + 1 }));
}

/** Ends tasks one at a time; after each, the window refills by one task, and never past the cap. */
async function drainOneByOne(t: TestPlatform, e: ReturnType<typeof heldEngine>, jobId: string, size: number, cap: number, endedBefore = 0) {
  for (let ended = endedBefore; ended < size; ) {
    await endOldest(t, e);
    ended++;
    const expected = Math.min(size, cap + ended);
    await waitUntil(`task ${expected} handed out`, async () => e.handed.length + endedBefore >= expected);
    assert.equal(e.handed.length + endedBefore, expected, `one task ended, so exactly one more is handed out: ${e.handed.map((x) => `${x.taskId.split('_').pop()}#${x.attempt}`).join(' ')}`);
    const m = await made(t, jobId);
    assert.ok(m.open <= cap, `${m.open} tasks open, cap ${cap}`);
    assert.ok(m.made <= ended + cap, `${m.made} tasks made with ${ended} ended, cap ${cap}`);
    assert.ok([...t.p.compute.dispatcher.host.attempts.values()].filter((a) => a.jobId === jobId).length <= cap);
  }
}

test('an array\'s window refills task by task as its tasks end, never past its cap, and each run is billed as it ends', async () => {
  const t = await startPlatform();
  try {
    const command = 'echo window';
    const e = heldEngine(t, command);
    const { site, tenant } = await siteAndTenant(t);
    const r = await tenant.req('POST', '/api/jobs', sweep(site.id, command, '0-9%3'));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const id = r.body.id as string;
    await waitUntil('the first window handed out', async () => e.handed.length >= 3);
    assert.equal(e.handed.length, 3);
    assert.equal((await made(t, id)).made, 3);

    await drainOneByOne(t, e, id, 10, 3);
    assert.deepEqual(e.handed.map((x) => x.taskId), Array.from({ length: 10 }, (_, i) => `${id}_${i}`), 'each index once, in order');
    const done = (await tenant.req('GET', `/api/jobs/${id}`)).body;
    assert.equal(done.status, 'succeeded');
    assert.deepEqual(done.array.counts, { succeeded: 10, pending: 0 });

    // Every task's run is billed as it ends (its event names the run), not left for the sweep.
    const billing = t.p.modules.find((m) => m.name === 'billing') as unknown as { service: BillingService };
    await billing.service.idle();
    const runIds = (await t.p.database.db.select({ id: runs.id }).from(runs).where(eq(runs.jobId, id))).map((x) => x.id);
    assert.equal(runIds.length, 10);
    const charged = await t.p.database.db.select({ runId: billingCharges.runId }).from(billingCharges).where(and(inArray(billingCharges.runId, runIds)));
    assert.equal(new Set(charged.map((c) => c.runId)).size, 10);
  } finally {
    await t.close();
  }
});

test('an array stopped with its window made carries on after a restart from the tasks already made, never past its cap', async () => {
  const dataDir = await migratedDataDir();
  let t: TestPlatform | null = null;
  try {
    t = await startPlatform({ dataDir });
    const command = 'echo restarted';
    const { site, tenant } = await siteAndTenant(t);
    // No engine takes the tasks yet (no agent runs): the window is made and waits, queued.
    const r = await tenant.req('POST', '/api/jobs', sweep(site.id, command, '0-7%3'));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const id = r.body.id as string;
    await waitUntil('the first window made', async () => (await made(t!, id)).made >= 3);
    await t.close();

    t = await startPlatform({ dataDir });
    const before = await made(t, id);
    assert.deepEqual(before, { made: 3, open: 3, indices: [0, 1, 2] });
    const e = heldEngine(t, command);
    await waitUntil('the window recovered and handed out', async () => e.handed.length >= 3);
    assert.equal((await made(t, id)).made, 3, 'no task made twice or past the cap');
    await drainOneByOne(t, e, id, 8, 3);
    const after = await made(t, id);
    assert.deepEqual(after.indices.sort((a, b) => a! - b!), [0, 1, 2, 3, 4, 5, 6, 7]);
    const again = client(t.url, { cookie: await login(t.url, 'tenant') });
    const done = (await again.req('GET', `/api/jobs/${id}`)).body;
    assert.equal(done.status, 'succeeded');
  } finally {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
