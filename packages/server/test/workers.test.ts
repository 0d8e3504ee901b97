// The worker protocol as an attacker tries it: who may enroll workers, what a worker credential can
// reach, and that a worker reads and reports only the tasks leased to it. Raw HTTP, real server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq, inArray } from 'drizzle-orm';
import { events } from '../src/db/schema.ts';
import { workers } from '../src/workers/db-schema.ts';
import { LAST_SEEN_LAG_MS, WorkerRegistry } from '../src/workers/registry.ts';
import { client, enrollWorker, login, operatorToken, smallSite, startPlatform, waitUntil, workerSync, type TestPlatform } from './helpers.ts';

let t: TestPlatform;
let op: ReturnType<typeof client>;
let tenant: ReturnType<typeof client>;
let citizen: ReturnType<typeof client>;

before(async () => {
  t = await startPlatform({ leaseMs: 3000 });
  op = client(t.url, { cookie: await login(t.url, 'operator') });
  tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
  citizen = client(t.url, { cookie: await login(t.url, 'citizen') });
  for (const id of ['wk-shared', 'wk-owned']) assert.equal((await op.req('POST', '/api/sites', smallSite(id))).status, 201);
});
after(async () => {
  await t.close();
});

const submit = async (who: ReturnType<typeof client>, site: string, env: Record<string, string> = {}) => {
  const r = await who.req('POST', '/api/jobs', { name: 'worker test', type: 'cpu', units: 1, hours: 1, command: 'echo hi', sites: [site], env });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
};

