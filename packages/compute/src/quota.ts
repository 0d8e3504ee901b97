/**
 * Quotas, cohorts and borrowing, after Kueue's ClusterQueue: each tenant has a nominal quota of units
 * per resource type; tenants in one cohort may borrow each other's idle nominal quota (up to the
 * borrower's borrowing limit, and never more of a lender's quota than its lending limit); a project
 * inside a tenant may have a cap of its own (no borrowing at project level). Quotas are opt-in: a
 * tenant with no quota for a resource type is not limited in it.
 *
 * Pure: usage and quotas come in, a verdict goes out. The server keeps usage (units handed out and
 * running) and asks here before a task starts.
 */

export interface TenantQuota {
  tenantId: string;
  type: string;
  nominal: number;
  /** Null: quotas of this tenant stand alone (nothing borrowed, nothing lent). */
  cohort: string | null;
  /** Most units above nominal this tenant may hold; null = as much as the cohort has idle. */
  borrowingLimit: number | null;
  /** Most units of this tenant's nominal others may borrow; null = all of it. */
  lendingLimit: number | null;
}

export interface ProjectQuota {
  tenantId: string;
  project: string;
  type: string;
  nominal: number;
}

/** Units in use (handed out or running), by tenant and project. */
export interface QuotaUse {
  tenantId: string;
  project: string | null;
  type: string;
  units: number;
}

export interface QuotaRequest {
  tenantId: string;
  project: string | null;
  type: string;
  units: number;
}

export type QuotaVerdict =
  | { ok: true; borrowed: number }
  | { ok: false; reason: string };

/** Figures of one tenant for one type: what the tenant and operator pages show. */
export interface QuotaFigures {
  tenantId: string;
  type: string;
  cohort: string | null;
  nominal: number;
  used: number;
  /** Units above nominal in use now. */
  borrowed: number;
  /** Units of this tenant's nominal that others in the cohort hold now (its share of their borrowing). */
  lent: number;
  borrowingLimit: number | null;
  lendingLimit: number | null;
}

const sumUse = (use: readonly QuotaUse[], tenantId: string, type: string, project?: string) =>
  use.reduce((n, u) => (u.tenantId === tenantId && u.type === type && (project === undefined || u.project === project) ? n + u.units : n), 0);

/** What a member can lend now: idle nominal, capped by its lending limit. */
const lendable = (q: TenantQuota, used: number) => Math.max(0, Math.min(q.lendingLimit ?? q.nominal, q.nominal - used));

/** A cohort's totals for one type, given each member's usage (`usedOf`). */
function cohortTotals(members: readonly TenantQuota[], usedOf: (q: TenantQuota) => number): { borrowed: number; idle: number } {
  let borrowed = 0;
  let idle = 0;
  for (const m of members) {
    const used = usedOf(m);
    borrowed += Math.max(0, used - m.nominal);
    idle += lendable(m, used);
  }
  return { borrowed, idle };
}

export class QuotaBook {
  constructor(
    readonly tenants: readonly TenantQuota[],
    readonly projects: readonly ProjectQuota[] = [],
  ) {}

  quotaOf(tenantId: string, type: string): TenantQuota | undefined {
    return this.tenants.find((q) => q.tenantId === tenantId && q.type === type);
  }

  projectQuotaOf(tenantId: string, project: string | null, type: string): ProjectQuota | undefined {
    return project === null ? undefined : this.projects.find((p) => p.tenantId === tenantId && p.project === project && p.type === type);
  }

  members(q: TenantQuota): TenantQuota[] {
    return q.cohort === null ? [q] : this.tenants.filter((m) => m.type === q.type && m.cohort === q.cohort);
  }

  /**
   * Whether `req` may start on top of `use`. Within nominal it always may (the nominal quota is the
   * tenant's guarantee; borrowers give it back, see `reclaim`). Above nominal it may borrow while the
   * cohort's borrowing stays covered by its members' lendable idle quota and the tenant stays within its
   * borrowing limit.
   */
  admit(use: readonly QuotaUse[], req: QuotaRequest): QuotaVerdict {
    const pq = this.projectQuotaOf(req.tenantId, req.project, req.type);
    if (pq) {
      const used = sumUse(use, req.tenantId, req.type, pq.project);
      if (used + req.units > pq.nominal) {
        return { ok: false, reason: `quota: project ${pq.project} ${req.type} ${used}/${pq.nominal} in use, needs ${req.units}` };
      }
    }
    const q = this.quotaOf(req.tenantId, req.type);
    if (!q) return { ok: true, borrowed: 0 };
    const used = sumUse(use, req.tenantId, req.type);
    const after = used + req.units;
    if (after <= q.nominal) return { ok: true, borrowed: 0 };
    const wanted = after - q.nominal;
    const usedOf = (m: TenantQuota) => sumUse(use, m.tenantId, m.type) + (m.tenantId === req.tenantId ? req.units : 0);
    const { borrowed, idle } = cohortTotals(this.members(q), usedOf);
    const before = cohortTotals(this.members(q), (m) => sumUse(use, m.tenantId, m.type));
    const cohortIdle = Math.max(0, before.idle - before.borrowed);
    const head = `quota: ${req.type} ${used}/${q.nominal} in use, needs ${req.units}`;
    if (q.borrowingLimit !== null && wanted > q.borrowingLimit) {
      return { ok: false, reason: `${head}; borrowing limit ${q.borrowingLimit}` };
    }
    if (q.cohort === null || borrowed > idle) {
      return { ok: false, reason: q.cohort === null ? `${head}; no cohort to borrow from` : `${head}, cohort ${q.cohort} has ${cohortIdle} idle` };
    }
    return { ok: true, borrowed: wanted };
  }

