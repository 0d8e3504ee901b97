// Money of the data space (数据要素×): a released data use pays its agreed fee from the consumer's
// wallet to the provider's account, less the platform's commission, exactly once — whether the
// data module's event arrives live, twice, or only through the sweep after a restart.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { eq, like, sql } from 'drizzle-orm';
import { account } from '@shuzhi/compute';
import { billingEntries, billingTransactions } from '../src/billing/db-schema.ts';
import { shanghaiMonth } from '../src/billing/ledger.ts';
import { PLATFORM_FEE_BP, type BillingService } from '../src/billing/service.ts';
import type { PublishedEvent } from '../src/events/bus.ts';
import { client, login, startPlatform, type TestPlatform } from './helpers.ts';
import { migratedDataDir } from './pglite-template.ts';

const CONSUMER = 'tianshan-ai'; // the demo user `tenant`
const PROVIDER = 'karamay-studio'; // the demo user `tenant2`
const dataDir = await migratedDataDir();
let t: TestPlatform;
let seq = 0;

const db = () => t.p.database.db;
const billing = () => (t.p.modules.find((m) => m.name === 'billing') as unknown as { service: BillingService }).service;
const useId = () => `use-test-${process.pid}-${++seq}`;
const commission = (fee: number) => Math.floor((fee * PLATFORM_FEE_BP) / 10_000);

