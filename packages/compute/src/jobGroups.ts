import type { PlanIndex } from './planIndex.ts';

/**
 * Jobs grouped for the Lagrangian master by columns (lagrangianByColumns' `groups`): same type, flexibility
 * and candidate sites, and release and deadline in the same bucket of slots. Jobs alike in these answer
 * prices alike, so a column summing their cheapest placements is one the master can use whole. Buckets
 * widen (doubling) until at most `maxGroups` groups remain or a bucket spans the horizon.
 */
export interface JobGroups {
  /** each job's group, 0 … count − 1 */
  groupOf: Int32Array;
  count: number;
  /** the release and deadline bucket, in slots */
  width: number;
}

export function jobGroups(ix: PlanIndex, maxGroups: number): JobGroups {
  const sites = ix.jobs.map((info) => `${info.type}|${info.job.flex}|${info.options.map((o) => o.site).sort((a, b) => a - b).join(',')}`);
  for (let width = 1; ; width *= 2) {
    const ids = new Map<string, number>();
    const groupOf = Int32Array.from(ix.jobs, (info, j) => {
      const key = `${sites[j]}|${Math.floor(info.job.release / width)}|${Math.floor(info.job.deadline / width)}`;
      let g = ids.get(key);
      if (g === undefined) { g = ids.size; ids.set(key, g); }
      return g;
    });
    if (ids.size <= maxGroups || width >= ix.T) return { groupOf, count: ids.size, width };
  }
}
