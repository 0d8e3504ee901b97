import type { Clock } from '@shuzhi/schema';
import { and, count, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Flow, Job, JobDetail, JobStatus, LogLine, Run, SbatchResult, SbatchSubmit, SubmitJob, Usage } from '@shuzhi/schema';
import { translateSbatch } from '@shuzhi/compute';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { tenants } from '../db/schema.ts';
import { jobs, runs, taskLogs, tasks } from './db-schema.ts';
import { errors } from '../errors.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { newId } from '../ids.ts';
import type { Dispatcher } from './dispatcher.ts';
import { maskedEnv, type JobSecrets } from './job-env.ts';
import type { NetworkStore } from './network-store.ts';
import { refuseUnplaceable } from './placement.ts';

const FINAL: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];
const READ_ALL: Principal['role'][] = ['operator', 'viewer'];

type JobRow = typeof jobs.$inferSelect;
type RunRow = typeof runs.$inferSelect;

const usageOf = (r: RunRow): Usage | null =>
  r.unitHours === null
    ? null
    : {
        unitHours: r.unitHours,
        energyKWh: r.energyKWh ?? 0,
        greenKWh: r.greenKWh ?? 0,
        carbonG: r.carbonG ?? 0,
        costFen: r.costFen ?? 0,
      };

function sumUsage(list: (Usage | null)[]): Usage | null {
  const present = list.filter((u): u is Usage => u !== null);
  if (!present.length) return null;
  return present.reduce((a, u) => ({
    unitHours: a.unitHours + u.unitHours,
    energyKWh: a.energyKWh + u.energyKWh,
    greenKWh: a.greenKWh + u.greenKWh,
    carbonG: a.carbonG + u.carbonG,
    costFen: a.costFen + u.costFen,
  }));
}

const toRun = (r: RunRow): Run => ({
  id: r.id,
  jobId: r.jobId,
  taskId: r.taskId,
  attempt: r.attempt,
  siteId: r.siteId,
  agentId: r.agentId,
  status: r.status as Run['status'],
  startedAt: r.startedAt.toISOString(),
  endedAt: r.endedAt?.toISOString() ?? null,
  exitCode: r.exitCode,
  usage: usageOf(r),
});

/** Whether `p` may read the job's env values: users of the job's own tenant, nobody else. */
const ownsEnv = (p: Principal, j: JobRow) => p.role === 'tenant' && p.tenantId !== null && p.tenantId === j.tenantId;

const toJob = (j: JobRow, usage: Usage | null, env: Record<string, string> = maskedEnv(j.env)): Job => ({
  id: j.id,
  tenantId: j.tenantId,
  name: j.name,
  type: j.type as Job['type'],
  units: j.units,
  hours: j.hours,
  flex: j.flex as Job['flex'],
  home: j.home,
  dataGB: j.dataGB,
  regions: j.regions,
  sites: j.sites,
  priority: j.priority,
  command: j.command,
  env,
  status: j.status as JobStatus,
  siteId: j.siteId,
  releaseAt: j.releaseAt.toISOString(),
  deadlineAt: j.deadlineAt?.toISOString() ?? null,
  createdAt: j.createdAt.toISOString(),
  updatedAt: j.updatedAt.toISOString(),
  error: j.error,
  explanation: j.explanation,
  transfer:
    j.transferFrom && j.transferTo
      ? { fromRegion: j.transferFrom, toRegion: j.transferTo, dataGB: j.transferGB, fen: j.transferFen }
      : null,
  usage,
  project: j.project,
  accelerator: j.accelerator,
  minMemGB: j.minMemGB,
  oneGroup: j.oneGroup,
});