before(async () => {
  t = await startPlatform({ dataDir });
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * Writes `data.use.released` as the data module does: the event row inside a transaction (there, with
 * the use's state change), fanned out after commit. `deliver: false` is a delivery that never happened.
 */
async function release(id: string, feeFen: number, opts: { deliver?: boolean; data?: Record<string, unknown> } = {}): Promise<PublishedEvent[]> {
  const pending: PublishedEvent[] = [];
  await db().transaction((tx) =>
    t.p.bus.record(tx, pending, {
      kind: 'data.use.released',
      entity: 'data-use',
      entityId: id,
      tenantId: CONSUMER,
      data: opts.data ?? { useId: id, contractId: 'dc-test', productId: 'dp-test', consumerTenantId: CONSUMER, providerTenantId: PROVIDER, feeFen, siteId: 'shihezi' },
    }),
  );
  if (opts.deliver !== false) t.p.bus.publish(pending);
  await billing().idle();
  return pending;
}

const balance = async (name: string) => {
  const [r] = await db().select({ b: sql<string>`coalesce(sum(${billingEntries.amountFen}), 0)` }).from(billingEntries).where(eq(billingEntries.account, name));
  return Number(r?.b ?? 0);
};
const snapshot = async () => ({
  wallet: await balance(account.wallet(CONSUMER)),
  provider: await balance(account.provider(PROVIDER)),
  platform: await balance(account.platform),
});
const feeTxns = (id: string) => db().select().from(billingTransactions).where(eq(billingTransactions.idemKey, `datafee:${id}`));

async function assertLedgerBalanced() {
  const rows = await db().execute(sql`select txn_id from billing_entries group by txn_id having sum(amount_fen) <> 0`);
  assert.equal((Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows).length, 0, 'every transaction balances');
  const [all] = await db().select({ s: sql<string>`coalesce(sum(${billingEntries.amountFen}), 0)` }).from(billingEntries);
  assert.equal(Number(all!.s), 0, 'the ledger sums to zero');
}

describe('a released data use pays its fee', () => {
  test('the fee moves from the consumer wallet to the provider, less commission, once even when delivered twice and swept', async () => {
    const before = await snapshot();
    const id = useId();
    const fee = 12_345;
    const pending = await release(id, fee);
    t.p.bus.publish(pending);
    await billing().idle();
    await billing().sweep();
    const after = await snapshot();
    assert.equal(after.wallet - before.wallet, -fee);
    assert.equal(after.provider - before.provider, fee - commission(fee));
    assert.equal(after.platform - before.platform, commission(fee));
    const txns = await feeTxns(id);
    assert.equal(txns.length, 1);
    assert.equal(txns[0]!.kind, 'data-fee');
    await assertLedgerBalanced();
  });

  test('a free use posts nothing, not even an empty transaction, and the sweep leaves it alone', async () => {
    const before = await snapshot();
    const id = useId();
    await release(id, 0);
    await billing().sweep();
    assert.deepEqual(await snapshot(), before);
    assert.equal((await feeTxns(id)).length, 0);
    assert.equal((await billing().dataFees.unposted(0, 1000)).some((e) => e.entityId === id), false);
  });

  test('a malformed event is not posted and does not hold up the next one', async () => {
    const bad = useId();
    await release(bad, 500, { deliver: false, data: { useId: bad, feeFen: 500 } });
    const good = useId();
    const before = await snapshot();
    await release(good, 700, { deliver: false });
    await billing().sweep();
    assert.equal((await feeTxns(bad)).length, 0);
    assert.equal((await feeTxns(good)).length, 1);
    assert.equal((await snapshot()).wallet - before.wallet, -700);
  });

  test('a fee is posted even when it takes the wallet below zero: the contract agreed it and the use was released', async () => {
    const id = useId();
    const wallet = await balance(account.wallet(CONSUMER));
    await release(id, wallet + 1_000);
    assert.equal(await balance(account.wallet(CONSUMER)), -1_000);
    // Put the money back so the other tests' figures stay readable.
    await billing().topUps.recordPaid((await t.p.auth.byOperatorName())!, CONSUMER, { amountFen: wallet + 1_000, idempotencyKey: `refill-${id}` });
    await assertLedgerBalanced();
  });
});

describe('after a restart', () => {
  test('the sweep posts a released use whose event was never delivered', async () => {
    const id = useId();
    const fee = 4_321;
    await release(id, fee, { deliver: false });
    assert.equal((await feeTxns(id)).length, 0, 'nothing posted without the delivery');
    const before = await snapshot();
    const port = t.port;
    await t.p.close();
    t = await startPlatform({ dataDir, port });
    // start() sweeps before it returns.
    assert.equal((await feeTxns(id)).length, 1);
    const after = await snapshot();
    assert.equal(after.wallet - before.wallet, -fee);
    assert.equal(after.provider - before.provider, fee - commission(fee));
    await assertLedgerBalanced();
  });
});

describe('statements', () => {
  test('the consumer sees its data fees and the provider its income, each as its own figures and lines', async () => {
    const id = useId();
    const fee = 10_000;
    await release(id, fee);
    const month = shanghaiMonth(Date.now());
    const consumer = client(t.url, { cookie: await login(t.url, 'tenant') });
    const provider = client(t.url, { cookie: await login(t.url, 'tenant2') });

    const [cs] = (await consumer.req('GET', '/api/billing/statements')).body.items;
    const [ps] = (await provider.req('GET', '/api/billing/statements')).body.items;
    assert.equal(cs.month, month);
    assert.equal(ps.month, month);
    const feeRows = await db().select().from(billingTransactions).where(like(billingTransactions.idemKey, 'datafee:%'));
    const paid = (await Promise.all(feeRows.map((r) => db().select().from(billingEntries).where(eq(billingEntries.txnId, r.id)))))
      .flat()
      .filter((e) => e.account === account.wallet(CONSUMER))
      .reduce((a, e) => a - e.amountFen, 0);
    const earned = await balance(account.provider(PROVIDER));
    assert.equal(cs.dataFeesFen, paid);
    assert.equal(cs.dataIncomeFen, 0);
    assert.equal(ps.dataIncomeFen, earned);
    assert.equal(ps.dataFeesFen, 0);

    const c = (await consumer.req('GET', `/api/billing/statements/${month}`)).body;
    const line = c.dataUses.find((l: { useId: string }) => l.useId === id);
    assert.deepEqual(
      { role: line.role, counterparty: line.counterpartyTenantId, fee: line.feeFen, platform: line.platformFeeFen, provider: line.providerFen },
      { role: 'consumer', counterparty: PROVIDER, fee, platform: commission(fee), provider: fee - commission(fee) },
    );
    assert.equal(c.dataFeesFen, paid);
    const p = (await provider.req('GET', `/api/billing/statements/${month}`)).body;
    assert.equal(p.dataUses.find((l: { useId: string }) => l.useId === id).role, 'provider');
    assert.equal(p.dataIncomeFen, earned);
    assert.equal(p.dataIncomeClosingFen, earned);
    assert.ok(p.dataUses.every((l: { role: string }) => l.role === 'provider'));

    const csv = await fetch(`${t.url}/api/billing/statements/${month}.csv`, { headers: { cookie: await login(t.url, 'tenant2') } });
    const text = await csv.text();
    assert.match(text, new RegExp(`${id},provider,${CONSUMER},`));
    assert.match(text, new RegExp(`data_income_fen,${earned},`));
  });

  test("another tenant cannot read a provider's income; an operator can", async () => {
    const month = shanghaiMonth(Date.now());
    const consumer = client(t.url, { cookie: await login(t.url, 'tenant') });
    for (const path of [`/api/billing/statements?tenantId=${PROVIDER}`, `/api/billing/statements/${month}?tenantId=${PROVIDER}`, `/api/billing/statements/${month}.csv?tenantId=${PROVIDER}`]) {
      assert.equal((await consumer.req('GET', path)).status, 404, path);
    }
    const own = (await consumer.req('GET', `/api/billing/statements/${month}`)).body;
    assert.ok(own.dataUses.every((l: { role: string }) => l.role === 'consumer'), 'the consumer sees only what it paid');
    assert.equal(own.dataIncomeClosingFen, 0);
    const op = client(t.url, { cookie: await login(t.url, 'operator') });
    const r = await op.req('GET', `/api/billing/statements/${month}?tenantId=${PROVIDER}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.dataIncomeFen, await balance(account.provider(PROVIDER)));
  });

  test('data fees count against the monthly spending cap', async () => {
    const consumer = client(t.url, { cookie: await login(t.url, 'tenant') });
    const w = (await consumer.req('GET', '/api/billing/wallet')).body;
    const month = shanghaiMonth(Date.now());
    const s = (await consumer.req('GET', `/api/billing/statements/${month}`)).body;
    assert.equal(w.monthSpentFen, s.chargedFen + s.dataFeesFen);
    assert.ok(s.dataFeesFen > 0);
  });
});
