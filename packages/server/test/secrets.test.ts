import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { ENV_MASK, type Fence } from '@shuzhi/schema';
import { JobSecrets } from '../src/compute/job-env.ts';
import type { ExecTask, Executor } from '../src/compute/executor.ts';
import { jobs, tasks } from '../src/compute/db-schema.ts';
import { newId } from '../src/ids.ts';
import { createLogger } from '../src/log.ts';
import { SecretBox } from '../src/secrets/secret-box.ts';
import { client, login, newWorker, smallSite, startPlatform, waitUntil, type TestPlatform } from './helpers.ts';

/** Everything the server logs during this file, at every level. */
const logged = { text: '' };
const sink = new Writable({
  write(chunk, _enc, cb) {
    logged.text += String(chunk);
    cb();
  },
});

const MARKER = `sk-live-${randomBytes(12).toString('hex')}`;

/**
 * A stand-in engine at the executor boundary: it takes what a real one takes and reads `task.env` at
 * the moment it hands the task on (where the Slurm executor writes its batch script).
 */
class RecordingExecutor implements Executor {
  readonly engine = 'slurm' as const;
  readonly degraded = false;
  readonly received: { task: ExecTask; env: Record<string, string>; json: string; inspected: string }[] = [];
  async submit(task: ExecTask): Promise<void> {
    this.received.push({ task, env: task.env, json: JSON.stringify(task), inspected: inspect(task, { depth: 5 }) });
  }
  async cancel(_f: Fence): Promise<void> {}
  async recover(_t: ExecTask[]): Promise<void> {}
  async close(): Promise<void> {}
}

let t: TestPlatform;
let owner: ReturnType<typeof client>;
let otherTenant: ReturnType<typeof client>;
let operator: ReturnType<typeof client>;
let viewer: ReturnType<typeof client>;
const engine = new RecordingExecutor();

before(async () => {
  t = await startPlatform({ log: createLogger('trace', sink) });
  owner = client(t.url, { cookie: await login(t.url, 'tenant') });
  otherTenant = client(t.url, { cookie: await login(t.url, 'tenant2') });
  operator = client(t.url, { cookie: await login(t.url, 'operator') });
  viewer = client(t.url, { cookie: await login(t.url, 'viewer') });
  // A Slurm site whose token variable is unset gets no real executor; the recording one stands in for it.
  const slurm = { mode: 'rest', restUrl: 'http://127.0.0.1:9', restUser: 'shuzhi', restTokenEnv: 'SHUZHI_SLURM_SECRETS_TEST_UNSET', accounting: 'none' };
  const site = await operator.req('POST', '/api/sites', { ...smallSite('sec-hpc'), engine: 'slurm', slurm });
  assert.equal(site.status, 201, JSON.stringify(site.body));
  t.p.compute.dispatcher.registerExecutor('sec-hpc', engine);
  assert.equal((await operator.req('POST', '/api/sites', smallSite('sec-agents'))).status, 201);
});
after(async () => {
  await t.close();
});

const job = (over: Record<string, unknown>) => ({ name: 'secret job', type: 'cpu', units: 1, hours: 1, command: 'true', ...over });
const rawEnv = async (id: string) =>
  (await t.p.database.db.select({ env: sql<string>`${jobs.env}::text` }).from(jobs).where(eq(jobs.id, id)))[0]!.env;
/** Whether the marker is anywhere in the database's job, event, task-log or run rows. */
const markerInDatabase = async (marker: string) => {
  const r = await t.p.database.db.execute(sql`
    select (select count(*) from jobs where jobs::text like ${'%' + marker + '%'})
         + (select count(*) from events where events::text like ${'%' + marker + '%'})
         + (select count(*) from task_logs where task_logs::text like ${'%' + marker + '%'}) as n`);
  return Number((r as unknown as { rows: { n: number | string }[] }).rows[0]!.n);
};

