import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, real, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * A render job: the validated spec (enough to rebuild its task graph) plus the dispatcher's job row.
 * Tenant-scoped like compute jobs; `tenant_id` refers to the core tenants table by id only.
 */
export const renderJobs = pgTable(
  'render_jobs',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    spec: jsonb('spec').notNull().$type<Record<string, unknown>>(),
    renderer: text('renderer').notNull(),
    frameCount: integer('frame_count').notNull(),
    taskCount: integer('task_count').notNull(),
    seq: integer('seq').notNull(),
    priority: integer('priority').notNull(),
    tags: jsonb('tags').notNull().$type<string[]>(),
    state: text('state').notNull(),
    failureMessage: text('failure_message'),
    blocklist: jsonb('blocklist').notNull().$type<{ nodeId: string; until: number }[]>().default([]),
    nodeFailures: jsonb('node_failures').notNull().$type<{ nodeId: string; count: number }[]>().default([]),
    /** Node time spent on finished attempts, for metering. */
    nodeMs: bigint('node_ms', { mode: 'number' }).notNull().default(0),
    usage: jsonb('usage').$type<{ nodeHours: number; energyKWh: number; greenKWh: number; carbonG: number; costFen: number } | null>(),
    /** Why the job is held back from the dispatcher (billing admission refused it); null once admitted. */
    admissionWait: text('admission_wait'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('render_jobs_tenant_created').on(t.tenantId, t.createdAt), index('render_jobs_state').on(t.state)],
);

/** Only tasks that differ from a fresh one have a row, so a million-frame job starts as one job row. */
export const renderTasks = pgTable(
  'render_tasks',
  {
    jobId: text('job_id').notNull(),
    idx: integer('idx').notNull(),
    state: text('state').notNull(),
    attempt: integer('attempt').notNull(),
    nodeId: text('node_id'),
    leaseExpiresAt: bigint('lease_expires_at', { mode: 'number' }),
    failedOn: jsonb('failed_on').notNull().$type<string[]>(),
    progress: real('progress'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.idx] })],
);

/** Published frames (the file lives under <dataDir>/render/<jobId>/). */
export const renderFrames = pgTable(
  'render_frames',
  {
    jobId: text('job_id').notNull(),
    frame: integer('frame').notNull(),
    nodeId: text('node_id'),
    attempt: integer('attempt'),
    bytes: integer('bytes').notNull(),
    hasThumb: integer('has_thumb').notNull().default(0),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.frame] })],
);

export const renderTaskLogs = pgTable(
  'render_task_logs',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    jobId: text('job_id').notNull(),
    idx: integer('idx').notNull(),
    attempt: integer('attempt').notNull(),
    nodeId: text('node_id'),
    stream: text('stream').notNull(),
    text: text('text').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('render_task_logs_job_idx').on(t.jobId, t.idx, t.seq)],
);

export const renderNodes = pgTable('render_nodes', {
  id: text('id').primaryKey(),
  siteId: text('site_id').notNull(),
  tags: jsonb('tags').notNull().$type<string[]>(),
  slots: integer('slots').notNull(),
  lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
});

/** A studio's own job types (shipped ones are files in @shuzhi/render/job-types), validated on upload. */
export const renderJobTypes = pgTable(
  'render_job_types',
  {
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    doc: jsonb('doc').notNull().$type<Record<string, unknown>>(),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] })],
);

/**
 * Named limits the dispatcher enforces (dispatch/limits.ts): an operator's licence count, or a tenant's
 * cap on running tasks (`tenant:<id>`, its ceiling set by an operator, its own cap by the tenant).
 * Who holds a unit is not stored: the holders are the open leases, rebuilt from the task rows.
 */
export const renderLimits = pgTable('render_limits', {
  name: text('name').primaryKey(),
  kind: text('kind').notNull().$type<'licence' | 'tenant'>(),
  tenantId: text('tenant_id'),
  capacity: integer('capacity'),
  ownCapacity: integer('own_capacity'),
  updatedBy: text('updated_by').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Sleep schedules of render nodes (`node:<id>`) and pools (`pool:<tag>`, `pool:*`); see @shuzhi/render sleep.ts. */
export const renderSleepPolicies = pgTable('render_sleep_policies', {
  target: text('target').primaryKey(),
  windows: jsonb('windows').notNull().$type<{ days: number[]; from: string; to: string }[]>(),
  idleMinutes: integer('idle_minutes'),
  idleWatts: real('idle_watts'),
  updatedBy: text('updated_by').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Per node: time slept and what it saved, and whether it sleeps now (restored on restart). */
export const renderNodeSleep = pgTable('render_node_sleep', {
  nodeId: text('node_id').primaryKey(),
  sleptMs: bigint('slept_ms', { mode: 'number' }).notNull().default(0),
  savedWh: real('saved_wh').notNull().default(0),
  savedFen: real('saved_fen').notNull().default(0),
  asleepSince: bigint('asleep_since', { mode: 'number' }),
});
