import { and, eq, inArray, isNotNull, isNull, max, sql } from 'drizzle-orm';
import { dependencyState, type DependencyKind, type DependencyState } from '@shuzhi/compute';
import { ARRAY_WINDOW } from './dispatcher.ts';
import type { Db, Tx } from '../db/client.ts';
import { jobDependencies, jobs, runs, tasks } from './db-schema.ts';

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

/** A parent of a waiting job: its condition and what tells when and where it ends. */
export interface WaitingParent {
  jobId: string;
  kind: DependencyKind;
  state: DependencyState;
  status: string;
  /** Where it runs or ran (null while queued). */
  siteId: string | null;
  sites: string[];
  home: string | null;
  hours: number;
  releaseAt: Date;
  /** When its latest run started (null: never started). */
  startedAt: Date | null;
}

/** A job waiting for its parents: its queue entry as if released, and its parents. */
export interface WaitingJob extends QueuedJob {
  parents: WaitingParent[];
}

/** What the planner reads from and writes to compute's queue: waiting jobs in, plan explanations out. */
export class PlanningQueue {
  constructor(private readonly db: Db) {}

  /**
   * Every job with queued work. An array is one entry however many tasks it has: its remaining tasks
   * (queued, and not made yet) as one block `cap` tasks wide and as many rounds long as they need — the
   * planner sees the array as aggregated work, never 100,000 jobs.
   */
  async queued(): Promise<QueuedJob[]> {
    const rows = await this.db
      .select({ j: jobs })
      .from(tasks)
      .innerJoin(jobs, eq(jobs.id, tasks.jobId))
      .where(and(eq(tasks.status, 'queued'), isNull(jobs.arraySpec)));
    const out: QueuedJob[] = rows.map(({ j }) => queuedJob(j, j.units, j.hours));
    // An array counts while it has tasks queued or not made yet, even when every task made so far runs.
    const arrays = await this.db
      .select()
      .from(jobs)
      .where(and(isNotNull(jobs.arraySpec), isNull(jobs.held), inArray(jobs.status, ['queued', 'planned', 'running'])));
    if (arrays.length) {
      const made = await this.db
        .select({ jobId: tasks.jobId, n: sql<number>`count(*)::int`, queued: sql<number>`count(*) filter (where ${tasks.status} = 'queued')::int` })
        .from(tasks)
        .where(inArray(tasks.jobId, arrays.map((j) => j.id)))
        .groupBy(tasks.jobId);
      const madeBy = new Map(made.map((m) => [m.jobId, m]));
      for (const j of arrays) {
        const m = madeBy.get(j.id);
        const remaining = Number(m?.queued ?? 0) + Math.max(0, (j.arraySize ?? 0) - Number(m?.n ?? 0));
        if (remaining === 0) continue;
        const width = Math.min(remaining, j.arrayCap ?? ARRAY_WINDOW);
        out.push(queuedJob(j, j.units * width, j.hours * Math.ceil(remaining / width)));
      }
    }
    return out;
  }

  /**
   * Every job waiting for its parents (not one held because a condition can no longer be met), with
   * its parents as a planner needs them: their condition's state, where and since when they run. An
   * array counts as in `queued`: all its tasks, `cap` wide.
   */
  async waiting(): Promise<WaitingJob[]> {
    const rows = await this.db.select().from(jobs).where(and(eq(jobs.status, 'queued'), isNotNull(jobs.held)));
    if (!rows.length) return [];
    const parents = await this.db
      .select({ jobId: jobDependencies.jobId, kind: jobDependencies.kind, p: jobs })
      .from(jobDependencies)
      .innerJoin(jobs, eq(jobs.id, jobDependencies.parentId))
      .where(inArray(jobDependencies.jobId, rows.map((r) => r.id)));
    const started = await this.db
      .select({ jobId: runs.jobId, at: max(runs.startedAt) })
      .from(runs)
      .where(inArray(runs.jobId, [...new Set(parents.map((x) => x.p.id))]))
      .groupBy(runs.jobId);
    const startedAt = new Map(started.map((r) => [r.jobId, r.at]));
    const out: WaitingJob[] = [];
    for (const j of rows) {
      const mine = parents.filter((x) => x.jobId === j.id).map(({ kind, p }) => ({
        jobId: p.id, kind: kind as DependencyKind, state: dependencyState(kind as DependencyKind, p.status), status: p.status,
        siteId: p.siteId, sites: p.sites, home: p.home, hours: p.hours, releaseAt: p.releaseAt, startedAt: startedAt.get(p.id) ?? null,
      }));
      if (mine.some((d) => d.state === 'impossible')) continue;
      const width = j.arraySpec === null ? 1 : Math.min(j.arraySize ?? 1, j.arrayCap ?? ARRAY_WINDOW);
      const rounds = j.arraySpec === null ? 1 : Math.ceil((j.arraySize ?? 1) / width);
      out.push({ ...queuedJob(j, j.units * width, j.hours * rounds), parents: mine });
    }
    return out;
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

const queuedJob = (j: typeof jobs.$inferSelect, units: number, hours: number): QueuedJob => ({
  id: j.id, tenantId: j.tenantId, type: j.type, units, hours, home: j.home, dataGB: j.dataGB,
  regions: j.regions, sites: j.sites, releaseAt: j.releaseAt, deadlineAt: j.deadlineAt,
  priority: j.priority, accelerator: j.accelerator, minMemGB: j.minMemGB, oneGroup: j.oneGroup,
});
