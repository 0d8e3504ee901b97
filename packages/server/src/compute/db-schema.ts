import { bigint, bigserial, boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { tenants } from '../db/schema.ts';
import type { StoredEnv } from './job-env.ts';

/**
 * Compute's tables: jobs, their tasks and runs, task logs and agents. Other modules reach them only
 * through ComputeModule's services.
 *
 * Migrations: these tables were created by the core migrations (packages/server/drizzle, journal
 * drizzle/meta) before compute was a module, and existing databases record them there. Rewriting that
 * history would replay or skip DDL on every upgraded database, so the core folder stays the home of
 * compute's migrations as well as the platform's: drizzle.config.ts lists both schema files and
 * `drizzle-kit generate` writes the next change of either into drizzle/. openDatabase applies that
 * folder before any module's, so every module may rely on compute's tables existing.
 */

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

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
    /** cancel | hold: what happens when a parent's outcome means the job's condition can never be met. */
    onParentFailure: text('on_parent_failure').notNull().default('cancel'),
    /** Non-null while the job waits for its parents, or is held: the reason shown. The dispatcher skips it. */
    held: text('held'),
    /** A job array: its spec (`0-999%50`), number of indices and cap; tasks are made as the cap lets them run. */
    arraySpec: text('array_spec'),
    arraySize: integer('array_size'),
    arrayCap: integer('array_cap'),
    workflowId: text('workflow_id'),
    workflowStep: text('workflow_step'),
    /** Quota and placement asks (migration 0007): a project within the tenant, the accelerator wanted. */
    project: text('project'),
    accelerator: text('accelerator'),
    minMemGB: doublePrecision('min_mem_gb'),
    oneGroup: boolean('one_group').notNull().default(false),
    /** Preemption (migration 0008): it checkpoints, its SIGTERM→SIGKILL grace, how often it was preempted. */
    checkpoint: boolean('checkpoint').notNull().default(false),
    preemptGraceS: integer('preempt_grace_s').notNull().default(30),
    preemptions: integer('preemptions').notNull().default(0),
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
    /** The index of an array's task; null for a plain job's one task. */
    arrayIndex: integer('array_index'),
  },
  (t) => [index('tasks_status').on(t.status), index('tasks_job').on(t.jobId), uniqueIndex('tasks_job_array_index').on(t.jobId, t.arrayIndex)],
);

/** `job` waits for `parent` (same tenant) under Slurm's condition `kind` (ok, any, notok). */
export const jobDependencies = pgTable(
  'job_dependencies',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id),
    parentId: text('parent_id')
      .notNull()
      .references(() => jobs.id),
    kind: text('kind').notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.parentId] }), index('job_dependencies_parent').on(t.parentId)],
);

/** A DAG of jobs submitted as one; its steps are the jobs with this workflow_id. */
export const workflows = pgTable(
  'workflows',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    name: text('name').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('workflows_tenant_created').on(t.tenantId, t.createdAt)],
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
    /** A `preempted` run: why, the checkpoint it left (bytes; null = none) and whether the tenant pays for it. */
    preemptReason: text('preempt_reason'),
    checkpointBytes: integer('checkpoint_bytes'),
    billable: boolean('billable').notNull().default(true),
    /** Paused for a cheaper window: when it resumes and what the pause saves (compute's cheaperWindow). */
    windowResumeAt: ts('window_resume_at'),
    windowSaveFen: doublePrecision('window_save_fen'),
    windowSaveKg: doublePrecision('window_save_kg'),
  },
  (t) => [uniqueIndex('runs_task_attempt').on(t.taskId, t.attempt), index('runs_job').on(t.jobId)],
);

/**
 * A run suspended in place (Slurm's `scontrol suspend`) for a cheaper window (migration 0010): from when,
 * until when it is to resume (kept so a restart resumes it on time), when it did resume (null while it is
 * suspended) and what the pause saves. Metering leaves these intervals out.
 */
export const runSuspensions = pgTable(
  'run_suspensions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id),
    taskId: text('task_id').notNull(),
    attempt: integer('attempt').notNull(),
    fromAt: ts('from_at').notNull(),
    untilAt: ts('until_at').notNull(),
    resumedAt: ts('resumed_at'),
    saveFen: doublePrecision('save_fen').notNull(),
    saveKg: doublePrecision('save_kg').notNull(),
  },
  (t) => [index('run_suspensions_task').on(t.taskId, t.attempt), index('run_suspensions_run').on(t.runId)],
);

/**
 * A Slurm job requeued and held when its attempt was preempted (migration 0010): the task's next attempt
 * at that site releases it; the executor cancels it when the task went elsewhere. Kept so a restart
 * neither leaves it held for ever nor submits the task afresh beside it.
 */
export const slurmHeldJobs = pgTable(
  'slurm_held_jobs',
  {
    siteId: text('site_id').notNull(),
    taskId: text('task_id').notNull(),
    slurmJobId: text('slurm_job_id').notNull(),
    attempt: integer('attempt').notNull(),
    jobDir: text('job_dir').notNull(),
    heldAt: ts('held_at').notNull(),
  },
  (t) => [primaryKey({ name: 'slurm_held_jobs_pk', columns: [t.siteId, t.taskId] })],
);

/** The newest checkpoint of a task (the archive is a file under <dataDir>/checkpoints/<tenant>/, named by its SHA-256). */
export const jobCheckpoints = pgTable('job_checkpoints', {
  taskId: text('task_id')
    .primaryKey()
    .references(() => tasks.id),
  jobId: text('job_id')
    .notNull()
    .references(() => jobs.id),
  tenantId: text('tenant_id')
    .notNull()
    .references(() => tenants.id),
  attempt: integer('attempt').notNull(),
  sha256: text('sha256').notNull(),
  bytes: integer('bytes').notNull(),
  savedAt: ts('saved_at').notNull().defaultNow(),
});

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

/** Quotas of units per resource type: a tenant's (project '') or a project's within it. */
export const quotas = pgTable(
  'quotas',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** '' for the tenant's own quota: a primary key column cannot be null. */
    project: text('project').notNull().default(''),
    type: text('type').notNull(),
    nominal: integer('nominal').notNull(),
    cohort: text('cohort'),
    borrowingLimit: integer('borrowing_limit'),
    lendingLimit: integer('lending_limit'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.project, t.type] })],
);

/** Fair-share shares per tenant (Slurm's association shares); tenants not listed have 1. */
export const fairShares = pgTable('fair_shares', {
  tenantId: text('tenant_id')
    .primaryKey()
    .references(() => tenants.id),
  shares: integer('shares').notNull(),
});

export const agents = pgTable('agents', {
  id: text('id').primaryKey(),
  siteId: text('site_id').notNull(),
  slots: integer('slots').notNull(),
  tags: jsonb('tags').notNull().$type<string[]>(),
  online: boolean('online').notNull().default(true),
  lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
});
