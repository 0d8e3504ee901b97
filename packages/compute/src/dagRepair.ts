import { buildIndex, type SiteOption } from './planIndex.ts';
import { PlanState, bestRigid } from './planState.ts';
import type { Allocation } from './policy.ts';
import { precedenceWindows, stagingSlots, topologicalOrder, type PrecedenceEdge } from './precedence.ts';
import type { Scenario } from './scenario.ts';

export interface DagRepair {
  allocations: Allocation[];
  /** Workflows (connected parts of the DAG) re-placed, and the jobs of theirs served now that were not. */
  workflows: number;
  servedMore: number;
}

/**
 * Serves the work a plan under precedence left out of a workflow, where the capacity allows. A plan made
 * by rounds fixes each parent before its dependants are placed: a parent in the cheapest late slots
 * of its window can leave a dependant no free capacity after it, and the dependant — then its own
 * dependants — go unserved although the network had room at other times (a plan serving them all
 * exists). Each workflow (a connected part of the DAG) with a job not fully served is taken out and
 * placed again, parents first, every job at one site after each parent's end plus the staging of its
 * data from that parent's site: first each at its cheapest start that still leaves its dependants
 * their run (the windows of precedenceWindows), else each at its earliest start. The new placement is
 * kept only when it serves more of the workflow's work than the old one (then the cheaper of the two
 * ways when both serve as much); else the workflow stays as it was. Rigid jobs only (the platform's
 * work): a workflow with another kind is left alone. The result keeps every precedence edge.
 */
export function repairDag(scenario: Scenario, edges: readonly PrecedenceEdge[], allocations: readonly Allocation[]): DagRepair {
  const ix = buildIndex(scenario);
  const st = new PlanState(ix);
  // A rigid job's cells go in in time order: its last slot is the one that completes it.
  for (const a of [...allocations].sort((x, y) => x.slot - y.slot)) {
    const j = ix.jobById.get(a.job), s = ix.siteById.get(a.site);
    if (j !== undefined && s !== undefined) st.add(j, s, a.slot, a.units);
  }
  const parents = new Map<number, { parent: number; dataGB: number }[]>();
  const root = new Map<number, number>();
  const find = (j: number): number => {
    let r = j;
    while (root.has(r) && root.get(r) !== r) r = root.get(r)!;
    root.set(j, r);
    return r;
  };
  for (const e of edges) {
    const c = ix.jobById.get(e.job);
    if (c === undefined) continue;
    for (const p of e.after) {
      const pj = ix.jobById.get(p);
      if (pj === undefined) continue;
      parents.set(c, [...(parents.get(c) ?? []), { parent: pj, dataGB: e.dataGB ?? ix.jobs[c]!.job.dataGB }]);
      root.set(find(c), find(pj));
    }
  }
  const workflows = new Map<number, number[]>();
  const order = topologicalOrder(scenario.jobs.map((j) => j.id), new Map(edges.map((e) => [e.job, e.after])));
  for (const id of order) {
    const j = ix.jobById.get(id)!;
    if (!root.has(j)) continue;
    const r = find(j);
    workflows.set(r, [...(workflows.get(r) ?? []), j]);
  }
  const windows = precedenceWindows(scenario, edges);
  const short = (j: number) => st.served[j]! < ix.jobs[j]!.work;
  let repaired = 0, servedMore = 0;
  for (const jobs of workflows.values()) {
    if (!jobs.some(short) || jobs.some((j) => ix.jobs[j]!.job.flex !== 'rigid')) continue;
    const servedWork = () => jobs.reduce((n, j) => n + st.served[j]!, 0);
    const before = { work: servedWork(), cells: jobs.map((j) => st.remove(j).slice()) };
    // The old placement's cost is read back by putting it in again; each way is tried from the same empty state.
    const restore = (cells: readonly (readonly { site: number; t: number; units: number }[])[]) => {
      for (const j of jobs) st.remove(j);
      cells.forEach((list, i) => { for (const c of list) st.add(jobs[i]!, c.site, c.t, c.units); });
    };
    const ways = (['cheapest', 'earliest'] as const).map((way) => {
      let cost = 0;
      for (const j of jobs) {
        const info = ix.jobs[j]!;
        const ps = parents.get(j) ?? [];
        // Placed only after all its parents: a parent not served leaves it out.
        if (ps.some((p) => short(p.parent))) continue;
        const options: SiteOption[] = [];
        for (const o of info.options) {
          let first = o.firstSlot;
          for (const p of ps) {
            const at = st.placementOf(p.parent);
            const end = Math.max(...at.map((c) => c.t)) + 1;
            first = Math.max(first, end + stagingSlots(scenario, ix.siteIds[at[0]!.site]!, ix.siteIds[o.site]!, p.dataGB));
          }
          if (Number.isFinite(first)) options.push({ ...o, firstSlot: first });
        }
        const w = windows.get(info.job.id)!;
        const room = way === 'cheapest' ? { ...info, job: { ...info.job, deadline: Math.min(info.job.deadline, w.deadline) } } : info;
        const p = bestRigid(st, room, options, way === 'earliest');
        if (!p) continue;
        for (const c of p.cells) st.add(j, c.site, c.t, c.units);
        cost += p.cost;
      }
      const got = { work: servedWork(), cost, cells: jobs.map((j) => st.placementOf(j).slice()) };
      for (const j of jobs) st.remove(j);
      return got;
    });
    const best = ways.reduce((a, b) => (b.work > a.work || (b.work === a.work && b.cost < a.cost - 1e-9) ? b : a));
    if (best.work > before.work) {
      restore(best.cells);
      repaired++;
      servedMore += jobs.filter((j, i) => before.cells[i]!.reduce((n, c) => n + c.units, 0) < ix.jobs[j]!.work && !short(j)).length;
    } else restore(before.cells);
  }
  return { allocations: st.allocations(), workflows: repaired, servedMore };
}
