import { sql } from 'drizzle-orm';
import { boolean, check, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { DataContractProof, DataContractTerms, DataQuery, DataResult, DataSchema, DataText, DataUsagePolicy } from '@shuzhi/schema';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** A data product: its dataset sits in the store of one site (`<dataDir>/sites/<siteId>/store/data/<id>/`). */
export const dataProducts = pgTable(
  'data_products',
  {
    id: text('id').primaryKey(),
    providerTenantId: text('provider_tenant_id').notNull(),
    title: jsonb('title').$type<DataText>().notNull(),
    description: jsonb('description').$type<DataText>().notNull(),
    domain: text('domain').notNull(),
    siteId: text('site_id').notNull(),
    regionId: text('region_id').notNull(),
    schema: jsonb('schema').$type<DataSchema>().notNull(),
    synthetic: boolean('synthetic').notNull(),
    source: text('source').notNull(),
    quality: text('quality').notNull().default(''),
    licence: text('licence').notNull(),
    feeFenPerUse: integer('fee_fen_per_use').notNull(),
    policy: jsonb('policy').$type<DataUsagePolicy>().notNull(),
    /** 'draft' until its dataset is in the store, then 'listed'; 'withdrawn' takes no new contracts. */
    state: text('state').notNull(),
    rows: integer('rows'),
    createdBy: text('created_by'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('data_products_domain').on(t.domain), index('data_products_provider').on(t.providerTenantId)],
);

export const dataContracts = pgTable(
  'data_contracts',
  {
    id: text('id').primaryKey(),
    productId: text('product_id').notNull(),
    providerTenantId: text('provider_tenant_id').notNull(),
    consumerTenantId: text('consumer_tenant_id').notNull(),
    consumerRegion: text('consumer_region'),
    purpose: text('purpose').notNull(),
    actions: jsonb('actions').$type<string[]>().notNull(),
    note: text('note').notNull().default(''),
    state: text('state').notNull(),
    reasons: jsonb('reasons').$type<{ code: string; message: string }[]>().notNull().default([]),
    /** The signed terms and their Ed25519 proof, once agreed. */
    terms: jsonb('terms').$type<DataContractTerms>(),
    proof: jsonb('proof').$type<DataContractProof>(),
    uses: integer('uses').notNull().default(0),
    idempotencyKey: text('idempotency_key'),
    createdAt: ts('created_at').notNull().defaultNow(),
    decidedAt: ts('decided_at'),
    expiresAt: ts('expires_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [
    index('data_contracts_product').on(t.productId),
    index('data_contracts_consumer').on(t.consumerTenantId),
    index('data_contracts_provider').on(t.providerTenantId),
    uniqueIndex('data_contracts_idempotency').on(t.consumerTenantId, t.idempotencyKey),
  ],
);

export const dataUses = pgTable(
  'data_uses',
  {
    id: text('id').primaryKey(),
    contractId: text('contract_id').notNull(),
    productId: text('product_id').notNull(),
    providerTenantId: text('provider_tenant_id').notNull(),
    consumerTenantId: text('consumer_tenant_id').notNull(),
    query: jsonb('query').$type<DataQuery>().notNull(),
    state: text('state').notNull(),
    jobId: text('job_id').unique(),
    siteId: text('site_id').notNull(),
    /** Only the released result is stored, never the rows it was computed from. */
    result: jsonb('result').$type<DataResult>(),
    refusal: jsonb('refusal').$type<{ code: string; message: string }>(),
    epsilonSpent: doublePrecision('epsilon_spent').notNull().default(0),
    feeFen: integer('fee_fen').notNull().default(0),
    idempotencyKey: text('idempotency_key'),
    createdAt: ts('created_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
  },
  (t) => [
    index('data_uses_contract').on(t.contractId),
    index('data_uses_product').on(t.productId),
    index('data_uses_state').on(t.state),
    uniqueIndex('data_uses_idempotency').on(t.consumerTenantId, t.idempotencyKey),
  ],
);

/** Each consumer's differential-privacy budget on a product. */
export const dataBudgets = pgTable(
  'data_budgets',
  {
    productId: text('product_id').notNull(),
    consumerTenantId: text('consumer_tenant_id').notNull(),
    budget: doublePrecision('budget').notNull(),
    spent: doublePrecision('spent').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.productId, t.consumerTenantId] }),
    // The last line of defence: the use service checks first, the database refuses an overspend anyway.
    check('data_budgets_within', sql`${t.spent} <= ${t.budget} + 1e-9`),
  ],
);

/** The Ed25519 key contracts are signed with (created once, like gov's issuer key). */
export const dataKeys = pgTable('data_keys', {
  keyId: text('key_id').primaryKey(),
  publicKeyPem: text('public_key_pem').notNull(),
  privateKeyPem: text('private_key_pem').notNull(),
  active: boolean('active').notNull().default(true),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** The worked examples (场景): a product, the contract and the use the demo ran for it. */
export const dataScenarios = pgTable('data_scenarios', {
  id: text('id').primaryKey(),
  domain: text('domain').notNull(),
  title: jsonb('title').$type<DataText>().notNull(),
  description: jsonb('description').$type<DataText>().notNull(),
  productIds: jsonb('product_ids').$type<string[]>().notNull(),
  contractId: text('contract_id'),
  useId: text('use_id'),
  synthetic: boolean('synthetic').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});
