// Dependency transitions on PostgreSQL 15, where the platform's transactions really run side by side:
// parents ending at the same moment release their dependant exactly once, and a cancel racing that
// release leaves the dependant cancelled with no task left to run.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { ExecTask, Executor } from '@shuzhi/server/testing';
import { client, login, startPlatform, waitUntil, type TestPlatform } from '../../packages/server/test/helpers.ts';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';

let db: PostgresHandle;
let t: TestPlatform;
let sql: pg.Client;
let tenant: ReturnType<typeof client>;
let site: string;
const MARK = 'echo dependencies-postgres';
/** Every task the dispatcher handed to the test's engine, in order. */
const handed: ExecTask[] = [];

before(async () => {
  db = await startPostgres({ database: 'shuzhi_dependencies' });
  t = await startPlatform({ databaseUrl: db.url, leaseMs: 600_000 });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  // An engine that only records what it is given: the test starts and ends each task itself, through
  // the dispatcher's host, as a real engine's reports would.
  const engine: Executor = {
    engine: 'agent',
    async submit(task: ExecTask) { handed.push(task); },
    async cancel() {},
    async recover() {},
    async close() {},
  };
  const d = t.p.compute.dispatcher;
  const before = d.route;
  d.route = (x) => (x.command === MARK ? engine : (before?.(x) ?? null));
  // No agent runs, so nothing is planned: every job is pinned to one site and placed there at once.
  site = (await t.p.compute.network.listSites()).find((s) => !s.ownerTenantId && s.pools.some((p) => p.type === 'cpu'))!.id;
  tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
});
after(async () => {
  await sql?.end();
  await t?.close();
  await db?.stop();
});

async function submit(name: string, after: { jobId: string; kind: 'ok' | 'any' | 'notok' }[] = []): Promise<string> {
  const r = await tenant.req('POST', '/api/jobs', { name, type: 'cpu', units: 1, hours: 0.1, command: MARK, sites: [site], ...(after.length ? { after } : {}) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}

const handedFor = (jobId: string) => handed.filter((x) => x.jobId === jobId);
const taskOf = (jobId: string) => waitUntil(`${jobId} handed out`, async () => handedFor(jobId)[0]);

async function start(jobId: string) {
  const task = await taskOf(jobId);
  assert.ok(await t.p.compute.dispatcher.host.started({ taskId: task.taskId, attempt: task.attempt }, Date.now(), null));
  return task;
}

const end = (task: ExecTask, exitCode = 0) =>
  t.p.compute.dispatcher.host.finished({ taskId: task.taskId, attempt: task.attempt }, { exitCode, startedAtMs: Date.now() - 1000, endedAtMs: Date.now() });

async function releases(jobId: string): Promise<number> {
  const r = await sql.query("select count(*)::int as n from events where entity = 'job' and entity_id = $1 and data->>'released' = 'true'", [jobId]);
  return r.rows[0].n as number;
}

test('two parents ending at the same moment release each dependant exactly once', async () => {
  for (let round = 0; round < 5; round++) {
    const [a, b] = [await submit(`a${round}`), await submit(`b${round}`)];
    const kids = [];
    for (let k = 0; k < 4; k++) kids.push(await submit(`c${round}.${k}`, [{ jobId: a, kind: 'ok' }, { jobId: b, kind: 'any' }]));
    const [ta, tb] = [await start(a), await start(b)];
    // Both parents end together; each ending settles the dependants, and so does every extra call here:
    // all of them race on the same rows.
    const ended = await Promise.all([end(ta), end(tb), t.p.compute.jobs.settleDependants(a), t.p.compute.jobs.settleDependants(b)]);
    assert.deepEqual(ended.slice(0, 2), [true, true]);
    await Promise.all([t.p.compute.jobs.settleDependants(a), t.p.compute.jobs.settleDependants(b)]);
    for (const c of kids) {
      await taskOf(c);
      const job = (await tenant.req('GET', `/api/jobs/${c}`)).body;
      assert.equal(job.held, null, `${c} released`);
      assert.equal(await releases(c), 1, `${c} released once`);
      assert.equal(handedFor(c).length, 1, `${c} handed out once`);
      const tasks = await sql.query('select status, attempt from tasks where job_id = $1', [c]);
      assert.deepEqual(tasks.rows, [{ status: 'planned', attempt: 1 }]);
    }
  }
});

test('a cancel racing the release leaves the dependant cancelled, with no task left to run', async () => {
  const outcomes = new Set<string>();
  for (let round = 0; round < 8; round++) {
    const p = await submit(`p${round}`);
    const c = await submit(`d${round}`, [{ jobId: p, kind: 'ok' }]);
    const tp = await start(p);
    // The cancel leaves a little later each round, so the rounds cover both orders and those between.
    const cancelLater = async () => { await new Promise((r) => setTimeout(r, round * 15)); return tenant.req('POST', `/api/jobs/${c}/cancel`); };
    const [, cancel] = await Promise.all([end(tp), cancelLater()]);
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    // Whatever won, the settling that follows the parent's end must not bring the job back.
    await t.p.compute.jobs.settleDependants(p);
    const job = (await tenant.req('GET', `/api/jobs/${c}`)).body;
    assert.equal(job.status, 'cancelled');
    assert.equal(job.held, null);
    const tasks = await sql.query('select status from tasks where job_id = $1', [c]);
    assert.deepEqual(tasks.rows, [{ status: 'cancelled' }], `${c}: its one task is cancelled`);
    assert.ok((await releases(c)) <= 1);
    outcomes.add((await releases(c)) === 1 ? 'released, then cancelled' : 'cancelled while waiting');
  }
  // Which side wins is up to the two transactions; both orders end in the same state (logged, not asserted).
  console.log(`outcomes seen: ${[...outcomes].join('; ')}`);
});
