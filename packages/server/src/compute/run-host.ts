import { and, desc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { arrayTaskEnv, meterRun, preemptedRunBillable, siteLoadKW, type ArrayBounds, type Staging, type WindowPause } from '@shuzhi/compute';
import { storableText, type Fence, type PreemptReason, type Usage } from '@shuzhi/schema';
import type { Db, Tx } from '../db/client.ts';
import { jobs, runSuspensions, runs, slurmHeldJobs, taskLogs, tasks } from './db-schema.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { newId } from '../ids.ts';
import type { ExecLog, ExecResult, ExecTask, ExecutorHost, HeldJobStore } from './executor.ts';
import type { JobSecrets, StoredEnv } from './job-env.ts';
import type { NetworkStore } from './network-store.ts';

/** What the dispatcher knows of a task between placement and its end. */
export interface TaskInfo {
  taskId: string;
  jobId: string;
  jobName: string;
  tenantId: string;
  type: string;
  units: number;
  hours: number;
  regions: string[];
  /** Sites the job may run at; empty = any its regions allow. */
  sites: string[];
  /** The job's home site (where its data lives) and how much data it has. */
  home: string | null;
  dataGB: number;
  flex: string;
  priority: number;
  command: string;
  /** The job's env exactly as stored: sealed (legacy rows: plain). Never plaintext in memory. */
  sealedEnv: StoredEnv;
  createdAt: number;
  /** An array's task: its index and the array's bounds (for its env); null for a plain job. */
  array?: { index: number; bounds: ArrayBounds } | null;
  /** The project within the tenant (its quota), and what the job asks of the accelerator. */
  project?: string | null;
  accelerator?: string | null;
  minMemGB?: number | null;
  oneGroup?: boolean;
  /** It checkpoints (and so may be paused and resumed); its SIGTERM→SIGKILL grace; preemptions so far. */
  checkpoint?: boolean;
  preemptGraceS?: number;
  preemptions?: number;
  /** The job's deadline (ms), if it has one: the preemptor serves work that would miss it. */
  deadlineAt?: number | null;
  /**
   * Paused for a cheaper window: not placed before `resumeAtMs` (its preempted run keeps the window, so a
   * restart reads it back: Dispatcher.recover).
   */
  pause?: WindowPause | null;
}

/** A handed-out attempt, as the host tracks it until it ends. Build it with `RunHost.attemptOf`. */
export interface Attempt extends TaskInfo {
  siteId: string;
  attempt: number;
  /** Set once the engine started it. */
  startedAt: number | null;
  /** Not before this time: its data is being staged to the site. */
  readyAt: number;
  /** Suspended in place for a cheaper window (run_suspensions): since when, and the window it resumes at. */
  suspension?: { fromMs: number; window: WindowPause } | null;
  /** Time this attempt spent suspended so far (its progress is its running time less this). */
  suspendedMs?: number;
  /**
   * The job's env in plaintext, for the worker running this attempt: decrypted on every read, held
   * nowhere. Not enumerable, so spreads, JSON and logs never see it. Read it only where the task goes
   * to the worker (the agent's assignment); `RunHost.envFor(fence)` is the same, looked up by fence.
   */
  readonly env: Record<string, string>;
}

/** Defines `env` on `target` as a non-enumerable getter (see Attempt.env). */
function lazyEnv<T extends object>(target: T, read: () => Record<string, string>): T & { readonly env: Record<string, string> } {
  return Object.defineProperty(target, 'env', { get: read, enumerable: false, configurable: false }) as T & {
    readonly env: Record<string, string>;
  };
}

/** The attempt as its engine takes it; `env` stays a lazy getter (decrypted when the engine reads it). */
export const toExecTask = (a: Attempt): ExecTask =>
  lazyEnv(
    {
      taskId: a.taskId,
      attempt: a.attempt,
      jobId: a.jobId,
      jobName: a.jobName,
      siteId: a.siteId,
      type: a.type,
      units: a.units,
      hours: a.hours,
      command: a.command,
      tenantId: a.tenantId,
      priority: a.priority,
      createdAtMs: a.createdAt,
      readyAtMs: a.readyAt,
      accelerator: a.accelerator ?? null,
      oneGroup: a.oneGroup ?? false,
      checkpoint: a.checkpoint ?? false,
    },
    () => a.env,
  );

/**
 * A task's output as log rows. Output is whatever bytes the program wrote, not input to validate: it is
 * never refused, only made storable (NUL and lone surrogates become U+FFFD; PostgreSQL text holds neither).
 */
function logRows(a: Attempt, logs: readonly ExecLog[]) {
  return logs
    .filter((l) => l.text.length > 0)
    .map((l) => ({ jobId: a.jobId, taskId: a.taskId, attempt: a.attempt, stream: l.stream, text: storableText(l.text) }));
}

/**
 * The executors' host: every state change of a task's attempt, written to the database as a
 * conditional update fenced by (task, attempt), so a stale or duplicate report changes nothing.
 * Each method says whether the report was accepted.
 */
export class RunHost implements ExecutorHost {
  /** Attempts handed to an engine and not yet ended, by task id. */
  readonly attempts = new Map<string, Attempt>();
  /** Called after a job reached its final state here (its dependants may go, or can no longer). */
  onJobFinal: (jobId: string) => void = () => undefined;
  /**
   * Whether every task of the array has been made (the dispatcher makes them window by window). While
   * some are still to be made the array runs on, known without counting its tasks at each end.
   */
  arrayFullyMade: (jobId: string) => boolean = () => true;
  /** Called when an attempt ends or is lost, so capacity is freed and placement runs again. */
  onEnded: (a: Attempt, outcome: 'succeeded' | 'failed' | 'lost') => void = () => undefined;
  /**
   * With several replicas: run first in every state-changing transaction; throws (rolling it back) when
   * this server is no longer the elected leader (replicas/leadership.ts). Null on a single server.
   */
  fence: ((tx: Tx) => Promise<void>) | null = null;
  /** Running attempts asked to stop (SIGTERM, grace) and why; their end is recorded as `preempted`. */
  readonly preempting = new Map<string, PreemptReason>();
  /** The size of the checkpoint an attempt saved, or null (compute/checkpoints.ts). */
  checkpointSaved: (f: Fence) => Promise<number | null> = async () => null;
  /** Where archives that engines pack themselves are kept and read back (compute/checkpoints.ts); none by default. */
  checkpointStore: { save(a: Attempt, archive: Buffer): Promise<unknown>; load(a: Attempt): Promise<Buffer | null> } | null = null;

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly network: NetworkStore,
    private readonly now: () => number,
    private readonly busyByType: (siteId: string) => Record<string, number>,
    private readonly secrets: JobSecrets,
  ) {}

  private current(f: Fence): Attempt | null {
    const a = this.attempts.get(f.taskId);
    return a && a.attempt === f.attempt ? a : null;
  }

  /** An attempt of task `t` (a TaskInfo, or an earlier Attempt of it) whose `env` opens on read. */
  attemptOf(t: TaskInfo, at: Pick<Attempt, 'siteId' | 'attempt' | 'startedAt' | 'readyAt'>): Attempt {
    const { secrets } = this;
    const a = { ...t, ...at };
    const arr = a.array;
    return lazyEnv(a, () => (arr ? { ...secrets.open(a.jobId, a.sealedEnv), ...arrayTaskEnv(a.jobId, arr.index, arr.bounds) } : secrets.open(a.jobId, a.sealedEnv)));
  }

  /**
   * The plaintext env of the attempt `f` names, for the engine handing it to its worker now; null when
   * `f` is not the current attempt (stale: do not run it). Throws a SecretsError when this server's key
   * cannot open it. Do not keep, persist or log the result.
   */
  envFor(f: Fence): Record<string, string> | null {
    return this.current(f)?.env ?? null;
  }

  /** Whether this server's key opens the task's env (a wrong key leaves the task waiting, with the reason). */
  envReadable(t: TaskInfo): boolean {
    return this.secrets.readable(t.sealedEnv);
  }

  /**
   * Places queued tasks of one job at a site as new attempts (the fences the engine will carry), in one
   * transaction: the tasks of an array placed in one pass are written together, one statement for all,
   * and recorded as one event. Returns the attempts of those still queued (a task cancelled meanwhile
   * is left out).
   */
  async handOut(ts: readonly TaskInfo[], siteId: string, explanation: string, staging: Staging | null = null): Promise<Attempt[]> {
    const first = ts[0];
    if (!first) return [];
    const ev: PublishedEvent[] = [];
    const readyAt = this.now() + Math.ceil((staging?.seconds ?? 0) * 1000);
    const placed = await this.db.transaction(async (tx) => {
      await this.fence?.(tx);
      const upd = await tx
        .update(tasks)
        .set({
          status: 'planned',
          siteId,
          agentId: null,
          attempt: sql`${tasks.attempt} + 1`,
          readyAt: new Date(readyAt),
          updatedAt: new Date(),
        })
        .where(and(ts.length === 1 ? eq(tasks.id, first.taskId) : inArray(tasks.id, ts.map((t) => t.taskId)), eq(tasks.status, 'queued')))
        .returning({ id: tasks.id, attempt: tasks.attempt });
      if (!upd.length) return upd;
      await tx
        .update(jobs)
        .set({
          status: 'planned',
          siteId,
          explanation,
          transferGB: staging?.dataGB ?? 0,
          transferFen: staging?.fen ?? 0,
          transferFrom: staging && staging.dataGB > 0 ? staging.fromRegion : null,
          transferTo: staging && staging.dataGB > 0 ? staging.toRegion : null,
          updatedAt: new Date(),
        })
        .where(and(eq(jobs.id, first.jobId), inArray(jobs.status, ['queued', 'planned'])));
      await this.bus.record(tx, ev, {
        kind: 'job.status',
        entity: 'job',
        entityId: first.jobId,
        tenantId: first.tenantId,
        data: { status: 'planned', siteId, explanation, ...(upd.length === 1 ? { attempt: upd[0]!.attempt } : { tasks: upd.length }), staging },
      });
      return upd;
    });
    this.bus.publish(ev);
    const byId = new Map(ts.map((t) => [t.taskId, t]));
    return placed.map((r) => {
      const a = this.attemptOf(byId.get(r.id)!, { siteId, attempt: r.attempt, startedAt: null, readyAt });
      this.attempts.set(r.id, a);
      return a;
    });
  }

  /** Compute's table of Slurm jobs held for a task's next attempt (see ExecutorHost.heldJobs). */
  readonly heldJobs: HeldJobStore = {
    list: async (siteId) =>
      (await this.db.select().from(slurmHeldJobs).where(eq(slurmHeldJobs.siteId, siteId))).map((r) => ({
        taskId: r.taskId, slurmJobId: r.slurmJobId, attempt: r.attempt, jobDir: r.jobDir, heldAtMs: r.heldAt.getTime(),
      })),
    put: async (siteId, h) => {
      const row = { siteId, taskId: h.taskId, slurmJobId: h.slurmJobId, attempt: h.attempt, jobDir: h.jobDir, heldAt: new Date(h.heldAtMs) };
      await this.db.insert(slurmHeldJobs).values(row).onConflictDoUpdate({ target: [slurmHeldJobs.siteId, slurmHeldJobs.taskId], set: row });
    },
    drop: async (siteId, taskId) => {
      await this.db.delete(slurmHeldJobs).where(and(eq(slurmHeldJobs.siteId, siteId), eq(slurmHeldJobs.taskId, taskId)));
    },
  };

  /**
   * The attempt is about to be suspended in place for the window `w`: the interval opens now (written
   * before the engine is asked, so a restart resumes it on time), it counts as one of the job's
   * preemptions, and the job says why it waits. False when it is not running here.
   */
  async suspending(f: Fence, w: WindowPause): Promise<boolean> {
    const a = this.current(f);
    if (!a || a.startedAt === null || a.suspension) return false;
    const now = this.now();
    const ev: PublishedEvent[] = [];
    const ok = await this.db.transaction(async (tx) => {
      await this.fence?.(tx);
      const [run] = await tx
        .select({ id: runs.id })
        .from(runs)
        .where(and(eq(runs.taskId, a.taskId), eq(runs.attempt, a.attempt), eq(runs.status, 'running')));
      if (!run) return false;
      await tx.insert(runSuspensions).values({
        runId: run.id, taskId: a.taskId, attempt: a.attempt, fromAt: new Date(now), untilAt: new Date(w.resumeAtMs), saveFen: w.saveFen, saveKg: w.saveKg,
      });
      await tx
        .update(jobs)
        .set({ preemptions: sql`${jobs.preemptions} + 1`, explanation: suspendedText(w), updatedAt: new Date(now) })
        .where(eq(jobs.id, a.jobId));
      await tx.insert(taskLogs).values({ jobId: a.jobId, taskId: a.taskId, attempt: a.attempt, stream: 'system', text: `${suspendedText(w)}\n` });
      await this.bus.record(tx, ev, {
        kind: 'job.status', entity: 'job', entityId: a.jobId, tenantId: a.tenantId,
        data: { status: 'running', suspended: true, attempt: a.attempt, runId: run.id, window: w },
      });
      return true;
    });
    this.bus.publish(ev);
    if (ok) {
      a.suspension = { fromMs: now, window: w };
      a.preemptions = (a.preemptions ?? 0) + 1;
    }
    return ok;
  }

  /**
   * The suspended attempt runs again (`undo`: the engine refused to suspend it, so the interval never
   * was): the interval closes now, once — a second call finds it closed and changes nothing.
   */
  async resumedFromSuspension(f: Fence, opts: { undo?: boolean } = {}): Promise<boolean> {
    const a = this.current(f);
    if (!a?.suspension) return false;
    const now = this.now();
    const s = a.suspension;
    const ok = await this.db.transaction(async (tx) => {
      await this.fence?.(tx);
      const open = and(eq(runSuspensions.taskId, a.taskId), eq(runSuspensions.attempt, a.attempt), isNull(runSuspensions.resumedAt));
      const closed = opts.undo
        ? await tx.delete(runSuspensions).where(open).returning({ id: runSuspensions.id })
        : await tx.update(runSuspensions).set({ resumedAt: new Date(now) }).where(open).returning({ id: runSuspensions.id });
      if (!closed.length) return false;
      if (opts.undo) await tx.update(jobs).set({ preemptions: sql`greatest(${jobs.preemptions} - 1, 0)` }).where(eq(jobs.id, a.jobId));
      const text = opts.undo ? 'the engine did not suspend it; it runs on' : `resumed in place after a suspension of ${Math.round((now - s.fromMs) / 60_000)} min`;
      await tx.update(jobs).set({ explanation: text, updatedAt: new Date(now) }).where(eq(jobs.id, a.jobId));
      await tx.insert(taskLogs).values({ jobId: a.jobId, taskId: a.taskId, attempt: a.attempt, stream: 'system', text: `${text}\n` });
      return true;
    });
    a.suspension = null;
    if (ok && !opts.undo) a.suspendedMs = (a.suspendedMs ?? 0) + (now - s.fromMs);
    if (ok && opts.undo) a.preemptions = Math.max(0, (a.preemptions ?? 1) - 1);
    return ok;
  }

  /**
   * Closes the attempt's open suspension at `atMs`, the end of its run: a run that ended while suspended
   * (finished, preempted, lost or cancelled) is suspended no more, and its record must say until when.
   * In the transaction that ends the run.
   */
  async closeSuspension(tx: Tx, taskId: string, attempt: number, atMs: number): Promise<void> {
    await tx
      .update(runSuspensions)
      .set({ resumedAt: new Date(atMs) })
      .where(and(eq(runSuspensions.taskId, taskId), eq(runSuspensions.attempt, attempt), isNull(runSuspensions.resumedAt)));
  }

  /**
   * At start: suspensions left open by runs that ended while no server could close them (or before
   * runs closed them at their end), closed at the run's end. Returns how many.
   */
  async closeEndedSuspensions(): Promise<number> {
    const open = await this.db
      .select({ id: runSuspensions.id, endedAt: runs.endedAt })
      .from(runSuspensions)
      .innerJoin(runs, eq(runs.id, runSuspensions.runId))
      .where(and(isNull(runSuspensions.resumedAt), ne(runs.status, 'running')));
    for (const r of open) {
      await this.db.update(runSuspensions).set({ resumedAt: r.endedAt ?? new Date(this.now()) }).where(eq(runSuspensions.id, r.id));
    }
    return open.length;
  }

  /** Suspensions still open (after a restart: each attempt's, to resume at its window). */
  async openSuspensions(): Promise<{ taskId: string; attempt: number; fromMs: number; window: WindowPause }[]> {
    const rows = await this.db.select().from(runSuspensions).where(isNull(runSuspensions.resumedAt));
    return rows.map((r) => ({ taskId: r.taskId, attempt: r.attempt, fromMs: r.fromAt.getTime(), window: { resumeAtMs: r.untilAt.getTime(), saveFen: r.saveFen, saveKg: r.saveKg } }));
  }

  /** The window a queued task waits for: its last run was paused for one (after a restart, as before it). */
  async windowOf(taskId: string, attempt: number): Promise<WindowPause | null> {
    const [r] = await this.db
      .select({ at: runs.windowResumeAt, fen: runs.windowSaveFen, kg: runs.windowSaveKg })
      .from(runs)
      .where(and(eq(runs.taskId, taskId), eq(runs.attempt, attempt), eq(runs.status, 'preempted')))
      .orderBy(desc(runs.startedAt))
      .limit(1);
    return r?.at ? { resumeAtMs: r.at.getTime(), saveFen: r.fen ?? 0, saveKg: r.kg ?? 0 } : null;
  }

  /** Re-attaches an attempt found in the database at start. */
  adopt(a: Attempt): void {
    this.attempts.set(a.taskId, a);
  }

  async started(f: Fence, atMs: number, workerId: string | null = null): Promise<boolean> {
    const a = this.current(f);
    if (!a || a.startedAt !== null) return false;
    const ev: PublishedEvent[] = [];
    const ok = await this.db.transaction(async (tx) => {
      await this.fence?.(tx);
      const upd = await tx
        .update(tasks)
        .set({ status: 'running', agentId: workerId, updatedAt: new Date() })
        .where(and(eq(tasks.id, f.taskId), eq(tasks.attempt, f.attempt), eq(tasks.status, 'planned')))
        .returning({ id: tasks.id });
      if (!upd.length) return false;
      await tx.insert(runs).values({
        id: newId('run'),
        jobId: a.jobId,
        taskId: a.taskId,
        attempt: a.attempt,
        siteId: a.siteId,
        agentId: workerId,
        status: 'running',
        startedAt: new Date(atMs),
      });
      // Only a change is written: an array's job row is not rewritten as each of its tasks starts.
      await tx.update(jobs).set({ status: 'running', updatedAt: new Date() }).where(and(eq(jobs.id, a.jobId), ne(jobs.status, 'running')));
      await this.bus.record(tx, ev, {
        kind: 'job.status',
        entity: 'job',
        entityId: a.jobId,
        tenantId: a.tenantId,
        data: { status: 'running', siteId: a.siteId, agentId: workerId, attempt: a.attempt },
      });
      return true;
    });
    this.bus.publish(ev);
    if (ok) a.startedAt = atMs;
    return ok;
  }

  async logs(f: Fence, logs: ExecLog[]): Promise<boolean> {
    const a = this.current(f);
    if (!a) return false;
    const rows = logRows(a, logs);
    if (rows.length) await this.db.insert(taskLogs).values(rows);
    return true;
  }

  async finished(f: Fence, result: ExecResult): Promise<boolean> {
    const a = this.current(f);
    if (!a || a.startedAt === null) return false;
    const { endMs: end, usage } = await this.meter(a, a.startedAt, result.endedAtMs);
    const status = result.exitCode === 0 ? 'succeeded' : 'failed';
    const ev: PublishedEvent[] = [];
    const done = await this.db.transaction(async (tx) => {
      await this.fence?.(tx);
      const upd = await tx
        .update(tasks)
        .set({ status, leaseExpiresAt: null, updatedAt: new Date() })
        .where(and(eq(tasks.id, a.taskId), eq(tasks.attempt, a.attempt), eq(tasks.status, 'running')))
        .returning({ id: tasks.id });
      if (!upd.length) return false;
      const rows = logRows(a, result.logs ?? []);
      if (rows.length) await tx.insert(taskLogs).values(rows);
      const [run] = await tx
        .update(runs)
        .set({
          status,
          endedAt: new Date(end),
          exitCode: result.exitCode,
          unitHours: usage?.unitHours ?? 0,
          energyKWh: usage?.energyKWh ?? 0,
          greenKWh: usage?.greenKWh ?? 0,
          carbonG: usage?.carbonG ?? 0,
          costFen: usage?.costFen ?? 0,
        })
        .where(and(eq(runs.taskId, a.taskId), eq(runs.attempt, a.attempt)))
        .returning({ id: runs.id });
      await this.closeSuspension(tx, a.taskId, a.attempt, end);
      const error = status === 'failed' ? storableText(result.error ?? `command exited with code ${result.exitCode}`) : null;
      const jobStatus = !a.array ? status : this.arrayFullyMade(a.jobId) ? await arrayJobStatus(tx, a.jobId, a.array.bounds.size) : 'running';
      if (jobStatus !== 'running') {
        await tx
          .update(jobs)
          .set({ status: jobStatus, error: a.array && jobStatus === 'failed' ? 'some of the array\'s tasks failed (see its tasks)' : error, updatedAt: new Date() })
          .where(eq(jobs.id, a.jobId));
      }
      await this.bus.record(tx, ev, {
        kind: 'job.status',
        entity: 'job',
        entityId: a.jobId,
        tenantId: a.tenantId,
        data: {
          status: jobStatus, exitCode: result.exitCode, siteId: a.siteId, usage, engineUsage: result.engineUsage ?? null,
          ...(run ? { runId: run.id } : {}), ...(a.array ? { arrayIndex: a.array.index } : {}),
        },
      });
      return jobStatus;
    });
    this.bus.publish(ev);
    if (done) {
      this.attempts.delete(a.taskId);
      this.preempting.delete(a.taskId);
      this.onEnded(a, status);
      if (done !== 'running') this.onJobFinal(a.jobId);
    }
    return done !== false;
  }

  /** What the attempt used from its start to `endMs`, by the site's meter; null when its pool is gone. */
  /**
   * The run's end and what it used. The end is the engine's, but never before the run's start nor before a
   * resume this host saw: Slurm's accounting gives whole seconds, so a job that ended 0.9 s after it was
   * resumed may be reported as ended before the resume, and its suspension would outlast the run.
   */
  private async meter(a: Attempt, startMs: number, endedAtMs: number): Promise<{ endMs: number; usage: Usage | null }> {
    const suspended = (
      await this.db
        .select({ from: runSuspensions.fromAt, to: runSuspensions.resumedAt })
        .from(runSuspensions)
        .where(and(eq(runSuspensions.taskId, a.taskId), eq(runSuspensions.attempt, a.attempt)))
    ).map((r) => ({ fromMs: r.from.getTime(), toMs: r.to?.getTime() ?? null }));
    const endMs = Math.max(endedAtMs, startMs + 1, ...suspended.map((s) => s.toMs ?? 0));
    const site = await this.network.getSite(a.siteId);
    const pool = site.pools.find((p) => p.type === a.type);
    if (!pool) return { endMs, usage: null };
    return { endMs, usage: meterRun({ site, pool, units: a.units, startMs, endMs, siteLoadKW: siteLoadKW(site, site.pools, this.busyByType(a.siteId)), suspended }) };
  }

  async saveCheckpoint(f: Fence, archive: Buffer): Promise<void> {
    const a = this.current(f);
    if (a?.checkpoint) await this.checkpointStore?.save(a, archive);
  }

  async checkpointOf(f: Fence): Promise<Buffer | null> {
    const a = this.current(f);
    return a?.checkpoint && this.checkpointStore ? this.checkpointStore.load(a) : null;
  }

  /** The engine lost the attempt (silent agent, vanished batch job, site unreachable): requeue the task. */
  async lost(f: Fence, why: string): Promise<boolean> {
    const a = this.current(f);
    if (!a) return false;
    // An attempt lost while it was being preempted (its agent went silent in the grace) ended by the preemption.
    const preempting = this.preempting.get(a.taskId);
    if (preempting && a.startedAt !== null) return this.preempted(f, preempting, this.now());
    return this.requeue(a, { why, run: { status: 'lost', endedAt: new Date(this.now()) }, data: {} });
  }

  /**
   * A running attempt ended by a preemption (it stopped in its grace, or was stopped at once): its
   * segment is metered and recorded `preempted`, billed by compute's rule (preemptedRunBillable), and
   * the task is queued again — to resume from the checkpoint the attempt saved, if it saved one.
   */
  async preempted(f: Fence, reason: PreemptReason, endedAtMs: number): Promise<boolean> {
    const a = this.current(f);
    if (!a || a.startedAt === null) return false;
    const { endMs: end, usage } = await this.meter(a, a.startedAt, endedAtMs);
    const checkpointBytes = a.checkpoint ? await this.checkpointSaved(a) : null;
    const billable = preemptedRunBillable(reason, checkpointBytes !== null);
    const kept = checkpointBytes !== null ? `checkpoint ${checkpointBytes} bytes saved; it resumes from it` : 'no checkpoint: it restarts from the beginning';
    // Only a checkpointing task waits for its window; anything else would only lose its work by waiting.
    const w = reason === 'cheaper-window' && checkpointBytes !== null ? (a.pause ?? null) : null;
    a.pause = w;
    const paused = w
      ? `paused for a cheaper window: saves ¥${(w.saveFen / 100).toFixed(2)} / ${w.saveKg.toFixed(2)} kg CO2e; resumes at ${new Date(w.resumeAtMs).toISOString()}; ${kept}`
      : `paused: preempted for ${reason}; ${kept}`;
    return this.requeue(a, {
      why: `preempted (${reason}); ${kept}${billable ? '' : '; the lost run is not billed'}`,
      run: {
        status: 'preempted', endedAt: new Date(end), unitHours: usage?.unitHours ?? 0, energyKWh: usage?.energyKWh ?? 0, greenKWh: usage?.greenKWh ?? 0,
        carbonG: usage?.carbonG ?? 0, costFen: usage?.costFen ?? 0, preemptReason: reason, checkpointBytes, billable,
        ...(w ? { windowResumeAt: new Date(w.resumeAtMs), windowSaveFen: w.saveFen, windowSaveKg: w.saveKg } : {}),
      },
      data: { preempted: reason, checkpointBytes, billable, usage, ...(w ? { window: w } : {}) },
      explanation: paused,
    });
  }

  async preemptEnded(f: Fence, endedAtMs: number): Promise<boolean> {
    const reason = this.preempting.get(f.taskId);
    const a = this.current(f);
    if (!reason && a && a.startedAt !== null) {
      // Nobody asked: a worker that says so is wrong, and the run is what it looks like, a failure.
      return this.finished(f, { exitCode: 143, error: 'the task stopped as if preempted, but no preemption was asked', startedAtMs: a.startedAt, endedAtMs });
    }
    return reason ? this.preempted(f, reason, endedAtMs) : false;
  }

  /** Ends the attempt's run as `run` says and queues its task again (a new attempt). */
  private async requeue(
    a: Attempt,
    opts: { why: string; run: Partial<typeof runs.$inferInsert>; data: Record<string, unknown>; explanation?: string },
  ): Promise<boolean> {
    const reason = storableText(opts.why);
    const preempted = opts.run.status === 'preempted';
    const ev: PublishedEvent[] = [];
    const requeued = await this.db.transaction(async (tx) => {
      await this.fence?.(tx);
      const upd = await tx
        .update(tasks)
        .set({ status: 'queued', agentId: null, siteId: null, leaseExpiresAt: null, updatedAt: new Date() })
        .where(and(eq(tasks.id, a.taskId), eq(tasks.attempt, a.attempt), inArray(tasks.status, ['planned', 'running'])))
        .returning({ id: tasks.id });
      if (!upd.length) return false;
      const [run] = await tx
        .update(runs)
        .set(opts.run)
        .where(and(eq(runs.taskId, a.taskId), eq(runs.attempt, a.attempt), eq(runs.status, 'running')))
        .returning({ id: runs.id });
      await this.closeSuspension(tx, a.taskId, a.attempt, opts.run.endedAt?.getTime() ?? this.now());
      // An array keeps running while its other tasks do; only a plain job goes back to the queue.
      if (!a.array) {
        await tx
          .update(jobs)
          .set({ status: 'queued', siteId: null, updatedAt: new Date(), ...(opts.explanation ? { explanation: opts.explanation } : {}) })
          .where(and(eq(jobs.id, a.jobId), inArray(jobs.status, ['planned', 'running'])));
      }
      if (preempted) await tx.update(jobs).set({ preemptions: sql`${jobs.preemptions} + 1` }).where(eq(jobs.id, a.jobId));
      await tx.insert(taskLogs).values({
        jobId: a.jobId,
        taskId: a.taskId,
        attempt: a.attempt,
        stream: 'system',
        text: `${reason}; the task is requeued\n`,
      });
      await this.bus.record(tx, ev, {
        kind: 'job.status',
        entity: 'job',
        entityId: a.jobId,
        tenantId: a.tenantId,
        data: { status: 'queued', reason, attempt: a.attempt, ...(run ? { runId: run.id } : {}), ...opts.data },
      });
      return true;
    });
    this.bus.publish(ev);
    this.attempts.delete(a.taskId);
    this.preempting.delete(a.taskId);
    // The queued task carries the count on, for the planner's per-job bound.
    if (requeued && preempted) a.preemptions = (a.preemptions ?? 0) + 1;
    if (requeued) this.onEnded(a, 'lost');
    return requeued;
  }
}

