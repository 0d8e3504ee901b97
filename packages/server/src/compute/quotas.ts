import type { Clock, FairShareTable, Quota, QuotaInput } from '@shuzhi/schema';
import { ResourceType } from '@shuzhi/schema';
import { and, eq, gte, isNotNull } from 'drizzle-orm';
import {
  checkQuota,
  decayedUsage,
  effectivePriority,
  fairShare,
  QuotaBook,
  type QuotaRequest,
  type QuotaUse,
  type RunningWork,
  type UsageRecord,
} from '@shuzhi/compute';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { tenants } from '../db/schema.ts';
import { errors } from '../errors.ts';
import type { Logger } from '../log.ts';
import { fairShares, jobs, quotas, runs } from './db-schema.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { TaskInfo } from './run-host.ts';

export interface QuotaOptions {
  clock: Clock;
  /** Half-life of fair-share usage (Slurm's PriorityDecayHalfLife). */
  halfLifeHours: number;
  /** How long borrowed work may keep running once its owner waits for the units. */
  reclaimMs: number;
}

const HOUR = 3600_000;
/** Fair-share factors are recomputed at most this often (they move with hours of usage, not seconds). */
const FACTOR_TTL_MS = 30_000;

const asRequest = (t: Pick<TaskInfo, 'tenantId' | 'project' | 'type' | 'units'>): QuotaRequest => ({
  tenantId: t.tenantId, project: t.project ?? null, type: t.type, units: t.units,
});

/**
 * Quotas (per tenant and project, with cohorts that lend idle quota), fair share, and the two hooks
 * they put into compute's dispatcher: admission (work over quota waits, saying why) and the dispatch
 * order (job priority plus the tenant's fair-share factor).
 *
 * Reclaim: borrowed units are given back by (1) counting the queued work of an owner within its
 * nominal quota as used, so nothing new borrows its units, and (2) preempting the borrower's newest
 * running work once the owner has waited `reclaimMs` (SHUZHI_QUOTA_RECLAIM_SECONDS): checkpointing
 * work resumes later from its checkpoint, other work restarts from the beginning (and its lost run is
 * billed: borrowing was the tenant's risk). The grace lets short borrowed work finish rather than lose
 * what it did.
 */
