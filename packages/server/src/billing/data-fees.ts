import { and, asc, eq, gt, lte, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { account, dataFeePostings } from '@shuzhi/compute';
import type { DataFeeLine } from '@shuzhi/schema';
import type { Db } from '../db/client.ts';
import { events } from '../db/schema.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { billingDataFees, billingEntries, billingTransactions } from './db-schema.ts';
import { claimKey, shanghaiMonth, writeEntries } from './ledger.ts';

/** The data module's event for a use whose result was released; it carries the fee the contract agreed. */
export const DATA_USE_RELEASED = 'data.use.released';
const DATA_USE_ENTITY = 'data-use';
const KEY_PREFIX = 'datafee:';

const Released = z.object({
  useId: z.string().min(1),
  contractId: z.string().min(1),
  productId: z.string().min(1),
  consumerTenantId: z.string().min(1),
  providerTenantId: z.string().min(1),
  feeFen: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  siteId: z.string().min(1),
});

export type DataFeeOutcome = 'posted' | 'replayed' | 'free';

/**
 * Posts data fees (数据要素×) from the data module's `data.use.released` events: one ledger
 * transaction per use, keyed `datafee:<useId>`, so an event delivered twice, or live and again by the
 * sweep, moves the money once. Billing reads only the platform's events table, never the data
 * module's tables (ARCHITECTURE.md rule 1).
 *
 * The fee is posted whatever the wallet holds, as run charges are: it was agreed in the signed
 * contract and the use has already been released, so refusing to post would only lose the provider's
 * money. Keeping wallets out of debt is admission's job, before the work starts.
 */
export class DataFeeService {
  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly feeBp: number,
  ) {}

  /** Whether billing posts this event (the bus delivers every kind to every listener). */
  static handles(e: Pick<PublishedEvent, 'kind' | 'entity'>): boolean {
    return e.kind === DATA_USE_RELEASED && e.entity === DATA_USE_ENTITY;
  }

  async post(e: { entityId: string; at: string | Date; data: Record<string, unknown> }): Promise<DataFeeOutcome> {
    const parsed = Released.safeParse(e.data);
    if (!parsed.success || parsed.data.useId !== e.entityId) {
      throw new Error(`event data.use.released for ${e.entityId} is malformed: ${parsed.success ? 'useId differs from the entity' : parsed.error.message}`);
    }
    const d = parsed.data;
    if (d.feeFen === 0) return 'free';
    const releasedAt = new Date(e.at);
    const month = shanghaiMonth(releasedAt);
    const pending: PublishedEvent[] = [];
    const outcome = await this.db.transaction(async (tx) => {
      const claim = await claimKey(tx, {
        key: `${KEY_PREFIX}${d.useId}`,
        request: d,
        kind: 'data-fee',
        month,
        tenantId: d.consumerTenantId,
        siteId: d.siteId,
        memo: `data use ${d.useId} of product ${d.productId} under contract ${d.contractId}`,
      });
      if (claim.replayed) return 'replayed' as const;
      const postings = dataFeePostings(d.consumerTenantId, d.providerTenantId, d.feeFen, this.feeBp);
      await writeEntries(tx, claim.txnId, postings);
      const platformFeeFen = postings.filter((p) => p.account === account.platform).reduce((a, p) => a + p.amountFen, 0);
      await tx.insert(billingDataFees).values({ ...d, txnId: claim.txnId, platformFeeFen, month, releasedAt });
      await this.bus.record(tx, pending, {
        kind: 'billing.data-fee',
        entity: 'billing-data-fee',
        entityId: d.useId,
        tenantId: d.consumerTenantId,
        data: { contractId: d.contractId, productId: d.productId, providerTenantId: d.providerTenantId, feeFen: d.feeFen, platformFeeFen },
      });
      return 'posted' as const;
    });
    this.bus.publish(pending);
    return outcome;
  }

  /**
   * Released uses with a fee and no data-fee transaction yet (a restart, a failed post), in event
   * order after `afterId`. The filter on `entity` uses the events table's (entity, entity_id) index.
   */
  unposted(afterId: number, limit: number) {
    const fee = sql`case when jsonb_typeof(${events.data}->'feeFen') = 'number' then (${events.data}->>'feeFen')::numeric else 0 end`;
    return this.db
      .select({ id: events.id, entityId: events.entityId, at: events.at, data: events.data })
      .from(events)
      .where(
        and(
          eq(events.entity, DATA_USE_ENTITY),
          eq(events.kind, DATA_USE_RELEASED),
          gt(events.id, afterId),
          sql`${fee} > 0`,
          sql`not exists (select 1 from ${billingTransactions} where ${billingTransactions.idemKey} = ${KEY_PREFIX} || ${events.entityId})`,
        ),
      )
      .orderBy(asc(events.id))
      .limit(limit);
  }

  /** What the tenant paid in data fees in a month (it counts against its monthly cap like compute). */
  static async monthFeesFen(q: Db, tenantId: string, month: string): Promise<number> {
    const [r] = await q
      .select({ fen: sql<string>`coalesce(sum(${billingDataFees.feeFen}), 0)` })
      .from(billingDataFees)
      .where(and(eq(billingDataFees.consumerTenantId, tenantId), eq(billingDataFees.month, month)));
    return Number(r?.fen ?? 0);
  }

  /** The month's data uses the tenant paid for or provided, oldest first. */
  async lines(tenantId: string, month: string): Promise<DataFeeLine[]> {
    const rows = await this.db
      .select()
      .from(billingDataFees)
      .where(and(eq(billingDataFees.month, month), or(eq(billingDataFees.consumerTenantId, tenantId), eq(billingDataFees.providerTenantId, tenantId))))
      .orderBy(asc(billingDataFees.releasedAt), asc(billingDataFees.useId));
    // A tenant using its own product pays itself: it gets both lines.
    return rows.flatMap((r) => {
      const base = {
        useId: r.useId,
        contractId: r.contractId,
        productId: r.productId,
        siteId: r.siteId,
        feeFen: r.feeFen,
        platformFeeFen: r.platformFeeFen,
        providerFen: r.feeFen - r.platformFeeFen,
        releasedAt: r.releasedAt.toISOString(),
      };
      const out: DataFeeLine[] = [];
      if (r.consumerTenantId === tenantId) out.push({ ...base, role: 'consumer', counterpartyTenantId: r.providerTenantId });
      if (r.providerTenantId === tenantId) out.push({ ...base, role: 'provider', counterpartyTenantId: r.consumerTenantId });
      return out;
    });
  }

  /** Data fees paid and data income earned, per month. */
  async byMonth(tenantId: string): Promise<Map<string, { feesFen: number; incomeFen: number }>> {
    const fees = await this.db
      .select({ month: billingDataFees.month, fen: sql<string>`sum(${billingDataFees.feeFen})` })
      .from(billingDataFees)
      .where(eq(billingDataFees.consumerTenantId, tenantId))
      .groupBy(billingDataFees.month);
    const income = await this.db
      .select({ month: billingDataFees.month, fen: sql<string>`sum(${billingDataFees.feeFen} - ${billingDataFees.platformFeeFen})` })
      .from(billingDataFees)
      .where(eq(billingDataFees.providerTenantId, tenantId))
      .groupBy(billingDataFees.month);
    const out = new Map<string, { feesFen: number; incomeFen: number }>();
    const row = (m: string) => out.get(m) ?? (out.set(m, { feesFen: 0, incomeFen: 0 }), out.get(m)!);
    for (const r of fees) row(r.month).feesFen = Number(r.fen);
    for (const r of income) row(r.month).incomeFen = Number(r.fen);
    return out;
  }

  /** The provider account's balance at the end of `month`: its income not paid out. */
  async incomeBalanceFen(tenantId: string, month: string): Promise<number> {
    const [r] = await this.db
      .select({ fen: sql<string>`coalesce(sum(${billingEntries.amountFen}), 0)` })
      .from(billingEntries)
      .innerJoin(billingTransactions, eq(billingTransactions.id, billingEntries.txnId))
      .where(and(eq(billingEntries.account, account.provider(tenantId)), lte(billingTransactions.month, month)));
    return Number(r?.fen ?? 0);
  }
}
