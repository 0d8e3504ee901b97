import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { client, enrollWorker, login, startPlatform, workerSync, type TestPlatform } from './helpers.ts';
import { farmOf, uploadScene } from './render-helpers.ts';

// The operator's overview is counted from the farm's in-memory state (views.ts: no query, so it costs
// the event loop nothing on PGlite while 20,000 nodes sync). It must say what the database says once
// the batch writer has written: checked here after dispatches, completions, failures that are retried,
// a pause and a cancel.

let t: TestPlatform;
before(async () => {
  // Simulated nodes render nothing: completions are trusted without frame files, as in the render bench.
  t = await startPlatform({ leaseMs: 30_000, env: { SHUZHI_RENDER_VERIFY_FRAMES: '0' } });
});
after(async () => {
  await t.close();
});

const rowsOf = (r: unknown): Record<string, unknown>[] => (Array.isArray(r) ? r : ((r as { rows: Record<string, unknown>[] }).rows ?? []));

/** The overview's figures as the database has them: jobs by state, and tasks queued and active in jobs not finished. */
async function truth(jobIds: string[]) {
  const db = t.p.database.db;
  const ids = sql.join(jobIds.map((id) => sql`${id}`), sql`, `);
  const jobs = { queued: 0, active: 0, paused: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const r of rowsOf(await db.execute(sql`select state, count(*)::int as n from render_jobs where id in (${ids}) group by state`))) jobs[r['state'] as keyof typeof jobs] = Number(r['n']);
  // The writer stores a task's row once it changes: a task without one is still queued.
  const open = sql`j.id in (${ids}) and j.state not in ('completed', 'failed', 'cancelled')`;
  const rows = rowsOf(await db.execute(sql`select t.state, count(*)::int as n from render_tasks t join render_jobs j on j.id = t.job_id where ${open} group by t.state`));
  const n = (s: string) => Number(rows.find((r) => r['state'] === s)?.['n'] ?? 0);
  const unwritten = Number(rowsOf(await db.execute(sql`select coalesce(sum(j.task_count - (select count(*) from render_tasks t where t.job_id = j.id)), 0)::int as n from render_jobs j where ${open}`))[0]!['n']);
  return { jobs, tasksQueued: n('queued') + unwritten, tasksActive: n('active') };
}

test('the overview equals the database after dispatches, completions, retried failures, a pause and a cancel', async () => {
  const studio = await login(t.url, 'tenant2');
  const operator = await login(t.url, 'operator');
  const api = client(t.url, { cookie: studio });
  const up = await uploadScene(t.url, studio, 'scene.blend', 'FAKE BLEND');
  const submit = async (frames: string) => {
    const r = await api.req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, frames, chunkSize: 2, renderer: 'blender', tags: ['truth'] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id as string;
  };
  const jobIds = [await submit('1-12'), await submit('1-8'), await submit('1-6'), await submit('1-4')];
  const [, , toPause, toCancel] = jobIds;

  const nodes = await Promise.all(['truth-1', 'truth-2', 'truth-3', 'truth-4', 'truth-5'].map((name) => enrollWorker(t.p, 'karamay', name)));
  const sync = (i: number, body: Record<string, unknown>) => workerSync(t.url, nodes[i]!.credential, nodes[i]!.id, { runners: ['blender'], tags: ['truth'], slots: 2, isolation: 'none', ...body });
  type Held = { kind: 'render'; taskId: string; attempt: number };
  const held: Held[][] = nodes.map(() => []);
  const ask = async (i: number, completed: unknown[] = []): Promise<void> => {
    const r = await sync(i, { free: 2 - held[i]!.length + completed.length, waitMs: 0, completed, running: held[i]!.filter((h) => !completed.some((c) => (c as Held).taskId === h.taskId)) });
    if (r.status === 409 && r.body.code === 'STALE_REPORT') {
      // Tasks of the paused or cancelled job: the node drops them, as the agent does, and asks again.
      const stale = new Set((r.body.errors as { path: string }[]).map((e) => e.path));
      held[i] = held[i]!.filter((h) => !stale.has(`render:${h.taskId}#${h.attempt}`));
      return ask(i, completed.filter((c) => !stale.has(`render:${(c as Held).taskId}#${(c as Held).attempt}`)));
    }
    assert.equal(r.status, 200, JSON.stringify(r.body));
    held[i] = held[i]!.filter((h) => !completed.some((c) => (c as Held).taskId === h.taskId));
    for (const a of r.body.assignments) held[i]!.push({ kind: 'render', taskId: a.taskId, attempt: a.attempt });
  };

  const overview = async () => {
    const r = await client(t.url, { cookie: operator }).req('GET', '/api/render/overview');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  const check = async (when: string) => {
    await farmOf(t).writer.flush();
    const o = await overview();
    // Other tests' jobs are not in this platform (it is this file's own), so the overview's totals are these jobs'.
    assert.deepEqual({ jobs: o.jobs, tasksQueued: o.tasksQueued, tasksActive: o.tasksActive }, await truth(jobIds), when);
  };

  await check('after submission');
  // Every node takes two tasks.
  for (let i = 0; i < nodes.length; i++) await ask(i);
  assert.ok(held.flat().length > 0, 'the nodes were handed work');
  await check('after the first dispatches');

  // Nodes 0–1 complete theirs and ask again; node 2 fails one (a failure that is retried) and completes the other.
  for (const i of [0, 1]) await ask(i, held[i]!.map((h) => ({ ...h, result: { ok: true } })));
  const [bad, good] = held[2]!;
  await ask(2, [
    ...(bad ? [{ ...bad, result: { ok: false, exitCode: 1 } }] : []),
    ...(good ? [{ ...good, result: { ok: true } }] : []),
  ]);
  await check('after completions and a retried failure');

  // An operator pauses one job and cancels another (its active tasks lose their leases).
  assert.equal((await api.req('POST', `/api/render/jobs/${toPause}/pause`)).status, 200);
  assert.equal((await api.req('POST', `/api/render/jobs/${toCancel}/cancel`)).status, 200);
  await check('after a pause and a cancel');

  // The rest of the farm keeps going until everything not paused is done.
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < nodes.length; i++) await ask(i, held[i]!.map((h) => ({ ...h, result: { ok: true } })));
    if (!held.flat().length) break;
  }
  await farmOf(t).writer.flush();
  const final = await truth(jobIds);
  assert.ok(final.jobs.completed >= 2, `two jobs completed (${JSON.stringify(final)})`);
  assert.equal(final.jobs.cancelled, 1);
  await check('after the farm ran out of work');
});
