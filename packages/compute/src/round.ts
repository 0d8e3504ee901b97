import { bucketDeadline, chainKey, type ChainModel } from './chainModel.ts';
import { edfOrder } from './greedy.ts';
import type { PlanIndex, SiteOption } from './planIndex.ts';
import { placeCheapest, type PlanState } from './planState.ts';

/** Integer budgets along a chain that keep the LP's running totals (cumulative rounding). */
function integerBudget(values: number[]): Int32Array {
  const out = new Int32Array(values.length);
  let cum = 0, prev = 0;
  values.forEach((v, i) => {
    cum += Math.max(0, v);
    const r = Math.round(cum);
    out[i] = r - prev;
    prev = r;
  });
  return out;
}

/** Placement order of flex kinds: rigid work takes capacity first, divisible work fills what is left. */
export const FLEX_RANK = { rigid: 0, malleable: 1, divisible: 2 } as const;

/** EDF order with rigid jobs first, then malleable, then divisible: the jobs hardest to fit take capacity first. */
export function rigidFirstEdf(ix: PlanIndex): number[] {
  const order = edfOrder(ix.scenario);
  return order.sort((a, b) => FLEX_RANK[ix.jobs[a]!.job.flex] - FLEX_RANK[ix.jobs[b]!.job.flex]);
}

export interface RoundingReport {
  /** jobs whose work did not fit the LP's budgets and were placed (or cut) by the cheapest-feasible repair */
  repairedJobs: number;
}

/**
 * Turns the aggregated LP solution into an integral plan: classes hand their jobs to sites in proportion
 * to the LP split; each (type, deadline, site) chain then places its jobs into the LP's per-slot budgets
 * (rigid jobs at the start that best covers the budget). Whatever does not fit is repaired by the
 * cheapest-feasible placement on the remaining capacity.
 */
export function roundChainSolution(cm: ChainModel, x: Float64Array, st: PlanState): RoundingReport {
  const ix = st.ix;
  const assigned = new Map<string, { job: number; opt: SiteOption }[]>();
  for (const c of cm.classes) {
    // a rigid-block class enters in unit-starts of `length` unit-slots each
    const share = c.entryCol.map((col) => (x[col] ?? 0) * (c.length ?? 1));
    const jobs = [...c.jobs].sort((a, b) => ix.jobs[b]!.work - ix.jobs[a]!.work || a - b);
    for (const j of jobs) {
      let best = -1;
      for (let i = 0; i < share.length; i++) if (share[i]! > 1e-6 && (best < 0 || share[i]! > share[best]!)) best = i;
      if (best < 0) continue;
      share[best]! -= ix.jobs[j]!.work;
      const opt = c.options[best]!;
      const key = chainKey(c.type, bucketDeadline(c.deadline, cm.deadlineBucket, ix.T), opt.site, c.length);
      let list = assigned.get(key);
      if (!list) assigned.set(key, (list = []));
      list.push({ job: j, opt });
    }
  }
  // Rigid jobs first everywhere: malleable and divisible work can fill the holes they leave, not the reverse.
  const budgets = new Map<string, Int32Array>();
  for (const pass of ['rigid', 'malleable', 'divisible'] as const) {
    for (const [key, list] of assigned) {
      const ch = cm.chains.get(key)!;
      let budget = budgets.get(key);
      if (!budget) budgets.set(key, (budget = integerBudget(ch.xCol.map((col) => x[col] ?? 0))));
      const bud = budget;
      const B = (t: number) => bud[t - ch.start] ?? 0;
      const jobs = list.filter((e) => ix.jobs[e.job]!.job.flex === pass)
        .sort((a, b) => a.opt.firstSlot - b.opt.firstSlot || ix.jobs[b.job]!.work - ix.jobs[a.job]!.work || a.job - b.job);
      for (const { job, opt } of jobs) {
        const info = ix.jobs[job]!;
        const u = info.job.units;
        // A bucketed chain runs past some of its jobs' deadlines; each job keeps to its own.
        const end = Math.min(ch.deadline, info.job.deadline);
        if (pass === 'rigid') {
          let bestStart = -1, bestCover = -1, bestCost = Infinity;
          for (let tau = opt.firstSlot; tau + info.slots <= end; tau++) {
            let cover = 0, cost = 0, ok = true;
            for (let t = tau; t < tau + info.slots; t++) {
              if (st.capRemain[st.cell(ch.site, ch.type, t)]! < u) { ok = false; break; }
              cover += Math.min(u, Math.max(0, B(t)));
              cost += st.cost(ch.site, ch.type, t, u, t === tau + info.slots - 1 ? info.tail : 1);
            }
            if (ok && (cover > bestCover || (cover === bestCover && cost < bestCost))) { bestStart = tau; bestCover = cover; bestCost = cost; }
          }
          if (bestStart >= 0) {
            for (let t = bestStart; t < bestStart + info.slots; t++) { st.add(job, ch.site, t, u); bud[t - ch.start]! -= u; }
          }
        } else {
          const perSlot = pass === 'malleable' ? u : Number.MAX_SAFE_INTEGER;
          for (let t = opt.firstSlot; t < end && st.remaining(job) > 0; t++) {
            const q = Math.min(perSlot, st.capRemain[st.cell(ch.site, ch.type, t)]!, st.remaining(job), B(t));
            if (q > 0) { st.add(job, ch.site, t, q); bud[t - ch.start]! -= q; }
          }
        }
      }
    }
  }
  let repairedJobs = 0;
  for (const j of rigidFirstEdf(ix)) {
    if (st.remaining(j) <= 0) continue;
    const info = ix.jobs[j]!;
    if (info.job.flex === 'rigid' && st.served[j]! > 0) continue;
    repairedJobs++;
    let options = info.options;
    if (info.job.flex === 'malleable' && st.served[j]! > 0) {
      const used = st.firstSite[j]!;
      options = options.filter((o) => o.site === used);
    }
    placeCheapest(st, j, options);
  }
  return { repairedJobs };
}

