import { and, desc, eq, gt, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { checkUse, DataRuleError, planQuery, useLimit, useLimitReached, type UniformSource } from '@shuzhi/data';
import type { DataAction, DataContractState, DataPurpose, DataQuery, DataUse, DataUseRequest } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import type { Tx } from '../db/client.ts';
import { AppError, errors } from '../errors.ts';
import type { PublishedEvent } from '../events/bus.ts';
import { newId } from '../ids.ts';
import { dataBudgets, dataContracts, dataProducts, dataUses } from './db-schema.ts';
import { dataErrors } from './errors.ts';
import { cryptoUniform, DataPlaneExecutor, USE_COMMAND, type PlaneDeps, type UseRow } from './executor.ts';

/** The plane's deps; `noise` (differential privacy) is the OS's CSPRNG unless a test injects a seeded one. */
export type UseDeps = Omit<PlaneDeps, 'noise'> & { noise?: UniformSource };

/** Who starts the jobs of uses resubmitted at start (no user is asking then); jobs carry the consumer's tenant. */
const SYSTEM: Principal = { userId: 'system:data-plane', username: 'data-plane', displayName: 'Data plane', role: 'operator', tenantId: null, department: null, via: 'token' };

/** The job of one use: small, pinned to the data's site, within the policy's regions. */
const USE_JOB = { units: 1, hours: 0.05, flex: 'rigid', dataGB: 0, priority: 60, env: {} } as const;

const useNotFound = (id: string) => new AppError('DATA_USE_NOT_FOUND', 404, `No data use "${id}" (or you may not see it).`);

/** Raised inside the submit transaction when the idempotency key is taken: rolls the spend back. */
class SameKey extends Error {}

/**
 * Uses of data products under contracts: each checked against the contract and planned before anything
 * is spent, then counted, its ε reserved and its job submitted in the consumer's tenant to run at the
 * data's site (DataPlaneExecutor). Consumers see their uses; providers the uses of their products
 * without the consumer's join rows; operators all.
 */
export class UseService {
  /** The engine the dispatcher routes data-use tasks to. */
  readonly plane: DataPlaneExecutor;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: UseDeps) {
    this.plane = new DataPlaneExecutor({ ...deps, noise: deps.noise ?? cryptoUniform });
  }

  /**
   * Routes data-use tasks to the plane. Call once in the module's init(): compute's start() recovers the
   * tasks the plane held before this module's start() runs, on the first start and after every
   * leadership change, so the hook stays set for the platform's life.
   */
  attach(): void {
    this.deps.compute.dispatcher.route = (t) => (this.plane.claims(t) ? this.plane : null);
  }

  async submit(p: Principal, req: DataUseRequest): Promise<DataUse> {
    const { db, bus, clock } = this.deps;
    const contract = await this.contractFor(p, req.contractId);
    if (req.idempotencyKey) {
      const existing = await this.byKey(contract.consumerTenantId, req.idempotencyKey);
      if (existing) return this.view(p, existing);
    }
    const [product] = await db.select().from(dataProducts).where(eq(dataProducts.id, contract.productId));
    if (!product) throw dataErrors.productNotFound(contract.productId);
    const policy = contract.terms?.policy ?? product.policy;
    const now = clock.now();
    // Both throw DataRuleError (a 4xx) before anything is counted, reserved or written.
    checkUse(
      {
        state: contract.state as DataContractState,
        expiresAtMs: contract.expiresAt?.getTime() ?? 0,
        actions: contract.actions as DataAction[],
        uses: contract.uses,
        policy,
        purpose: contract.purpose as DataPurpose,
        consumerTenantId: contract.consumerTenantId,
        consumerRegion: contract.consumerRegion,
      },
      req.query,
      now,
    );
    const plan = planQuery(req.query, product.schema.columns, policy.output);
    const epsilon = plan.epsilon;
    const useId = newId('du');
    const ev: PublishedEvent[] = [];
    let row: UseRow;
    try {
      row = await db.transaction(async (tx) => {
        const [inserted] = await tx
          .insert(dataUses)
          .values({
            id: useId,
            contractId: contract.id,
            productId: product.id,
            providerTenantId: contract.providerTenantId,
            consumerTenantId: contract.consumerTenantId,
            query: req.query,
            state: 'queued',
            siteId: product.siteId,
            epsilonSpent: epsilon,
            feeFen: contract.terms?.feeFenPerUse ?? product.feeFenPerUse,
            idempotencyKey: req.idempotencyKey ?? null,
            createdAt: new Date(now),
          })
          .onConflictDoNothing()
          .returning();
        if (!inserted) throw new SameKey();
        // Counted only while agreed, unexpired and under the policy's count limit: concurrent uses cannot pass it.
        const limit = useLimit(policy, req.query.action);
        const counted = await tx
          .update(dataContracts)
          .set({ uses: sql`${dataContracts.uses} + 1` })
          .where(
            and(
              eq(dataContracts.id, contract.id),
              eq(dataContracts.state, 'agreed'),
              gt(dataContracts.expiresAt, new Date(now)),
              limit === null ? undefined : lt(dataContracts.uses, limit),
            ),
          )
          .returning({ uses: dataContracts.uses });
        if (!counted.length) throw await whyNotCounted(tx, contract.id, limit);
        if (policy.output.kind === 'differential-privacy') await this.reserve(tx, product.id, contract.consumerTenantId, policy.output.epsilonBudget, epsilon);
        await bus.record(tx, ev, {
          kind: 'data.use.queued',
          entity: 'data-use',
          entityId: useId,
          tenantId: contract.consumerTenantId,
          actor: p.userId,
          data: { useId, contractId: contract.id, productId: product.id, consumerTenantId: contract.consumerTenantId, providerTenantId: contract.providerTenantId, siteId: product.siteId, epsilon },
        });
        return inserted;
      });
    } catch (err) {
      if (!(err instanceof SameKey)) throw err;
      const existing = await this.byKey(contract.consumerTenantId, req.idempotencyKey!);
      if (!existing) throw err;
      return this.view(p, existing);
    }
    bus.publish(ev);
    const jobId = await this.submitJob(p, row, product);
    // The use as it was queued (the plane may be running it already by now).
    return jobId ? this.view(p, { ...row, jobId }) : this.get(p, useId);
  }

  async list(p: Principal, f: { contractId?: string; productId?: string; limit?: number }): Promise<DataUse[]> {
    const rows = await this.deps.db
      .select()
      .from(dataUses)
      .where(and(this.visible(p), f.contractId ? eq(dataUses.contractId, f.contractId) : undefined, f.productId ? eq(dataUses.productId, f.productId) : undefined))
      .orderBy(desc(dataUses.createdAt), desc(dataUses.id))
      .limit(Math.min(f.limit ?? 100, 1000));
    return rows.map((r) => this.view(p, r));
  }

  async get(p: Principal, id: string): Promise<DataUse> {
    const [row] = await this.deps.db.select().from(dataUses).where(and(eq(dataUses.id, id), this.visible(p)));
    // Another tenant's use is missing, not forbidden: its existence is not ours to reveal.
    if (!row) throw useNotFound(id);
    return this.view(p, row);
  }

  async epsilonOf(productId: string, consumerTenantId: string): Promise<{ budget: number; spent: number; left: number } | null> {
    const [b] = await this.deps.db
      .select()
      .from(dataBudgets)
      .where(and(eq(dataBudgets.productId, productId), eq(dataBudgets.consumerTenantId, consumerTenantId)));
    return b ? { budget: b.budget, spent: b.spent, left: Math.max(0, b.budget - b.spent) } : null;
  }

  /** Waits until the use is released, refused or failed (tests, CLI --wait, the demo). */
  async settled(id: string, timeoutMs = 60_000): Promise<DataUse> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const [row] = await this.deps.db.select().from(dataUses).where(eq(dataUses.id, id));
      if (!row) throw useNotFound(id);
      if (row.state !== 'queued' && row.state !== 'running') return this.view(null, row);
      if (Date.now() > end) throw new Error(`data use ${id} is still ${row.state} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Resubmits uses whose job was never submitted (a crash between the use and its job); follows jobs that end unreleased. */
  async start(): Promise<void> {
    this.unsubscribe ??= this.deps.bus.subscribe((e) => {
      if (e.kind === 'job.status' && e.entity === 'job' && (e.data.status === 'cancelled' || e.data.status === 'failed')) {
        void this.jobEnded(e.entityId, e.data.status).catch((err: unknown) => this.deps.log.warn({ err, jobId: e.entityId }, 'data plane: could not settle the use of an ended job'));
      }
    });
    const orphans = await this.deps.db.select().from(dataUses).where(and(eq(dataUses.state, 'queued'), isNull(dataUses.jobId)));
    for (const use of orphans) {
      const [product] = await this.deps.db.select().from(dataProducts).where(eq(dataProducts.id, use.productId));
      if (product) await this.submitJob(SYSTEM, use, product);
    }
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.plane.close();
  }

  // ---- internals ----

  /** The contract the principal may run uses under: its consumer's users, or an operator on its behalf. */
  private async contractFor(p: Principal, id: string) {
    const [c] = await this.deps.db.select().from(dataContracts).where(eq(dataContracts.id, id));
    if (!c || (p.role === 'tenant' && p.tenantId !== c.consumerTenantId && p.tenantId !== c.providerTenantId)) throw dataErrors.contractNotFound(id);
    if (p.role === 'operator' || (p.role === 'tenant' && p.tenantId === c.consumerTenantId)) return c;
    throw errors.forbidden('run queries under a contract it is not the consumer of');
  }

  private async byKey(consumerTenantId: string, key: string): Promise<UseRow | undefined> {
    const [row] = await this.deps.db
      .select()
      .from(dataUses)
      .where(and(eq(dataUses.consumerTenantId, consumerTenantId), eq(dataUses.idempotencyKey, key)));
    return row;
  }

  /** Reserves ε on the consumer's budget for the product, or throws BUDGET_EXHAUSTED with the numbers. */
  private async reserve(tx: Tx, productId: string, consumerTenantId: string, budget: number, epsilon: number): Promise<void> {
    await tx.insert(dataBudgets).values({ productId, consumerTenantId, budget, spent: 0 }).onConflictDoNothing();
    const where = and(eq(dataBudgets.productId, productId), eq(dataBudgets.consumerTenantId, consumerTenantId));
    const ok = await tx
      .update(dataBudgets)
      .set({ spent: sql`${dataBudgets.spent} + ${epsilon}` })
      .where(and(where, sql`${dataBudgets.spent} + ${epsilon} <= ${dataBudgets.budget} + 1e-9`))
      .returning({ spent: dataBudgets.spent });
    if (ok.length) return;
    const [b] = await tx.select().from(dataBudgets).where(where);
    const spent = b?.spent ?? 0;
    const total = b?.budget ?? budget;
    throw new DataRuleError(
      'BUDGET_EXHAUSTED',
      `ε budget ${num(total)} for this product: ${num(spent)} spent, ${num(Math.max(0, total - spent))} left; this query asks ${num(epsilon)}`,
      { budget: total, spent, epsilon },
    );
  }

  /**
   * Submits the use's job as the consumer tenant and returns its id; a use whose job cannot be submitted
   * fails and gives its spend back (null).
   */
  private async submitJob(p: Principal, use: UseRow, product: typeof dataProducts.$inferSelect): Promise<string | null> {
    const { compute, db } = this.deps;
    try {
      const site = await compute.network.getSite(product.siteId);
      const type = site.pools.find((pl) => pl.type === 'cpu')?.type ?? site.pools[0]?.type;
      if (!type) throw new Error(`site ${site.id} has no resource pool to run the use on`);
      const [contract] = await db.select({ terms: dataContracts.terms }).from(dataContracts).where(eq(dataContracts.id, use.contractId));
      const regions = (contract?.terms?.policy ?? product.policy).computeRegions;
      const job = await compute.jobs.submit(p, {
        ...USE_JOB,
        name: `data use ${use.id} on ${product.title.en}`.slice(0, 128),
        type: type as never,
        regions,
        sites: [product.siteId],
        command: `${USE_COMMAND}${use.id}`,
        tenantId: use.consumerTenantId,
      });
      // The plane may have bound the job already (it claims the use when the task reaches it).
      await db
        .update(dataUses)
        .set({ jobId: job.id })
        .where(and(eq(dataUses.id, use.id), or(isNull(dataUses.jobId), eq(dataUses.jobId, job.id))));
      return job.id;
    } catch (err) {
      this.deps.log.warn({ err, useId: use.id }, 'data plane: the job of a use could not be submitted');
      await this.fail(use, 'JOB_NOT_SUBMITTED', `the compute job could not be submitted: ${(err as Error).message}`);
      return null;
    }
  }

  /** A job that ended without releasing its use (cancelled, or the plane failed): the use fails, its spend returned. */
  private async jobEnded(jobId: string, status: 'cancelled' | 'failed'): Promise<void> {
    const [use] = await this.deps.db.select().from(dataUses).where(eq(dataUses.jobId, jobId));
    if (!use) return;
    if (status === 'cancelled') await this.fail(use, 'CANCELLED', 'the job was cancelled before the result was released');
    else await this.fail(use, 'JOB_FAILED', 'the compute job failed before the result was released; nothing was spent, try again');
  }

  /** Fails a queued or running use and gives its spend back (once, whoever gets here first). */
  private async fail(use: UseRow, code: string, message: string): Promise<void> {
    await this.plane.settle(use, { state: 'failed', code, message });
  }

  /** Tenants see the uses they made or that were made of their products; operators all. */
  private visible(p: Principal): SQL | undefined {
    if (p.role === 'operator') return undefined;
    if (p.role === 'tenant' && p.tenantId) return or(eq(dataUses.consumerTenantId, p.tenantId), eq(dataUses.providerTenantId, p.tenantId));
    throw errors.forbidden('read data uses');
  }

  /** The API shape; a provider (and anyone but the consumer and operators) never sees the consumer's join rows. */
  private view(p: Principal | null, r: UseRow): DataUse {
    const own = p === null || p.role === 'operator' || (p.role === 'tenant' && p.tenantId === r.consumerTenantId);
    const { join, ...rest } = r.query;
    const query: DataQuery = own || !join ? r.query : { ...rest, join: { ...join, rows: [] } };
    return {
      id: r.id,
      contractId: r.contractId,
      productId: r.productId,
      providerTenantId: r.providerTenantId,
      consumerTenantId: r.consumerTenantId,
      query,
      state: r.state as DataUse['state'],
      jobId: r.jobId,
      siteId: r.siteId,
      result: r.result,
      refusal: r.refusal,
      epsilonSpent: r.epsilonSpent,
      feeFen: r.feeFen,
      createdAt: r.createdAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
    };
  }
}

/** Why the guarded count did not pass: the contract changed since it was read, or its limit is reached. */
async function whyNotCounted(tx: Tx, contractId: string, limit: number | null): Promise<DataRuleError> {
  const [c] = await tx.select().from(dataContracts).where(eq(dataContracts.id, contractId));
  if (c && c.state === 'agreed' && limit !== null && c.uses >= limit) {
    return useLimitReached(limit, c.uses);
  }
  return new DataRuleError('CONTRACT_NOT_ACTIVE', `contract ${contractId} is ${c?.state === 'agreed' ? 'expired' : (c?.state ?? 'gone')}; ask for a new contract to use the data`);
}

const num = (x: number) => (Number.isInteger(x) ? x.toFixed(1) : String(Math.round(x * 1e6) / 1e6));
