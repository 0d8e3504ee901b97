// Money: a tenant cannot credit its own wallet. A top-up is a payment intent that moves no money until
// an operator confirms it or the payment provider's signed callback arrives; replays credit once;
// forged, stale and mismatched callbacks are refused and audited.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { billingEntries, billingTopUps, billingTransactions } from '../src/billing/db-schema.ts';
import type { BillingService } from '../src/billing/service.ts';
import { signPaymentCallback, TopUpService } from '../src/billing/topups.ts';
import { events } from '../src/db/schema.ts';
import { AppError } from '../src/errors.ts';
import { client, login, startPlatform, type TestPlatform } from './helpers.ts';

const KEY = 'test-payment-hmac-key-0123456789abcdef0123456789';
let t: TestPlatform;
let op: ReturnType<typeof client>;
let ten: ReturnType<typeof client>;
let ten2: ReturnType<typeof client>;
let seq = 0;
const key = (w: string) => `tu-${w}-${Date.now()}-${++seq}`;
const db = () => t.p.database.db;
const billing = () => (t.p.modules.find((m) => m.name === 'billing') as unknown as { service: BillingService }).service;

before(async () => {
  t = await startPlatform({ env: { SHUZHI_PAYMENT_HMAC_KEY: KEY } });
  op = client(t.url, { cookie: await login(t.url, 'operator') });
  ten = client(t.url, { cookie: await login(t.url, 'tenant') });
  ten2 = client(t.url, { cookie: await login(t.url, 'tenant2') });
});
after(async () => {
  await t.close();
});

const wallet = async (c = ten) => (await c.req('GET', '/api/billing/wallet')).body.balanceFen as number;
const ask = async (amountFen: number, c = ten) => {
  const r = await c.req('POST', '/api/billing/topups', { amountFen, idempotencyKey: key('ask') });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string; tenantId: string; amountFen: number; state: string };
};

