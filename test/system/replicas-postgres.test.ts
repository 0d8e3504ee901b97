// Two real `shuzhi serve` replicas on one throw-away PostgreSQL 15. A worker talks to replica B only;
// replica A leads. A is killed with SIGKILL while jobs run and wait; B must take the lease over, and
// every job must finish through it with no run twice and no bill twice. Live events written on one
// replica reach SSE clients of the other.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { Worker } from '@shuzhi/agent';
import { loadConfig, seedDemo, Platform, createLogger } from '@shuzhi/server';
import { Leadership, LeadershipLostError, type Db } from '@shuzhi/server/testing';
import { drizzle } from 'drizzle-orm/node-postgres';
import { sql } from 'drizzle-orm';
import { enrolledWorker, fundDemoTenants, smallSite, waitUntil } from '../../packages/server/test/helpers.ts';
import { freePort } from '../../sim/free-port.ts';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { leaderRow, replicaEnv, startReplica, type ReplicaProcess } from '../support/replicas.ts';

const SITE = 'replica-site';
const JOBS = 10;
/** A short lease so the test does not wait long; the production default is 10 s (takeover < 30 s). */
const LEADER_TTL_MS = 4000;

let pgh: PostgresHandle;
let db: pg.Pool;
let env: Record<string, string>;
let a: ReplicaProcess | null = null;
let b: ReplicaProcess | null = null;
let worker: Worker | null = null;
let token = '';
let tenantId = '';
let portB = 0;

before(async () => {
  pgh = await startPostgres({ database: 'shuzhi_replicas' });
  db = new pg.Pool({ connectionString: pgh.url, max: 3 });
  env = replicaEnv(pgh.url, { SHUZHI_LEADER_TTL_MS: String(LEADER_TTL_MS) });
  // Seed through the platform itself (not started: it never competes for the lease), then close it.
  const dataDir = mkdtempSync(join(tmpdir(), 'shuzhi-replicas-seed-'));
  const p = await Platform.open({ config: loadConfig({ ...env, SHUZHI_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }) });
  try {
    await seedDemo(p);
    await fundDemoTenants(p);
    await p.compute.network.createSite(smallSite(SITE), 'test');
    tenantId = (await p.compute.network.listTenants())[0]!.id;
    const op = await p.auth.userIdByName('operator');
    token = (await p.auth.createToken(op!, 'replicas-test')).token;
    portB = await freePort();
    ({ worker } = await enrolledWorker({ p, url: `http://127.0.0.1:${portB}` }, SITE, 'replica-worker', { slots: 2, waitMs: 2000 }));
  } finally {
    await p.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

after(async () => {
  await worker?.stop({ kill: true }).catch(() => undefined);
  await a?.kill9();
  await b?.stop();
  await db?.end();
  await pgh?.stop();
});

const api = (base: string) => ({
  async req(method: string, path: string, body?: unknown) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as any) : null };
  },
});

/** Reads an SSE stream in the background and keeps every data event. */
function sse(url: string): { events: any[]; close: () => void } {
  const ctl = new AbortController();
  const events: any[] = [];
  void (async () => {
    const res = await fetch(`${url}/api/events`, { headers: { authorization: `Bearer ${token}` }, signal: ctl.signal });
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
        if (data) events.push(JSON.parse(data));
      }
    }
  })().catch(() => undefined);
  return { events, close: () => ctl.abort() };
}

