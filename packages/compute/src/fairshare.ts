/**
 * Slurm's classic fair share: each tenant's usage decays with a half-life, and its factor is
 * F = 2^(-U/S), with U its share of the network's decayed usage and S its share of the shares
 * (both normalised to sum to 1). F is 1 for a tenant that used nothing, 0.5 for one that used
 * exactly its share, and falls towards 0 the more it used beyond it.
 */

export interface UsageRecord {
  tenantId: string;
  unitHours: number;
  /** When the work ended (or now, for work still running). */
  atMs: number;
}

export interface FairShareRow {
  tenantId: string;
  shares: number;
  /** Shares normalised to the network's total. */
  normShares: number;
  /** Decayed unit-hours. */
  effectiveUsage: number;
  /** Decayed usage normalised to the network's total. */
  normUsage: number;
  factor: number;
}

/** Usage decayed to `nowMs`: each record weighs 2^(-age / halfLife). */
export function decayedUsage(records: readonly UsageRecord[], nowMs: number, halfLifeHours: number): Map<string, number> {
  const out = new Map<string, number>();
  const halfLifeMs = halfLifeHours * 3600_000;
  for (const r of records) {
    const age = Math.max(0, nowMs - r.atMs);
    out.set(r.tenantId, (out.get(r.tenantId) ?? 0) + r.unitHours * 2 ** (-age / halfLifeMs));
  }
  return out;
}

/**
 * The fair-share table (as `sshare` prints it). `shares` lists every tenant with its shares (tenants
 * not listed are not in the table); usage of tenants not listed still counts in the network's total.
 */
export function fairShare(shares: ReadonlyMap<string, number>, usage: ReadonlyMap<string, number>): FairShareRow[] {
  const totalShares = [...shares.values()].reduce((a, b) => a + b, 0);
  const totalUsage = [...usage.values()].reduce((a, b) => a + b, 0);
  return [...shares].map(([tenantId, s]) => {
    const normShares = totalShares > 0 ? s / totalShares : 0;
    const effectiveUsage = usage.get(tenantId) ?? 0;
    const normUsage = totalUsage > 0 ? effectiveUsage / totalUsage : 0;
    // No shares: any usage at all puts the tenant last (Slurm: F = 0).
    const factor = normShares > 0 ? 2 ** (-normUsage / normShares) : normUsage > 0 ? 0 : 1;
    return { tenantId, shares: s, normShares, effectiveUsage, normUsage, factor };
  });
}

/** Weight of the fair-share factor against the job's own priority (0–100), as Slurm's PriorityWeightFairshare. */
export const FAIRSHARE_PRIORITY_WEIGHT = 100;

/** The order queued work is dispatched in: job priority plus the weighted fair-share factor. */
export const effectivePriority = (priority: number, factor: number): number => priority + FAIRSHARE_PRIORITY_WEIGHT * factor;

/**
 * The planner's weight for a job of this effective priority: 1 at priority 0 and factor 0, up to 3 at
 * the top. It scales what leaving the job unserved costs, so when capacity is short the plan keeps the
 * higher-priority work.
 */
export const plannerWeight = (effective: number): number => 1 + Math.max(0, effective) / FAIRSHARE_PRIORITY_WEIGHT;
