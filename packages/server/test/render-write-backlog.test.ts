import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'drizzle-orm';
import type { DispatcherRows, TaskRow } from '@shuzhi/render';
import { BatchWriter } from '../src/render/persist.ts';
import { client, enrollWorker, login, startPlatform, waitUntil, workerSync, type TestPlatform } from './helpers.ts';
import { farmOf, uploadScene } from './render-helpers.ts';

// The render writer's backlog is bounded: when the database falls behind, rows coalesce (one per
// node, one per task), log lines past their bound are dropped and counted, and the farm hands out no
// new work until a flush brings the backlog back under its bound — then the polls it held get work.

let t: TestPlatform;
before(async () => {
  t = await startPlatform({ leaseMs: 30_000 });
});
after(async () => {
  await t.close();
});

const rowsOf = (r: unknown): Record<string, unknown>[] => (Array.isArray(r) ? r : ((r as { rows: Record<string, unknown>[] }).rows ?? []));
const count = async (q: ReturnType<typeof sql>) => Number(rowsOf(await t.p.database.db.execute(q))[0]!['n']);
const task = (jobId: string, index: number): TaskRow => ({ jobId, index, state: 'completed', attempt: 1, nodeId: null, leaseExpiresAt: null, failedOn: [] });

test('the writer coalesces, bounds its log backlog, and says when it is over its bound and when it caught up', async () => {
  let pending: TaskRow[] = [];
  const drain = (): DispatcherRows => {
    const tasks = pending;
    pending = [];
    return { jobs: [], tasks };
  };
  const w = new BatchWriter(t.p.database.db, t.p.bus, t.p.log, drain, 75, () => pending.length, { backlogRows: 5, logRows: 3 });
  let caughtUp = 0;
  w.onCaughtUp = () => caughtUp++;

  // A node seen a hundred times is one row to write.
  for (let i = 0; i < 100; i++) w.addNode({ id: 'bl-node', siteId: 'karamay', tags: [], slots: 1, lastSeenMs: 1_700_000_000_000 + i });
  assert.equal(w.backlog(), 1);
  assert.equal(w.admitsWork(), true);

  // Log lines past the bound are dropped and counted; those within it are written.
  for (let i = 0; i < 5; i++) w.addLog({ jobId: 'rj_backlog', idx: 0, attempt: 1, nodeId: null, stream: 'stdout', text: `line ${i}` });
  assert.equal(w.stats.droppedLogRows, 2);

  // The dispatcher's rows count too: over the bound, no new work, and no catching up before a flush.
  pending = Array.from({ length: 6 }, (_, i) => task('rj_backlog', i));
  assert.equal(w.backlog(), 1 + 3 + 6);
  assert.equal(w.admitsWork(), false);
  assert.equal(w.stats.heldWork, 1);
  assert.equal(caughtUp, 0);

  await w.flush();
  assert.equal(w.backlog(), 0);
  assert.equal(caughtUp, 1, 'the farm is told once the backlog is back under its bound');
  assert.equal(w.admitsWork(), true);
  assert.equal(await count(sql`select count(*) as n from render_task_logs where job_id = 'rj_backlog'`), 3);
  assert.equal(await count(sql`select count(*) as n from render_tasks where job_id = 'rj_backlog'`), 6);
  assert.equal(await count(sql`select count(*) as n from render_nodes where id = 'bl-node' and last_seen_at = to_timestamp(1700000000099 / 1000.0)`), 1, 'the newest last-seen is the one written');

  // Nothing more to say while nobody was held.
  await w.flush();
  assert.equal(caughtUp, 1);
});

test('while the backlog is over its bound a node gets no new work; once written, its held poll gets it', async () => {
  const farm = farmOf(t);
  const studio = await login(t.url, 'tenant2');
  const w = await enrollWorker(t.p, 'karamay', 'backlog-node');
  const sync = (body: Record<string, unknown>) => workerSync(t.url, w.credential, w.id, { runners: ['blender'], slots: 1, ...body });
  // The node is known before the farm is held (its first sync writes its row).
  assert.equal((await sync({ free: 0 })).status, 200);
  await farm.writer.flush();

  const bounds = farm.writer.bounds;
  // Writes stop (as if the database had stopped answering), and the bound is a few rows.
  await farm.writer.stop();
  farm.writer.bounds = { ...bounds, backlogRows: 2 };
  try {
    const up = await uploadScene(t.url, studio, 'scene.blend', 'FAKE BLEND');
    const job = await client(t.url, { cookie: studio }).req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, frames: '1-4', chunkSize: 4, renderer: 'blender' });
    assert.equal(job.status, 201, JSON.stringify(job.body));
    for (let i = 0; i < 5; i++) farm.writer.addNode({ id: `backlog-filler-${i}`, siteId: 'karamay', tags: [], slots: 1, lastSeenMs: Date.now() });
    assert.ok(farm.writer.backlog() > 2);

    const refused = await sync({ free: 1, waitMs: 0 });
    assert.equal(refused.status, 200);
    assert.deepEqual(refused.body.assignments, [], 'no work while the backlog is over its bound');

    // A long poll is held, then answered with work once a flush brings the backlog under the bound:
    // had it not been woken, its wait would end with nothing.
    const heldBefore = farm.writer.stats.heldWork;
    const held = sync({ free: 1, waitMs: 30_000 });
    await waitUntil('the poll to be held', async () => farm.writer.stats.heldWork > heldBefore);
    await farm.writer.flush();
    const got = await held;
    assert.equal(got.status, 200);
    assert.equal(got.body.assignments.length, 1);
    assert.equal(got.body.assignments[0].jobId, job.body.id);
  } finally {
    farm.writer.bounds = bounds;
    farm.writer.start();
  }
});
