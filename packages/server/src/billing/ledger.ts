import { createHash } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { assertBalanced, type Posting } from '@shuzhi/compute';
import type { Db, Tx } from '../db/client.ts';
import { errors } from '../errors.ts';
import { newId } from '../ids.ts';
import { billingEntries, billingTransactions } from './db-schema.ts';

type Q = Db | Tx;

/** The calendar month (Asia/Shanghai) an instant belongs to, e.g. `2026-06`. */
export function shanghaiMonth(at: Date | number): string {
  const d = new Date((typeof at === 'number' ? at : at.getTime()) + 8 * 3600_000);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export interface TxnMeta {
  /** Globally unique; callers namespace it (`run:…`, `topup:<tenant>:…`) so one caller cannot replay another's. */
  key: string;
  /** What was asked; the same key with a different request is refused. */
  request: unknown;
  kind: 'charge' | 'topup' | 'fund' | 'issue' | 'expire' | 'data-fee';
  month: string;
  tenantId?: string | null;
  programmeId?: string | null;
  siteId?: string | null;
  memo?: string;
  actor?: string | null;
}

const hashOf = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex');

/**
 * Claims an idempotency key inside the caller's transaction. The first claim inserts the transaction
 * row; a concurrent claim of the same key waits on the unique index and then finds the committed row,
 * so a retried call is answered with the first result instead of moving money twice.
 */
export async function claimKey(tx: Tx, meta: TxnMeta): Promise<{ txnId: string; replayed: boolean }> {
  const requestHash = hashOf(meta.request);
  const id = newId('txn');
  const inserted = await tx
    .insert(billingTransactions)
    .values({
      id,
      idemKey: meta.key,
      requestHash,
      kind: meta.kind,
      tenantId: meta.tenantId ?? null,
      programmeId: meta.programmeId ?? null,
      siteId: meta.siteId ?? null,
      memo: meta.memo ?? '',
      month: meta.month,
      actor: meta.actor ?? null,
    })
    .onConflictDoNothing({ target: billingTransactions.idemKey })
    .returning({ id: billingTransactions.id });
  if (inserted.length) return { txnId: id, replayed: false };
  const [prior] = await tx.select().from(billingTransactions).where(eq(billingTransactions.idemKey, meta.key));
  if (!prior) throw errors.conflict('IDEMPOTENCY_CONFLICT', 'The idempotency key is being used by a call that did not finish; retry shortly.');
  if (prior.requestHash !== requestHash || prior.kind !== meta.kind) {
    throw errors.conflict('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was already used for a different request; use a new key for a new payment.');
  }
  return { txnId: prior.id, replayed: true };
}

/** Writes a transaction's entries; refuses anything that does not balance to the fen. */
export async function writeEntries(tx: Tx, txnId: string, postings: readonly Posting[]): Promise<void> {
  assertBalanced(postings);
  if (!postings.length) return;
  await tx.insert(billingEntries).values(postings.map((p) => ({ txnId, account: p.account, amountFen: p.amountFen })));
}

export async function balanceOf(q: Q, account: string): Promise<number> {
  const [r] = await q
    .select({ b: sql<string>`coalesce(sum(${billingEntries.amountFen}), 0)` })
    .from(billingEntries)
    .where(eq(billingEntries.account, account));
  return Number(r?.b ?? 0);
}

export async function balancesOf(q: Q, accounts: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>(accounts.map((a) => [a, 0]));
  if (!accounts.length) return out;
  const rows = await q
    .select({ account: billingEntries.account, b: sql<string>`sum(${billingEntries.amountFen})` })
    .from(billingEntries)
    .where(inArray(billingEntries.account, [...accounts]))
    .groupBy(billingEntries.account);
  for (const r of rows) out.set(r.account, Number(r.b));
  return out;
}

/** Sum of an account's entries in transactions of one kind (e.g. what a budget was funded with). */
export async function flowOf(q: Q, account: string, kind: TxnMeta['kind']): Promise<number> {
  const [r] = await q
    .select({ b: sql<string>`coalesce(sum(${billingEntries.amountFen}), 0)` })
    .from(billingEntries)
    .innerJoin(billingTransactions, eq(billingTransactions.id, billingEntries.txnId))
    .where(and(eq(billingEntries.account, account), eq(billingTransactions.kind, kind)));
  return Number(r?.b ?? 0);
}
