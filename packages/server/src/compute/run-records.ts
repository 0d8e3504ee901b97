import { and, asc, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { activeSpans, type Span } from '@shuzhi/compute';
import type { Usage } from '@shuzhi/schema';
import type { Db, Tx } from '../db/client.ts';
import { newId } from '../ids.ts';
import { jobs, runSuspensions, runs, tasks } from './db-schema.ts';

const FINISHED = ['succeeded', 'failed'] as const;

/** One attempt of a job as it ran, with its meter readings and what the job it belongs to says about it. */
export interface RunRecord {
  id: string;
  jobId: string;
  /** The job's tenant (who pays) and resource type (what is priced). */
  tenantId: string;
  resourceType: string;
  /** What staging the job's data to another region cost (billed once per job). */
  jobTransferFen: number;
  siteId: string;
  status: string;
  startedAt: Date;
  endedAt: Date | null;
  unitHours: number | null;
  energyKWh: number | null;
  greenKWh: number | null;
  costFen: number | null;
  /**
   * Whether the tenant pays for it: every finished run, and a preempted one unless the work it did was
   * lost for the platform's own reasons (compute's preemptedRunBillable, decided when it was preempted).
   */
  billable: boolean;
  /** The spans it ran in, when it was suspended in place for a while (time-of-use prices apply to these); else null. */
  activeSpans: Span[] | null;
}

/** A run that finished before it was recorded here (demo history, benchmarks): one job, one task, one attempt. */
export interface PastRun {
  tenantId: string;
  siteId: string;
  type: string;
  units: number;
  hours: number;
  name: string;
  command: string;
  createdBy: string;
  /** The job's home region, when it has one. */
  home?: string;
  startedAt: Date;
  endedAt: Date;
  usage: Usage;
}

/**
 * Compute's runs as other modules read them: billing charges finished runs from these records and
 * never names compute's tables.
 */
export class RunRecords {
  constructor(private readonly db: Db) {}

  async get(runId: string): Promise<RunRecord | null> {
    const [row] = await this.db
      .select({ run: runs, tenantId: jobs.tenantId, type: jobs.type, jobTransferFen: jobs.transferFen })
      .from(runs)
      .innerJoin(jobs, eq(jobs.id, runs.jobId))
      .where(eq(runs.id, runId));
    if (!row) return null;
    const { run } = row;
    const suspended = await this.db.select({ from: runSuspensions.fromAt, to: runSuspensions.resumedAt }).from(runSuspensions).where(eq(runSuspensions.runId, runId));
    const spans = suspended.length && run.endedAt
      ? activeSpans(run.startedAt.getTime(), run.endedAt.getTime(), suspended.map((x) => ({ fromMs: x.from.getTime(), toMs: x.to?.getTime() ?? null })))
      : null;
    return {
      id: run.id, jobId: run.jobId, tenantId: row.tenantId, resourceType: row.type, jobTransferFen: row.jobTransferFen, siteId: run.siteId,
      status: run.status, startedAt: run.startedAt, endedAt: run.endedAt, unitHours: run.unitHours, energyKWh: run.energyKWh,
      greenKWh: run.greenKWh, costFen: run.costFen,
      billable: FINISHED.includes(run.status as (typeof FINISHED)[number]) || (run.status === 'preempted' && run.billable),
      activeSpans: spans,
    };
  }

  /** The latest attempt of a job that finished (succeeded or failed), or null while it has none. */
  async latestFinishedOfJob(jobId: string): Promise<string | null> {
    const [run] = await this.db
      .select({ id: runs.id, status: runs.status })
      .from(runs)
      .where(eq(runs.jobId, jobId))
      .orderBy(desc(runs.attempt), desc(runs.startedAt))
      .limit(1);
    return run && FINISHED.includes(run.status as (typeof FINISHED)[number]) ? run.id : null;
  }

  /**
   * Finished (or billable preempted) runs with metered usage that have no row yet in `recordedBy` (a column holding run ids in
   * the caller's own table, e.g. billing's charges), oldest first. The join stays in the database, so a
   * long history costs one indexed query, and neither side names the other's tables.
   */
  async finishedWithout(recordedBy: PgColumn, limit: number): Promise<string[]> {
    const rows = await this.db
      .select({ id: runs.id })
      .from(runs)
      .leftJoin(recordedBy.table, eq(recordedBy, runs.id))
      .where(and(or(inArray(runs.status, [...FINISHED]), and(eq(runs.status, 'preempted'), eq(runs.billable, true))), sql`${runs.unitHours} is not null`, sql`${runs.endedAt} is not null`, isNull(recordedBy)))
      .orderBy(asc(runs.endedAt))
      .limit(limit);
    return rows.map((r) => r.id);
  }

  /** Records runs that succeeded before, as the dispatcher would have written them; returns their ids in order. */
  async recordPast(list: readonly PastRun[], tx?: Tx): Promise<string[]> {
    if (list.length === 0) return [];
    const rows = list.map((r) => ({ r, id: { job: newId('job'), task: newId('task'), run: newId('run') } }));
    const write = async (t: Tx) => {
      await t.insert(jobs).values(rows.map(({ r, id }) => ({
        id: id.job, tenantId: r.tenantId, name: r.name, type: r.type, units: r.units, hours: r.hours, flex: 'malleable', home: r.home ?? null,
        dataGB: 0, regions: [], priority: 50, command: r.command, env: {}, status: 'succeeded', siteId: r.siteId, releaseAt: r.startedAt,
        createdBy: r.createdBy, createdAt: r.startedAt, updatedAt: r.endedAt,
      })));
      await t.insert(tasks).values(rows.map(({ r, id }) => ({ id: id.task, jobId: id.job, attempt: 1, status: 'succeeded', siteId: r.siteId, updatedAt: r.endedAt })));
      await t.insert(runs).values(rows.map(({ r, id }) => ({
        id: id.run, jobId: id.job, taskId: id.task, attempt: 1, siteId: r.siteId, status: 'succeeded', startedAt: r.startedAt, endedAt: r.endedAt,
        exitCode: 0, ...r.usage,
      })));
    };
    if (tx) await write(tx);
    else await this.db.transaction(write);
    return rows.map(({ id }) => id.run);
  }
}