/** Jobs as tenants see them: submit, list, read, cancel, logs — scoped to the caller's tenant. */
export class JobService {
  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly network: NetworkStore,
    private readonly dispatcher: Dispatcher,
    private readonly secrets: JobSecrets,
    private readonly clock: Clock,
  ) {}

  /** A Slurm batch script as a job: its directives translated (or refused, naming the line), then submitted. */
  async submitScript(p: Principal, input: SbatchSubmit): Promise<SbatchResult> {
    const siteIds = [...(await this.network.sitesById()).keys()];
    const t = translateSbatch(input.script, { nowMs: this.clock.now(), siteIds, env: input.env, ...(input.fileName ? { fileName: input.fileName } : {}) });
    const { env, command: _command, ...shown } = t.job;
    const request = { ...shown, envNames: Object.keys(env) };
    if (input.dryRun) return { job: null, request, honoured: t.honoured, ignored: t.ignored };
    const job = await this.submit(p, {
      ...t.job,
      flex: 'rigid',
      dataGB: 0,
      regions: [],
      priority: 50,
      ...(input.tenantId ? { tenantId: input.tenantId } : {}),
    });
    return { job, request, honoured: t.honoured, ignored: t.ignored };
  }

  async submit(p: Principal, input: SubmitJob): Promise<Job> {
    const tenantId = p.role === 'operator' ? (input.tenantId ?? p.tenantId) : p.tenantId;
    if (!tenantId) {
      throw errors.validation([{ path: 'tenantId', message: 'operators must name the tenant the job is for' }]);
    }
    if (p.role !== 'operator' && input.tenantId && input.tenantId !== p.tenantId) {
      throw errors.forbidden('submit jobs for another tenant');
    }
    const [tenant] = await this.db.select().from(tenants).where(eq(tenants.id, tenantId));
    if (!tenant) throw errors.validation([{ path: 'tenantId', message: `unknown tenant "${tenantId}"` }]);
    const sites = await this.network.sitesById();
    if (input.home && !sites.has(input.home)) {
      throw errors.validation([{ path: 'home', message: `unknown site "${input.home}"` }]);
    }
    const knownRegions = new Set([...sites.values()].map((s) => s.region));
    input.regions.forEach((r, i) => {
      if (!knownRegions.has(r)) throw errors.validation([{ path: `regions.${i}`, message: `no site in region "${r}"` }]);
    });
    input.sites.forEach((id, i) => {
      const s = sites.get(id);
      if (!s) throw errors.validation([{ path: `sites.${i}`, message: `unknown site "${id}"` }]);
      if (s.ownerTenantId && s.ownerTenantId !== tenantId) {
        throw errors.validation([{ path: `sites.${i}`, message: `site "${id}" belongs to another tenant and runs only its owner's work` }]);
      }
      if (input.regions.length && !input.regions.includes(s.region)) {
        throw errors.validation([{ path: `sites.${i}`, message: `site "${id}" is in ${s.region}, outside the job's regions (${input.regions.join(', ')})` }]);
      }
      if (!s.pools.some((pl) => pl.type === input.type && pl.units >= input.units)) {
        throw errors.validation([{ path: `sites.${i}`, message: `site "${id}" has no ${input.type} pool with ${input.units} units` }]);
      }
    });
    if (![...sites.values()].some((s) => s.pools.some((pl) => pl.type === input.type && pl.units >= input.units))) {
      throw errors.validation([
        { path: 'units', message: `no site has a ${input.type} pool with ${input.units} units` },
      ]);
    }
    refuseUnplaceable(input, [...sites.values()].filter((s) => !s.ownerTenantId || s.ownerTenantId === tenantId));
    const releaseAt = input.releaseAt ? new Date(input.releaseAt) : new Date(this.clock.now());
    const deadlineAt = input.deadlineAt ? new Date(input.deadlineAt) : null;
    if (deadlineAt && deadlineAt <= releaseAt) {
      throw errors.validation([{ path: 'deadlineAt', message: 'the deadline must be after the release time' }]);
    }
    const jobId = newId('job');
    const taskId = newId('task');
    const ev: PublishedEvent[] = [];
    await this.db.transaction(async (tx) => {
      await tx.insert(jobs).values({
        id: jobId,
        tenantId,
        name: input.name,
        type: input.type,
        units: input.units,
        hours: input.hours,
        flex: input.flex,
        home: input.home ?? null,
        dataGB: input.dataGB,
        regions: input.regions,
        sites: input.sites,
        priority: input.priority,
        command: input.command,
        env: this.secrets.seal(jobId, input.env),
        status: 'queued',
        releaseAt,
        deadlineAt,
        createdBy: p.userId,
        project: input.project ?? null,
        accelerator: input.accelerator ?? null,
        minMemGB: input.minMemGB ?? null,
        oneGroup: input.oneGroup ?? false,
      });
      await tx.insert(tasks).values({ id: taskId, jobId, status: 'queued' });
      await this.bus.record(tx, ev, {
        kind: 'job.status',
        entity: 'job',
        entityId: jobId,
        tenantId,
        actor: p.userId,
        data: { status: 'queued', name: input.name },
      });
    });
    this.bus.publish(ev);
    await this.dispatcher.submitted(taskId);
    return this.get(p, jobId);
  }

  async list(p: Principal, q: { status?: JobStatus | undefined; limit: number; offset: number }) {
    const scope = this.scope(p);
    const where = and(scope ? eq(jobs.tenantId, scope) : undefined, q.status ? eq(jobs.status, q.status) : undefined);
    const rows = await this.db
      .select()
      .from(jobs)
      .where(where)
      .orderBy(desc(jobs.createdAt), desc(jobs.id))
      .limit(q.limit)
      .offset(q.offset);
    const [{ n } = { n: 0 }] = await this.db.select({ n: count() }).from(jobs).where(where);
    const usage = await this.usageByJob(rows.map((r) => r.id));
    // Lists never carry env values, not even to the owner: only a single job's answer does.
    return { items: rows.map((r) => toJob(r, usage.get(r.id) ?? null)), total: Number(n) };
  }

  async get(p: Principal, id: string): Promise<JobDetail> {
    const j = await this.load(p, id);
    const runRows = await this.db.select().from(runs).where(eq(runs.jobId, id)).orderBy(runs.startedAt);
    const runList = runRows.map(toRun);
    const env = ownsEnv(p, j) ? this.secrets.open(j.id, j.env) : maskedEnv(j.env);
    return { ...toJob(j, sumUsage(runList.map((r) => r.usage)), env), runs: runList };
  }

  async cancel(p: Principal, id: string): Promise<Job> {
    const j = await this.load(p, id);
    if (FINAL.includes(j.status as JobStatus)) {
      throw errors.conflict('JOB_FINISHED', `Job ${id} is already ${j.status}; there is nothing to cancel.`);
    }
    const ev: PublishedEvent[] = [];
    const after = await this.db.transaction(async (tx) => {
      const upd = await tx
        .update(jobs)
        .set({ status: 'cancelled', updatedAt: new Date() })
        .where(and(eq(jobs.id, id), inArray(jobs.status, ['queued', 'planned', 'running'])))
        .returning({ id: jobs.id });
      if (upd.length === 0) throw errors.conflict('JOB_FINISHED', `Job ${id} finished meanwhile.`);
      const commit = await this.dispatcher.cancel(id, tx, ev, p.userId);
      await this.bus.record(tx, ev, {
        kind: 'job.status',
        entity: 'job',
        entityId: id,
        tenantId: j.tenantId,
        actor: p.userId,
        data: { status: 'cancelled' },
      });
      return commit;
    });
    after();
    this.bus.publish(ev);
    return this.get(p, id);
  }

  async logs(p: Principal, id: string, after: number, limit = 2000): Promise<LogLine[]> {
    await this.load(p, id);
    const rows = await this.db
      .select()
      .from(taskLogs)
      .where(and(eq(taskLogs.jobId, id), gt(taskLogs.seq, after)))
      .orderBy(taskLogs.seq)
      .limit(limit);
    return rows.map((r) => ({
      seq: r.seq,
      attempt: r.attempt,
      stream: r.stream as LogLine['stream'],
      text: r.text,
      at: r.at.toISOString(),
    }));
  }

  /** Data moved between regions over the last `days`, by link direction (the tenant's own, or all for staff). */
  async flows(p: Principal, days = 7): Promise<Flow[]> {
    const scope = this.scope(p);
    const since = new Date(Date.now() - days * 86_400_000);
    const rows = await this.db
      .select({
        from: jobs.transferFrom,
        to: jobs.transferTo,
        jobs: sql<number>`count(*)::int`,
        dataGB: sql<number>`coalesce(sum(${jobs.transferGB}),0)::float8`,
        fen: sql<number>`coalesce(sum(${jobs.transferFen}),0)::float8`,
      })
      .from(jobs)
      .where(and(gt(jobs.transferGB, 0), gt(jobs.createdAt, since), scope ? eq(jobs.tenantId, scope) : undefined))
      .groupBy(jobs.transferFrom, jobs.transferTo);
    return rows
      .filter((r) => r.from && r.to)
      .map((r) => ({ from: r.from!, to: r.to!, jobs: Number(r.jobs), dataGB: Number(r.dataGB), fen: Number(r.fen) }));
  }

  /**
   * Seals the env of rows written before encryption (plain objects), so no plaintext secret stays in the
   * table. Idempotent and safe with several servers (each row is updated only while still plain).
   * Returns how many rows it sealed; rows it cannot read are left as they are and counted in `skipped`.
   */
  async sealLegacyEnv(batch = 200): Promise<{ sealed: number; skipped: number }> {
    let sealed = 0;
    let skipped = 0;
    let after = '';
    for (;;) {
      const rows = await this.db
        .select({ id: jobs.id, env: jobs.env })
        .from(jobs)
        .where(and(sql`${jobs.env}->'v' is null`, sql`${jobs.env} <> '{}'::jsonb`, gt(jobs.id, after)))
        .orderBy(jobs.id)
        .limit(batch);
      for (const r of rows) {
        let env: Record<string, string>;
        try {
          env = this.secrets.open(r.id, r.env);
        } catch {
          skipped++;
          continue;
        }
        const upd = await this.db
          .update(jobs)
          .set({ env: this.secrets.seal(r.id, env) })
          .where(and(eq(jobs.id, r.id), sql`${jobs.env}->'v' is null`))
          .returning({ id: jobs.id });
        sealed += upd.length;
      }
      if (rows.length < batch) return { sealed, skipped };
      after = rows[rows.length - 1]!.id;
    }
  }

  /** How many jobs hold an env sealed with another key than this server's (a misconfiguration, named at start). */
  async envSealedWithOtherKeys(): Promise<{ jobs: number; keyIds: string[] }> {
    const rows = await this.db
      .select({ kid: sql<string>`${jobs.env}->>'kid'`, n: sql<number>`count(*)::int` })
      .from(jobs)
      .where(and(sql`${jobs.env}->>'v' = '1'`, sql`${jobs.env}->>'kid' <> ${this.secrets.box.keyId}`))
      .groupBy(sql`${jobs.env}->>'kid'`);
    return { jobs: rows.reduce((a, r) => a + Number(r.n), 0), keyIds: rows.map((r) => r.kid) };
  }

  /** Tenants see only their own jobs; operators and viewers see all. Returns the tenant to filter by. */
  private scope(p: Principal): string | null {
    if (READ_ALL.includes(p.role)) return null;
    if (p.role === 'tenant' && p.tenantId) return p.tenantId;
    throw errors.forbidden('read compute jobs');
  }

  private async load(p: Principal, id: string): Promise<JobRow> {
    const scope = this.scope(p);
    const [j] = await this.db
      .select()
      .from(jobs)
      .where(and(eq(jobs.id, id), scope ? eq(jobs.tenantId, scope) : undefined));
    // Another tenant's job is reported as missing, not forbidden: its existence is not ours to reveal.
    if (!j) throw errors.notFound('job', id);
    return j;
  }

  private async usageByJob(ids: string[]): Promise<Map<string, Usage>> {
    if (!ids.length) return new Map();
    const rows = await this.db
      .select({
        jobId: runs.jobId,
        unitHours: sql<number>`coalesce(sum(${runs.unitHours}),0)::float8`,
        energyKWh: sql<number>`coalesce(sum(${runs.energyKWh}),0)::float8`,
        greenKWh: sql<number>`coalesce(sum(${runs.greenKWh}),0)::float8`,
        carbonG: sql<number>`coalesce(sum(${runs.carbonG}),0)::float8`,
        costFen: sql<number>`coalesce(sum(${runs.costFen}),0)::float8`,
        n: sql<number>`count(${runs.unitHours})::int`,
      })
      .from(runs)
      .where(inArray(runs.jobId, ids))
      .groupBy(runs.jobId);
    return new Map(
      rows
        .filter((r) => Number(r.n) > 0)
        .map((r) => [
          r.jobId,
          {
            unitHours: Number(r.unitHours),
            energyKWh: Number(r.energyKWh),
            greenKWh: Number(r.greenKWh),
            carbonG: Number(r.carbonG),
            costFen: Number(r.costFen),
          },
        ]),
    );
  }
}
