import { randomBytes } from 'node:crypto';
import { and, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import { DataRuleError, planQuery, releaseResult, type UniformSource } from '@shuzhi/data';
import type { DataResult, Fence } from '@shuzhi/schema';
import type { ComputeModule } from '../compute/module.ts';
import type { ExecLog, ExecTask, Executor, ExecutorHost } from '../compute/executor.ts';
import type { Db, Tx } from '../db/client.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import type { Logger } from '../log.ts';
import { dataBudgets, dataContracts, dataProducts, dataUses } from './db-schema.ts';
import { DataPlaneError } from './plane/errors.ts';
import type { DataStore } from './plane/store.ts';

export type UseRow = typeof dataUses.$inferSelect;

/** A use that was not released spends nothing: its ε goes back to the budget and its count to the contract. */
export async function returnSpend(tx: Tx, use: Pick<UseRow, 'contractId' | 'productId' | 'consumerTenantId' | 'epsilonSpent'>): Promise<void> {
  if (use.epsilonSpent > 0) {
    await tx
      .update(dataBudgets)
      .set({ spent: sql`greatest(${dataBudgets.spent} - ${use.epsilonSpent}, 0)` })
      .where(and(eq(dataBudgets.productId, use.productId), eq(dataBudgets.consumerTenantId, use.consumerTenantId)));
  }
  await tx
    .update(dataContracts)
    .set({ uses: sql`${dataContracts.uses} - 1` })
    .where(and(eq(dataContracts.id, use.contractId), gt(dataContracts.uses, 0)));
}

/** The command of a data-use job: the dispatcher's route hook recognises it, the plane reads the use id from it. */
export const USE_COMMAND = 'shuzhi data-plane run ';

/** Uniform doubles in [0, 1) from the operating system's CSPRNG: noise an observer cannot predict or replay. */
export const cryptoUniform: UniformSource = {
  // 53 random bits: every double in [0, 1) on the 2^-53 grid, equally likely.
  next: () => Number(randomBytes(8).readBigUInt64BE(0) >> 11n) / 2 ** 53,
};

export interface PlaneDeps {
  db: Db;
  bus: EventBus;
  log: Logger;
  clock: { now(): number };
  compute: ComputeModule;
  store: DataStore;
  noise: UniformSource;
}

/** Why a use did not release: refused by a rule (the consumer's query or contract), or failed (the plane). */
export type Outcome = { state: 'released'; result: DataResult } | { state: 'refused' | 'failed'; code: string; message: string };

/**
 * The data plane as an engine of the compute network: it takes the tasks of data-use jobs at the site
 * that holds the product, checks residency and the contract again there, runs the compiled plan with
 * DuckDB over the product's files, applies the output rule and stores only the released result. The
 * job's logs carry counts, never values. Every use state change is guarded by the use's state, so a
 * re-run after a crash (recover) releases a use once.
 */
export class DataPlaneExecutor implements Executor {
  readonly engine = 'data' as const;
  private readonly runs = new Map<string, { fence: Fence; cancelled: boolean; done: Promise<void> }>();
  private readonly host: ExecutorHost;

  constructor(private readonly deps: PlaneDeps) {
    this.host = deps.compute.dispatcher.host;
  }

  /** Whether a task is a data-use job's (see Dispatcher.route); the plane checks the use itself when it runs. */
  claims(t: { command: string }): boolean {
    return t.command.startsWith(USE_COMMAND);
  }

  async submit(task: ExecTask): Promise<void> {
    this.start(task, false);
  }

  async cancel(fence: Fence): Promise<void> {
    const run = this.runs.get(fence.taskId);
    if (run && run.fence.attempt === fence.attempt) run.cancelled = true;
  }

  /** After a restart: uses whose task was handed here or running are run again (released at most once). */
  async recover(tasks: ExecTask[]): Promise<void> {
    for (const t of tasks) this.start(t, true);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.runs.values()].map((r) => r.done));
  }

  private start(task: ExecTask, resumed: boolean): void {
    const entry = { fence: { taskId: task.taskId, attempt: task.attempt }, cancelled: false, done: Promise.resolve() };
    entry.done = this.run(task, resumed, () => entry.cancelled)
      .catch((err: unknown) => this.deps.log.error({ err, jobId: task.jobId, taskId: task.taskId }, 'data plane: run failed'))
      .finally(() => {
        if (this.runs.get(task.taskId) === entry) this.runs.delete(task.taskId);
      });
    this.runs.set(task.taskId, entry);
  }

  private async run(task: ExecTask, resumed: boolean, cancelled: () => boolean): Promise<void> {
    const { clock } = this.deps;
    const fence = { taskId: task.taskId, attempt: task.attempt };
    const startedAt = clock.now();
    // A recovered attempt may have started before the restart: then `started` says no, and that is fine.
    if (!(await this.host.started(fence, startedAt)) && !resumed) return;
    const finish = async (exitCode: number, line: string, error?: string) => {
      const logs: ExecLog[] = [{ stream: 'system', text: `${line}\n` }];
      await this.host.finished(fence, { exitCode, startedAtMs: startedAt, endedAtMs: clock.now(), logs, ...(error ? { error } : {}) });
    };
    try {
      await this.runUse(task, finish, cancelled);
    } catch (err) {
      // The job ends failed and the use service fails the use with it (its spend returned); the job's log stays free of values.
      this.deps.log.error({ err, jobId: task.jobId, taskId: task.taskId }, 'data plane: run failed');
      await finish(1, 'data plane: the run failed at the site; nothing was released', 'the data plane failed');
    }
  }

  /** Binds the task's job to its use, runs the use unless it is settled, stores the outcome once, ends the task. */
  private async runUse(task: ExecTask, finish: (exitCode: number, line: string, error?: string) => Promise<void>, cancelled: () => boolean): Promise<void> {
    const { db } = this.deps;
    const useId = task.command.slice(USE_COMMAND.length).trim();
    // Bind the job to the use: only the job the use was submitted with (or the first to claim it) may run it.
    const [use] = await db
      .update(dataUses)
      .set({ jobId: task.jobId })
      .where(and(eq(dataUses.id, useId), eq(dataUses.consumerTenantId, task.tenantId), or(isNull(dataUses.jobId), eq(dataUses.jobId, task.jobId))))
      .returning();
    if (!use) return finish(1, `data plane: this job runs no data use of its tenant (${useId})`, 'not a data use of this tenant');
    if (use.state === 'released') return finish(0, `data plane: use ${use.id} was already released`);
    if (use.state === 'refused' || use.state === 'failed') return finish(1, `data plane: use ${use.id} was already ${use.state}`, use.refusal?.message ?? use.state);
    await db.update(dataUses).set({ state: 'running' }).where(and(eq(dataUses.id, use.id), eq(dataUses.state, 'queued')));

    const outcome = await this.runAtSite(use, task.siteId).catch((err: unknown): Outcome => {
      // The rules (and residency) refuse; a missing dataset or a broken plan is the plane's failure, not the query's.
      if (err instanceof DataRuleError || (err instanceof DataPlaneError && err.code === 'RESIDENCY')) return { state: 'refused', code: err.code, message: err.message };
      if (err instanceof DataPlaneError) return { state: 'failed', code: err.code, message: err.message };
      this.deps.log.error({ err, useId: use.id }, 'data plane: the engine failed on a use');
      return { state: 'failed', code: 'ENGINE_FAILED', message: 'the query engine failed at the site; nothing was spent, try again or tell the operator' };
    });
    if (cancelled()) {
      await this.settle(use, { state: 'failed', code: 'CANCELLED', message: 'the job was cancelled before the result was released' });
      return;
    }
    const settled = await this.settle(use, outcome);
    if (outcome.state === 'released') {
      const release = outcome.result.release;
      const rule = release.kind === 'k-anonymity' ? `k=${release.k}` : `differential privacy, ε=${release.epsilonSpent}`;
      const note = settled ? '' : ' (already settled)';
      return finish(0, `data plane at ${task.siteId}: ${fmt(outcome.result.rowsScanned)} rows scanned, ${fmt(outcome.result.groups.length)} groups released under ${rule}${note}`);
    }
    return finish(1, `data plane at ${task.siteId}: use ${outcome.state} (${outcome.code}): ${outcome.message}`, `${outcome.code}: ${outcome.message}`);
  }

  /** Residency, the contract again, the plan, the scan at the site, the output rule. Throws the refusal. */
  private async runAtSite(use: UseRow, siteId: string): Promise<Outcome> {
    const { db, compute, store, clock, noise } = this.deps;
    const [product] = await db.select().from(dataProducts).where(eq(dataProducts.id, use.productId));
    const [contract] = await db.select().from(dataContracts).where(eq(dataContracts.id, use.contractId));
    if (!product || !contract) throw new DataPlaneError('DATASET_MISSING', `the product or contract of use ${use.id} is gone`);
    const policy = contract.terms?.policy ?? product.policy;
    const site = await compute.network.getSite(siteId);
    if (siteId !== product.siteId || !policy.computeRegions.includes(site.region)) {
      throw new DataPlaneError(
        'RESIDENCY',
        `the data of ${product.id} is held at ${product.siteId} and may be computed on only in ${policy.computeRegions.join(', ')}; this task reached ${siteId} (${site.region})`,
        { siteId, region: site.region },
      );
    }
    const now = clock.now();
    if (contract.state !== 'agreed' || (contract.expiresAt && contract.expiresAt.getTime() <= now)) {
      throw new DataRuleError('CONTRACT_NOT_ACTIVE', `contract ${contract.id} is ${contract.state === 'agreed' ? 'expired' : contract.state} now; the use was not run and nothing was spent`);
    }
    const plan = planQuery(use.query, product.schema.columns, policy.output);
    const raw = await store.execute(product, plan);
    return { state: 'released', result: releaseResult(plan, raw, policy.output, noise) };
  }

  /** Stores the outcome once (guarded by the use's state); a use that is not released gives its spend back. */
  async settle(use: UseRow, outcome: Outcome): Promise<boolean> {
    const { db, bus, clock } = this.deps;
    const ev: PublishedEvent[] = [];
    const changed = await db.transaction(async (tx) => {
      const [row] = await tx
        .update(dataUses)
        .set(
          outcome.state === 'released'
            ? { state: 'released', result: outcome.result, finishedAt: new Date(clock.now()) }
            : { state: outcome.state, refusal: { code: outcome.code, message: outcome.message }, epsilonSpent: 0, finishedAt: new Date(clock.now()) },
        )
        .where(and(eq(dataUses.id, use.id), inArray(dataUses.state, ['queued', 'running'])))
        .returning();
      if (!row) return false;
      if (outcome.state !== 'released') await returnSpend(tx, use);
      await bus.record(tx, ev, {
        kind: `data.use.${outcome.state}`,
        entity: 'data-use',
        entityId: use.id,
        tenantId: use.consumerTenantId,
        data: {
          useId: use.id,
          contractId: use.contractId,
          productId: use.productId,
          consumerTenantId: use.consumerTenantId,
          providerTenantId: use.providerTenantId,
          siteId: use.siteId,
          ...(outcome.state === 'released' ? { feeFen: use.feeFen } : { code: outcome.code }),
        },
      });
      return true;
    });
    bus.publish(ev);
    return changed;
  }
}

const fmt = (n: number) => n.toLocaleString('en-US');
