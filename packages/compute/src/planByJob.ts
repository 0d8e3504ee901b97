import type { JobInfo, PlanIndex } from './planIndex.ts';
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

/** What moving a job's data to the regions its allocations use costs, as evaluate() charges it for a plan keeping the rules. */
export function transferFenOf(ix: PlanIndex, info: JobInfo, own: readonly Allocation[]): number {
  const home = ix.siteRegion[info.homeSite]!;
  const regions = new Set<string>();
  for (const a of own) {
    const region = ix.siteRegion[ix.siteById.get(a.site)!]!;
    if (region !== home) regions.add(region);
  }
  let fen = 0;
  for (const r of regions) fen += info.options.find((o) => ix.siteRegion[o.site] === r)?.transferFen ?? 0;
  return fen;
}