  /** The figures of every quota, for the quota pages. */
  figures(use: readonly QuotaUse[]): QuotaFigures[] {
    return this.tenants.map((q) => {
      const usedOf = (m: TenantQuota) => sumUse(use, m.tenantId, m.type);
      const used = usedOf(q);
      const { borrowed: cohortBorrowed, idle } = cohortTotals(this.members(q), usedOf);
      // Borrowing is drawn from all lenders in proportion to what each can lend.
      const lent = q.cohort === null || idle === 0 ? 0 : Math.min(lendable(q, used), (cohortBorrowed * lendable(q, used)) / idle);
      return {
        tenantId: q.tenantId, type: q.type, cohort: q.cohort, nominal: q.nominal, used,
        borrowed: Math.max(0, used - q.nominal), lent: Math.round(lent * 100) / 100,
        borrowingLimit: q.borrowingLimit, lendingLimit: q.lendingLimit,
      };
    });
  }

  /**
   * Borrowed work to stop so that owners waiting for their nominal quota get it. `waiting` is queued
   * work of tenants that is within their nominal quota; counting it as used, a cohort whose borrowing is
   * no longer covered by lendable idle quota gives back borrowed units, newest work first, from the
   * tenants that borrow. Returns the ids of the running work to stop.
   */
  reclaim(running: readonly RunningWork[], waiting: readonly QuotaRequest[]): string[] {
    const use: (QuotaUse & { id?: string })[] = [...running, ...waiting];
    const victims: string[] = [];
    const done = new Set<string>();
    for (const q of this.tenants) {
      if (q.cohort === null || done.has(`${q.cohort}:${q.type}`)) continue;
      done.add(`${q.cohort}:${q.type}`);
      const members = this.members(q);
      const live = [...use];
      const deficit = () => {
        const t = cohortTotals(members, (m) => sumUse(live, m.tenantId, m.type));
        return t.borrowed - t.idle;
      };
      const memberIds = new Set(members.map((m) => m.tenantId));
      // Least work lost first: what has not started yet (newest submitted first), then the newest started.
      const candidates = running.filter((r) => r.type === q.type && memberIds.has(r.tenantId)).sort(
        (a, b) => (b.startedAtMs ?? Infinity) - (a.startedAtMs ?? Infinity) || b.submittedAtMs - a.submittedAtMs,
      );
      for (const r of candidates) {
        if (deficit() <= 0) break;
        const m = members.find((x) => x.tenantId === r.tenantId)!;
        if (sumUse(live, r.tenantId, r.type) <= m.nominal) continue;
        live.splice(live.indexOf(r), 1);
        victims.push(r.id);
      }
    }
    return victims;
  }
}

export interface RunningWork extends QuotaRequest {
  id: string;
  /** Null: handed to its engine, not started yet. */
  startedAtMs: number | null;
  submittedAtMs: number;
}

export interface QuotaIssue {
  path: string;
  message: string;
}

/**
 * Checks a quota an operator sets against the usage now. A quota below what the tenant uses is refused
 * (not taken as "no new work until usage drops"): the operator sees at once that work would have to stop.
 */
export function checkQuota(q: TenantQuota, used: number, knownTypes: readonly string[]): QuotaIssue[] {
  const issues: QuotaIssue[] = [];
  if (!knownTypes.includes(q.type)) issues.push({ path: 'type', message: `unknown resource type "${q.type}"; one of ${knownTypes.join(', ')}` });
  if (!Number.isInteger(q.nominal) || q.nominal < 0) issues.push({ path: 'nominal', message: 'a whole number of units, 0 or more' });
  else if (q.nominal < used) {
    issues.push({ path: 'nominal', message: `${q.nominal} is below the ${used} ${q.type} units ${q.tenantId} uses now; lower it once that work ends` });
  }
  for (const k of ['borrowingLimit', 'lendingLimit'] as const) {
    const v = q[k];
    if (v !== null && (!Number.isInteger(v) || v < 0)) issues.push({ path: k, message: 'a whole number of units, 0 or more, or null for no limit' });
  }
  if (q.lendingLimit !== null && q.lendingLimit > q.nominal) issues.push({ path: 'lendingLimit', message: `at most the nominal quota (${q.nominal})` });
  return issues;
}
