import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { manualClock } from '@shuzhi/schema';
import { announceAgent, client, login, operatorToken, smallSite, startPlatform, waitUntil, type TestPlatform } from './helpers.ts';

/**
 * Quotas through the API on a real platform (PGlite), with a frozen clock: tenants tianshan-ai (A)
 * and karamay-studio (B) share cohort c1 with 8 cpu units each, on a 17-unit site. A borrows B's idle
 * 8; when B submits, A's newest borrowed job is requeued once the stated grace
 * (SHUZHI_QUOTA_RECLAIM_SECONDS = 60) has passed on the clock, and not before.
 */
const A = 'tianshan-ai';
const B = 'karamay-studio';
const SITE = 'quota-site';
const clock = manualClock(Date.parse('2026-12-06T02:00:00Z'));
let t: TestPlatform;
let op: ReturnType<typeof client>;
let tenantA: ReturnType<typeof client>;

before(async () => {
  // A lease longer than the clock moves here, so the site's agent stays online throughout.
  t = await startPlatform({ clock, leaseMs: 600_000, env: { SHUZHI_QUOTA_RECLAIM_SECONDS: '60' } });
  op = client(t.url, { token: await operatorToken(t.p) });
  tenantA = client(t.url, { cookie: await login(t.url, 'tenant') });
  const site = smallSite(SITE);
  // One unit more than A's 16: a3 fits the site, so what holds it back is its quota.
  site.pools = [{ ...site.pools[0]!, units: 17 }];
  assert.equal((await op.req('POST', '/api/sites', site)).status, 201);
  await announceAgent(t, SITE);
});
after(() => t.close());

const submit = (tenantId: string, name: string, units: number, extra: Record<string, unknown> = {}) =>
  op.req('POST', '/api/jobs', { name, type: 'cpu', units, hours: 1, command: 'true', sites: [SITE], tenantId, ...extra });
const job = async (id: string) => (await op.req('GET', `/api/jobs/${id}`)).body;
const quotas = async () => (await op.req('GET', '/api/quotas')).body.items as { tenantId: string; type: string; nominal: number; used: number; borrowed: number; lent: number; project: string | null }[];

/** No tenant holds more than its quota plus what its cohort can lend (the invariant the issue asks for). */
async function assertWithinQuota(): Promise<void> {
  const rows = (await quotas()).filter((q) => q.project === null && q.type === 'cpu');
  const nominal = rows.reduce((a, q) => a + q.nominal, 0);
  const used = rows.reduce((a, q) => a + q.used, 0);
  const borrowed = rows.reduce((a, q) => a + q.borrowed, 0);
  const idle = rows.reduce((a, q) => a + Math.max(0, q.nominal - q.used), 0);
  for (const q of rows) assert.ok(q.used <= q.nominal + idle + q.borrowed, `${q.tenantId} uses ${q.used}`);
  assert.ok(used <= nominal, `cohort uses ${used} of ${nominal}`);
  assert.ok(borrowed <= idle, `borrowed ${borrowed} > idle ${idle}`);
}

