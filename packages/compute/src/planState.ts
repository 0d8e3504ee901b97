import { runFraction, type JobInfo, type PlanIndex, type SiteOption } from './planIndex.ts';
import type { Allocation } from './policy.ts';

/**
 * A plan under construction: remaining capacity per (site, type, slot), remaining cheap renewable energy
 * per (site, slot), and the allocations made so far. Marginal costs come from here.
 */
export class PlanState {
  readonly ix: PlanIndex;
  readonly capRemain: Int32Array;
  /** kWh of renewables that beat the grid, above idle load, per site-slot (0 where the grid is cheaper) */
  readonly greenCap: Float64Array;
  /** busy kWh above idle per site-slot */
  readonly busyLoad: Float64Array;
  readonly served: Float64Array;
  /** first site a job was given, −1 if none (malleable jobs must stay there) */
  readonly firstSite: Int32Array;
  /** units per (malleable job, site, slot), so that a second placement pass keeps the per-slot size limit */
  private malleableUse = new Map<string, number>();
  /**
   * Fen added per unit-slot held at a (site, type, slot) cell while placing (e.g. an LP's capacity
   * duals: what that cell is worth to the other jobs); null = plain marginal cost. Local search runs without it.
   */
  capPrice: Float64Array | null = null;
  /** cells per job: site, slot, units and the fraction of the slot they run (one entry per add) */
  private cells: { site: number; t: number; units: number; fraction: number }[][];

  constructor(ix: PlanIndex) {
    this.ix = ix;
    const { T } = ix;
    const nK = ix.types.length;
    const nS = ix.siteIds.length;
    this.capRemain = new Int32Array(nS * nK * T);
    for (let s = 0; s < nS; s++) for (let k = 0; k < nK; k++) this.capRemain.fill(ix.poolUnits[s * nK + k]!, (s * nK + k) * T, (s * nK + k + 1) * T);
    this.greenCap = new Float64Array(nS * T);
    for (let i = 0; i < nS * T; i++) this.greenCap[i] = ix.greenPref[i] ? Math.max(0, ix.renewKWh[i]! - ix.idleKWh[i]!) : 0;
    this.busyLoad = new Float64Array(nS * T);
    this.served = new Float64Array(ix.jobs.length);
    this.firstSite = new Int32Array(ix.jobs.length).fill(-1);
    this.cells = ix.jobs.map(() => []);
  }

  cell(site: number, type: number, t: number): number {
    return (site * this.ix.types.length + type) * this.ix.T + t;
  }

  /** Renewable kWh still unused at a site-slot. */
  greenLeft(siteSlot: number): number {
    return Math.max(0, this.greenCap[siteSlot]! - this.busyLoad[siteSlot]!);
  }

  /** Cost (fen) of running q more units of `type` at (site, t) for `fraction` of the slot: renewables first, then the grid. */
  cost(site: number, type: number, t: number, q: number, fraction = 1): number {
    const ix = this.ix;
    const kwh = q * ix.busyKWh[site * ix.types.length + type]! * fraction;
    const st = site * ix.T + t;
    const green = Math.min(kwh, this.greenLeft(st));
    const held = this.capPrice ? q * this.capPrice[this.cell(site, type, t)]! : 0;
    return green * ix.renewFen[site]! + (kwh - green) * ix.gridEffFen[st]! + held;
  }

  /** Cost (fen) saved by taking q units of `type` away from (site, t). */
  refund(site: number, type: number, t: number, q: number): number {
    const ix = this.ix;
    const kwh = q * ix.busyKWh[site * ix.types.length + type]!;
    const st = site * ix.T + t;
    const before = this.busyLoad[st]!;
    const after = Math.max(0, before - kwh);
    const g = this.greenCap[st]!;
    const greenBefore = Math.min(before, g), greenAfter = Math.min(after, g);
    const dGreen = greenBefore - greenAfter;
    return dGreen * ix.renewFen[site]! + (kwh - dGreen) * ix.gridEffFen[st]!;
  }

