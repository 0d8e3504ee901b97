import type { Clock } from '@shuzhi/schema';
import { and, count, desc, eq, gt, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Flow, Job, JobDetail, JobStatus, JobTask, LogLine, PreemptReason, PreemptResult, Run, SbatchResult, SbatchSubmit, SubmitJob, Usage } from '@shuzhi/schema';
import { FINAL_JOB_STATUSES, PREEMPT_GRACE_DEFAULT_SECONDS } from '@shuzhi/schema';
import { ArraySpecError, dependencyState, parseArraySpec, translateSbatch, type DependencyKind, type DependencyState } from '@shuzhi/compute';
import type { Principal } from '../auth/principal.ts';
import type { Db, Tx } from '../db/client.ts';
import { tenants } from '../db/schema.ts';
import { jobDependencies, jobs, runSuspensions, runs, taskLogs, tasks } from './db-schema.ts';
import { errors } from '../errors.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { newId } from '../ids.ts';
import type { Dispatcher } from './dispatcher.ts';
import { maskedEnv, type JobSecrets } from './job-env.ts';
import type { NetworkStore } from './network-store.ts';
import { refuseUnplaceable } from './placement.ts';

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
  preemption: r.status === 'preempted' && r.preemptReason
    ? {
        reason: r.preemptReason as PreemptReason, checkpointBytes: r.checkpointBytes, billed: r.billable,
        ...(r.windowResumeAt ? { window: { resumeAt: r.windowResumeAt.toISOString(), saveFen: r.windowSaveFen ?? 0, saveKg: r.windowSaveKg ?? 0 } } : {}),
      }
    : null,
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
  dependencies: [],
  onParentFailure: j.onParentFailure as Job['onParentFailure'],
  held: j.held,
  array: null,
  workflow: j.workflowId && j.workflowStep ? { id: j.workflowId, step: j.workflowStep } : null,
  project: j.project,
  accelerator: j.accelerator,
  minMemGB: j.minMemGB,
  oneGroup: j.oneGroup,
  checkpoint: j.checkpoint,
  preemptGraceSeconds: j.preemptGraceS,
  preemptions: j.preemptions,
});

/** A parent as a new job sees it: its condition's state now. */
interface ParentState {
  jobId: string;
  kind: DependencyKind;
  state: DependencyState;
  status: string;
}

/** A submission checked and ready to write (see JobService.prepare). */
export interface PreparedJob {
  tenantId: string;
  input: SubmitJob;
  releaseAt: Date;
  deadlineAt: Date | null;
  array: { spec: string; size: number; cap: number | null } | null;
  parents: ParentState[];
}

interface Inserted {
  jobId: string;
  /** The plain job's task; null for an array (its tasks are made later). */
  taskId: string | null;
  held: boolean;
  /** Cancelled at once: a parent had already ended so that its condition can never be met. */
  final: boolean;
}

/**
 * What a job's parents mean for it: run (no reason), wait or hold (the reason shown), or be cancelled
 * (a condition can never be met and the submitter asked for cancel).
 */