const suspendedText = (w: WindowPause) =>
  `suspended in place for a cheaper window: saves ¥${(w.saveFen / 100).toFixed(2)} / ${w.saveKg.toFixed(2)} kg CO2e; resumes at ${new Date(w.resumeAtMs).toISOString()}; its energy, carbon and unit-hours are not counted while suspended`;

/**
 * An array job's state once one of its tasks ended: running while any task is still to be made or
 * unfinished, then failed if any task failed (as Slurm reports an array), else succeeded.
 */
async function arrayJobStatus(tx: Tx, jobId: string, size: number): Promise<'running' | 'succeeded' | 'failed'> {
  // Most ends leave tasks open: one row found settles it, before all the array's rows are counted.
  const [open] = await tx
    .select({ id: tasks.id })
    .from(tasks)
    .where(and(eq(tasks.jobId, jobId), inArray(tasks.status, ['waiting', 'queued', 'planned', 'running'])))
    .limit(1);
  if (open) return 'running';
  const [row] = await tx
    .select({
      made: sql<number>`count(*)::int`,
      open: sql<number>`count(*) filter (where ${tasks.status} not in ('succeeded', 'failed', 'cancelled'))::int`,
      failed: sql<number>`count(*) filter (where ${tasks.status} = 'failed')::int`,
    })
    .from(tasks)
    .where(eq(tasks.jobId, jobId));
  if (!row || Number(row.made) < size || Number(row.open) > 0) return 'running';
  return Number(row.failed) > 0 ? 'failed' : 'succeeded';
}
