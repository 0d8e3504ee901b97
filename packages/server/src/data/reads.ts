import { and, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { DataDomains, type DataIncome, type DataIncomeLine, type DataScenario, type ServerEvent } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { events } from '../db/schema.ts';
import { dataContracts, dataProducts, dataScenarios, dataUses } from './db-schema.ts';
import { canSeeProduct } from './products.ts';
import { dataErrors } from './errors.ts';

const ENTITIES = ['data-product', 'data-contract', 'data-use'];
const AUDIT_LIMIT = 500;

/** The figures of the data space (the 大屏), the audit trail and the data fees: read-only views over the module's rows. */
export class DataReads {
  constructor(private readonly db: Db) {}

  /** Listed products, contracts and released uses per domain, all 12 domains. */
  async overview() {
    const db = this.db;
    const products = await db.select({ domain: dataProducts.domain, n: sql<number>`count(*)::int` }).from(dataProducts).where(eq(dataProducts.state, 'listed')).groupBy(dataProducts.domain);
    const contracts = await db
      .select({ domain: dataProducts.domain, n: sql<number>`count(*)::int` })
      .from(dataContracts)
      .innerJoin(dataProducts, eq(dataProducts.id, dataContracts.productId))
      .where(inArray(dataContracts.state, ['agreed', 'expired', 'revoked']))
      .groupBy(dataProducts.domain);
    const uses = await db
      .select({ domain: dataProducts.domain, n: sql<number>`count(*)::int` })
      .from(dataUses)
      .innerJoin(dataProducts, eq(dataProducts.id, dataUses.productId))
      .where(eq(dataUses.state, 'released'))
      .groupBy(dataProducts.domain);
    const of = (rows: { domain: string; n: number }[]) => new Map(rows.map((r) => [r.domain, r.n]));
    const [p, c, u] = [of(products), of(contracts), of(uses)];
    return { byDomain: DataDomains.map((d) => ({ domain: d, products: p.get(d) ?? 0, contracts: c.get(d) ?? 0, uses: u.get(d) ?? 0 })) };
  }

  /**
   * The data space's events, newest first: the operator sees all; a tenant the events of its products
   * (as provider) and of its own contracts and uses (as consumer). Events never carry results or rows.
   */
  async audit(p: Principal, f: { productId?: string | undefined }): Promise<ServerEvent[]> {
    const where: SQL[] = [inArray(events.entity, ENTITIES)];
    if (f.productId) {
      const [product] = await this.db.select().from(dataProducts).where(eq(dataProducts.id, f.productId));
      if (!product || !canSeeProduct(p, product)) throw dataErrors.productNotFound(f.productId);
      where.push(sql`${events.data}->>'productId' = ${f.productId}`);
    }
    if (p.role !== 'operator') {
      if (!p.tenantId) return [];
      where.push(
        or(
          sql`${events.data}->>'providerTenantId' = ${p.tenantId}`,
          and(inArray(events.entity, ['data-contract', 'data-use']), sql`${events.data}->>'consumerTenantId' = ${p.tenantId}`),
        )!,
      );
    }
    const rows = await this.db.select().from(events).where(and(...where)).orderBy(desc(events.id)).limit(AUDIT_LIMIT);
    return rows.map((r) => ({ id: r.id, at: r.at.toISOString(), kind: r.kind, entity: r.entity, entityId: r.entityId, data: r.data }));
  }

  /** The worked examples, each with the result the demo's use released (the result only: never rows). */
  async scenarios(): Promise<DataScenario[]> {
    const rows = await this.db
      .select({ s: dataScenarios, result: dataUses.result })
      .from(dataScenarios)
      .leftJoin(dataUses, and(eq(dataUses.id, dataScenarios.useId), eq(dataUses.state, 'released')))
      .orderBy(dataScenarios.createdAt, dataScenarios.id);
    return rows.map(({ s, result }) => ({
      id: s.id,
      domain: s.domain as DataScenario['domain'],
      title: s.title,
      description: s.description,
      productIds: s.productIds,
      contractId: s.contractId,
      useId: s.useId,
      result: result ?? null,
      synthetic: s.synthetic,
    }));
  }

  /** Released uses × their fee, per product and month (UTC): what the tenant earned as a provider and paid as a consumer. */
  async income(p: Principal): Promise<DataIncome> {
    if (!p.tenantId) return { asProvider: [], asConsumer: [], earnedFen: 0, paidFen: 0 };
    const asProvider = await this.#lines(eq(dataUses.providerTenantId, p.tenantId));
    const asConsumer = await this.#lines(eq(dataUses.consumerTenantId, p.tenantId));
    const sum = (lines: DataIncomeLine[]) => lines.reduce((s, l) => s + l.feeFen, 0);
    return { asProvider, asConsumer, earnedFen: sum(asProvider), paidFen: sum(asConsumer) };
  }

  async #lines(who: SQL): Promise<DataIncomeLine[]> {
    const month = sql<string>`to_char(${dataUses.finishedAt} at time zone 'UTC', 'YYYY-MM')`;
    const rows = await this.db
      .select({ productId: dataUses.productId, title: dataProducts.title, month, uses: sql<number>`count(*)::int`, feeFen: sql<number>`coalesce(sum(${dataUses.feeFen}), 0)::int` })
      .from(dataUses)
      .innerJoin(dataProducts, eq(dataProducts.id, dataUses.productId))
      .where(and(who, eq(dataUses.state, 'released')))
      .groupBy(dataUses.productId, dataProducts.title, month)
      .orderBy(desc(month), dataUses.productId);
    return rows.map((r) => ({ productId: r.productId, productTitle: r.title, month: r.month, uses: r.uses, feeFen: r.feeFen }));
  }
}
