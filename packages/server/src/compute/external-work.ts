import { eq, sql } from 'drizzle-orm';
import type { RunUsage } from '@shuzhi/compute';
import type { Tx } from '../db/client.ts';
import { jobs, runs, tasks } from './db-schema.ts';
import { newId } from '../ids.ts';

/**
 * Work another module runs on its own machines (the render farm's nodes) that compute meters like its
 * own jobs: one job and one task row, and a run per settlement carrying the energy, so the network's
 * overview and billing see it. Callers name no compute table; they pass what compute needs here.
 */
export interface ExternalWork {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  /** The kind of work, shown as the job's type (e.g. `render`). */
  readonly type: string;
  readonly siteId: string;
  readonly hours: number;
  readonly priority: number;
  readonly command: string;
  readonly releaseAt: Date;
  readonly createdBy: string;
}

export interface ExternalRun {
  readonly status: 'succeeded' | 'failed' | 'cancelled';
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly usage: Pick<RunUsage, 'unitHours' | 'energyKWh' | 'greenKWh' | 'carbonG' | 'costFen'>;
}

/** Records one metered run of external work in the caller's transaction (the job and task rows are created or updated). */
export async function recordExternalRun(tx: Tx, work: ExternalWork, run: ExternalRun): Promise<void> {
  const { status, endedAt } = run;
  const taskId = `${work.id}.meter`;
  await tx
    .insert(jobs)
    .values({
      id: work.id,
      tenantId: work.tenantId,
      name: work.name,
      type: work.type,
      units: 1,
      hours: work.hours,
      flex: 'divisible',
      home: work.siteId,
      dataGB: 0,
      regions: [],
      priority: work.priority,
      command: work.command.slice(0, 500),
      env: {},
      status,
      siteId: work.siteId,
      releaseAt: work.releaseAt,
      createdBy: work.createdBy,
    })
    .onConflictDoUpdate({ target: jobs.id, set: { status, updatedAt: endedAt } });
  await tx
    .insert(tasks)
    .values({ id: taskId, jobId: work.id, status, siteId: work.siteId })
    .onConflictDoUpdate({ target: tasks.id, set: { status, updatedAt: endedAt } });
  const [{ n } = { n: 0 }] = await tx.select({ n: sql<number>`count(*)::int` }).from(runs).where(eq(runs.taskId, taskId));
  await tx.insert(runs).values({
    id: newId('run'),
    jobId: work.id,
    taskId,
    attempt: Number(n) + 1,
    siteId: work.siteId,
    agentId: null,
    status,
    startedAt: run.startedAt,
    endedAt,
    exitCode: status === 'succeeded' ? 0 : 1,
    unitHours: run.usage.unitHours,
    energyKWh: run.usage.energyKWh,
    greenKWh: run.usage.greenKWh,
    carbonG: run.usage.carbonG,
    costFen: run.usage.costFen,
  });
}

/** What external work would cost, for admission: `units` for `hours` of resource `type` at `siteId`. */
export interface ExternalEstimate {
  readonly tenantId: string;
  readonly type: string;
  readonly siteId: string;
  readonly units: number;
  readonly hours: number;
}

/** May the tenant start this work? Billing registers it (as it does the dispatcher's `admit`); null: no check. */
export type ExternalAdmitFn = (w: ExternalEstimate) => Promise<{ ok: boolean; reason?: string }>;

/** Compute's service API for metered external work (ComputeModule.externalWork), one per platform. */
export interface ExternalWorkApi {
  record: typeof recordExternalRun;
  admit: ExternalAdmitFn | null;
}

export function externalWorkApi(): ExternalWorkApi {
  return { record: recordExternalRun, admit: null };
}
