import { buildIndex, type PlanIndex } from './planIndex.ts';
import type { Allocation } from './policy.ts';
import type { Scenario } from './scenario.ts';

/**
 * Rule violations in a plan (empty when the plan is valid): capacity per site-slot, job windows,
 * allowed sites (residency, links, transfer delay), whole units, per-slot size, malleable and rigid jobs
 * at one site, rigid jobs contiguous at full size and all-or-nothing, no more work than requested.
 */
export function checkPlan(scenario: Scenario, allocations: readonly Allocation[], index?: PlanIndex): string[] {
  const ix = index ?? buildIndex(scenario);
  const out: string[] = [];
  const nK = ix.types.length;
  const used = new Map<number, number>();
  const perJob = new Map<number, Allocation[]>();
  for (const a of allocations) {
    const j = ix.jobById.get(a.job);
    const s = ix.siteById.get(a.site);
    if (j === undefined || s === undefined) { out.push(`unknown job or site in ${JSON.stringify(a)}`); continue; }
    const info = ix.jobs[j]!;
    if (!Number.isInteger(a.units) || a.units <= 0) out.push(`${a.job}: units ${a.units} is not a positive whole number`);
    const opt = info.options.find((o) => o.site === s);
    if (!opt) out.push(`${a.job}: site ${a.site} not allowed`);
    else if (a.slot < opt.firstSlot || a.slot >= info.job.deadline) out.push(`${a.job}: slot ${a.slot} outside [${opt.firstSlot}, ${info.job.deadline}) at ${a.site}`);
    if (info.job.flex !== 'divisible' && a.units > info.job.units) out.push(`${a.job}: ${a.units} units in one slot, job size is ${info.job.units}`);
    const cell = (s * nK + info.type) * ix.T + a.slot;
    used.set(cell, (used.get(cell) ?? 0) + a.units);
    let list = perJob.get(j);
    if (!list) perJob.set(j, (list = []));
    list.push(a);
  }
  for (const [cell, u] of used) {
    const sk = Math.floor(cell / ix.T);
    const cap = ix.poolUnits[sk]!;
    if (u > cap) out.push(`site ${ix.siteIds[Math.floor(sk / nK)]} ${ix.types[sk % nK]} slot ${cell % ix.T}: ${u} units > capacity ${cap}`);
  }
  for (const [j, list] of perJob) {
    const info = ix.jobs[j]!;
    const total = list.reduce((n, a) => n + a.units, 0);
    if (total > info.work) out.push(`${info.job.id}: ${total} unit-slots allocated, ${info.work} requested`);
    const sites = new Set(list.map((a) => a.site));
    if (info.job.flex !== 'divisible' && sites.size > 1) out.push(`${info.job.id}: ${info.job.flex} job split over sites ${[...sites].join(', ')}`);
    if (info.job.flex === 'rigid') {
      const slots = list.map((a) => a.slot).sort((a, b) => a - b);
      const contiguous = slots.every((t, i) => i === 0 || t === slots[i - 1]! + 1);
      if (!contiguous || slots.length !== info.slots || list.some((a) => a.units !== info.job.units)) {
        out.push(`${info.job.id}: rigid job not run as ${info.job.units} units for ${info.slots} consecutive slots`);
      }
    }
    const slotsSeen = new Set<string>();
    for (const a of list) {
      const key = `${a.site}:${a.slot}`;
      if (info.job.flex !== 'divisible' && slotsSeen.has(key)) out.push(`${info.job.id}: two allocations at ${key}`);
      slotsSeen.add(key);
    }
  }
  return out;
}