export function holdVerdict(deps: readonly { jobId: string; kind: DependencyKind; state: DependencyState; status: string }[], onParentFailure: 'cancel' | 'hold'): { reason: string | null; cancel: boolean } {
  const broken = deps.filter((d) => d.state === 'impossible');
  if (broken.length) {
    const why = broken.map((d) => `${d.jobId} ${d.status} (after${d.kind} can no longer be met)`).join(', ');
    return onParentFailure === 'cancel' ? { reason: `cancelled: parent ${why}`, cancel: true } : { reason: `held: parent ${why}`, cancel: false };
  }
  const open = deps.filter((d) => d.state === 'waiting');
  return { reason: open.length ? `waiting for ${open.map((d) => `${d.jobId} (after${d.kind})`).join(', ')}` : null, cancel: false };
}

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
    const prep = await this.prepare(p, input);
    const ev: PublishedEvent[] = [];
    const made = await this.db.transaction((tx) => this.insert(tx, ev, p, prep));
    this.bus.publish(ev);
    await this.afterInsert(made);
    return this.get(p, made.jobId);
  }

  /** Checks a submission against the network and the tenant's jobs; what `insert` writes. */
  async prepare(p: Principal, input: SubmitJob): Promise<PreparedJob> {
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
    let array: PreparedJob['array'] = null;
    if (input.array !== undefined) {
      try {
        const spec = parseArraySpec(input.array);
        array = { spec: input.array.trim(), size: spec.indices.length, cap: spec.cap };
      } catch (err) {
        if (err instanceof ArraySpecError) throw errors.validation([{ path: 'array', message: err.message }]);
        throw err;
      }
    }
    const after = input.after ?? [];
    const parents = await this.parentsOf(tenantId, after);
    return { tenantId, input, releaseAt, deadlineAt, array, parents };
  }

  /** The named parents, each checked to be one of the tenant's jobs (another tenant's is unknown here). */
  private async parentsOf(tenantId: string, after: NonNullable<SubmitJob['after']>): Promise<ParentState[]> {
    if (!after.length) return [];
    const rows = await this.db
      .select({ id: jobs.id, status: jobs.status })
      .from(jobs)
      .where(and(eq(jobs.tenantId, tenantId), inArray(jobs.id, after.map((d) => d.jobId))));
    const status = new Map(rows.map((r) => [r.id, r.status]));
    const seen = new Set<string>();
    return after.map((d, i) => {
      const st = status.get(d.jobId);
      if (st === undefined) throw errors.validation([{ path: `after.${i}.jobId`, message: `no job "${d.jobId}" of this tenant to wait for` }]);
      if (seen.has(d.jobId)) throw errors.validation([{ path: `after.${i}.jobId`, message: `"${d.jobId}" is named twice` }]);
      seen.add(d.jobId);
      return { jobId: d.jobId, kind: d.kind, state: dependencyState(d.kind, st), status: st };
    });
  }

  /**
   * Writes a prepared job in the caller's transaction (a workflow writes all its steps in one).
   * `more` are parents inside the same workflow, still to run. Returns what `afterInsert` needs.
   */
  async insert(tx: Tx, ev: PublishedEvent[], p: Principal, prep: PreparedJob, more: { workflowId?: string; step?: string; parents?: { jobId: string; kind: DependencyKind }[] } = {}): Promise<Inserted> {
    const { input, tenantId } = prep;
    const jobId = newId('job');
    const taskId = newId('task');
    const onParentFailure = input.onParentFailure ?? 'cancel';
    const deps = [...prep.parents, ...(more.parents ?? []).map((d) => ({ ...d, state: 'waiting' as const, status: 'queued' }))];
    const verdict = holdVerdict(deps, onParentFailure);
    const status: JobStatus = verdict.cancel ? 'cancelled' : 'queued';
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
      status,
      error: verdict.cancel ? verdict.reason : null,
      releaseAt: prep.releaseAt,
      deadlineAt: prep.deadlineAt,
      createdBy: p.userId,
      onParentFailure,
      held: verdict.cancel ? null : verdict.reason,
      arraySpec: prep.array?.spec ?? null,
      arraySize: prep.array?.size ?? null,
      arrayCap: prep.array?.cap ?? null,
      workflowId: more.workflowId ?? null,
      workflowStep: more.step ?? null,
      project: input.project ?? null,
      accelerator: input.accelerator ?? null,
      minMemGB: input.minMemGB ?? null,
      oneGroup: input.oneGroup ?? false,
      checkpoint: input.checkpoint ?? false,
      preemptGraceS: input.preemptGraceSeconds ?? PREEMPT_GRACE_DEFAULT_SECONDS,
    });
    if (deps.length) await tx.insert(jobDependencies).values(deps.map((d) => ({ jobId, parentId: d.jobId, kind: d.kind })));
    // An array's tasks are made by the dispatcher as its cap lets them run; a plain job has one.
    if (!prep.array) await tx.insert(tasks).values({ id: taskId, jobId, status: verdict.cancel ? 'cancelled' : verdict.reason ? 'waiting' : 'queued' });
    await this.bus.record(tx, ev, {
      kind: 'job.status',
      entity: 'job',
      entityId: jobId,
      tenantId,
      actor: p.userId,
      data: { status, name: input.name, ...(verdict.reason ? { held: verdict.reason } : {}) },
    });
    return { jobId, taskId: prep.array ? null : taskId, held: verdict.reason !== null && !verdict.cancel, final: verdict.cancel };
  }

  /** After the insert committed: hand the job to the dispatcher, or look at its parents once more. */
  async afterInsert(made: Inserted): Promise<void> {
    if (made.final) return this.settleDependants(made.jobId);
    // A parent may have ended between our read of it and our commit; its settling could not see us.
    if (made.held) return this.reassess(made.jobId);
    if (made.taskId) await this.dispatcher.submitted(made.taskId);
    else await this.dispatcher.arrayReady(made.jobId);
  }

  /** A job reached its final state: each dependant still waiting goes, waits on, or is cancelled or held. */
  async settleDependants(parentId: string): Promise<void> {
    const rows = await this.db.select({ jobId: jobDependencies.jobId }).from(jobDependencies).where(eq(jobDependencies.parentId, parentId));
    for (const r of rows) await this.reassess(r.jobId);
  }

  /** Looks at a waiting job's parents: releases it when every condition is met, else says why it waits. */
  private async reassess(jobId: string): Promise<void> {
    const [j] = await this.db.select().from(jobs).where(eq(jobs.id, jobId));
    if (!j || j.held === null || j.status !== 'queued') return;
    const parents = await this.db
      .select({ jobId: jobDependencies.parentId, kind: jobDependencies.kind, status: jobs.status, siteId: jobs.siteId })
      .from(jobDependencies)
      .innerJoin(jobs, eq(jobs.id, jobDependencies.parentId))
      .where(eq(jobDependencies.jobId, jobId));
    const deps = parents.map((d) => ({ ...d, kind: d.kind as DependencyKind, state: dependencyState(d.kind as DependencyKind, d.status) }));
    const verdict = holdVerdict(deps, j.onParentFailure as 'cancel' | 'hold');
    const ev: PublishedEvent[] = [];
    if (verdict.cancel) {
      const after = await this.db.transaction(async (tx) => {
        const upd = await tx
          .update(jobs)
          .set({ status: 'cancelled', held: null, error: verdict.reason, updatedAt: new Date() })
          .where(and(eq(jobs.id, jobId), eq(jobs.status, 'queued'), isNotNull(jobs.held)))
          .returning({ id: jobs.id });
        if (!upd.length) return null;
        const commit = await this.dispatcher.cancel(jobId, tx, ev, 'system');
        await this.bus.record(tx, ev, { kind: 'job.status', entity: 'job', entityId: jobId, tenantId: j.tenantId, data: { status: 'cancelled', reason: verdict.reason } });
        return commit;
      });
      this.bus.publish(ev);
      if (after) {
        after();
        await this.settleDependants(jobId);
      }
      return;
    }
    if (verdict.reason !== null) {
      if (verdict.reason !== j.held) await this.db.update(jobs).set({ held: verdict.reason, updatedAt: new Date() }).where(and(eq(jobs.id, jobId), isNotNull(jobs.held)));
      return;
    }
    // Every condition met. A job with no home of its own takes its input where its (first) parent ran,
    // so placement stages it from there like any job's data (the transfer is shown and billed).
    const from = deps.find((d) => d.siteId)?.siteId ?? null;
    const released = await this.db.transaction(async (tx) => {
      const upd = await tx
        .update(jobs)
        .set({ held: null, home: j.home ?? from, explanation: null, updatedAt: new Date() })
        .where(and(eq(jobs.id, jobId), eq(jobs.status, 'queued'), isNotNull(jobs.held)))
        .returning({ id: jobs.id });
      if (!upd.length) return null;
      const t = await tx.update(tasks).set({ status: 'queued', updatedAt: new Date() }).where(and(eq(tasks.jobId, jobId), eq(tasks.status, 'waiting'))).returning({ id: tasks.id });
      await this.bus.record(tx, ev, { kind: 'job.status', entity: 'job', entityId: jobId, tenantId: j.tenantId, data: { status: 'queued', released: true } });
      return t[0]?.id ?? '';
    });
    this.bus.publish(ev);
    if (released === null) return;
    if (released) await this.dispatcher.submitted(released);
    else await this.dispatcher.arrayReady(jobId);
  }

  /** An array's tasks (made so far; those not made yet are counted as pending in the job's `array`). */
  async tasks(p: Principal, id: string, q: { limit: number; offset: number }): Promise<{ items: JobTask[]; total: number }> {
    await this.load(p, id);
    const rows = await this.db
      .select()
      .from(tasks)
      .where(eq(tasks.jobId, id))
      .orderBy(sql`${tasks.arrayIndex} nulls first`, tasks.id)
      .limit(q.limit)
      .offset(q.offset);
    const [{ n } = { n: 0 }] = await this.db.select({ n: count() }).from(tasks).where(eq(tasks.jobId, id));
    return {
      items: rows.map((t) => ({ id: t.id, index: t.arrayIndex, status: t.status as JobTask['status'], siteId: t.siteId, attempt: t.attempt, updatedAt: t.updatedAt.toISOString() })),
      total: Number(n),
    };
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
    const extra = await this.extras(rows);
    // Lists never carry env values, not even to the owner: only a single job's answer does.
    return { items: rows.map((r) => ({ ...toJob(r, usage.get(r.id) ?? null), ...extra(r) })), total: Number(n) };
  }

  async get(p: Principal, id: string): Promise<JobDetail> {
    const j = await this.load(p, id);
    const runRows = await this.db.select().from(runs).where(eq(runs.jobId, id)).orderBy(runs.startedAt);
    const suspensions = runRows.length
      ? await this.db.select().from(runSuspensions).where(inArray(runSuspensions.runId, runRows.map((r) => r.id))).orderBy(runSuspensions.fromAt)
      : [];
    const runList = runRows.map((r) => {
      const own = suspensions.filter((x) => x.runId === r.id);
      return own.length
        ? { ...toRun(r), suspensions: own.map((x) => ({ from: x.fromAt.toISOString(), until: x.untilAt.toISOString(), resumedAt: x.resumedAt?.toISOString() ?? null, saveFen: x.saveFen, saveKg: x.saveKg })) }
        : toRun(r);
    });
    const env = ownsEnv(p, j) ? this.secrets.open(j.id, j.env) : maskedEnv(j.env);
    const extra = await this.extras([j]);
    const dependants = await this.db.select({ jobId: jobDependencies.jobId, kind: jobDependencies.kind }).from(jobDependencies).where(eq(jobDependencies.parentId, id));
    return { ...toJob(j, sumUsage(runList.map((r) => r.usage)), env), ...extra(j), runs: runList, dependants: dependants.map((d) => ({ jobId: d.jobId, kind: d.kind as DependencyKind })) };
  }

  async cancel(p: Principal, id: string): Promise<Job> {
    const j = await this.load(p, id);
    if (FINAL_JOB_STATUSES.includes(j.status as JobStatus)) {
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
      await tx.update(jobs).set({ held: null }).where(eq(jobs.id, id));
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
    await this.settleDependants(id);
    return this.get(p, id);
  }

  /**
   * Preempts a job's running tasks (an operator's act; the planner and quota reclaim call the
   * dispatcher directly): a checkpointing job saves its checkpoint in its grace and resumes from it,
   * any other job restarts from the beginning. Either way its tasks go back to the queue.
   */
  async preempt(p: Principal, id: string, reason: PreemptReason): Promise<PreemptResult> {
    const j = await this.load(p, id);
    const held = [...this.dispatcher.host.attempts.values()].filter((a) => a.jobId === j.id).map((a) => a.taskId);
    if (held.length === 0) {
      throw errors.conflict('JOB_NOT_RUNNING', `Job ${id} is ${j.status}: it has no task placed or running, so there is nothing to preempt.`);
    }
    const out: PreemptResult['tasks'] = [];
    for (const taskId of held) {
      const r = await this.dispatcher.preempt(taskId, reason);
      if (r) out.push({ taskId, graceful: r.graceful });
    }
    return { jobId: j.id, tasks: out };
  }

  async logs(p: Principal, id: string, after: number, limit = 2000, arrayIndex?: number): Promise<LogLine[]> {
    await this.load(p, id);
    const rows = await this.db
      .select()
      .from(taskLogs)
      .where(and(eq(taskLogs.jobId, id), gt(taskLogs.seq, after), arrayIndex === undefined ? undefined : eq(taskLogs.taskId, `${id}_${arrayIndex}`)))
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

  /** Each job's dependencies (with their state) and, for arrays, its tasks counted by state. */
  private async extras(rows: JobRow[]): Promise<(j: JobRow) => Pick<Job, 'dependencies' | 'array'>> {
    const ids = rows.map((r) => r.id);
    const deps = ids.length
      ? await this.db
          .select({ jobId: jobDependencies.jobId, parentId: jobDependencies.parentId, kind: jobDependencies.kind, status: jobs.status })
          .from(jobDependencies)
          .innerJoin(jobs, eq(jobs.id, jobDependencies.parentId))
          .where(inArray(jobDependencies.jobId, ids))
      : [];
    const arrayIds = rows.filter((r) => r.arraySpec !== null).map((r) => r.id);
    const counts = arrayIds.length
      ? await this.db.select({ jobId: tasks.jobId, status: tasks.status, n: sql<number>`count(*)::int` }).from(tasks).where(inArray(tasks.jobId, arrayIds)).groupBy(tasks.jobId, tasks.status)
      : [];
    // Grouped once: a page of many jobs would otherwise scan every row for each job.
    const depsOf = groupByJob(deps);
    const countsOf = groupByJob(counts);
    return (j) => {
      const mine = countsOf.get(j.id) ?? [];
      const made = mine.reduce((a, c) => a + Number(c.n), 0);
      return {
        dependencies: (depsOf.get(j.id) ?? []).map((d) => ({ jobId: d.parentId, kind: d.kind as DependencyKind, state: dependencyState(d.kind as DependencyKind, d.status) })),
        array:
          j.arraySpec === null
            ? null
            : {
                spec: j.arraySpec,
                size: j.arraySize ?? 0,
                cap: j.arrayCap,
                counts: { ...Object.fromEntries(mine.map((c) => [c.status, Number(c.n)])), pending: Math.max(0, (j.arraySize ?? 0) - made) },
              },
      };
    };
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

function groupByJob<T extends { jobId: string }>(rows: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.jobId);
    if (list) list.push(r);
    else out.set(r.jobId, [r]);
  }
  return out;
}