  /** Adds work; a rigid job's cells come in time order, so the one that completes it is its last slot. */
  add(job: number, site: number, t: number, units: number): void {
    if (units <= 0) return;
    const ix = this.ix;
    const info = ix.jobs[job]!;
    const type = info.type;
    const fraction = runFraction(info, this.served[job]! + units >= info.work);
    this.capRemain[this.cell(site, type, t)]! -= units;
    this.busyLoad[site * ix.T + t]! += units * ix.busyKWh[site * ix.types.length + type]! * fraction;
    this.served[job]! += units;
    if (this.firstSite[job]! < 0) this.firstSite[job] = site;
    if (ix.jobs[job]!.job.flex === 'malleable') {
      const key = `${job}:${site}:${t}`;
      this.malleableUse.set(key, (this.malleableUse.get(key) ?? 0) + units);
    }
    this.cells[job]!.push({ site, t, units, fraction });
  }

  /** Takes a job's whole placement out of the plan and returns it. */
  remove(job: number): { site: number; t: number; units: number }[] {
    const ix = this.ix;
    const type = ix.jobs[job]!.type;
    const out = this.cells[job]!;
    for (const c of out) {
      this.capRemain[this.cell(c.site, type, c.t)]! += c.units;
      const st = c.site * ix.T + c.t;
      this.busyLoad[st] = Math.max(0, this.busyLoad[st]! - c.units * ix.busyKWh[c.site * ix.types.length + type]! * c.fraction);
      if (ix.jobs[job]!.job.flex === 'malleable') this.malleableUse.delete(`${job}:${c.site}:${c.t}`);
    }
    this.cells[job] = [];
    this.served[job] = 0;
    this.firstSite[job] = -1;
    return out;
  }

  placementOf(job: number): readonly { site: number; t: number; units: number }[] {
    return this.cells[job]!;
  }

  /** Units a malleable job already has at (site, t). */
  usedBy(job: number, site: number, t: number): number {
    return this.malleableUse.get(`${job}:${site}:${t}`) ?? 0;
  }

  remaining(job: number): number {
    return this.ix.jobs[job]!.work - this.served[job]!;
  }

  allocations(): Allocation[] {
    const ix = this.ix;
    const out: Allocation[] = [];
    this.cells.forEach((list, j) => {
      const id = ix.jobs[j]!.job.id;
      const merged = new Map<string, Allocation>();
      for (const c of list) {
        const key = `${c.site}:${c.t}`;
        const prev = merged.get(key);
        if (prev) prev.units += c.units;
        else { const a = { job: id, site: ix.siteIds[c.site]!, slot: c.t, units: c.units }; merged.set(key, a); out.push(a); }
      }
    });
    return out;
  }
}

export interface Placement {
  cells: { site: number; t: number; units: number }[];
  /** energy + transfer cost */
  cost: number;
  work: number;
}

/** Cheapest start for a rigid job among `options` (all `units` for `slots` consecutive slots at one site). */
export function bestRigid(st: PlanState, info: JobInfo, options: readonly SiteOption[], earliest = false): Placement | undefined {
  const { job, slots: d, type } = info;
  const u = job.units;
  let best: Placement | undefined;
  let bestKey = Infinity;
  for (const o of options) {
    const from = o.firstSlot, to = job.deadline - d; // start range [from, to]
    if (to < from) continue;
    let sum = 0, blocked = 0;
    const c: number[] = [];
    // the window's last slot runs only `tail` of the slot
    const last: number[] = [];
    for (let t = from; t < job.deadline; t++) {
      const ok = st.capRemain[st.cell(o.site, type, t)]! >= u;
      c.push(ok ? st.cost(o.site, type, t, u) : NaN);
      last.push(ok ? st.cost(o.site, type, t, u, info.tail) : NaN);
    }
    for (let i = 0; i < c.length; i++) {
      const v = c[i]!;
      if (Number.isNaN(v)) blocked++; else sum += v;
      if (i >= d) { const w = c[i - d]!; if (Number.isNaN(w)) blocked--; else sum -= w; }
      if (i >= d - 1 && blocked === 0) {
        const start = from + i - d + 1;
        const total = sum - v + last[i]! + o.transferFen;
        const key = earliest ? start : total;
        if (key < bestKey - 1e-9) {
          bestKey = key;
          best = { cells: Array.from({ length: d }, (_, k) => ({ site: o.site, t: start + k, units: u })), cost: total, work: u * d };
        }
        if (earliest) break;
      }
    }
  }
  return best;
}

interface Seg { site: number; t: number; units: number; price: number }

