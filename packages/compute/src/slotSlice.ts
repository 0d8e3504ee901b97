import type { PlanIndex } from './planIndex.ts';

/**
 * The index's per-slot facts cut to slots [lo, hi), renumbered from 0: what an energy block
 * (addEnergyBlock) needs to model only the slots a neighbourhood's jobs can use. Outside them every
 * site's load is fixed, so their energy is a constant the neighbourhood cannot change — except through
 * storage, whose state of charge the cut starts empty at lo; the MIP's plan is judged by evaluate() on
 * the whole horizon anyway. A site MIP over the whole horizon spent over 90 % of its HiGHS time on the
 * root node of a model whose rows were almost all that constant block (small, hourly slots: 2,400 rows,
 * 2,400 columns, 0.5–1.5 s under load, the LP relaxation 20–60 ms).
 */
export function sliceSlots(ix: PlanIndex, lo: number, hi: number): PlanIndex {
  const T = hi - lo;
  const nS = ix.siteIds.length;
  const cut = <A extends Float64Array | Uint8Array>(a: A, make: (n: number) => A): A => {
    const out = make(nS * T);
    for (let s = 0; s < nS; s++) out.set(a.subarray(s * ix.T + lo, s * ix.T + hi), s * T);
    return out;
  };
  const f64 = (n: number) => new Float64Array(n);
  return {
    ...ix, T,
    idleKWh: cut(ix.idleKWh, f64), renewKWh: cut(ix.renewKWh, f64), gridEffFen: cut(ix.gridEffFen, f64),
    greenPref: cut(ix.greenPref, (n) => new Uint8Array(n)),
  };
}

/** Slots [lo, hi) some of `jobs` may use inside [from, to): from their earliest first slot to their latest deadline. */
export function jobsSpan(ix: PlanIndex, jobs: readonly number[], from: number, to: number): { lo: number; hi: number } {
  let lo = to, hi = from;
  for (const j of jobs) {
    const info = ix.jobs[j]!;
    for (const o of info.options) lo = Math.min(lo, o.firstSlot);
    hi = Math.max(hi, info.job.deadline);
  }
  lo = Math.max(from, lo);
  hi = Math.min(to, hi);
  return hi > lo ? { lo, hi } : { lo: from, hi: to };
}