/** Sends a callback as the provider would, signed with `key` at `at` (ms). */
async function callback(body: unknown, opts: { key?: string; at?: number; raw?: string; signature?: string } = {}) {
  const raw = opts.raw ?? JSON.stringify(body);
  const ts = String(Math.floor((opts.at ?? Date.now()) / 1000));
  const res = await fetch(`${t.url}/api/public/billing/payment-callback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-shuzhi-timestamp': ts, 'x-shuzhi-signature': opts.signature ?? signPaymentCallback(opts.key ?? KEY, ts, raw) },
    body: raw,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function refusals(topUpId: string) {
  return db().select().from(events).where(and(eq(events.kind, 'billing.payment.refused'), eq(events.entityId, topUpId)));
}

async function assertLedgerBalanced() {
  const rows = await db().execute(sql`select txn_id from billing_entries group by txn_id having sum(amount_fen) <> 0`);
  assert.equal((Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows).length, 0, 'every transaction balances');
}

/** Fen credited to the tenant's wallet by top-ups of this intent (the ledger, not the API). */
async function creditedFor(topUpId: string): Promise<number> {
  const [row] = await db().select().from(billingTopUps).where(eq(billingTopUps.id, topUpId));
  if (!row?.txnId) return 0;
  const entries = await db().select().from(billingEntries).where(and(eq(billingEntries.txnId, row.txnId), eq(billingEntries.account, `wallet:${row.tenantId}`)));
  const txns = await db().select().from(billingTransactions).where(eq(billingTransactions.idemKey, `topup:${topUpId}`));
  assert.ok(txns.length <= 1);
  return entries.reduce((a, e) => a + e.amountFen, 0);
}

describe('a top-up is a payment intent', () => {
  test('a tenant asking for ¥100,000,000 gets a pending top-up and not a fen more in its wallet', async () => {
    const before = await wallet();
    const r = await ten.req('POST', '/api/billing/topups', { amountFen: 10_000_000_000, idempotencyKey: key('big') });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, 'pending');
    assert.equal(r.body.txnId, null);
    assert.equal(r.body.balanceFen, before);
    assert.equal(await wallet(), before, 'asking moves no money');
    assert.equal(await creditedFor(r.body.id), 0);
    // The tenant cannot confirm its own payment.
    const self = await ten.req('POST', `/api/billing/topups/${r.body.id}/confirm`);
    assert.equal(self.status, 403, JSON.stringify(self.body));
    assert.equal(await wallet(), before);
    // It sees its top-up as pending; another tenant does not see it at all.
    const mine = await ten.req('GET', '/api/billing/topups?state=pending');
    assert.ok(mine.body.items.some((x: { id: string }) => x.id === r.body.id));
    assert.equal((await ten2.req('GET', `/api/billing/topups/${r.body.id}`)).status, 404);
    assert.equal((await ten2.req('POST', `/api/billing/topups/${r.body.id}/cancel`)).status, 404);
    assert.ok(!(await ten2.req('GET', '/api/billing/topups')).body.items.some((x: { id: string }) => x.id === r.body.id));
    // Withdrawn, it can never be credited.
    assert.equal((await ten.req('POST', `/api/billing/topups/${r.body.id}/cancel`)).body.state, 'cancelled');
    const late = await op.req('POST', `/api/billing/topups/${r.body.id}/confirm`);
    assert.equal(late.status, 409);
    assert.equal(late.body.code, 'TOPUP_NOT_PENDING');
    assert.equal(await wallet(), before);
  });

  test('an operator confirms the payment: credited once, as a balanced topup transaction on the statement', async () => {
    const before = await wallet();
    const i = await ask(5_000);
    const ok = await op.req('POST', `/api/billing/topups/${i.id}/confirm`);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.state, 'credited');
    assert.equal(ok.body.creditedVia, 'operator');
    assert.equal(ok.body.balanceFen, before + 5_000);
    const twice = await op.req('POST', `/api/billing/topups/${i.id}/confirm`);
    assert.equal(twice.body.replayed, true);
    assert.equal(await wallet(), before + 5_000);
    assert.equal(await creditedFor(i.id), 5_000);
    const month = (await ten.req('GET', '/api/billing/statements')).body.items[0];
    assert.ok(month.topUpsFen >= 5_000);
    await assertLedgerBalanced();
  });

  test('an unpaid top-up expires and can no longer be credited', async () => {
    const i = await ask(777);
    await db().update(billingTopUps).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(billingTopUps.id, i.id));
    const expired = await op.req('POST', `/api/billing/topups/${i.id}/confirm`);
    assert.equal(expired.status, 409);
    assert.equal(expired.body.code, 'TOPUP_NOT_PENDING');
    // The billing sweep runs on a timer too and may expire it first: either way it is expired once.
    assert.ok((await billing().topUps.expireDue()) <= 1);
    assert.equal(await billing().topUps.expireDue(), 0, 'expiring again changes nothing');
    assert.equal((await ten.req('GET', `/api/billing/topups/${i.id}`)).body.state, 'expired');
    assert.equal(await creditedFor(i.id), 0);
  });
});

describe('the payment provider\'s callback', () => {
  test('a signed callback credits the top-up once; replays with the same or another nonce credit nothing more', async () => {
    const before = await wallet();
    const i = await ask(12_300);
    const body = { topUpId: i.id, amountFen: 12_300, nonce: key('n'), status: 'paid' };
    const first = await callback(body);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body, { topUpId: i.id, state: 'credited', replayed: false });
    const same = await callback(body);
    assert.equal(same.status, 200, JSON.stringify(same.body));
    assert.equal(same.body.replayed, true);
    const other = await callback({ ...body, nonce: key('n2') });
    assert.equal(other.status, 200, JSON.stringify(other.body));
    assert.equal(other.body.replayed, true);
    assert.equal(await wallet(), before + 12_300);
    assert.equal(await creditedFor(i.id), 12_300);
    const view = (await ten.req('GET', `/api/billing/topups/${i.id}`)).body;
    assert.equal(view.creditedVia, 'payment-callback');
    // An operator confirming afterwards changes nothing either.
    assert.equal((await op.req('POST', `/api/billing/topups/${i.id}/confirm`)).body.replayed, true);
    assert.equal(await wallet(), before + 12_300);
    await assertLedgerBalanced();
  });

  test('a forged signature is refused and audited; nothing is credited', async () => {
    const before = await wallet();
    const i = await ask(9_999);
    const body = { topUpId: i.id, amountFen: 9_999, nonce: key('f'), status: 'paid' };
    const wrongKey = await callback(body, { key: 'someone-elses-key-0123456789abcdef0123' });
    assert.equal(wrongKey.status, 401);
    assert.equal(wrongKey.body.code, 'PAYMENT_SIGNATURE_INVALID');
    // A body changed after signing (a bigger amount, another top-up) does not verify either.
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = signPaymentCallback(KEY, ts, JSON.stringify(body));
    const res = await fetch(`${t.url}/api/public/billing/payment-callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shuzhi-timestamp': ts, 'x-shuzhi-signature': sig },
      body: JSON.stringify({ ...body, amountFen: 999_999 }),
    });
    assert.equal(res.status, 401);
    const unsigned = await fetch(`${t.url}/api/public/billing/payment-callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(unsigned.status, 401);
    assert.equal(await wallet(), before);
    assert.equal((await ten.req('GET', `/api/billing/topups/${i.id}`)).body.state, 'pending');
    const audit = await refusals(i.id);
    assert.ok(audit.length >= 2, JSON.stringify(audit));
    assert.ok(audit.every((e) => e.data['code'] === 'PAYMENT_SIGNATURE_INVALID'));
    assert.doesNotMatch(JSON.stringify(audit), new RegExp(`${KEY}|sha256=`), 'the audit holds no key or signature');
  });

  test('a stale timestamp is refused and audited, even with a good signature', async () => {
    const i = await ask(4_200);
    const body = { topUpId: i.id, amountFen: 4_200, nonce: key('s'), status: 'paid' };
    const stale = await callback(body, { at: Date.now() - 6 * 60_000 });
    assert.equal(stale.status, 401, JSON.stringify(stale.body));
    assert.equal(stale.body.code, 'PAYMENT_TIMESTAMP_STALE');
    const future = await callback(body, { at: Date.now() + 6 * 60_000 });
    assert.equal(future.body.code, 'PAYMENT_TIMESTAMP_STALE');
    assert.equal(await creditedFor(i.id), 0);
    assert.deepEqual((await refusals(i.id)).map((e) => e.data['code']), ['PAYMENT_TIMESTAMP_STALE', 'PAYMENT_TIMESTAMP_STALE']);
    // Within five minutes it is accepted.
    assert.equal((await callback(body, { at: Date.now() - 60_000 })).status, 200);
  });

  test('an amount that differs from the top-up is refused and audited; the top-up stays pending', async () => {
    const i = await ask(1_000);
    const r = await callback({ topUpId: i.id, amountFen: 100_000_000, nonce: key('m'), status: 'paid' });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.code, 'PAYMENT_AMOUNT_MISMATCH');
    assert.equal((await ten.req('GET', `/api/billing/topups/${i.id}`)).body.state, 'pending');
    const audit = await refusals(i.id);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.data['code'], 'PAYMENT_AMOUNT_MISMATCH');
    assert.equal(audit[0]!.data['amountFen'], 100_000_000);
    assert.equal(await creditedFor(i.id), 0);
  });

  test('a nonce used for one payment cannot credit another', async () => {
    const a = await ask(300);
    const b = await ask(300);
    const nonce = key('reuse');
    assert.equal((await callback({ topUpId: a.id, amountFen: 300, nonce, status: 'paid' })).status, 200);
    const r = await callback({ topUpId: b.id, amountFen: 300, nonce, status: 'paid' });
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(r.body.code, 'PAYMENT_NONCE_REUSED');
    assert.equal(await creditedFor(b.id), 0);
    assert.equal((await ten.req('GET', `/api/billing/topups/${b.id}`)).body.state, 'pending');
    assert.equal((await refusals(b.id)).length, 1);
  });

  test('callbacks and confirmations racing for one top-up credit it exactly once', async () => {
    const before = await wallet();
    const i = await ask(2_500);
    const calls = [
      ...Array.from({ length: 6 }, (_, n) => callback({ topUpId: i.id, amountFen: 2_500, nonce: `${key('race')}-${n}`, status: 'paid' }).then((r) => r.status)),
      ...Array.from({ length: 4 }, () => op.req('POST', `/api/billing/topups/${i.id}/confirm`).then((r) => r.status)),
    ];
    assert.deepEqual([...new Set(await Promise.all(calls))], [200]);
    assert.equal(await wallet(), before + 2_500);
    assert.equal(await creditedFor(i.id), 2_500);
    await assertLedgerBalanced();
  });

  test('without SHUZHI_PAYMENT_HMAC_KEY the callback endpoint is off with a clear problem', async () => {
    const off = new TopUpService(db(), t.p.bus, t.p.log, Date.now, undefined);
    await assert.rejects(
      off.paymentCallback('{}', { signature: undefined, timestamp: undefined }, '127.0.0.1'),
      (e: unknown) => e instanceof AppError && e.status === 503 && e.code === 'PAYMENT_CALLBACK_DISABLED' && /SHUZHI_PAYMENT_HMAC_KEY/.test(e.message),
    );
  });
});