/** Unit-priced pieces of free capacity at the given sites within the job's window (green part first). */
function segments(st: PlanState, info: JobInfo, options: readonly SiteOption[], perSlotCap: number, need: number): Seg[] {
  const ix = st.ix;
  const nK = ix.types.length;
  const out: Seg[] = [];
  for (const o of options) {
    const k = ix.busyKWh[o.site * nK + info.type]! * info.fill;
    for (let t = o.firstSlot; t < info.job.deadline; t++) {
      const own = info.job.flex === 'malleable' ? st.usedBy(info.index, o.site, t) : 0;
      const free = Math.min(perSlotCap - own, need, st.capRemain[st.cell(o.site, info.type, t)]!);
      if (free <= 0) continue;
      const sIdx = o.site * ix.T + t;
      const held = st.capPrice ? st.capPrice[st.cell(o.site, info.type, t)]! : 0;
      const greenUnits = k > 0 ? Math.min(free, Math.floor(st.greenLeft(sIdx) / k + 1e-9)) : free;
      if (greenUnits > 0) out.push({ site: o.site, t, units: greenUnits, price: k * ix.renewFen[o.site]! + held });
      if (free > greenUnits) out.push({ site: o.site, t, units: free - greenUnits, price: k * ix.gridEffFen[sIdx]! + held });
    }
  }
  return out;
}

function fill(segs: Seg[], need: number, transfer: number): Placement {
  segs.sort((a, b) => a.price - b.price || a.t - b.t);
  const cells: Placement['cells'] = [];
  const byCell = new Map<string, Placement['cells'][number]>();
  let left = need, cost = transfer;
  for (const s of segs) {
    if (left <= 0) break;
    const q = Math.min(left, s.units);
    const key = `${s.site}:${s.t}`;
    const prev = byCell.get(key);
    if (prev) prev.units += q;
    else { const c = { site: s.site, t: s.t, units: q }; cells.push(c); byCell.set(key, c); }
    cost += q * s.price;
    left -= q;
  }
  return { cells, cost, work: need - left };
}

/** Better = serves more work, then costs less. */
function better(a: Placement, b: Placement | undefined): boolean {
  if (!b) return true;
  if (a.work !== b.work) return a.work > b.work;
  return a.cost < b.cost - 1e-9;
}

/** Cheapest way to serve `need` unit-slots of a malleable job at one site (≤ units per slot). */
export function bestMalleable(st: PlanState, info: JobInfo, options: readonly SiteOption[], need: number): Placement | undefined {
  let best: Placement | undefined;
  for (const o of options) {
    const p = fill(segments(st, info, [o], info.job.units, need), need, o.transferFen);
    if (p.work > 0 && better(p, best)) best = p;
  }
  return best;
}

/** Cheapest way to serve `need` unit-slots of a divisible job: home region alone, or home plus one other region. */
export function bestDivisible(st: PlanState, info: JobInfo, options: readonly SiteOption[], need: number): Placement | undefined {
  const ix = st.ix;
  const local = options.filter((o) => !o.remote);
  const remoteRegions = [...new Set(options.filter((o) => o.remote).map((o) => ix.siteRegion[o.site]!))];
  let best: Placement | undefined;
  const tryOpts = (opts: SiteOption[], transfer: number) => {
    if (opts.length === 0) return;
    const p = fill(segments(st, info, opts, Number.MAX_SAFE_INTEGER, need), need, transfer);
    if (p.work > 0 && better(p, best)) best = p;
  };
  tryOpts(local, 0);
  for (const r of remoteRegions) {
    const inR = options.filter((o) => ix.siteRegion[o.site] === r);
    tryOpts([...local, ...inR], inR[0]!.transferFen);
  }
  return best;
}

export function commit(st: PlanState, job: number, p: Placement | undefined): void {
  if (!p) return;
  for (const c of p.cells) st.add(job, c.site, c.t, c.units);
}

/** Places the rest of a job's work at the cheapest feasible sites and slots (rigid: whole job or nothing). */
export function placeCheapest(st: PlanState, job: number, options?: readonly SiteOption[]): void {
  const info = st.ix.jobs[job]!;
  const opts = options ?? info.options;
  const need = st.remaining(job);
  if (need <= 0 || opts.length === 0) return;
  if (info.job.flex === 'rigid') {
    if (st.served[job]! > 0) return;
    commit(st, job, bestRigid(st, info, opts));
  } else if (info.job.flex === 'malleable') {
    commit(st, job, bestMalleable(st, info, opts, need));
  } else {
    commit(st, job, bestDivisible(st, info, opts, need));
  }
}
