import type { WaitingJob, WaitingParent } from '../compute/planning.ts';
import type { LiveJob } from './live-scenario.ts';

const HOUR_MS = 3_600_000;

/** A waiting job as the plan takes it: its parents still in the plan are precedence edges (`after`). */
export type PlannedDependant = LiveJob & { after: string[] };

/**
 * The waiting jobs the planner plans with their parents, so a parent's placement and its dependants'
 * earliest start are planned together (the dispatcher still releases a dependant only once its parents
 * have ended). A parent in the same plan becomes a precedence edge; a parent outside it (running, handed
 * out, or pinned and so not planned) is expected to end after its run length from its start (or from
 * now), and the dependant is released no earlier, with its data at the parent's site as its home — what
 * the release does too. Left out: a job waiting on `afternotok` (it runs only if a parent fails, so the
 * plan holds no capacity for it), pinned or accelerator work (not planned at all), and the dependants of
 * anything left out. `planned` are the ids of the queued jobs in the plan.
 */
export function plannedDependants(nowMs: number, planned: ReadonlySet<string>, waiting: readonly WaitingJob[], weight: (j: WaitingJob) => number): PlannedDependant[] {
  const byId = new Map(waiting.map((j) => [j.id, j]));
  const out = new Map<string, PlannedDependant>();
  const done = new Set<string>();
  // Parents before their dependants (the graph has no cycle: submit refuses one), so `out` is in order.
  const visit = (j: WaitingJob): PlannedDependant | null => {
    if (done.has(j.id)) return out.get(j.id) ?? null;
    done.add(j.id);
    const made = build(j);
    if (made) out.set(j.id, made);
    return made;
  };
  const build = (j: WaitingJob): PlannedDependant | null => {
    if (j.sites.length > 0 || j.accelerator || j.minMemGB || j.oneGroup) return null;
    const open = j.parents.filter((d) => d.state === 'waiting');
    if (open.some((d) => d.kind === 'notok')) return null;
    let releaseAt = Math.max(j.releaseAt.getTime(), nowMs);
    let home = j.home ?? j.parents.find((d) => d.state === 'met' && d.siteId)?.siteId ?? null;
    const after: string[] = [];
    for (const d of open) {
      const waitingParent = planned.has(d.jobId) ? undefined : byId.get(d.jobId);
      if (planned.has(d.jobId) || waitingParent) {
        const parent = waitingParent ? visit(waitingParent) : null;
        if (waitingParent && !parent) return null;
        after.push(d.jobId);
        // Its run after the parent's earliest end: the default deadline counts its slack from there.
        releaseAt = Math.max(releaseAt, parent ? parent.releaseAt + parent.hours * HOUR_MS : earliestEnd(d, nowMs));
        continue;
      }
      releaseAt = Math.max(releaseAt, earliestEnd(d, nowMs));
      home ??= d.siteId ?? d.sites[0] ?? d.home;
    }
    return {
      id: j.id, tenantId: j.tenantId, type: j.type, units: j.units, hours: j.hours, home, dataGB: j.dataGB,
      regions: j.regions, releaseAt, deadlineAt: j.deadlineAt?.getTime() ?? null, weight: weight(j), after,
    };
  };
  for (const j of waiting) visit(j);
  return [...out.values()];
}

/** When a parent outside the plan is expected to end: its run length after its start, or after now. */
function earliestEnd(d: WaitingParent, nowMs: number): number {
  const from = d.startedAt && d.siteId ? d.startedAt.getTime() : Math.max(nowMs, d.releaseAt.getTime());
  return Math.max(nowMs, from + d.hours * HOUR_MS);
}