test('bad quotas are refused naming the field; tenants cannot set quotas', async () => {
  const base = { tenantId: A, type: 'cpu', nominal: 8, cohort: 'c1' };
  const bad = [
    [{ ...base, nominal: -1 }, 'nominal'],
    [{ ...base, type: 'tpu' }, 'type'],
    [{ ...base, tenantId: 'nobody' }, 'tenantId'],
    [{ ...base, lendingLimit: 9 }, 'lendingLimit'],
    [{ ...base, project: 'llm' }, 'cohort'],
  ] as const;
  for (const [body, field] of bad) {
    const r = await op.req('PUT', '/api/quotas', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.ok(r.body.errors.some((e: { path: string }) => e.path === field), `${field}: ${JSON.stringify(r.body.errors)}`);
  }
  assert.equal((await tenantA.req('PUT', '/api/quotas', base)).status, 403);
});

test('borrowing, the waiting reason, a quota below usage, and reclaim within the stated time', async () => {
  for (const tenantId of [A, B]) assert.equal((await op.req('PUT', '/api/quotas', { tenantId, type: 'cpu', nominal: 8, cohort: 'c1' })).status, 200);
  const a1 = (await submit(A, 'a1', 8)).body;
  clock.advance(1000);
  const a2 = (await submit(A, 'a2', 8)).body;
  clock.advance(1000);
  assert.equal((await job(a1.id)).status, 'planned');
  assert.equal((await job(a2.id)).status, 'planned', 'a2 borrows B\'s idle 8');
  await assertWithinQuota();
  const mine = (await tenantA.req('GET', '/api/quotas')).body.items;
  assert.deepEqual(mine.map((q: { tenantId: string }) => q.tenantId), [A], 'a tenant sees its own quotas only');
  assert.equal(mine[0].borrowed, 8);
  assert.equal((await tenantA.req('GET', `/api/quotas?tenantId=${B}`)).status, 403);

  const a3 = (await submit(A, 'a3', 1)).body;
  const waiting = await waitUntil('a3 says why it waits', async () => ((await job(a3.id)).explanation?.startsWith('waiting:') ? job(a3.id) : null));
  assert.equal(waiting.explanation, 'waiting: quota: cpu 16/8 in use, needs 1, cohort c1 has 0 idle');

  const below = await op.req('PUT', '/api/quotas', { tenantId: A, type: 'cpu', nominal: 4, cohort: 'c1' });
  assert.equal(below.status, 400);
  assert.equal(below.body.errors[0].path, 'nominal');
  assert.match(below.body.errors[0].message, /below the 16 cpu units/);

  // B, the owner of the borrowed units, submits: the site is full, so B waits for them.
  const b1 = (await submit(B, 'b1', 8)).body;
  assert.equal((await job(b1.id)).status, 'queued');
  assert.deepEqual(await t.p.compute.quotas.reclaimTick(), [], 'the first tick marks, it does not stop');
  clock.advance(59_000);
  assert.deepEqual(await t.p.compute.quotas.reclaimTick(), [], 'not before the stated 60 s');
  clock.advance(1000);
  const stopped = await t.p.compute.quotas.reclaimTick();
  assert.equal(stopped.length, 1, 'one borrowed job is requeued');
  await waitUntil('b1 gets its units', async () => (await job(b1.id)).status === 'planned');
  assert.equal((await job(a2.id)).status, 'queued', 'the newest borrowed job, a2, was requeued');
  assert.equal((await job(a1.id)).status, 'planned', 'work within A\'s nominal keeps running');
  await assertWithinQuota();
  await t.p.compute.dispatcher.place();
  assert.equal((await job(a2.id)).status, 'queued', 'a2 does not borrow again while B uses its quota');
  assert.match((await job(a2.id)).explanation, /^waiting: quota: cpu 8\/8 in use, needs 8, cohort c1 has 0 idle/);
});

test('fair share: the table has every tenant; a tenant sees its own row', async () => {
  const all = (await op.req('GET', '/api/fairshare')).body;
  assert.equal(all.halfLifeHours, 168);
  assert.ok(all.rows.length >= 5);
  assert.equal((await op.req('PUT', '/api/fairshare', { tenantId: B, shares: 3 })).status, 200);
  const rowB = (await op.req('GET', '/api/fairshare')).body.rows.find((r: { tenantId: string }) => r.tenantId === B);
  assert.equal(rowB.shares, 3);
  const own = (await tenantA.req('GET', '/api/fairshare')).body.rows;
  assert.deepEqual(own.map((r: { tenantId: string }) => r.tenantId), [A]);
  assert.equal((await op.req('PUT', '/api/fairshare', { tenantId: B, shares: 0 })).status, 400);
});

test('CLI: quota set/list/get and fairshare print what the API holds; bad input names the field', async () => {
  const bin = fileURLToPath(new URL('../bin/shuzhi.mjs', import.meta.url));
  const token = await operatorToken(t.p);
  const shuzhi = (args: string[]) =>
    promisify(execFile)(process.execPath, [bin, ...args], { env: { ...process.env, SHUZHI_SERVER: t.url, SHUZHI_TOKEN: token } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  const set = await shuzhi(['quota', 'set', 'xju-lab', '--type', 'gpu', '--nominal', '16', '--cohort', 'c2', '--lending-limit', '8']);
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /xju-lab gpu: nominal 16, cohort c2, 0 in use/);
  const list = await shuzhi(['quota', 'get', 'xju-lab']);
  assert.match(list.stdout, /^xju-lab\s+-\s+gpu\s+c2\s+16\s+0\s+0\s+0\s+-\s+8$/m);
  const bad = await shuzhi(['quota', 'set', 'xju-lab', '--type', 'gpu', '--nominal', '-3']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /nominal/);
  const fs = await shuzhi(['fairshare']);
  assert.equal(fs.code, 0, fs.stderr);
  assert.match(fs.stdout, /^karamay-studio\s+3\s/m);
  assert.match(fs.stdout, /usage half-life 168 h/);
});
