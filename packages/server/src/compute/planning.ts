import { and, eq, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.ts';
import { jobs, tasks } from './db-schema.ts';

/** A job whose task waits in the queue, as a planner sees it. */
export interface QueuedJob {
  id: string;
  tenantId: string;
  type: string;
  units: number;
  hours: number;
  home: string | null;
  dataGB: number;
  regions: string[];
  /** Sites the tenant pinned the job to (empty: anywhere its regions allow). */
  sites: string[];
  releaseAt: Date;
  deadlineAt: Date | null;
  priority: number;
  /** What the job asks of the accelerator (model, memory per device, one interconnect group). */
  accelerator: string | null;
  minMemGB: number | null;
  oneGroup: boolean;
}

/** What the planner reads from and writes to compute's queue: waiting jobs in, plan explanations out. */
export class PlanningQueue {
  constructor(private readonly db: Db) {}

  async queued(): Promise<QueuedJob[]> {
    const rows = await this.db
      .select({ j: jobs })
      .from(tasks)
      .innerJoin(jobs, eq(jobs.id, tasks.jobId))
      .where(eq(tasks.status, 'queued'));
    return rows.map(({ j }) => ({
      id: j.id, tenantId: j.tenantId, type: j.type, units: j.units, hours: j.hours, home: j.home, dataGB: j.dataGB,
      regions: j.regions, sites: j.sites, releaseAt: j.releaseAt, deadlineAt: j.deadlineAt,
      priority: j.priority, accelerator: j.accelerator, minMemGB: j.minMemGB, oneGroup: j.oneGroup,
    }));
  }

  /**
   * Shows each still-queued job its planned slot, in the planner's transaction (with the plan it stores).
   * A job held back by admission (its tenant cannot pay) keeps saying so until it starts; the dispatcher
   * writes the final explanation when it hands the job out.
   */
  async notePlanned(tx: Tx, entries: readonly { jobId: string; explanation: string }[]): Promise<void> {
    for (const e of entries) {
      await tx.update(jobs).set({ explanation: `planned: ${e.explanation}` })
        .where(and(eq(jobs.id, e.jobId), eq(jobs.status, 'queued'), sql`coalesce(${jobs.explanation}, '') not like 'waiting:%'`));
    }
  }
}
