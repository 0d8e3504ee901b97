import type { PlanIndex } from './planIndex.ts';
import type { Allocation } from './policy.ts';

/** A plan's allocations grouped by job index (allocations of unknown jobs or no units left out). */
export function allocationsByJob(ix: PlanIndex, plan: readonly Allocation[]): Map<number, Allocation[]> {
  const byJob = new Map<number, Allocation[]>();
  for (const a of plan) {
    const j = ix.jobById.get(a.job);
    if (j === undefined || a.units <= 0) continue;
    let list = byJob.get(j);
    if (!list) byJob.set(j, (list = []));
    list.push(a);
  }
  return byJob;
}

