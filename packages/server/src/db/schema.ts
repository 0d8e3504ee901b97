import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { StoredEnv } from '../compute/job-env.ts';

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

export const jobs = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    name: text('name').notNull(),
    type: text('type').notNull(),
    units: integer('units').notNull(),
    hours: doublePrecision('hours').notNull(),
    flex: text('flex').notNull(),
    home: text('home'),
    dataGB: doublePrecision('data_gb').notNull(),
    regions: jsonb('regions').notNull().$type<string[]>(),
    sites: jsonb('sites').notNull().default([]).$type<string[]>(),
    priority: integer('priority').notNull(),
    command: text('command').notNull(),
    /**
     * Sealed (AES-256-GCM envelope, see compute/job-env.ts); rows from before encryption hold the plain
     * object and are still read. Open only through JobSecrets.
     */
    env: jsonb('env').notNull().$type<StoredEnv>(),
    status: text('status').notNull(),
    siteId: text('site_id'),
    releaseAt: ts('release_at').notNull(),
    deadlineAt: ts('deadline_at'),
    error: text('error'),
    explanation: text('explanation'),
    /** Data staged from the home region to where the job runs: volume, link price and when it is there. */
    transferGB: doublePrecision('transfer_gb').notNull().default(0),
    transferFen: bigint('transfer_fen', { mode: 'number' }).notNull().default(0),
    transferFrom: text('transfer_from'),
    transferTo: text('transfer_to'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('jobs_tenant_created').on(t.tenantId, t.createdAt), index('jobs_status').on(t.status)],
);

export const tasks = pgTable(
  'tasks',
  {
    id: text('id').primaryKey(),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id),
    /** Fencing token: bumped on every assignment; reports for an older attempt are refused. */
    attempt: integer('attempt').notNull().default(0),
    status: text('status').notNull(),
    siteId: text('site_id'),
    agentId: text('agent_id'),
    leaseExpiresAt: ts('lease_expires_at'),
    /** Not before this time: its data is still being staged to the site. */
    readyAt: ts('ready_at'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('tasks_status').on(t.status), index('tasks_job').on(t.jobId)],
);

export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id),
    taskId: text('task_id')
      .notNull()
      .references(() => tasks.id),
    attempt: integer('attempt').notNull(),
    siteId: text('site_id').notNull(),
    agentId: text('agent_id'),
    status: text('status').notNull(),
    startedAt: ts('started_at').notNull(),
    endedAt: ts('ended_at'),
    exitCode: integer('exit_code'),
    unitHours: doublePrecision('unit_hours'),
    energyKWh: doublePrecision('energy_kwh'),
    greenKWh: doublePrecision('green_kwh'),
    carbonG: doublePrecision('carbon_g'),
    costFen: bigint('cost_fen', { mode: 'number' }),
  },
  (t) => [uniqueIndex('runs_task_attempt').on(t.taskId, t.attempt), index('runs_job').on(t.jobId)],
);

export const taskLogs = pgTable(
  'task_logs',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    jobId: text('job_id').notNull(),
    taskId: text('task_id').notNull(),
    attempt: integer('attempt').notNull(),
    stream: text('stream').notNull(),
    text: text('text').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('task_logs_job_seq').on(t.jobId, t.seq)],
);

export const agents = pgTable('agents', {
  id: text('id').primaryKey(),
  siteId: text('site_id').notNull(),
  slots: integer('slots').notNull(),
  tags: jsonb('tags').notNull().$type<string[]>(),
  online: boolean('online').notNull().default(true),
  lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
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