export class QuotaService {
  private book = new QuotaBook([]);
  private factors: { atMs: number; byTenant: Map<string, number> } | null = null;
  /** Borrowed attempts marked for reclaim, and since when (task id → ms). */
  private marked = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly dispatcher: Dispatcher,
    private readonly log: Logger,
    private readonly opts: QuotaOptions,
  ) {}

  async start(tickMs = 5000): Promise<void> {
    await this.load();
    this.dispatcher.admitQuota = async (t) => this.admit(t);
    this.dispatcher.order = (queue) => this.order(queue);
    this.timer = setInterval(() => {
      void this.reclaimTick().catch((err: unknown) => this.log.error({ err }, 'quota reclaim failed'));
    }, tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.dispatcher.admitQuota = null;
    this.dispatcher.order = null;
  }

  private async load(): Promise<void> {
    const rows = await this.db.select().from(quotas);
    this.book = new QuotaBook(
      rows.filter((r) => r.project === '').map((r) => ({
        tenantId: r.tenantId, type: r.type, nominal: r.nominal, cohort: r.cohort, borrowingLimit: r.borrowingLimit, lendingLimit: r.lendingLimit,
      })),
      rows.filter((r) => r.project !== '').map((r) => ({ tenantId: r.tenantId, project: r.project, type: r.type, nominal: r.nominal })),
    );
  }

  // ---- usage ----

  /** Units handed out or running, from the dispatcher's attempts. */
  private inUse(): (QuotaUse & RunningWork)[] {
    return [...this.dispatcher.host.attempts.values()].map((a) => ({
      id: a.taskId, ...asRequest(a), startedAtMs: a.startedAt, submittedAtMs: a.createdAt,
    }));
  }

  /** Whether a quota (the tenant's, or its project's) bounds this work at all. */
  private governs(t: TaskInfo): boolean {
    return Boolean(this.book.quotaOf(t.tenantId, t.type) ?? this.book.projectQuotaOf(t.tenantId, t.project ?? null, t.type));
  }

  /** Queued work of tenants that fits in their nominal quota: the owners borrowers give units back to. */
  private waitingWithinNominal(use: readonly QuotaUse[]): QuotaRequest[] {
    const held = new Map<string, number>();
    for (const u of use) held.set(`${u.tenantId}:${u.type}`, (held.get(`${u.tenantId}:${u.type}`) ?? 0) + u.units);
    const out: QuotaRequest[] = [];
    for (const t of this.dispatcher.queuedTasks()) {
      const q = this.book.quotaOf(t.tenantId, t.type);
      if (!q || q.cohort === null) continue;
      const k = `${t.tenantId}:${t.type}`;
      if ((held.get(k) ?? 0) + t.units > q.nominal) continue;
      held.set(k, (held.get(k) ?? 0) + t.units);
      out.push(asRequest(t));
    }
    return out;
  }

  // ---- dispatcher hooks ----

  /** Admission: within quota plus what may be borrowed; an owner's waiting work is not idle quota. */
  admit(t: TaskInfo): { ok: boolean; reason?: string } {
    // Work no quota bounds is admitted without counting every attempt and queued task: a pass asks
    // once for each task of an array's window.
    if (!this.governs(t)) return { ok: true };
    // The array tasks the dispatcher's pass has booked but not written yet are in use too.
    const use = [...this.inUse(), ...this.dispatcher.pendingHandOuts().map(asRequest)];
    const others = this.waitingWithinNominal(use).filter((w) => w.tenantId !== t.tenantId);
    const v = this.book.admit([...use, ...others], asRequest(t));
    return v.ok ? { ok: true } : { ok: false, reason: v.reason };
  }

  /** Dispatch order: effective priority (job priority + fair share), then first come first served. */
  order(queue: TaskInfo[]): TaskInfo[] {
    const f = this.factorsNow();
    const rank = (t: TaskInfo) => effectivePriority(t.priority, f.get(t.tenantId) ?? 1);
    return queue.sort((a, b) => rank(b) - rank(a) || a.createdAt - b.createdAt);
  }

  /** The planner's priority weight of a job: see compute's plannerWeight. */
  effectivePriority(tenantId: string, priority: number): number {
    return effectivePriority(priority, this.factorsNow().get(tenantId) ?? 1);
  }

  /** Marks borrowed work an owner waits for; requeues what has been marked for the grace period. */
  async reclaimTick(): Promise<string[]> {
    const running = this.inUse();
    const victims = new Set(this.book.reclaim(running, this.waitingWithinNominal(running)));
    const now = this.opts.clock.now();
    for (const id of this.marked.keys()) if (!victims.has(id)) this.marked.delete(id);
    const due: string[] = [];
    for (const id of victims) {
      const since = this.marked.get(id);
      if (since === undefined) this.marked.set(id, now);
      else if (now - since >= this.opts.reclaimMs) due.push(id);
    }
    for (const id of due) {
      this.marked.delete(id);
      await this.dispatcher.preempt(id, 'quota-reclaim');
    }
    if (due.length) this.log.info({ tasks: due }, 'borrowed work requeued for its quota owners');
    return due;
  }

  // ---- fair share ----

  private factorsNow(): Map<string, number> {
    const now = this.opts.clock.now();
    if (this.factors && now - this.factors.atMs < FACTOR_TTL_MS) return this.factors.byTenant;
    // Computed in the background; until the first answer every tenant ranks alike.
    void this.table().then((t) => {
      this.factors = { atMs: now, byTenant: new Map(t.rows.map((r) => [r.tenantId, r.factor])) };
    }).catch((err: unknown) => this.log.warn({ err }, 'fair share not computed'));
    return this.factors?.byTenant ?? new Map();
  }

  /** The fair-share table, as `sshare` prints it: every tenant, its shares, decayed usage and factor. */
  async table(): Promise<FairShareTable> {
    const now = this.opts.clock.now();
    const { halfLifeHours } = this.opts;
    // Past ten half-lives usage weighs under 0.1 %: not worth reading.
    const since = new Date(now - 10 * halfLifeHours * HOUR);
    const ended = await this.db
      .select({ tenantId: jobs.tenantId, unitHours: runs.unitHours, endedAt: runs.endedAt })
      .from(runs)
      .innerJoin(jobs, eq(jobs.id, runs.jobId))
      .where(and(isNotNull(runs.unitHours), gte(runs.endedAt, since)));
    const records: UsageRecord[] = ended.map((r) => ({ tenantId: r.tenantId, unitHours: r.unitHours ?? 0, atMs: r.endedAt?.getTime() ?? now }));
    for (const a of this.dispatcher.host.attempts.values()) {
      if (a.startedAt !== null) records.push({ tenantId: a.tenantId, unitHours: (a.units * Math.max(0, now - a.startedAt)) / HOUR, atMs: now });
    }
    const shareRows = await this.db.select().from(fairShares);
    const tenantRows = await this.db.select({ id: tenants.id }).from(tenants);
    const shares = new Map(tenantRows.map((t) => [t.id, 1]));
    for (const s of shareRows) shares.set(s.tenantId, s.shares);
    const rows = fairShare(shares, decayedUsage(records, now, halfLifeHours)).sort((a, b) => b.factor - a.factor || a.tenantId.localeCompare(b.tenantId));
    return { halfLifeHours, rows };
  }

  /** The fair-share table as `p` may see it: a tenant sees its own row (and the network's half-life). */
  async tableFor(p: Principal): Promise<FairShareTable> {
    const t = await this.table();
    return p.role === 'tenant' ? { ...t, rows: t.rows.filter((r) => r.tenantId === p.tenantId) } : t;
  }

  async setShares(tenantId: string, shares: number): Promise<void> {
    await this.requireTenant(tenantId);
    await this.db.insert(fairShares).values({ tenantId, shares }).onConflictDoUpdate({ target: fairShares.tenantId, set: { shares } });
    this.factors = null;
  }

  // ---- quotas ----

  /** Quotas with their usage; a tenant sees its own only. */
  async list(p: Principal, tenantId?: string): Promise<Quota[]> {
    if (p.role === 'tenant' && tenantId && tenantId !== p.tenantId) throw errors.forbidden('read another tenant\'s quotas');
    // Other roles without a tenant (gov, mine) have no quotas of their own.
    const only = p.role === 'operator' || p.role === 'viewer' ? (tenantId ?? null) : (p.tenantId ?? '');
    return this.rows(only);
  }

  private rows(only: string | null): Quota[] {
    const use = this.inUse();
    const figures = this.book.figures(use);
    const tenantRows: Quota[] = figures.map((f) => ({
      tenantId: f.tenantId, project: null, type: f.type as Quota['type'], nominal: f.nominal, cohort: f.cohort,
      borrowingLimit: f.borrowingLimit, lendingLimit: f.lendingLimit, used: f.used, borrowed: f.borrowed, lent: f.lent,
    }));
    const projectRows: Quota[] = this.book.projects.map((pq) => ({
      tenantId: pq.tenantId, project: pq.project, type: pq.type as Quota['type'], nominal: pq.nominal, cohort: null,
      borrowingLimit: null, lendingLimit: null, borrowed: 0, lent: 0,
      used: use.filter((u) => u.tenantId === pq.tenantId && u.project === pq.project && u.type === pq.type).reduce((a, u) => a + u.units, 0),
    }));
    return [...tenantRows, ...projectRows]
      .filter((q) => only === null || q.tenantId === only)
      .sort((a, b) => a.tenantId.localeCompare(b.tenantId) || (a.project ?? '').localeCompare(b.project ?? '') || a.type.localeCompare(b.type));
  }

  /**
   * Sets a quota. Refused (400 naming the field) below what the tenant or project uses now, with
   * negative units, or for a project with cohort or limits (projects only cap).
   */
  async set(input: QuotaInput): Promise<Quota> {
    await this.requireTenant(input.tenantId);
    const use = this.inUse().filter((u) => u.tenantId === input.tenantId && u.type === input.type && (input.project === null || u.project === input.project));
    const used = use.reduce((a, u) => a + u.units, 0);
    const issues = checkQuota({ ...input }, used, ResourceType.options);
    if (input.project !== null) {
      for (const k of ['cohort', 'borrowingLimit', 'lendingLimit'] as const) {
        if (input[k] !== null) issues.push({ path: k, message: 'a project quota only caps its project: set cohort and limits on the tenant\'s quota' });
      }
    }
    if (issues.length) throw errors.validation(issues);
    const row = {
      tenantId: input.tenantId, project: input.project ?? '', type: input.type, nominal: input.nominal, cohort: input.cohort,
      borrowingLimit: input.borrowingLimit, lendingLimit: input.lendingLimit, updatedAt: new Date(this.opts.clock.now()),
    };
    await this.db.insert(quotas).values(row).onConflictDoUpdate({ target: [quotas.tenantId, quotas.project, quotas.type], set: row });
    await this.load();
    // New room may let waiting work start.
    void this.dispatcher.place();
    return this.rows(input.tenantId).find((q) => q.type === input.type && q.project === input.project)!;
  }

  /** Removes a quota: the tenant (or project) is no longer limited in that type. */
  async remove(tenantId: string, type: string, project: string | null): Promise<void> {
    const gone = await this.db
      .delete(quotas)
      .where(and(eq(quotas.tenantId, tenantId), eq(quotas.type, type), eq(quotas.project, project ?? '')))
      .returning({ t: quotas.tenantId });
    if (!gone.length) throw errors.notFound('quota', `${tenantId}/${project ? `${project}/` : ''}${type}`);
    await this.load();
    void this.dispatcher.place();
  }

  private async requireTenant(tenantId: string): Promise<void> {
    const [t] = await this.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId));
    if (!t) throw errors.validation([{ path: 'tenantId', message: `unknown tenant "${tenantId}"` }]);
  }
}