test('two replicas: one leader, followers pass leader-only calls on, events reach both', async () => {
  a = await startReplica('a', env);
  const first = await waitUntil('replica A holds the leader lease with its URL', async () => {
    const l = await leaderRow(db);
    return l && l.url === a!.url ? l : null;
  }, 60_000);
  await waitUntil('replica A runs the leader work', async () => (await api(a!.url).req('GET', '/api/overview')).status === 200, 60_000);
  b = await startReplica('b', env, { port: portB });
  // B is a follower: the lease stays with A.
  assert.deepEqual(await leaderRow(db).then((l) => l && { holder: l.holder, epoch: l.epoch }), { holder: first.holder, epoch: first.epoch });
  // A leader-only route answered through B comes from A (B passes it on).
  const viaB = await api(b.url).req('GET', '/api/overview');
  assert.equal(viaB.status, 200, JSON.stringify(viaB.body));

  // Live events: a write on A reaches an SSE client of B, and a write on B one of A.
  const onB = sse(b.url);
  const onA = sse(a.url);
  await new Promise((r) => setTimeout(r, 500));
  const region = (id: string) => ({ id, nameZh: `区域 ${id}`, nameEn: `Region ${id}`, lat: 40, lon: 90 });
  assert.equal((await api(a.url).req('POST', '/api/regions', region('relay-a'))).status, 201);
  assert.equal((await api(b.url).req('POST', '/api/regions', region('relay-b'))).status, 201);
  await waitUntil('B\'s SSE client sees the region written on A', async () => onB.events.some((e) => e.kind === 'region.created' && e.entityId === 'relay-a'), 15_000);
  await waitUntil('A\'s SSE client sees the region written on B', async () => onA.events.some((e) => e.kind === 'region.created' && e.entityId === 'relay-b'), 15_000);
  // Transient live figures (published by the leader every 5 s) reach B's clients too.
  await waitUntil('B\'s SSE client gets the leader\'s live overview', async () => onB.events.some((e) => e.kind === 'overview' && e.entity === 'live'), 15_000);
  onA.close();
  onB.close();
});

test('kill -9 the leader mid-queue: B takes over, every job finishes once, each run billed once', async (t) => {
  assert.ok(a && b && worker, 'the first test started both replicas');
  worker.start();
  const ids: string[] = [];
  for (let i = 0; i < JOBS; i++) {
    const r = await api(b.url).req('POST', '/api/jobs', {
      tenantId,
      name: `replica-job-${i}`,
      type: 'cpu',
      units: 1,
      hours: 0.01,
      sites: [SITE],
      regions: [smallSite(SITE).region],
      command: `sleep 1; echo ran-${i}`,
    });
    assert.equal(r.status, 201, `submit through the follower: ${JSON.stringify(r.body)}`);
    ids.push(r.body.id as string);
  }
  const statuses = async () =>
    (await db.query(`select id, status from jobs where id = any($1)`, [ids])).rows as { id: string; status: string }[];
  // Mid-queue: some done, some running, some still waiting.
  await waitUntil('some jobs finished and some still queued or running', async () => {
    const s = await statuses();
    return s.filter((j) => j.status === 'succeeded').length >= 2 && s.some((j) => j.status !== 'succeeded');
  }, 90_000);
  const before = await leaderRow(db);
  assert.equal(before?.url, a.url);
  const atKill = await statuses();
  t.diagnostic(`at the kill: ${['succeeded', 'running', 'planned', 'queued'].map((s) => `${atKill.filter((j) => j.status === s).length} ${s}`).join(', ')}`);
  const killedAt = Date.now();
  await a.kill9();

  const after = await waitUntil('B holds the lease', async () => {
    const l = await leaderRow(db);
    return l && l.url === b!.url ? l : null;
  }, 60_000);
  const takeoverMs = Date.now() - killedAt;
  assert.ok(after.epoch > before!.epoch, `a new holder has a higher fencing epoch (${before!.epoch} → ${after.epoch})`);
  assert.ok(takeoverMs < 30_000, `the issue's bound: takeover within 30 s (took ${takeoverMs} ms)`);

  t.diagnostic(`takeover: ${takeoverMs} ms (lease ${LEADER_TTL_MS} ms), epoch ${before!.epoch} → ${after.epoch}`);
  await waitUntil('every job succeeded', async () => (await statuses()).every((j) => j.status === 'succeeded'), 180_000);

  // No job ran twice: one succeeded run per task, no run left open, and the command's output once per job.
  const runs = (await db.query(`select job_id, task_id, attempt, status, id from runs where job_id = any($1)`, [ids])).rows as {
    job_id: string; task_id: string; attempt: number; status: string; id: string;
  }[];
  t.diagnostic(`runs: ${runs.length} (${runs.filter((r) => r.status === 'lost').length} lost and requeued) for ${JOBS} jobs`);
  for (const id of ids) {
    const mine = runs.filter((r) => r.job_id === id);
    assert.equal(mine.filter((r) => r.status === 'succeeded').length, 1, `job ${id}: exactly one succeeded run (${JSON.stringify(mine)})`);
    assert.equal(mine.filter((r) => r.status === 'running').length, 0, `job ${id}: no run left running`);
  }
  const outputs = (await db.query(
    `select job_id, count(distinct attempt)::int as n from task_logs where job_id = any($1) and text like 'ran-%' group by job_id`,
    [ids],
  )).rows as { job_id: string; n: number }[];
  assert.equal(outputs.length, JOBS, 'every job\'s command printed its line');
  for (const o of outputs) assert.equal(o.n, 1, `job ${o.job_id}: its command's output came from one attempt only`);
  const finishedOk = worker.finished.filter((f) => f.ok);
  const perTask = new Map<string, number>();
  for (const f of finishedOk) perTask.set(f.taskId, (perTask.get(f.taskId) ?? 0) + 1);
  for (const [task, n] of perTask) assert.equal(n, 1, `the worker completed task ${task} once`);

  // Billed exactly once: each succeeded run has one charge and one ledger transaction, nothing else is billed.
  const succeeded = runs.filter((r) => r.status === 'succeeded').map((r) => r.id);
  await waitUntil('every succeeded run is billed', async () => {
    const r = await db.query(`select count(*)::int as n from billing_charges where run_id = any($1)`, [succeeded]);
    return (r.rows[0] as { n: number }).n === succeeded.length;
  }, 90_000);
  const charges = (await db.query(`select run_id, count(*)::int as n from billing_charges where job_id = any($1) group by run_id`, [ids])).rows as { run_id: string; n: number }[];
  assert.deepEqual(charges.map((c) => c.run_id).sort(), [...succeeded].sort(), 'charges exist for the succeeded runs and no others');
  for (const c of charges) assert.equal(c.n, 1, `run ${c.run_id} charged once`);
  const tx = (await db.query(`select idem_key, count(*)::int as n from billing_transactions where idem_key = any($1) group by idem_key`, [succeeded.map((r) => `run:${r}`)])).rows as { idem_key: string; n: number }[];
  assert.equal(tx.length, succeeded.length, 'one ledger transaction per succeeded run');
  for (const t of tx) assert.equal(t.n, 1, `${t.idem_key}: one ledger transaction`);
});

