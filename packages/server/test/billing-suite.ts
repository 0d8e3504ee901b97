import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { meterRun, siteLoadKW } from '@shuzhi/compute';
import { billingCharges, billingEntries, billingVouchers } from '../src/billing/db-schema.ts';
import { jobs, runs, tasks } from '../src/compute/db-schema.ts';
import { tenants } from '../src/db/schema.ts';
import { newId } from '../src/ids.ts';
import type { BillingService } from '../src/billing/service.ts';
import { client, login, newWorker, startPlatform, waitUntil, type TestPlatform } from './helpers.ts';

const DAY = 86_400_000;
let seq = 0;
const key = (what: string) => `test-${what}-${Date.now()}-${++seq}`;

/**
 * The billing suite: the same tests against every database the platform supports (PGlite in
 * `npm test`, PostgreSQL 15 in `npm run test:system`), through the real HTTP API.
 */
export function billingSuite(name: string, databaseUrl: () => string | undefined, opts: { concurrent: number }) {
  describe(`billing on ${name}`, () => {
    let t: TestPlatform;
    let op: ReturnType<typeof client>;
    let ten: ReturnType<typeof client>;
    let ten2: ReturnType<typeof client>;
    let prog: ReturnType<typeof client>;
    const db = () => t.p.database.db;

    before(async () => {
      const url = databaseUrl();
      t = await startPlatform(url ? { databaseUrl: url } : {});
      op = client(t.url, { cookie: await login(t.url, 'operator') });
      ten = client(t.url, { cookie: await login(t.url, 'tenant') });
      ten2 = client(t.url, { cookie: await login(t.url, 'tenant2') });
      prog = client(t.url, { cookie: await login(t.url, 'programme') });
    });
    after(async () => {
      await t.close();
    });

    /** A finished run written the way the dispatcher writes it. */
    async function finishedRun(o: { tenantId: string; siteId: string; type?: string; units?: number; hours?: number; endMs?: number; status?: string; transferFen?: number }) {
      const type = o.type ?? 'gpu';
      const units = o.units ?? 8;
      const hours = o.hours ?? 1;
      // Ends now by default: after any voucher the test issued beforehand became valid.
      const endMs = o.endMs ?? Date.now();
      const startMs = endMs - hours * 3600_000;
      const site = await t.p.compute.network.getSite(o.siteId);
      const pool = site.pools.find((p) => p.type === type)!;
      const usage = meterRun({ site, pool, units, startMs, endMs, siteLoadKW: siteLoadKW(site, site.pools, {}) });
      const jobId = newId('job');
      const taskId = newId('task');
      const runId = newId('run');
      await db().transaction(async (tx) => {
        await tx.insert(jobs).values({
          id: jobId, tenantId: o.tenantId, name: 'billing test', type, units, hours, flex: 'malleable', home: null, dataGB: 0, regions: [],
          priority: 50, command: 'true', env: {}, status: o.status ?? 'succeeded', siteId: o.siteId, releaseAt: new Date(startMs), createdBy: 'test',
          transferFen: o.transferFen ?? 0,
        });
        await tx.insert(tasks).values({ id: taskId, jobId, attempt: 1, status: o.status ?? 'succeeded', siteId: o.siteId });
        await tx.insert(runs).values({
          id: runId, jobId, taskId, attempt: 1, siteId: o.siteId, status: o.status ?? 'succeeded', startedAt: new Date(startMs), endedAt: new Date(endMs),
          exitCode: 0, unitHours: usage.unitHours, energyKWh: usage.energyKWh, greenKWh: usage.greenKWh, carbonG: usage.carbonG, costFen: usage.costFen,
        });
      });
      return { runId, jobId, expectedFen: Math.round(usage.unitHours * pool.fenPerUnitHour) };
    }

    /** The billing module's admission check, as the dispatcher asks it. */
    const canStart = (...a: Parameters<BillingService['admission']['canStart']>) =>
      (t.p.modules.find((m) => m.name === 'billing') as unknown as { service: BillingService }).service.admission.canStart(...a);

    /** Money the tenant paid: a top-up it asks for and an operator confirms. */
    async function topUp(c: ReturnType<typeof client>, amountFen: number) {
      const r = await c.req('POST', '/api/billing/topups', { amountFen, idempotencyKey: key('t') });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const ok = await op.req('POST', `/api/billing/topups/${r.body.id}/confirm`);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.state, 'credited');
    }

    /** A tenant of its own per test, so vouchers from other tests never pay its bills. */
    async function freshTenant(kind = 'ai-company') {
      const id = `bt-${++seq}-${Date.now().toString(36)}`;
      await t.p.compute.network.createTenant({ id, name: `Billing test ${id}`, kind: kind as 'ai-company' }, 'test');
      await t.p.auth.createUser({ username: id, password: `${id}-demo`, role: 'tenant', tenantId: id });
      return { id, c: client(t.url, { cookie: await login(t.url, id) }) };
    }

    async function createProgramme(over: Record<string, unknown> = {}) {
      const id = `p-${++seq}`;
      const r = await op.req('POST', '/api/billing/programmes', {
        id,
        nameZh: '测试券',
        nameEn: 'Test vouchers',
        issuer: 'Test city',
        tenantKinds: ['ai-company'],
        siteIds: ['shihezi'],
        ratesBp: { gpu: 3000 },
        capPerTenantFen: 1_000_000,
        voucherDays: 90,
        validFrom: new Date(Date.now() - 10 * DAY).toISOString(),
        validTo: new Date(Date.now() + 100 * DAY).toISOString(),
        budgetFen: 5_000_000,
        admins: [],
        idempotencyKey: key('prog'),
        ...over,
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return id;
    }

    /** Applies as `c`'s tenant and approves as operator; returns the voucher id. */
    async function voucherFor(c: ReturnType<typeof client>, programmeId: string, fen: number) {
      const a = await c.req('POST', `/api/billing/programmes/${programmeId}/applications`, { requestedFen: fen, purpose: 'test' });
      assert.equal(a.status, 201, JSON.stringify(a.body));
      const d = await op.req('POST', `/api/billing/applications/${a.body.id}/decision`, { decision: 'approve', idempotencyKey: key('dec') });
      assert.equal(d.status, 200, JSON.stringify(d.body));
      return d.body.voucherId as string;
    }

    async function voucherBalance(id: string) {
      const [r] = await db().select({ b: sql<string>`coalesce(sum(${billingEntries.amountFen}),0)` }).from(billingEntries).where(eq(billingEntries.account, `voucher:${id}`));
      return Number(r!.b);
    }

    async function assertLedgerBalanced() {
      const bad = await db().execute(sql`select txn_id, sum(amount_fen) as s from billing_entries group by txn_id having sum(amount_fen) <> 0`);
      assert.equal(rowsOf(bad).length, 0, 'every transaction balances');
      const total = rowsOf(await db().execute(sql`select coalesce(sum(amount_fen),0)::bigint as s from billing_entries`));
      assert.equal(Number(total[0]!['s']), 0, 'the whole ledger sums to zero');
      const neg = rowsOf(await db().execute(sql`select account, sum(amount_fen) as s from billing_entries where account like 'voucher:%' or account like 'budget:%' group by account having sum(amount_fen) < 0`));
      assert.deepEqual(neg, [], 'no voucher or budget below zero');
      // Each statement line agrees with its transaction's entries.
      const lines = await db().select().from(billingCharges);
      for (const l of lines) {
        assert.equal(l.voucherFen + l.walletFen, l.amountFen);
        const [w] = await db().select({ s: sql<string>`coalesce(sum(${billingEntries.amountFen}),0)` }).from(billingEntries).where(sql`${billingEntries.txnId} = ${l.txnId} and ${billingEntries.account} = ${'wallet:' + l.tenantId}`);
        assert.equal(Number(w!.s) + l.walletFen, 0, `wallet entries of ${l.runId}`);
      }
    }

    test('a run whose meter reading cannot be priced is refused with the billing rule\'s code, not a 500', async () => {
      const run = await finishedRun({ tenantId: 'tianshan-ai', siteId: 'shihezi' });
      const [reading] = await db().select({ unitHours: runs.unitHours }).from(runs).where(eq(runs.id, run.runId));
      // A reading no meter writes (negative unit-hours): the pricing rule refuses it.
      await db().update(runs).set({ unitHours: -1 }).where(eq(runs.id, run.runId));
      const r = await op.req('POST', `/api/billing/runs/${run.runId}/bill`);
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.equal(r.body.code, 'BILLING_AMOUNT_INVALID');
      assert.match(r.type, /^application\/problem\+json/);
      assert.match(r.body.detail, /unit-hours/);
      const [line] = await db().select().from(billingCharges).where(eq(billingCharges.runId, run.runId));
      assert.equal(line, undefined, 'nothing was billed');
      // Corrected, it bills as any other run (and leaves no unbillable run for the other tests' sweeps).
      await db().update(runs).set({ unitHours: reading!.unitHours }).where(eq(runs.id, run.runId));
      assert.equal((await op.req('POST', `/api/billing/runs/${run.runId}/bill`)).status, 200);
    });

    test('a programme admin sees only its own programme', async () => {
      const mine = await createProgramme({ admins: ['programme'] });
      const other = await createProgramme();
      const list = await prog.req('GET', '/api/billing/programmes');
      assert.deepEqual(list.body.items.map((p: { id: string }) => p.id), [mine]);
      assert.equal((await prog.req('GET', `/api/billing/programmes/${other}`)).status, 404);
      assert.equal((await prog.req('GET', `/api/billing/programmes/${other}/report`)).status, 404);
      assert.equal((await prog.req('GET', `/api/billing/applications?programmeId=${other}`)).status, 404);
      const app = await ten.req('POST', `/api/billing/programmes/${other}/applications`, { requestedFen: 1000, purpose: 'x' });
      assert.equal(app.status, 201);
      assert.equal((await prog.req('POST', `/api/billing/applications/${app.body.id}/decision`, { decision: 'approve', idempotencyKey: key('d') })).status, 404);
      const seen = await prog.req('GET', '/api/billing/applications');
      assert.ok(seen.body.items.every((a: { programmeId: string }) => a.programmeId === mine));
      assert.equal((await prog.req('GET', `/api/billing/programmes/${mine}/report`)).status, 200);
    });

    test('a rejection needs a reason, and the tenant sees it', async () => {
      const p = await createProgramme({ admins: ['programme'] });
      const app = await ten.req('POST', `/api/billing/programmes/${p}/applications`, { requestedFen: 50_000, purpose: 'training' });
      const bad = await prog.req('POST', `/api/billing/applications/${app.body.id}/decision`, { decision: 'reject', idempotencyKey: key('d') });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.errors[0].path, 'reason');
      const ok = await prog.req('POST', `/api/billing/applications/${app.body.id}/decision`, { decision: 'reject', reason: 'no plan attached', idempotencyKey: key('d') });
      assert.equal(ok.body.status, 'rejected');
      const mine = await ten.req('GET', '/api/billing/applications');
      assert.equal(mine.body.items.find((a: { id: string }) => a.id === app.body.id).reason, 'no plan attached');
      assert.equal((await ten2.req('GET', '/api/billing/applications')).body.items.some((a: { id: string }) => a.id === app.body.id), false);
    });

    test('issuance stays within the budget and the cap per tenant', async () => {
      const p = await createProgramme({ budgetFen: 10_000, capPerTenantFen: 6_000 });
      await voucherFor(ten, p, 6_000);
      const a = await ten.req('POST', `/api/billing/programmes/${p}/applications`, { requestedFen: 1, purpose: 'more' });
      const r = await op.req('POST', `/api/billing/applications/${a.body.id}/decision`, { decision: 'approve', idempotencyKey: key('d') });
      assert.equal(r.status, 409);
      assert.equal(r.body.code, 'VOUCHER_ISSUE_REFUSED');
      const report = (await op.req('GET', `/api/billing/programmes/${p}/report`)).body;
      assert.equal(report.issuedFen, 6_000);
      assert.equal(report.budgetLeftFen, 4_000);
      await assertLedgerBalanced();
    });

    test('a finished run is billed into a statement line: voucher share first, wallet the rest, once', async () => {
      const p = await createProgramme();
      const me = await freshTenant();
      const v = await voucherFor(me.c, p, 1_000_000);
      const run = await finishedRun({ tenantId: me.id, siteId: 'shihezi', units: 8, hours: 2 });
      const first = await op.req('POST', `/api/billing/runs/${run.runId}/bill`);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const line = first.body.line;
      assert.equal(line.amountFen, run.expectedFen);
      assert.equal(line.voucherFen, Math.floor((run.expectedFen * 3000) / 10_000));
      assert.equal(line.walletFen, run.expectedFen - line.voucherFen);
      const entriesBefore = (await db().select({ n: sql<number>`count(*)::int` }).from(billingEntries))[0]!.n;
      for (let i = 0; i < 3; i++) {
        const again = await op.req('POST', `/api/billing/runs/${run.runId}/bill`);
        assert.equal(again.body.replayed, true);
        assert.deepEqual(again.body.line, line);
      }
      assert.equal((await db().select({ n: sql<number>`count(*)::int` }).from(billingEntries))[0]!.n, entriesBefore);
      assert.equal(await voucherBalance(v), 1_000_000 - line.voucherFen);
      await assertLedgerBalanced();
    });

    test('a voucher is never applied outside its programme’s rules', async () => {
      const p = await createProgramme({ siteIds: ['shihezi', 'urumqi'], ratesBp: { gpu: 3000 }, voucherDays: 5 });
      const me = await freshTenant();
      const v = await voucherFor(me.c, p, 100_000);
      const cases = [
        await finishedRun({ tenantId: me.id, siteId: 'hami' }), // wrong site
        await finishedRun({ tenantId: me.id, siteId: 'urumqi', type: 'cpu', units: 64 }), // wrong resource type
        await finishedRun({ tenantId: me.id, siteId: 'shihezi', endMs: Date.now() + 6 * DAY }), // after expiry
      ];
      for (const c of cases) {
        const r = await op.req('POST', `/api/billing/runs/${c.runId}/bill`);
        assert.equal(r.body.line.voucherFen, 0, JSON.stringify(r.body));
      }
      // Wrong tenant kind: the tenant is reclassified after the voucher was issued.
      await db().update(tenants).set({ kind: 'studio' }).where(eq(tenants.id, me.id));
      try {
        const c = await finishedRun({ tenantId: me.id, siteId: 'shihezi' });
        assert.equal((await op.req('POST', `/api/billing/runs/${c.runId}/bill`)).body.line.voucherFen, 0);
      } finally {
        await db().update(tenants).set({ kind: 'ai-company' }).where(eq(tenants.id, me.id));
      }
      // Another tenant's run never touches it.
      const other = await finishedRun({ tenantId: 'karamay-studio', siteId: 'shihezi' });
      assert.equal((await op.req('POST', `/api/billing/runs/${other.runId}/bill`)).body.line.voucherFen, 0);
      assert.equal(await voucherBalance(v), 100_000);
      const ok = await finishedRun({ tenantId: me.id, siteId: 'shihezi' });
      assert.ok((await op.req('POST', `/api/billing/runs/${ok.runId}/bill`)).body.line.voucherFen > 0, 'and it does apply inside them');
    });

    test('expired value returns to the programme', async () => {
      const p = await createProgramme({ budgetFen: 200_000 });
      const me = await freshTenant();
      const v = await voucherFor(me.c, p, 50_000);
      const run = await finishedRun({ tenantId: me.id, siteId: 'shihezi' });
      const paid = (await op.req('POST', `/api/billing/runs/${run.runId}/bill`)).body.line.voucherFen as number;
      await db().update(billingVouchers).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(billingVouchers.id, v));
      const ex = await op.req('POST', '/api/billing/expire');
      assert.ok(ex.body.expired >= 1);
      assert.equal(await voucherBalance(v), 0);
      const report = (await op.req('GET', `/api/billing/programmes/${p}/report`)).body;
      assert.equal(report.expiredFen, 50_000 - paid);
      assert.equal(report.redeemedFen, paid);
      assert.equal(report.budgetLeftFen, 200_000 - paid);
      assert.equal(report.outstandingFen, 0);
      assert.equal((await op.req('POST', '/api/billing/expire')).body.expired, 0, 'expiry happens once');
      await assertLedgerBalanced();
    });

    test('top-ups are idempotent; a reused key with another amount is refused', async () => {
      const k = key('top');
      const before = (await ten.req('GET', '/api/billing/wallet')).body.balanceFen as number;
      const a = await ten.req('POST', '/api/billing/topups', { amountFen: 12_345, idempotencyKey: k });
      const b = await ten.req('POST', '/api/billing/topups', { amountFen: 12_345, idempotencyKey: k });
      assert.equal(a.status, 201);
      assert.equal(a.body.state, 'pending');
      assert.equal(b.status, 200);
      assert.equal(b.body.replayed, true);
      assert.equal(b.body.id, a.body.id);
      assert.equal(b.body.balanceFen, before, 'asking to top up moves no money');
      const confirmed = await op.req('POST', `/api/billing/topups/${a.body.id}/confirm`);
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      assert.equal(confirmed.body.balanceFen, before + 12_345);
      const again = await op.req('POST', `/api/billing/topups/${a.body.id}/confirm`);
      assert.equal(again.body.replayed, true);
      assert.equal(again.body.balanceFen, before + 12_345, 'credited once');
      const c = await ten.req('POST', '/api/billing/topups', { amountFen: 99, idempotencyKey: k });
      assert.equal(c.status, 409);
      assert.equal(c.body.code, 'IDEMPOTENCY_KEY_REUSED');
      // The same key from another tenant is its own payment, not a replay of ours.
      const d = await ten2.req('POST', '/api/billing/topups', { amountFen: 99, idempotencyKey: k });
      assert.equal(d.status, 201);
      assert.notEqual(d.body.id, a.body.id);
      const bad = await ten.req('POST', '/api/billing/topups', { amountFen: 1.5, idempotencyKey: k });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.errors[0].path, 'amountFen');
      await assertLedgerBalanced();
      // No SHUZHI_PAYMENT_HMAC_KEY here: the provider's callback is off and says how to turn it on.
      const off = await client(t.url, {}).req('POST', '/api/public/billing/payment-callback', { topUpId: a.body.id, amountFen: 12_345, nonce: 'nonce-123456', status: 'paid' });
      assert.equal(off.status, 503);
      assert.equal(off.body.code, 'PAYMENT_CALLBACK_DISABLED');
      assert.match(off.body.detail, /SHUZHI_PAYMENT_HMAC_KEY/);
    });

    test('a tenant cannot read another tenant’s statements', async () => {
      const run = await finishedRun({ tenantId: 'karamay-studio', siteId: 'karamay', type: 'render', units: 4 });
      await op.req('POST', `/api/billing/runs/${run.runId}/bill`);
      const month = (await ten2.req('GET', '/api/billing/statements')).body.items[0].month as string;
      for (const path of [`/api/billing/statements?tenantId=karamay-studio`, `/api/billing/statements/${month}?tenantId=karamay-studio`, `/api/billing/statements/${month}.csv?tenantId=karamay-studio`, '/api/billing/wallet?tenantId=karamay-studio']) {
        const r = await ten.req('GET', path);
        assert.equal(r.status, 404, path);
      }
      const own = await ten.req('GET', `/api/billing/statements/${month}`);
      assert.equal(own.status, 200);
      assert.ok(own.body.lines.every((l: { runId: string }) => l.runId !== run.runId));
      const theirs = await ten2.req('GET', `/api/billing/statements/${month}`);
      assert.ok(theirs.body.lines.some((l: { runId: string }) => l.runId === run.runId));
      assert.equal((await prog.req('GET', '/api/billing/wallet?tenantId=karamay-studio')).status, 403);
      assert.equal((await ten.req('GET', '/api/billing/revenue')).status, 403);
    });

    test('the monthly statement as CSV matches the JSON statement', async () => {
      const run = await finishedRun({ tenantId: 'karamay-studio', siteId: 'karamay', type: 'render', units: 10 });
      await op.req('POST', `/api/billing/runs/${run.runId}/bill`);
      const month = (await ten2.req('GET', '/api/billing/statements')).body.items[0].month as string;
      const json = (await ten2.req('GET', `/api/billing/statements/${month}`)).body;
      const csv = await ten2.req('GET', `/api/billing/statements/${month}.csv`);
      assert.equal(csv.status, 200);
      assert.match(csv.type, /text\/csv/);
      const rows = (csv.body as string).trim().split('\r\n');
      assert.equal(rows.filter((r) => r.startsWith('run_') && !r.startsWith('run_id')).length, json.lines.length);
      const total = rows.find((r) => r.startsWith('total'))!.split(',');
      assert.equal(Number(total[11]), json.chargedFen);
      assert.equal(json.closingFen - json.openingFen, json.topUpsFen - json.walletFen);
    });

    // 100 on PostgreSQL, where calls really run in parallel; PGlite has one connection, so fewer prove as much there.
    const CONCURRENT = opts.concurrent;
    test(`${CONCURRENT} concurrent billing calls against one voucher never overdraw it and lose no fen`, async () => {
      const p = await createProgramme({ budgetFen: 1_000_000 });
      const face = CONCURRENT * 50;
      const me = await freshTenant();
      const v = await voucherFor(me.c, p, face);
      const walletBefore = (await me.c.req('GET', '/api/billing/wallet')).body.balanceFen as number;
      const list = [];
      for (let i = 0; i < CONCURRENT; i++) list.push(await finishedRun({ tenantId: me.id, siteId: 'shihezi', units: 1 + (i % 7), hours: 1 }));
      const results = await Promise.all(list.map((r) => op.req('POST', `/api/billing/runs/${r.runId}/bill`)));
      assert.ok(results.every((r) => r.status === 200), JSON.stringify(results.find((r) => r.status !== 200)?.body));
      // And every call retried at once, concurrently: nothing more is billed.
      const retries = await Promise.all(list.map((r) => op.req('POST', `/api/billing/runs/${r.runId}/bill`)));
      assert.ok(retries.every((r) => r.status === 200 && r.body.replayed === true));
      const lines = results.map((r) => r.body.line);
      const billed = lines.reduce((a, l) => a + l.amountFen, 0);
      const fromVoucher = lines.reduce((a, l) => a + l.voucherFen, 0);
      assert.equal(billed, list.reduce((a, r) => a + r.expectedFen, 0));
      assert.equal(fromVoucher, face, 'the voucher paid exactly its face value, no more');
      assert.equal(await voucherBalance(v), 0);
      for (const l of lines) assert.ok(l.voucherFen <= Math.floor((l.amountFen * 3000) / 10_000));
      const walletAfter = (await me.c.req('GET', '/api/billing/wallet')).body.balanceFen as number;
      assert.equal(walletBefore - walletAfter, billed - face);
      await assertLedgerBalanced();
    });

    test('revenue by site agrees with the ledger’s revenue and platform accounts', async () => {
      const rev = (await op.req('GET', '/api/billing/revenue')).body;
      for (const s of rev.bySite) {
        const [r] = await db().select({ b: sql<string>`coalesce(sum(${billingEntries.amountFen}),0)` }).from(billingEntries).where(eq(billingEntries.account, `revenue:${s.siteId}`));
        assert.equal(Number(r!.b), s.revenueFen, s.siteId);
      }
      const [pf] = await db().select({ b: sql<string>`coalesce(sum(${billingEntries.amountFen}),0)` }).from(billingEntries).where(eq(billingEntries.account, 'platform'));
      assert.equal(Number(pf!.b), rev.platformFeeFen);
      assert.ok(rev.billedFen > 0);
    });

    test('a price list with time of use sets what a run is billed', async () => {
      const tou = Array.from({ length: 24 }, (_, h) => 100 + h);
      const put = await op.req('PUT', '/api/billing/prices/korla/gpu', { fenPerUnitHour: 0, touFenPerUnitHour: tou });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal((await ten.req('PUT', '/api/billing/prices/korla/gpu', { fenPerUnitHour: 1 })).status, 403);
      // One hour ending on an hour boundary: every unit-hour falls in one Beijing hour.
      const endMs = Math.floor(Date.now() / 3600_000) * 3600_000 - 3600_000;
      const run = await finishedRun({ tenantId: 'tianshan-ai', siteId: 'korla', units: 10, hours: 1, endMs });
      const line = (await op.req('POST', `/api/billing/runs/${run.runId}/bill`)).body.line;
      const beijingHour = (new Date(endMs - 3600_000).getUTCHours() + 8) % 24;
      assert.equal(line.amountFen, 10 * (100 + beijingHour));
    });

    test('admission: work does not start beyond what the tenant can pay or its monthly cap', async () => {
      const me = await freshTenant();
      await topUp(me.c, 7_000);
      assert.deepEqual(await canStart(me.id, 7_000), { ok: true });
      const no = await canStart(me.id, 7_001);
      assert.equal(no.ok, false);
      assert.match(no.reason!, /insufficient-funds/);
      // Vouchers count where they apply: 30 % of 10,000 from the voucher, 7,000 from the wallet.
      const p = await createProgramme();
      await voucherFor(me.c, p, 5_000);
      assert.deepEqual(await canStart(me.id, 10_000, { siteId: 'shihezi', resourceType: 'gpu' }), { ok: true });
      assert.equal((await canStart(me.id, 10_000, { siteId: 'hami', resourceType: 'gpu' })).ok, false);
      assert.equal((await canStart(me.id, 10_000)).ok, false, 'without a site no voucher is counted');
      await me.c.req('PUT', '/api/billing/budget', { monthlyCapFen: 5_000 });
      assert.match((await canStart(me.id, 5_001)).reason ?? '', /monthly-cap/);
      assert.equal((await me.c.req('GET', '/api/billing/wallet')).body.monthlyCapFen, 5_000);
      await me.c.req('PUT', '/api/billing/budget', { monthlyCapFen: null });
      assert.deepEqual(await canStart(me.id, 5_001), { ok: true });
    });

    test('staging data to another region is on the bill once, paid from the wallet, never by a voucher', async () => {
      const me = await freshTenant();
      await topUp(me.c, 1_000_000);
      const p = await createProgramme();
      await voucherFor(me.c, p, 100_000);
      const run = await finishedRun({ tenantId: me.id, siteId: 'shihezi', units: 4, transferFen: 600 });
      const billed = await op.req('POST', `/api/billing/runs/${run.runId}/bill`);
      assert.equal(billed.status, 200, JSON.stringify(billed.body));
      const line = billed.body.line;
      assert.equal(line.transferFen, 600);
      assert.equal(line.amountFen, run.expectedFen + 600);
      assert.equal(line.voucherFen, Math.floor((run.expectedFen * 3000) / 10_000), 'the voucher pays its share of compute only');
      assert.equal(line.walletFen, line.amountFen - line.voucherFen);
      // A second attempt of the same job does not pay for the data again.
      const again = newId('run');
      const [first] = await db().select().from(runs).where(eq(runs.id, run.runId));
      await db().insert(runs).values({ ...first!, id: again, attempt: 2 });
      const second = (await op.req('POST', `/api/billing/runs/${again}/bill`)).body.line;
      assert.equal(second.transferFen, 0);
      assert.equal(second.amountFen, run.expectedFen);
      await assertLedgerBalanced();
    });

    test('a job whose tenant cannot pay waits, says why, and starts once the wallet is topped up', async () => {
      const me = await freshTenant();
      const agent = await newWorker(t, 'shihezi', `pay-agent-${seq}`);
      agent.start();
      try {
        await waitUntil('the agent online', async () => t.p.compute.dispatcher.agentsOnline('shihezi') > 0);
        const job = await me.c.req('POST', '/api/jobs', { name: 'unpaid', type: 'gpu', units: 2, hours: 0.1, regions: ['xinjiang'], deadlineAt: new Date(Date.now() + 20 * 60_000).toISOString(), command: 'echo paid' });
        assert.equal(job.status, 201, JSON.stringify(job.body));
        const waiting = await waitUntil('the job to say why it waits', async () => {
          const j = (await me.c.req('GET', `/api/jobs/${job.body.id}`)).body;
          return j.explanation?.startsWith('waiting:') ? j : null;
        });
        assert.equal(waiting.status, 'queued');
        assert.match(waiting.explanation, /insufficient-funds/);
        await topUp(me.c, 100_000);
        const done = await waitUntil('the paid job to finish', async () => {
          const j = (await me.c.req('GET', `/api/jobs/${job.body.id}`)).body;
          return j.status === 'succeeded' ? j : null;
        });
        assert.equal(done.siteId, 'shihezi');
      } finally {
        await agent.stop();
      }
    });

    test('finished runs are billed from the bus, and a restart bills what was missed', async () => {
      await topUp(ten, 1_000_000);
      const agent = await newWorker(t, 'shihezi', `bill-agent-${seq}`);
      agent.start();
      try {
        await waitUntil('the agent online', async () => t.p.compute.dispatcher.agentsOnline('shihezi') > 0);
        // A near deadline so the planner runs it now rather than in a cheaper hour.
        const job = await ten.req('POST', '/api/jobs', { name: 'billed live', type: 'gpu', units: 2, hours: 0.1, regions: ['xinjiang'], deadlineAt: new Date(Date.now() + 20 * 60_000).toISOString(), command: 'echo hi' });
        assert.equal(job.status, 201, JSON.stringify(job.body));
        const line = await waitUntil('the live run billed', async () => {
          const rows = await db().select().from(billingCharges).where(eq(billingCharges.jobId, job.body.id));
          return rows[0];
        });
        assert.equal(line.tenantId, 'tianshan-ai');
        assert.equal(line.voucherFen + line.walletFen, line.amountFen);
      } finally {
        await agent.stop();
      }
      const billing = t.p.modules.find((m) => m.name === 'billing')!;
      await billing.stop!();
      const missed = await finishedRun({ tenantId: 'xju-lab', siteId: 'urumqi', type: 'cpu', units: 16 });
      await billing.start!();
      const rows = await db().select().from(billingCharges).where(eq(billingCharges.runId, missed.runId));
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.amountFen, missed.expectedFen);
      await assertLedgerBalanced();
    });
  });
}

function rowsOf(r: unknown): Record<string, unknown>[] {
  return Array.isArray(r) ? r : ((r as { rows: Record<string, unknown>[] }).rows ?? []);
}