/** Syncs until the worker is handed a task of the job (the planner or the dispatcher may take a moment). */
async function leaseOf(cred: { id: string; credential: string }, jobId: string) {
  return waitUntil(`a lease of ${jobId} for ${cred.id}`, async () => {
    const r = await workerSync(t.url, cred.credential, cred.id, { free: 1 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return (r.body.assignments as { kind: string; jobId: string; taskId: string; attempt: number; env: Record<string, string> }[]).find((a) => a.jobId === jobId);
  });
}

describe('enrollment', () => {
  test('a citizen or a tenant cannot enroll a worker for a platform site, nor mint a site-bound token', async () => {
    for (const who of [citizen, tenant]) {
      const r = await who.req('POST', '/api/workers', { siteId: 'wk-shared', name: 'evil' });
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.equal(r.body.code, 'WORKER_SITE_FORBIDDEN');
    }
    const legacy = await citizen.req('POST', '/api/tokens', { name: 'agent', siteId: 'wk-shared' });
    assert.equal(legacy.status, 400);
    assert.equal(legacy.body.errors[0].path, 'siteId');
    assert.match(legacy.body.errors[0].message, /POST \/api\/workers/);
  });

  test('an operator enrolls, lists, rotates and revokes; each step is an audited event', async () => {
    const r = await op.req('POST', '/api/workers', { siteId: 'wk-shared', name: 'rack-1' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const w = r.body as { id: string; credential: string; siteId: string };
    assert.match(w.credential, /^szw\.wrk_/);
    assert.equal(w.siteId, 'wk-shared');
    assert.equal((await op.req('POST', '/api/workers', { siteId: 'wk-shared', name: 'rack-1' })).body.code, 'WORKER_EXISTS');
    const list = await op.req('GET', '/api/workers?siteId=wk-shared');
    assert.ok(list.body.items.some((i: { id: string; credential?: string }) => i.id === w.id && i.credential === undefined), 'listed, without its credential');

    assert.equal((await workerSync(t.url, w.credential, w.id, {})).status, 200);
    const rotated = await op.req('POST', `/api/workers/${w.id}/rotate`);
    assert.equal(rotated.status, 200);
    const old = await workerSync(t.url, w.credential, w.id, {});
    assert.equal(old.status, 401, 'the old credential stops working at once');
    assert.equal(old.body.code, 'WORKER_CREDENTIAL_INVALID');
    assert.equal((await workerSync(t.url, rotated.body.credential, w.id, {})).status, 200);

    assert.equal((await op.req('DELETE', `/api/workers/${w.id}`)).status, 200);
    assert.equal((await workerSync(t.url, rotated.body.credential, w.id, {})).status, 401, 'a revoked credential is refused at once');

    const kinds = (await t.p.database.db.select().from(events).where(eq(events.entityId, w.id))).map((e) => `${e.kind}:${e.actor}`);
    const opId = (await t.p.auth.userIdByName('operator'))!;
    assert.deepEqual(kinds.sort(), [`worker.enrolled:${opId}`, `worker.revoked:${opId}`, `worker.rotated:${opId}`].sort());
  });

  test('a tenant enrolls workers only for a site it owns, and sees only those', async () => {
    const tenantId = (await tenant.req('GET', '/api/auth/me')).body.tenantId as string;
    assert.equal((await op.req('PATCH', '/api/sites/wk-owned', { ownerTenantId: tenantId })).status, 200);
    const mine = await tenant.req('POST', '/api/workers', { siteId: 'wk-owned', name: 'own-box' });
    assert.equal(mine.status, 201, JSON.stringify(mine.body));
    assert.equal(mine.body.ownerTenantId, tenantId);
    const listed = (await tenant.req('GET', '/api/workers')).body.items as { siteId: string }[];
    assert.ok(listed.length >= 1 && listed.every((w) => w.siteId === 'wk-owned'), 'a tenant lists only the workers of its own sites');
  });
});

describe('a worker credential', () => {
  test('is refused on every other API, a forged one is refused, and a user token cannot sync', async () => {
    const w = await enrollWorker(t.p, 'wk-shared', 'scope-check');
    const asWorker = client(t.url, { token: w.credential });
    for (const path of ['/api/jobs', '/api/sites', '/api/auth/me', '/api/render/jobs']) {
      const r = await asWorker.req('GET', path);
      assert.equal(r.status, 403, path);
      assert.equal(r.body.code, 'WORKER_SCOPE');
    }
    const forged = `szw.${w.id}.${'A'.repeat(43)}`;
    assert.equal((await workerSync(t.url, forged, w.id, {})).status, 401);
    const user = await workerSync(t.url, await operatorToken(t.p), w.id, {});
    assert.equal(user.status, 401);
    assert.equal(user.body.code, 'WORKER_CREDENTIAL_REQUIRED');
  });

  test("cannot fetch, complete, fail or abandon another worker's task, nor sync or leave as another worker", async () => {
    const w1 = await enrollWorker(t.p, 'wk-shared', 'honest');
    const w2 = await enrollWorker(t.p, 'wk-shared', 'thief');
    // w2 idles with no free slot so the job can only go to w1.
    assert.equal((await workerSync(t.url, w2.credential, w2.id, {})).status, 200);
    const jobId = await submit(tenant, 'wk-shared', { API_KEY: 'secret-value-123' });
    const lease = await leaseOf(w1, jobId);
    assert.equal(lease.kind, 'shell');
    assert.equal(lease.env.API_KEY, 'secret-value-123', 'the env reaches the worker holding the lease');
    const fence = { kind: 'shell', taskId: lease.taskId, attempt: lease.attempt };

    const forgedDone = await workerSync(t.url, w2.credential, w2.id, { completed: [{ ...fence, result: { ok: true, exitCode: 0 } }] });
    assert.equal(forgedDone.status, 409);
    assert.equal(forgedDone.body.code, 'STALE_REPORT');
    const forgedFail = await workerSync(t.url, w2.credential, w2.id, { completed: [{ ...fence, result: { ok: false, exitCode: 1 } }] });
    assert.equal(forgedFail.status, 409);
    const forgedHeartbeat = await workerSync(t.url, w2.credential, w2.id, { running: [fence] });
    assert.equal(forgedHeartbeat.status, 409);
    const asOther = await workerSync(t.url, w2.credential, w1.id, { leaving: true });
    assert.equal(asOther.status, 403, 'a worker may not leave as another');
    assert.equal(asOther.body.code, 'WORKER_SCOPE');
    const leftSelf = await workerSync(t.url, w2.credential, w2.id, { leaving: true });
    assert.equal(leftSelf.status, 200);

    const job = (await tenant.req('GET', `/api/jobs/${jobId}`)).body;
    assert.equal(job.status, 'running', "the forged reports changed nothing: w1's run goes on");

    // The real holder finishes it.
    const done = await workerSync(t.url, w1.credential, w1.id, { completed: [{ ...fence, result: { ok: true, exitCode: 0 } }] });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    await waitUntil('job done', async () => (await tenant.req('GET', `/api/jobs/${jobId}`)).body.status === 'succeeded');
  });

  test('credentials checked at once share one database lookup, and each still gets only its own identity', async () => {
    const operator = (await t.p.auth.byOperatorName())!;
    const creds = await t.p.workers.registry.enrollMany(operator, 'wk-shared', Array.from({ length: 40 }, (_, i) => `batch-${i}`));
    const revoked = creds.pop()!;
    assert.equal((await op.req('DELETE', `/api/workers/${revoked.id}`)).status, 200);
    const forged = `${creds[0]!.credential.slice(0, -4)}AAAA`;
    const reg = t.p.workers.registry;
    const before = reg.stats.lookupQueries;
    const got = await Promise.all([...creds, revoked].map((c) => reg.authenticate(c.credential)).concat(reg.authenticate(forged)));
    assert.equal(reg.stats.lookupQueries - before, 1, '40 credentials unseen before: one query');
    assert.deepEqual(got.slice(0, creds.length).map((w) => w?.workerId), creds.map((c) => c.id));
    assert.equal(got[creds.length], null, 'the revoked credential is refused');
    assert.equal(got[creds.length + 1], null, 'a forged credential is refused');
  });

  test('a checked credential costs no lookup again; one revoked or rotated on another replica is refused at the next look for changes', async () => {
    const operator = (await t.p.auth.byOperatorName())!;
    const [a, b, c] = await t.p.workers.registry.enrollMany(operator, 'wk-shared', ['replica-a', 'replica-b', 'replica-c']);
    // A second replica's registry on the same database, looking for revocations and rotations at every call.
    const other = new WorkerRegistry(t.p.database.db, t.p.bus, t.p.compute.network, { recheckMs: 0 });
    for (const w of [a!, b!, c!]) assert.equal((await other.authenticate(w.credential))?.workerId, w.id);
    const lookups = other.stats.lookupQueries;
    for (const w of [a!, b!, c!]) assert.equal((await other.authenticate(w.credential))?.workerId, w.id);
    assert.equal(other.stats.lookupQueries, lookups, 'checked once: no credential lookup again');
    // Revoked and rotated through this server, behind the other registry's back.
    assert.equal((await op.req('DELETE', `/api/workers/${a!.id}`)).status, 200);
    const rotated = await op.req('POST', `/api/workers/${b!.id}/rotate`);
    assert.equal(rotated.status, 200);
    assert.equal(await other.authenticate(a!.credential), null, 'revoked on another replica: refused');
    assert.equal(await other.authenticate(b!.credential), null, 'rotated on another replica: the old credential is refused');
    assert.equal((await other.authenticate(rotated.body.credential))?.workerId, b!.id, 'the new credential works');
    assert.equal((await other.authenticate(c!.credential))?.workerId, c!.id, 'the others still pass');
    assert.ok(other.stats.revocationChecks > 0);
  });

  test('the look for revoked or rotated credentials begins before its bound, and calls within the bound do not wait for it', async () => {
    const operator = (await t.p.auth.byOperatorName())!;
    const [a] = await t.p.workers.registry.enrollMany(operator, 'wk-shared', ['ahead-a']);
    const reg = new WorkerRegistry(t.p.database.db, t.p.bus, t.p.compute.network, { recheckMs: 1000 });
    assert.equal((await reg.authenticate(a!.credential))?.workerId, a!.id);
    await new Promise((r) => setTimeout(r, 850));
    const checks = reg.stats.revocationChecks;
    assert.equal((await reg.authenticate(a!.credential))?.workerId, a!.id);
    assert.equal(reg.stats.revocationChecks, checks + 1, 'past 80 % of the bound a call begins the next look');
    // Revoked behind its back: refused once the look has run, and never used later than the bound.
    assert.equal((await op.req('DELETE', `/api/workers/${a!.id}`)).status, 200);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(await reg.authenticate(a!.credential), null, 'past the bound the call waits for a look, which drops the revoked credential');
  });

  test('credentials checked a loop turn apart still share one lookup', async () => {
    const operator = (await t.p.auth.byOperatorName())!;
    const [a, b] = await t.p.workers.registry.enrollMany(operator, 'wk-shared', ['turn-a', 'turn-b']);
    const reg = t.p.workers.registry;
    const before = reg.stats.lookupQueries;
    const first = reg.authenticate(a!.credential);
    await new Promise((r) => setImmediate(r));
    const second = reg.authenticate(b!.credential);
    assert.deepEqual([(await first)?.workerId, (await second)?.workerId], [a!.id, b!.id]);
    assert.equal(reg.stats.lookupQueries - before, 1, 'requests read on two turns of the event loop: one query');
  });

  test('a last-seen flush writes at most its cap of rows, never-written workers first; a worker not yet due is not written again', async () => {
    const operator = (await t.p.auth.byOperatorName())!;
    const creds = await t.p.workers.registry.enrollMany(operator, 'wk-shared', Array.from({ length: 1100 }, (_, i) => `seen-${i}`));
    const reg = new WorkerRegistry(t.p.database.db, t.p.bus, t.p.compute.network, { seenRowsPerFlush: 400 });
    const ids = creds.map((c) => c.id);
    const storedSeen = async () => {
      const rows = await t.p.database.db.select({ id: workers.id, at: workers.lastSeenAt }).from(workers).where(inArray(workers.id, ids));
      return new Map(rows.map((r) => [r.id, r.at?.getTime() ?? null]));
    };
    const t0 = Date.now();
    for (const id of ids) reg.touch(id, t0);
    const written: number[] = [];
    for (let i = 0; i < 3; i++) {
      await reg.flushSeen({ now: t0 });
      written.push([...(await storedSeen()).values()].filter((v) => v !== null).length);
    }
    assert.deepEqual(written, [400, 800, 1100], 'at most 400 rows a flush, until every worker seen is written');
    const before = reg.stats.seenWrites;
    for (const id of ids) reg.touch(id, t0 + 1000);
    await reg.flushSeen({ now: t0 + 1000 });
    assert.equal(reg.stats.seenWrites, before, 'a second later no stored value is due for a refresh: no statement');
    assert.deepEqual(new Set((await storedSeen()).values()), new Set([t0]));
    const listed = (await reg.list(operator, { siteId: 'wk-shared', includeRevoked: false })).filter((w) => ids.includes(w.id));
    assert.deepEqual(new Set(listed.map((w) => w.lastSeenAt)), new Set([new Date(t0 + 1000).toISOString()]), 'the list shows the exact last-seen this server knows');
    await reg.flushSeen({ all: true });
    assert.deepEqual(new Set((await storedSeen()).values()), new Set([t0 + 1000]), 'a flush of all (at shutdown) writes every worker seen since');
  });

  test('a worker seen every few seconds never has a stored last-seen more than LAST_SEEN_LAG_MS behind', async () => {
    const operator = (await t.p.auth.byOperatorName())!;
    const creds = await t.p.workers.registry.enrollMany(operator, 'wk-shared', Array.from({ length: 50 }, (_, i) => `lag-${i}`));
    const reg = new WorkerRegistry(t.p.database.db, t.p.bus, t.p.compute.network);
    const ids = creds.map((c) => c.id);
    const t0 = Date.now();
    let worst = 0;
    // Ten minutes of syncs every 2.5 s, flushed every 5 s as the registry's timer does.
    for (let now = t0; now <= t0 + 600_000; now += 2_500) {
      for (const id of ids) reg.touch(id, now);
      if ((now - t0) % 5_000 === 0) await reg.flushSeen({ now });
      const rows = await t.p.database.db.select({ at: workers.lastSeenAt }).from(workers).where(inArray(workers.id, ids));
      for (const r of rows) worst = Math.max(worst, now - (r.at?.getTime() ?? -Infinity));
    }
    assert.ok(worst <= LAST_SEEN_LAG_MS, `the stored last-seen fell ${worst} ms behind (bound ${LAST_SEEN_LAG_MS})`);
    // Each worker written when first seen, then about once in 40–50 s: at most 1 + 600 / 40 rows a worker, not one a flush (120).
    assert.ok(reg.stats.seenRows <= ids.length * 16, `${reg.stats.seenRows} rows written for ${ids.length} workers over 120 flushes`);
  });

  test("revoking a worker refuses it at once and its running task goes back to the queue", async () => {
    const w1 = await enrollWorker(t.p, 'wk-shared', 'to-revoke');
    const jobId = await submit(tenant, 'wk-shared');
    const lease = await leaseOf(w1, jobId);
    assert.equal((await op.req('DELETE', `/api/workers/${w1.id}`)).status, 200);
    const r = await workerSync(t.url, w1.credential, w1.id, { running: [{ kind: 'shell', taskId: lease.taskId, attempt: lease.attempt }] });
    assert.equal(r.status, 401);
    const w2 = await enrollWorker(t.p, 'wk-shared', 'after-revoke');
    const again = await leaseOf(w2, jobId);
    assert.equal(again.taskId, lease.taskId);
    assert.ok(again.attempt > lease.attempt, 'a new attempt: the revoked worker\'s one is fenced off');
    const done = await workerSync(t.url, w2.credential, w2.id, { completed: [{ kind: 'shell', taskId: again.taskId, attempt: again.attempt, result: { ok: true, exitCode: 0 } }] });
    assert.equal(done.status, 200);
  });

  test('an answer the worker never read is handed again on its next sync, the same attempt; once reported it is not', async () => {
    const w = await enrollWorker(t.p, 'wk-shared', 'gave-up-on-a-call');
    const jobId = await submit(tenant, 'wk-shared');
    const lease = await leaseOf(w, jobId);
    // The worker gave up on that call (its own nudge, a timeout): its next sync reports nothing.
    const again = await workerSync(t.url, w.credential, w.id, { free: 1 });
    assert.equal(again.status, 200);
    const handed = (again.body.assignments as { jobId: string; taskId: string; attempt: number }[]).filter((a) => a.jobId === jobId);
    assert.deepEqual(handed.map((a) => [a.taskId, a.attempt]), [[lease.taskId, lease.attempt]], 'the same attempt, once, not a new one');
    const fence = { kind: 'shell', taskId: lease.taskId, attempt: lease.attempt };
    const beat = await workerSync(t.url, w.credential, w.id, { free: 0, running: [fence] });
    assert.equal(beat.status, 200);
    const next = await workerSync(t.url, w.credential, w.id, { free: 1, running: [fence] });
    assert.ok(!(next.body.assignments as { taskId: string }[]).some((a) => a.taskId === lease.taskId), 'a task the worker reports is not handed again');
    const done = await workerSync(t.url, w.credential, w.id, { completed: [{ ...fence, result: { ok: true, exitCode: 0 } }] });
    assert.equal(done.status, 200);
    await waitUntil('job done', async () => (await tenant.req('GET', `/api/jobs/${jobId}`)).body.status === 'succeeded');
    const runs = (await tenant.req('GET', `/api/jobs/${jobId}`)).body;
    assert.equal(runs.status, 'succeeded');
  });

  test("a tenant's own worker never receives another tenant's job", async () => {
    const own = (await tenant.req('POST', '/api/workers', { siteId: 'wk-owned', name: 'owner-box-2' })).body as { id: string; credential: string };
    const other = client(t.url, { cookie: await login(t.url, 'tenant2') });
    const bad = await other.req('POST', '/api/jobs', { name: 'x', type: 'cpu', units: 1, hours: 1, command: 'echo hi', sites: ['wk-owned'], env: { K: 'v' } });
    assert.equal(bad.status, 400, 'pinning work to another tenant\'s site is refused');
    assert.equal(bad.body.errors[0].path, 'sites.0');
    // Unpinned work of another tenant is never placed there either.
    const loose = await other.req('POST', '/api/jobs', { name: 'x', type: 'cpu', units: 1, hours: 1, command: 'echo hi', regions: ['xinjiang'] });
    assert.equal(loose.status, 201);
    for (let i = 0; i < 5; i++) {
      const r = await workerSync(t.url, own.credential, own.id, { free: 1 });
      assert.equal(r.status, 200);
      assert.ok(!(r.body.assignments as { jobId: string }[]).some((a) => a.jobId === loose.body.id), "another tenant's job reached the owner's worker");
      await new Promise((res) => setTimeout(res, 200));
    }
    await other.req('POST', `/api/jobs/${loose.body.id}/cancel`);
    const mineJob = await submit(tenant, 'wk-owned');
    const lease = await leaseOf(own, mineJob);
    assert.equal(lease.jobId, mineJob);
  });
});

describe('placement keeps to site ownership', () => {
  test("a tenant's own site is never a place for another tenant's job, pinned or not", async () => {
    const { siteMayRun } = await import('../src/compute/placement.ts');
    const owned = { id: 'box', region: 'xinjiang', ownerTenantId: 'acme' };
    const shared = { id: 'dc', region: 'xinjiang', ownerTenantId: null };
    assert.equal(siteMayRun({ regions: [], sites: [], tenantId: 'other' }, owned), false);
    assert.equal(siteMayRun({ regions: [], sites: ['box'], tenantId: 'other' }, owned), false);
    assert.equal(siteMayRun({ regions: [], sites: [], tenantId: 'acme' }, owned), true);
    assert.equal(siteMayRun({ regions: [], sites: [], tenantId: 'other' }, shared), true);
  });
});

describe('the CLI', () => {
  test('shuzhi workers enroll, list, rotate and revoke against a running server', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { fileURLToPath } = await import('node:url');
    const bin = fileURLToPath(new URL('../bin/shuzhi.mjs', import.meta.url));
    const token = await operatorToken(t.p);
    const shuzhi = (args: string[]) =>
      promisify(execFile)(process.execPath, [bin, 'workers', ...args], { env: { ...process.env, SHUZHI_SERVER: t.url, SHUZHI_TOKEN: token } }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    const enrolled = await shuzhi(['enroll', '--site', 'wk-shared', '--name', 'cli-box', '--json']);
    assert.equal(enrolled.code, 0, enrolled.stderr);
    const w = JSON.parse(enrolled.stdout) as { id: string; credential: string };
    assert.equal((await workerSync(t.url, w.credential, w.id, {})).status, 200);
    const list = await shuzhi(['list', '--site', 'wk-shared']);
    assert.match(list.stdout, new RegExp(`${w.id}\\s+wk-shared\\s+cli-box`));
    assert.doesNotMatch(list.stdout, /szw\./, 'credentials are never listed');
    const rotated = await shuzhi(['rotate', w.id]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const fresh = /^(szw\.\S+)$/m.exec(rotated.stdout)?.[1];
    assert.ok(fresh && fresh !== w.credential);
    assert.equal((await workerSync(t.url, w.credential, w.id, {})).status, 401);
    const revoked = await shuzhi(['revoke', w.id]);
    assert.match(revoked.stdout, /revoked/);
    assert.equal((await workerSync(t.url, fresh, w.id, {})).status, 401);
    const denied = await shuzhi(['enroll', '--site', 'wk-shared', '--name', 'x']);
    assert.equal(denied.code, 0, 'the operator may');
    const citizenToken = (await t.p.auth.createToken((await t.p.auth.userIdByName('citizen'))!, 'c')).token;
    const refused = await promisify(execFile)(process.execPath, [bin, 'workers', 'enroll', '--site', 'wk-shared', '--name', 'y'], { env: { ...process.env, SHUZHI_SERVER: t.url, SHUZHI_TOKEN: citizenToken } }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    assert.ok(refused && refused.code !== 0);
    assert.match(refused.stderr, /WORKER_SITE_FORBIDDEN/);
  });
});

describe('a render worker', () => {
  test("cannot read, upload to, fail or abandon another worker's chunk", async () => {
    const { uploadScene } = await import('./render-helpers.ts');
    const studio = await login(t.url, 'tenant2');
    const up = await uploadScene(t.url, studio, 'scene.blend', 'STUDIO SECRET SCENE');
    const job = await client(t.url, { cookie: studio }).req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, frames: '1-4', chunkSize: 4, renderer: 'blender' });
    assert.equal(job.status, 201, JSON.stringify(job.body));
    const render = { runners: ['blender', 'ffmpeg'] };
    const w1 = await enrollWorker(t.p, 'karamay', 'render-honest');
    const w2 = await enrollWorker(t.p, 'karamay', 'render-thief');
    const got = await waitUntil('a chunk for w1', async () => {
      const r = await workerSync(t.url, w1.credential, w1.id, { ...render, free: 1 });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return (r.body.assignments as { kind: string; part: string; jobId: string; taskId: string; attempt: number }[]).find((a) => a.jobId === job.body.id);
    });
    assert.equal(got.kind, 'render');
    assert.equal(got.part, 'chunk');
    const fence = { kind: 'render', taskId: got.taskId, attempt: got.attempt };
    const asThief = (path: string, init: RequestInit = {}) =>
      fetch(`${t.url}/api/workers/${w2.id}/tasks/${got.taskId}${path}?attempt=${got.attempt}`, { ...init, headers: { authorization: `Bearer ${w2.credential}` } });

    const scene = await asThief('/scene');
    assert.equal(scene.status, 409, 'the scene of a task leased to another worker is not handed out');
    assert.doesNotMatch(await scene.text(), /STUDIO SECRET SCENE/);
    assert.equal((await asThief('/frames/1', { method: 'PUT', body: 'forged frame' })).status, 409);
    const viaOtherPath = await fetch(`${t.url}/api/workers/${w1.id}/tasks/${got.taskId}/scene?attempt=${got.attempt}`, { headers: { authorization: `Bearer ${w2.credential}` } });
    assert.equal(viaOtherPath.status, 403, "a worker cannot use another worker's path");

    const forged = await workerSync(t.url, w2.credential, w2.id, { ...render, completed: [{ ...fence, result: { ok: false, exitCode: 1, failure: { code: 'scene-load', message: 'forged' } } }] });
    assert.equal(forged.status, 409);
    assert.equal((await workerSync(t.url, w2.credential, w2.id, { ...render, leaving: true })).status, 200);
    const detail = (await client(t.url, { cookie: studio }).req('GET', `/api/render/jobs/${job.body.id}`)).body;
    assert.equal(detail.state, 'active', "the forged scene-load failure did not fail the studio's job");

    const own = await fetch(`${t.url}/api/workers/${w1.id}/tasks/${got.taskId}/scene?attempt=${got.attempt}`, { headers: { authorization: `Bearer ${w1.credential}` } });
    assert.equal(own.status, 200);
    assert.equal(await own.text(), 'STUDIO SECRET SCENE');
    await client(t.url, { cookie: studio }).req('POST', `/api/render/jobs/${job.body.id}/cancel`);
  });
});
