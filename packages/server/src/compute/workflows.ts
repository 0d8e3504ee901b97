import { and, desc, eq, inArray } from 'drizzle-orm';
import { FINAL_JOB_STATUSES, type DependencyKind as Kind, type JobStatus, type SubmitWorkflow, type Workflow } from '@shuzhi/schema';
import { PrecedenceError, topologicalOrder, type DependencyKind } from '@shuzhi/compute';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { AppError, errors } from '../errors.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { newId } from '../ids.ts';
import { jobDependencies, jobs, workflows } from './db-schema.ts';
import type { JobService, PreparedJob } from './jobs.ts';

/** Job rows carry their status as text. */
const isFinal = (status: string) => (FINAL_JOB_STATUSES as readonly string[]).includes(status);

/** A step's `after` entries as edges: a bare name is afterok. */
const edgesOf = (step: SubmitWorkflow['steps'][number]) => step.after.map((a) => (typeof a === 'string' ? { step: a, kind: 'ok' as Kind } : a));

/**
 * Workflows: a DAG of jobs submitted in one transaction, listed as one line, shown as a graph and
 * cancelled as one. Its steps are ordinary jobs with dependencies, so the dispatcher, the planner and
 * the job pages treat them like any other.
 */
export class WorkflowService {
  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly jobs: JobService,
  ) {}

  async submit(p: Principal, input: SubmitWorkflow): Promise<Workflow> {
    const index = new Map<string, number>();
    input.steps.forEach((s, i) => {
      if (index.has(s.name)) throw errors.validation([{ path: `steps.${i}.name`, message: `a second step called "${s.name}"` }]);
      index.set(s.name, i);
    });
    input.steps.forEach((s, i) =>
      edgesOf(s).forEach((e, k) => {
        if (!index.has(e.step)) throw errors.validation([{ path: `steps.${i}.after.${k}`, message: `no step called "${e.step}"` }]);
      }),
    );
    let order: string[];
    try {
      order = topologicalOrder(input.steps.map((s) => s.name), new Map(input.steps.map((s) => [s.name, edgesOf(s).map((e) => e.step)])));
    } catch (err) {
      if (!(err instanceof PrecedenceError)) throw err;
      throw errors.validation([{ path: `steps.${index.get(err.path)}.after`, message: `step "${err.path}": the steps' dependencies form a cycle through it` }]);
    }
    const prepared = new Map<string, PreparedJob>();
    for (const name of order) {
      const i = index.get(name)!;
      const step = input.steps[i]!;
      try {
        prepared.set(name, await this.jobs.prepare(p, { ...step.job, onParentFailure: step.job.onParentFailure ?? input.onParentFailure, ...(input.tenantId ? { tenantId: input.tenantId } : {}) }));
      } catch (err) {
        // The job's own checks name its fields; say which step they belong to.
        if (err instanceof AppError && err.errors) throw errors.validation(err.errors.map((e) => ({ path: `steps.${i}.job.${e.path}`, message: e.message })));
        throw err;
      }
    }
    const tenantId = prepared.get(order[0]!)!.tenantId;
    const id = newId('wf');
    const ev: PublishedEvent[] = [];
    const made = await this.db.transaction(async (tx) => {
      await tx.insert(workflows).values({ id, tenantId, name: input.name, createdBy: p.userId });
      const jobIds = new Map<string, string>();
      const out = [];
      for (const name of order) {
        const step = input.steps[index.get(name)!]!;
        const parents = edgesOf(step).map((e) => ({ jobId: jobIds.get(e.step)!, kind: e.kind as DependencyKind }));
        const m = await this.jobs.insert(tx, ev, p, prepared.get(name)!, { workflowId: id, step: name, parents });
        jobIds.set(name, m.jobId);
        out.push(m);
      }
      await this.bus.record(tx, ev, { kind: 'workflow.submitted', entity: 'workflow', entityId: id, tenantId, actor: p.userId, data: { name: input.name, steps: order.length } });
      return out;
    });
    this.bus.publish(ev);
    for (const m of made) await this.jobs.afterInsert(m);
    return this.get(p, id);
  }

  async list(p: Principal, q: { limit: number; offset: number }): Promise<{ items: Workflow[]; total: number }> {
    const scope = this.scope(p);
    const rows = await this.db
      .select()
      .from(workflows)
      .where(scope ? eq(workflows.tenantId, scope) : undefined)
      .orderBy(desc(workflows.createdAt), desc(workflows.id))
      .limit(q.limit)
      .offset(q.offset);
    const all = await this.db.select({ id: workflows.id }).from(workflows).where(scope ? eq(workflows.tenantId, scope) : undefined);
    return { items: await this.describe(rows), total: all.length };
  }

  async get(p: Principal, id: string): Promise<Workflow> {
    const [w] = await this.describe([await this.load(p, id)]);
    return w!;
  }

  /** Cancels every unfinished job of the workflow (the finished keep their outcome). */
  async cancel(p: Principal, id: string): Promise<Workflow> {
    await this.load(p, id);
    const open = await this.db.select({ id: jobs.id, status: jobs.status }).from(jobs).where(eq(jobs.workflowId, id));
    if (open.every((j) => isFinal(j.status))) throw errors.conflict('WORKFLOW_FINISHED', `Workflow ${id} has finished; there is nothing to cancel.`);
    for (const j of open) {
      if (isFinal(j.status)) continue;
      await this.jobs.cancel(p, j.id).catch((err: unknown) => {
        // A job that finished (or was cancelled by its parent) meanwhile: nothing left to do for it.
        if (!(err instanceof AppError && err.status === 409)) throw err;
      });
    }
    return this.get(p, id);
  }

  private async describe(rows: (typeof workflows.$inferSelect)[]): Promise<Workflow[]> {
    if (!rows.length) return [];
    const steps = await this.db
      .select({ id: jobs.id, workflowId: jobs.workflowId, step: jobs.workflowStep, status: jobs.status, held: jobs.held, siteId: jobs.siteId })
      .from(jobs)
      .where(inArray(jobs.workflowId, rows.map((r) => r.id)));
    const ids = steps.map((s) => s.id);
    const deps = ids.length ? await this.db.select().from(jobDependencies).where(inArray(jobDependencies.jobId, ids)) : [];
    const stepOf = new Map(steps.map((s) => [s.id, s.step!]));
    return rows.map((w) => {
      const mine = steps.filter((s) => s.workflowId === w.id);
      const counts: Record<string, number> = {};
      for (const s of mine) counts[s.status] = (counts[s.status] ?? 0) + 1;
      const mineIds = new Set(mine.map((s) => s.id));
      return {
        id: w.id,
        tenantId: w.tenantId,
        name: w.name,
        createdAt: w.createdAt.toISOString(),
        status: workflowStatus(mine.map((s) => s.status)),
        counts,
        steps: mine.map((s) => ({ name: s.step!, jobId: s.id, status: s.status as JobStatus, held: s.held, siteId: s.siteId })),
        edges: deps.filter((d) => mineIds.has(d.jobId) && stepOf.has(d.parentId)).map((d) => ({ from: stepOf.get(d.parentId)!, to: stepOf.get(d.jobId)!, kind: d.kind as Kind })),
      };
    });
  }

  private scope(p: Principal): string | null {
    if (p.role === 'operator' || p.role === 'viewer') return null;
    if (p.role === 'tenant' && p.tenantId) return p.tenantId;
    throw errors.forbidden('read workflows');
  }

  private async load(p: Principal, id: string) {
    const scope = this.scope(p);
    const [w] = await this.db.select().from(workflows).where(and(eq(workflows.id, id), scope ? eq(workflows.tenantId, scope) : undefined));
    // Another tenant's workflow is reported as missing: its existence is not ours to reveal.
    if (!w) throw errors.notFound('workflow', id);
    return w;
  }
}

/** Active while any job is unfinished; then cancelled if any was, failed if any failed, else succeeded. */
function workflowStatus(statuses: string[]): Workflow['status'] {
  if (statuses.some((s) => !isFinal(s))) return 'active';
  if (statuses.includes('cancelled')) return 'cancelled';
  return statuses.includes('failed') ? 'failed' : 'succeeded';
}
