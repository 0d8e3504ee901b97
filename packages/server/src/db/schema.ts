import {
  bigserial,
  doublePrecision,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

/**
 * The platform's tables: tenants and the people and tokens that act for them, the network every module
 * places work on (regions, links, sites), the event log and settings. Every module may read them;
 * a module's own tables live in its folder's db-schema.ts and only that module names them.
 */
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const tenants = pgTable('tenants', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  username: text('username').notNull().unique(),
  displayName: text('display_name').notNull(),
  passwordHash: text('password_hash').notNull(),
  role: text('role').notNull(),
  tenantId: text('tenant_id').references(() => tenants.id),
  department: text('department'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const sessions = pgTable('sessions', {
  /** sha256 of the cookie value: a leaked table does not leak live sessions. */
  tokenHash: text('token_hash').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  expiresAt: ts('expires_at').notNull(),
});

export const apiTokens = pgTable('api_tokens', {
  id: text('id').primaryKey(),
  tokenHash: text('token_hash').notNull().unique(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  siteId: text('site_id'),
  createdAt: ts('created_at').notNull().defaultNow(),
  /** Tokens end: 90 days unless asked otherwise, at most 365. */
  expiresAt: ts('expires_at').notNull(),
  /** Updated at most every few seconds (the token cache), not on every call. */
  lastUsedAt: ts('last_used_at'),
}, (t) => [index('api_tokens_user_idx').on(t.userId)]);

export const regions = pgTable('regions', {
  id: text('id').primaryKey(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  lat: doublePrecision('lat').notNull(),
  lon: doublePrecision('lon').notNull(),
});

export const links = pgTable(
  'links',
  {
    from: text('from_region')
      .notNull()
      .references(() => regions.id),
    to: text('to_region')
      .notNull()
      .references(() => regions.id),
    gbps: doublePrecision('gbps').notNull(),
    fenPerGB: doublePrecision('fen_per_gb').notNull(),
  },
  (t) => [primaryKey({ columns: [t.from, t.to] })],
);

export const sites = pgTable('sites', {
  id: text('id').primaryKey(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  region: text('region')
    .notNull()
    .references(() => regions.id),
  kind: text('kind').notNull(),
  engine: text('engine').notNull(),
  lat: doublePrecision('lat').notNull(),
  lon: doublePrecision('lon').notNull(),
  pue: doublePrecision('pue').notNull(),
  /** Pools and power are edited as a whole with the site; zod validates them at the edge. */
  pools: jsonb('pools').notNull(),
  power: jsonb('power').notNull(),
  slurm: jsonb('slurm'),
  ownerTenantId: text('owner_tenant_id').references(() => tenants.id),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Append-only: every state change writes one row in the same transaction. */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: ts('at').notNull().defaultNow(),
    kind: text('kind').notNull(),
    entity: text('entity').notNull(),
    entityId: text('entity_id').notNull(),
    tenantId: text('tenant_id'),
    actor: text('actor'),
    data: jsonb('data').notNull().$type<Record<string, unknown>>(),
  },
  (t) => [index('events_entity').on(t.entity, t.entityId)],
);

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
});