describe('job env: a secret', () => {
  let id: string;

  test('is sealed in the database: the raw row holds the names, not the value', async () => {
    const r = await owner.req('POST', '/api/jobs', job({ env: { API_KEY: MARKER, MODE: 'fast' }, sites: ['sec-hpc'] }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    id = r.body.id;
    // The owner's own submit answer carries the values back.
    assert.deepEqual(r.body.env, { API_KEY: MARKER, MODE: 'fast' });
    const raw = await rawEnv(id);
    assert.ok(!raw.includes(MARKER), raw);
    assert.ok(!raw.includes('fast'), raw);
    const stored = JSON.parse(raw);
    assert.equal(stored.v, 1);
    assert.deepEqual(stored.keys, ['API_KEY', 'MODE']);
    assert.equal(stored.kid, t.p.compute.secrets.box.keyId);
    assert.equal(await markerInDatabase(MARKER), 0);
  });

  test('the owner tenant reads the values back; lists mask them even for the owner', async () => {
    const r = await owner.req('GET', `/api/jobs/${id}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.env, { API_KEY: MARKER, MODE: 'fast' });
    const list = await owner.req('GET', '/api/jobs?limit=100');
    const mine = list.body.items.find((j: { id: string }) => j.id === id);
    assert.deepEqual(mine.env, { API_KEY: ENV_MASK, MODE: ENV_MASK });
  });

  test('operators and viewers see the names with masked values; another tenant does not see the job', async () => {
    for (const c of [operator, viewer]) {
      const one = await c.req('GET', `/api/jobs/${id}`);
      assert.equal(one.status, 200);
      assert.deepEqual(one.body.env, { API_KEY: ENV_MASK, MODE: ENV_MASK });
      const list = await c.req('GET', '/api/jobs?limit=200');
      assert.ok(list.body.items.some((j: { id: string }) => j.id === id));
      assert.ok(!JSON.stringify(one.body).includes(MARKER));
      assert.ok(!JSON.stringify(list.body).includes(MARKER));
    }
    const other = await otherTenant.req('GET', `/api/jobs/${id}`);
    assert.equal(other.status, 404);
    assert.ok(!JSON.stringify(other.body).includes(MARKER));
  });

  test('an operator submitting for a tenant is not its owner: the answer is masked, the engine still gets it', async () => {
    const r = await operator.req('POST', '/api/jobs', job({ tenantId: 'tianshan-ai', env: { OP_KEY: MARKER }, sites: ['sec-hpc'] }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body.env, { OP_KEY: ENV_MASK });
    assert.deepEqual((await owner.req('GET', `/api/jobs/${r.body.id}`)).body.env, { OP_KEY: MARKER });
  });

  test('reaches the engine in plaintext at hand-off, and only there', async () => {
    const got = await waitUntil('the engine to receive the task', async () => engine.received.find((x) => x.task.jobId === id), 90_000);
    assert.deepEqual(got.env, { API_KEY: MARKER, MODE: 'fast' });
    // What the engine holds carries no plaintext: spreads, JSON and inspection do not see the env.
    assert.ok(!got.json.includes(MARKER));
    assert.ok(!got.inspected.includes(MARKER));
    const host = t.p.compute.dispatcher.host;
    const attempt = host.attempts.get(got.task.taskId)!;
    assert.ok(!JSON.stringify(attempt).includes(MARKER));
    assert.ok(!inspect(attempt, { depth: 5 }).includes(MARKER));
    assert.ok(!JSON.stringify(attempt.sealedEnv).includes(MARKER));
    // The explicit call for engines: by fence; a stale fence gets nothing.
    assert.deepEqual(host.envFor(got.task), { API_KEY: MARKER, MODE: 'fast' });
    assert.equal(host.envFor({ taskId: got.task.taskId, attempt: got.task.attempt + 1 }), null);
    // The engine reports back as a real one would; the job ends well.
    assert.equal(await host.started(got.task, Date.now()), true);
    assert.equal(await host.finished(got.task, { exitCode: 0, startedAtMs: Date.now() - 1000, endedAtMs: Date.now() }), true);
    assert.equal((await owner.req('GET', `/api/jobs/${id}`)).body.status, 'succeeded');
  });

  test('reaches the process a real worker runs (the command sees it; nothing stores it)', async () => {
    const agent = await newWorker(t, 'sec-agents', 'sec-w1');
    agent.start();
    try {
      // The command prints a hash of the value: proof it arrived, without putting the value in the logs.
      const r = await owner.req('POST', '/api/jobs', job({ env: { API_KEY: MARKER }, sites: ['sec-agents'], command: 'printf %s "$API_KEY" | sha256sum' }));
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const done = await waitUntil('the agent job to finish', async () => {
        const j = (await owner.req('GET', `/api/jobs/${r.body.id}`)).body;
        return ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : null;
      }, 90_000);
      assert.equal(done.status, 'succeeded', JSON.stringify(done));
      const logs = (await owner.req('GET', `/api/jobs/${r.body.id}/logs`)).body.items.map((l: { text: string }) => l.text).join('');
      assert.ok(logs.includes(createHash('sha256').update(MARKER).digest('hex')), logs);
      assert.equal(await markerInDatabase(MARKER), 0);
    } finally {
      await agent.stop();
    }
  });
});

describe('job env: bad input', () => {
  test('a NUL byte in a value is a 400 naming env.KEY; nothing is stored and the log never has the value', async () => {
    const nulMarker = `nul-${randomBytes(8).toString('hex')}`;
    const before = (await owner.req('GET', '/api/jobs')).body.total;
    const r = await owner.req('POST', '/api/jobs', job({ env: { API_KEY: nulMarker, BAD: `A\u0000B` } }));
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.code, 'VALIDATION_FAILED');
    assert.deepEqual(r.body.errors.map((e: { path: string }) => e.path), ['env.BAD']);
    assert.ok(!JSON.stringify(r.body).includes(nulMarker));
    const alone = await owner.req('POST', '/api/jobs', job({ env: { BAD: `${nulMarker}\u0000` } }));
    assert.equal(alone.status, 400);
    assert.deepEqual(alone.body.errors.map((e: { path: string }) => e.path), ['env.BAD']);
    assert.ok(!JSON.stringify(alone.body).includes(nulMarker));
    assert.equal((await owner.req('GET', '/api/jobs')).body.total, before);
    assert.equal(await markerInDatabase(nulMarker), 0);
    assert.ok(logged.text.length > 0, 'the log is captured');
    assert.ok(!logged.text.includes(nulMarker));
  });
});

describe('job env: rows from before encryption, and another key', () => {
  const insertJob = async (env: Record<string, unknown>, withTask = false) => {
    const id = newId('job');
    await t.p.database.db.insert(jobs).values({
      id,
      tenantId: 'tianshan-ai',
      name: 'inserted',
      type: 'cpu',
      units: 1,
      hours: 1,
      flex: 'malleable',
      dataGB: 0,
      regions: [],
      sites: ['sec-hpc'],
      priority: 50,
      command: 'true',
      env: env as never,
      status: 'queued',
      releaseAt: new Date(),
      createdBy: 'test',
    });
    const taskId = newId('task');
    if (withTask) await t.p.database.db.insert(tasks).values({ id: taskId, jobId: id, status: 'queued' });
    return { id, taskId };
  };

  test('a legacy plain row is still read (owner: values, others: masked) and is sealed by the start-up sweep', async () => {
    const legacyValue = `legacy-${randomBytes(8).toString('hex')}`;
    const { id } = await insertJob({ LEGACY_TOKEN: legacyValue });
    assert.ok((await rawEnv(id)).includes(legacyValue), 'stored plain, as older versions did');
    assert.deepEqual((await owner.req('GET', `/api/jobs/${id}`)).body.env, { LEGACY_TOKEN: legacyValue });
    assert.deepEqual((await operator.req('GET', `/api/jobs/${id}`)).body.env, { LEGACY_TOKEN: ENV_MASK });
    const swept = await t.p.compute.jobs.sealLegacyEnv();
    assert.ok(swept.sealed >= 1);
    assert.ok(!(await rawEnv(id)).includes(legacyValue));
    assert.equal(JSON.parse(await rawEnv(id)).v, 1);
    assert.deepEqual((await owner.req('GET', `/api/jobs/${id}`)).body.env, { LEGACY_TOKEN: legacyValue });
    assert.deepEqual(await t.p.compute.jobs.sealLegacyEnv(), { sealed: 0, skipped: 0 }, 'idempotent');
  });

  test('an env sealed with another key: the owner gets SECRETS_KEY_MISMATCH naming the fix, the task waits and says why', async () => {
    const foreign = new JobSecrets(SecretBox.ephemeral());
    const { id: jobId, taskId } = await insertJob({}, true);
    await t.p.database.db.update(jobs).set({ env: foreign.seal(jobId, { API_KEY: MARKER }) }).where(eq(jobs.id, jobId));
    const r = await owner.req('GET', `/api/jobs/${jobId}`);
    assert.equal(r.status, 500);
    assert.equal(r.body.code, 'SECRETS_KEY_MISMATCH');
    assert.match(r.body.detail, /SHUZHI_SECRETS_KEY/);
    assert.ok(r.body.detail.includes(foreign.box.keyId));
    assert.ok(!JSON.stringify(r.body).includes(MARKER));
    // Masking needs no key: operators still see the job.
    assert.deepEqual((await operator.req('GET', `/api/jobs/${jobId}`)).body.env, { API_KEY: ENV_MASK });
    assert.deepEqual(await t.p.compute.jobs.envSealedWithOtherKeys(), { jobs: 1, keyIds: [foreign.box.keyId] });
    // The dispatcher does not hand it to an engine; the job says why it waits.
    await t.p.compute.dispatcher.submitted(taskId);
    const waiting = await waitUntil('the job to say why it waits', async () => {
      const j = (await operator.req('GET', `/api/jobs/${jobId}`)).body;
      return /another secrets key/.test(j.explanation ?? '') ? j : null;
    }, 90_000);
    assert.equal(waiting.status, 'queued');
    assert.match(waiting.explanation, /SHUZHI_SECRETS_KEY/);
    assert.ok(!engine.received.some((x) => x.task.jobId === jobId));
    assert.equal((await operator.req('POST', `/api/jobs/${jobId}/cancel`)).status, 200);
  });

  test('nothing this file did put a secret value in the server log', () => {
    assert.match(logged.text, /dispatcher recovered from database/, 'the capture saw the server start');
    assert.ok(!logged.text.includes(MARKER));
  });
});