test('fencing: once another replica holds a newer epoch, the old leader\'s writes are refused and it demotes', async () => {
  await b?.stop();
  b = null;
  const d = drizzle(db) as unknown as Db;
  const log = createLogger('silent');
  const one = new Leadership(d, { databaseUrl: pgh.url, ttlMs: 2000, url: () => 'http://one.invalid', log });
  const two = new Leadership(d, { databaseUrl: pgh.url, ttlMs: 2000, url: () => 'http://two.invalid', log });
  const demoted: string[] = [];
  one.onDemoted = (why) => demoted.push(why);
  try {
    await one.start();
    assert.ok(one.isLeader(), 'the first to ask gets the free (released) lease');
    await two.start();
    assert.equal(two.isLeader(), false, 'the second follows while the lease is live');
    assert.equal(two.current?.holder, one.id);
    // The first stalls past its lease (a long pause: it renews nothing); the second takes over.
    one.suspend();
    await new Promise((r) => setTimeout(r, 100));
    await db.query(`update leadership set expires_at = now() - interval '1 second' where name = 'leader'`);
    await two.refresh();
    assert.ok(two.isLeader(), 'the lease was free, so the second takes it');
    assert.equal(two.fencingEpoch, one.fencingEpoch! + 1, 'a new holder gets the next epoch');
    // The old leader wakes up and writes: its fenced transaction is rolled back.
    await assert.rejects(
      d.transaction(async (tx) => {
        await tx.execute(sql`insert into regions (id, name_zh, name_en, lat, lon) values ('fenced-out', '围栏', 'Fenced', 1, 1)`);
        await one.fence(tx);
      }),
      (err: unknown) => err instanceof LeadershipLostError && err.code === 'LEADERSHIP_LOST',
    );
    const left = await db.query(`select 1 from regions where id = 'fenced-out'`);
    assert.equal(left.rows.length, 0, 'nothing of the deposed leader\'s transaction was kept');
    assert.equal(demoted.length, 1, 'the deposed leader stopped its leader work');
    assert.equal(one.isLeader(), false);
    // The new leader's fenced writes go through.
    await d.transaction(async (tx) => {
      await two.fence(tx);
      await tx.execute(sql`insert into regions (id, name_zh, name_en, lat, lon) values ('fenced-in', '围栏', 'Fenced', 1, 1)`);
    });
    assert.equal((await db.query(`select 1 from regions where id = 'fenced-in'`)).rows.length, 1);
  } finally {
    await one.stop();
    await two.stop();
  }
});
