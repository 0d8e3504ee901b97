import { and, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import { DataDomainNames, DataDomains, type Clock, type DataDomainSummary, type DataProduct, type DataProductInput, type DataSchema } from '@shuzhi/schema';
import { DataRuleError, validatePolicy } from '@shuzhi/data';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { sites, tenants } from '../db/schema.ts';
import { errors } from '../errors.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { newId } from '../ids.ts';
import { dataProducts } from './db-schema.ts';
import { DataServerError, dataErrors } from './errors.ts';
import { productView, type ProductRow } from './views.ts';

/** What the products need of the data plane's store: put a dataset into the product's folder at its site. */
export interface DatasetStore {
  ingestCsv(product: { id: string; siteId: string; schema: DataSchema }, csv: Uint8Array | string): Promise<{ rows: number }>;
  ingestFile(product: { id: string; siteId: string; schema: DataSchema }, path: string): Promise<{ rows: number }>;
}

export interface ProductFilter {
  domain?: string | undefined;
  region?: string | undefined;
  provider?: string | undefined;
  q?: string | undefined;
}

const isStaff = (p: Principal) => p.role === 'operator';
/** Drafts and withdrawn products are seen by their provider and the operator only. */
export const canSeeProduct = (p: Principal, row: ProductRow) => row.state === 'listed' || isStaff(p) || row.providerTenantId === p.tenantId;
const mayManage = (p: Principal, row: ProductRow) => isStaff(p) || row.providerTenantId === p.tenantId;

/** `%` and `_` in the user's text are literal, not wildcards. */
const likeText = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The catalogue: a provider registers a product, uploads its dataset to the product's site, lists and withdraws it. */
export class ProductService {
  constructor(private readonly deps: { db: Db; bus: EventBus; clock: Clock; store: DatasetStore }) {}

  async register(p: Principal, input: DataProductInput): Promise<DataProduct> {
    const providerTenantId = this.#tenantFor(p, input.providerTenantId);
    const { db, bus, clock } = this.deps;
    const [tenant] = await db.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, providerTenantId));
    if (!tenant) throw new DataServerError('TENANT_UNKNOWN', `No tenant "${providerTenantId}": name an existing tenant as providerTenantId.`);
    const [site] = await db.select({ region: sites.region }).from(sites).where(eq(sites.id, input.siteId));
    if (!site) throw new DataServerError('SITE_UNKNOWN', `No site "${input.siteId}" in the network: the dataset must sit at one of its sites (GET /api/sites).`);
    // A policy the rules cannot evaluate would silently never (or always) match: refused here, field by field.
    const issues = validatePolicy(input.policy, { regionId: site.region, columns: input.schema.columns });
    if (issues.length > 0) {
      throw new DataRuleError('POLICY_INVALID', `The usage policy cannot be evaluated: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {}, issues);
    }
    const now = new Date(clock.now());
    const row: ProductRow = {
      id: newId('dp'),
      providerTenantId,
      title: input.title,
      description: input.description,
      domain: input.domain,
      siteId: input.siteId,
      regionId: site.region,
      schema: input.schema,
      synthetic: input.synthetic,
      source: input.source,
      quality: input.quality,
      licence: input.licence,
      feeFenPerUse: input.feeFenPerUse,
      policy: input.policy,
      state: 'draft',
      rows: null,
      createdBy: p.userId,
      createdAt: now,
      updatedAt: now,
    };
    const pending: PublishedEvent[] = [];
    await db.transaction(async (tx) => {
      await tx.insert(dataProducts).values(row);
      await bus.record(tx, pending, { kind: 'data.product.registered', entity: 'data-product', entityId: row.id, tenantId: providerTenantId, actor: p.userId, data: this.#eventData(row) });
    });
    bus.publish(pending);
    return productView(row, tenant.name);
  }

  /** The provider's CSV, checked against the schema and stored at the product's site; the product is then listed. */
  uploadCsv(p: Principal, id: string, csv: Uint8Array | string): Promise<DataProduct> {
    return this.#ingest(p, id, (product) => this.deps.store.ingestCsv(product, csv));
  }

  /** A dataset already on the site's disk (large sets: the CLI and the demo seed). */
  ingestFile(p: Principal, id: string, path: string): Promise<DataProduct> {
    return this.#ingest(p, id, (product) => this.deps.store.ingestFile(product, path));
  }

  async #ingest(p: Principal, id: string, put: (product: ProductRow) => Promise<{ rows: number }>): Promise<DataProduct> {
    const row = await this.#visible(p, id);
    if (row.providerTenantId !== p.tenantId && !isStaff(p)) throw errors.forbidden("upload another provider's dataset");
    if (row.state !== 'draft') throw new DataServerError('PRODUCT_NOT_DRAFT', `Product ${id} is ${row.state}: its dataset is fixed once listed, so contracts keep meaning the data they were agreed on. Register a new product for new data.`);
    // The store writes nothing when the file is refused (it names the line and column).
    const { rows } = await put(row);
    const pending: PublishedEvent[] = [];
    const updated = await this.deps.db.transaction(async (tx) => {
      const [u] = await tx
        .update(dataProducts)
        .set({ state: 'listed', rows, updatedAt: new Date(this.deps.clock.now()) })
        .where(and(eq(dataProducts.id, id), eq(dataProducts.state, 'draft')))
        .returning();
      if (!u) throw new DataServerError('PRODUCT_NOT_DRAFT', `Product ${id} changed while its dataset was stored; read it again.`);
      await this.deps.bus.record(tx, pending, { kind: 'data.product.listed', entity: 'data-product', entityId: id, tenantId: u.providerTenantId, actor: p.userId, data: { ...this.#eventData(u), rows } });
      return u;
    });
    this.deps.bus.publish(pending);
    return productView(updated, await this.#tenantName(updated.providerTenantId));
  }

  /** No new contracts from now on; contracts already agreed run until revoked or expired. */
  async withdraw(p: Principal, id: string): Promise<DataProduct> {
    const row = await this.#visible(p, id);
    if (!mayManage(p, row)) throw errors.forbidden("withdraw another provider's product");
    if (row.state === 'withdrawn') return productView(row, await this.#tenantName(row.providerTenantId));
    const pending: PublishedEvent[] = [];
    const updated = await this.deps.db.transaction(async (tx) => {
      const [u] = await tx.update(dataProducts).set({ state: 'withdrawn', updatedAt: new Date(this.deps.clock.now()) }).where(eq(dataProducts.id, id)).returning();
      await this.deps.bus.record(tx, pending, { kind: 'data.product.withdrawn', entity: 'data-product', entityId: id, tenantId: u!.providerTenantId, actor: p.userId, data: this.#eventData(u!) });
      return u!;
    });
    this.deps.bus.publish(pending);
    return productView(updated, await this.#tenantName(updated.providerTenantId));
  }

  async list(p: Principal, f: ProductFilter): Promise<{ items: DataProduct[]; total: number }> {
    const where: SQL[] = [];
    if (!isStaff(p)) {
      const seen = p.tenantId ? or(eq(dataProducts.state, 'listed'), eq(dataProducts.providerTenantId, p.tenantId)) : eq(dataProducts.state, 'listed');
      where.push(seen!);
    }
    if (f.domain) where.push(eq(dataProducts.domain, f.domain));
    if (f.region) where.push(eq(dataProducts.regionId, f.region));
    if (f.provider) where.push(eq(dataProducts.providerTenantId, f.provider));
    if (f.q) {
      const like = likeText(f.q);
      where.push(
        or(
          ilike(sql`${dataProducts.title}->>'zh'`, like),
          ilike(sql`${dataProducts.title}->>'en'`, like),
          ilike(sql`${dataProducts.description}->>'zh'`, like),
          ilike(sql`${dataProducts.description}->>'en'`, like),
        )!,
      );
    }
    const rows = await this.deps.db.select().from(dataProducts).where(and(...where)).orderBy(dataProducts.createdAt, dataProducts.id);
    const names = await this.#tenantNames(rows.map((r) => r.providerTenantId));
    return { items: rows.map((r) => productView(r, names.get(r.providerTenantId) ?? r.providerTenantId)), total: rows.length };
  }

  async get(p: Principal, id: string): Promise<DataProduct> {
    const row = await this.#visible(p, id);
    return productView(row, await this.#tenantName(row.providerTenantId));
  }

  /**
   * The product a contract is asked on: a withdrawn one was public, so asking it is answered with why
   * not (409) rather than 404; another provider's draft stays unseen.
   */
  async rowToRequest(p: Principal, id: string): Promise<ProductRow> {
    const [row] = await this.deps.db.select().from(dataProducts).where(eq(dataProducts.id, id));
    if (!row || (row.state === 'draft' && !mayManage(p, row))) throw dataErrors.productNotFound(id);
    return row;
  }

  /** The 12 domains, each with its names and the count of listed products. */
  async domains(): Promise<DataDomainSummary[]> {
    const counts = await this.deps.db
      .select({ domain: dataProducts.domain, n: sql<number>`count(*)::int` })
      .from(dataProducts)
      .where(eq(dataProducts.state, 'listed'))
      .groupBy(dataProducts.domain);
    const byDomain = new Map(counts.map((c) => [c.domain, c.n]));
    return DataDomains.map((d) => ({ domain: d, name: DataDomainNames[d], products: byDomain.get(d) ?? 0 }));
  }

  async #visible(p: Principal, id: string): Promise<ProductRow> {
    const [row] = await this.deps.db.select().from(dataProducts).where(eq(dataProducts.id, id));
    if (!row || !canSeeProduct(p, row)) throw dataErrors.productNotFound(id);
    return row;
  }

  /** A tenant registers for itself; the operator names the provider. */
  #tenantFor(p: Principal, named: string | undefined): string {
    if (isStaff(p)) {
      if (!named) throw new DataServerError('TENANT_REQUIRED', 'An operator registers a product for a provider: name it in providerTenantId.');
      return named;
    }
    if (!p.tenantId) throw errors.forbidden('register data products (only tenants and the operator may)');
    if (named && named !== p.tenantId) throw errors.forbidden('register a product for another tenant');
    return p.tenantId;
  }

  #eventData(row: ProductRow) {
    return { productId: row.id, providerTenantId: row.providerTenantId, domain: row.domain, siteId: row.siteId };
  }

  async #tenantName(id: string): Promise<string> {
    return (await this.#tenantNames([id])).get(id) ?? id;
  }

  async #tenantNames(ids: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = await this.deps.db.select({ id: tenants.id, name: tenants.name }).from(tenants).where(inArray(tenants.id, unique));
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
