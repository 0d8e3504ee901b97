import type { EnergyBlock } from './energyBlock.ts';
import { bestFor, improvePlan, placementCost } from './improve.ts';
import { rigidFirstLeastSlack } from './pricedPlacement.ts';
import { commit, PlanState, placeCheapest, type Placement } from './planState.ts';

/**
 * A plan from multipliers y on the shared site-slot rows (an LP's duals, a subgradient ascent's or the
 * column master's): what optimal runs between its LP and its MIPs, in plain JavaScript.
 *   1. Cheapest-feasible placement, each unit-slot charged its capacity row's price at y on top of its
 *      marginal energy cost (placeAtDuals' rule), in rigid-first least-slack order.
 *   2. Local search with the capacity prices scaled by θ, θ lowered to 0 over passes: at full prices a job
 *      leaves a contested cheap cell only for one cheaper at y; at 0 each job is at its cheapest feasible
 *      place at true marginal cost (improvePlan's fixed point).
 *   3. Ejection moves (true marginal costs): a job whose cheapest placement with the other jobs' capacity
 *      freed beats its own takes it, the jobs holding those cells go to their cheapest feasible places
 *      after it; kept when the whole group costs less. Local search alone cannot see these: each of its
 *      moves is one job into free capacity.
 * Every placement is one of PlanState's feasible ones (capacity, windows, rigid contiguity, malleable one
 * site and per-slot size), and no accepted move serves less work.
 */
export interface PlanAtPricesOptions {
  /** checked between jobs; the plan so far is returned when it comes true (the first placement always ends) */
  stop?: () => boolean;
  /** placement order (rigid-first least slack) */
  order?: readonly number[];
  /** capacity-price scale per local-search pass, a pass each; a final run at 0 follows (ANNEAL) */
  anneal?: readonly number[];
  /** passes of local search at true cost after the annealing (4) */
  passes?: number;
  /**
   * Place at y's energy prices too (each kWh at its energy row's multiplier plus the green row's share)
   * instead of the marginal energy cost: renewables and storage shared as y shares them.
   */
  energyAtY?: boolean;
  /** with energyAtY: local-search passes at y's prices (capacity and energy) before the plan is priced at true cost (0) */
  atYPasses?: number;
  /**
   * Energy prices of the local search: 'marginal' = PlanState's (renewables, then the grid; storage
   * unseen), 'storageAtY' = the same except at sites with storage, where each kWh costs y's price (which
   * carries the storage the marginal model cannot see).
   */
  searchPricing?: 'marginal' | 'storageAtY';
  /** ejection rounds (2; 0 = none) */
  ejectionRounds?: number;
  /** at most this many jobs moved out of the way of one job (EJECT_MAX_HOLDERS) */
  maxHolders?: number;
}

export const ANNEAL: readonly number[] = [1, 0.5, 0.25];
export const EJECT_MAX_HOLDERS = 4;

export interface PlanAtPricesReport {
  st: PlanState;
  /** moves by local search and by ejection */
  moves: number;
  ejections: number;
  /** fen saved by the ejections under the marginal cost model */
  ejectedFen: number;
}

export function planAtPrices(ix: PlanState['ix'], eb: EnergyBlock, y: Float64Array, opts: PlanAtPricesOptions = {}): PlanAtPricesReport {
  const stop = opts.stop ?? (() => false);
  const order = opts.order ?? rigidFirstLeastSlack(ix);
  const st = new PlanState(opts.searchPricing === 'storageAtY' ? atEnergyPrices(ix, eb, y, storageSites(ix)) : ix);
  const price = capacityPrices(st, eb, y);
  if (opts.energyAtY) {
    const at = new PlanState(atEnergyPrices(ix, eb, y));
    at.capPrice = price;
    for (const j of order) placeCheapest(at, j);
    if (opts.atYPasses) improvePlan(at, order, { maxPasses: opts.atYPasses, deadline: stop, serveFirst: true });
    copyPlan(at, st);
  } else {
    st.capPrice = price;
    for (const j of order) placeCheapest(st, j);
  }
  let moves = 0;
  const scaled = new Float64Array(price.length);
  for (const theta of opts.anneal ?? ANNEAL) {
    if (stop()) break;
    for (let i = 0; i < price.length; i++) scaled[i] = theta * price[i]!;
    st.capPrice = theta > 0 ? scaled : null;
    moves += improvePlan(st, order, { maxPasses: 1, deadline: stop, serveFirst: true }).moves;
  }
  st.capPrice = null;
  moves += improvePlan(st, order, { maxPasses: opts.passes ?? 4, deadline: stop, serveFirst: true }).moves;
  const rep: PlanAtPricesReport = { st, moves, ejections: 0, ejectedFen: 0 };
  for (let round = 0; round < (opts.ejectionRounds ?? 2) && !stop(); round++) {
    const e = ejectionPass(st, order, { stop, maxHolders: opts.maxHolders ?? EJECT_MAX_HOLDERS });
    rep.ejections += e.kept;
    rep.ejectedFen += e.savedFen;
    if (e.kept === 0) break;
    rep.moves += improvePlan(st, order, { maxPasses: 1, deadline: stop }).moves;
  }
  // The caller's plan is on its own index: prices of the search's index stay here.
  if (st.ix !== ix) rep.st = copyPlan(st, new PlanState(ix));
  return rep;
}

/** Puts every job of `from` at the same cells in `to` (an empty plan on the same jobs and sites); returns `to`. */
function copyPlan(from: PlanState, to: PlanState): PlanState {
  for (const info of from.ix.jobs) for (const c of from.placementOf(info.index)) to.add(info.index, c.site, c.t, c.units);
  return to;
}

function storageSites(ix: PlanState['ix']): Set<number> {
  const out = new Set<number>();
  ix.scenario.sites.forEach((site, s) => { if (site.storage && site.storage.kWh > 0 && site.storage.kW > 0) out.add(s); });
  return out;
}

/** Fen per unit-slot held at each (site, type, slot) cell at y: a ≤ row's multiplier is ≤ 0, its negation the price. */
export function capacityPrices(st: PlanState, eb: EnergyBlock, y: Float64Array): Float64Array {
  const price = new Float64Array(st.capRemain.length);
  for (let cell = 0; cell < price.length; cell++) {
    const row = eb.capRow[cell]!;
    if (row >= 0) price[cell] = Math.max(0, -(y[row] ?? 0));
  }
  return price;
}

/**
 * The index with each site-slot's kWh priced at y (grid price := y's energy price per kWh plus the green
 * row's share; no renewables of its own), at `sites` only when given.
 */
export function atEnergyPrices(ix: PlanState['ix'], eb: EnergyBlock, y: Float64Array, sites?: ReadonlySet<number>): PlanState['ix'] {
  const T = ix.T;
  const gridEffFen = Float64Array.from(ix.gridEffFen), greenPref = Uint8Array.from(ix.greenPref);
  const yG = eb.greenRow >= 0 ? (y[eb.greenRow] ?? 0) : 0;
  for (let s = 0; s < ix.siteIds.length; s++) {
    if (sites && !sites.has(s)) continue;
    for (let i = s * T; i < (s + 1) * T; i++) { gridEffFen[i] = (y[eb.energyRow[i]!] ?? 0) + eb.target * yG; greenPref[i] = 0; }
  }
  return { ...ix, gridEffFen, greenPref };
}

type Cells = readonly { site: number; t: number; units: number }[];

/** Which jobs hold units at each (site, type, slot) cell: the holders an ejection moves. */
class Holders {
  private at: number[][];
  constructor(private st: PlanState) {
    this.at = Array.from({ length: st.capRemain.length }, () => []);
    for (const info of st.ix.jobs) this.add(info.index);
  }
  add(job: number): void {
    const type = this.st.ix.jobs[job]!.type;
    for (const c of this.st.placementOf(job)) {
      const list = this.at[this.st.cell(c.site, type, c.t)]!;
      if (!list.includes(job)) list.push(job);
    }
  }
  drop(job: number, cells: Cells): void {
    const type = this.st.ix.jobs[job]!.type;
    for (const c of cells) {
      const list = this.at[this.st.cell(c.site, type, c.t)]!;
      const i = list.indexOf(job);
      if (i >= 0) list.splice(i, 1);
    }
  }
  of(cell: number): readonly number[] {
    return this.at[cell]!;
  }
}

export interface EjectionReport { tried: number; kept: number; savedFen: number }

/**
 * One pass of ejection moves over the jobs in `order`. For job j: its cheapest placement were every cell
 * in its window free of other jobs (its ideal); when that beats its own placement, the fewest jobs
 * holding the units it lacks there (most units first, at most `maxHolders`) come out, j takes its cheapest
 * feasible placement, then each of them theirs. Costs are PlanState's marginal ones (energy with
 * renewables, transfer), each group priced in the order it is put back; kept only when every job is
 * served in full and the group costs less than before.
 */
export function ejectionPass(st: PlanState, order: readonly number[], opts: { stop: () => boolean; maxHolders: number }): EjectionReport {
  const ix = st.ix;
  const holders = new Holders(st);
  const rep: EjectionReport = { tried: 0, kept: 0, savedFen: 0 };
  const put = (job: number, cells: Cells) => { for (const c of cells) st.add(job, c.site, c.t, c.units); };
  for (const j of order) {
    if (opts.stop()) break;
    const info = ix.jobs[j]!;
    if (info.options.length === 0 || st.remaining(j) > 0 || st.placementOf(j).length === 0) continue;
    const oldJ = st.remove(j).slice();
    const costJ = placementCost(st, j, oldJ);
    const ideal = idealPlacement(st, j);
    if (!ideal || ideal.work < info.work || ideal.cost >= costJ - 1e-6 * Math.max(1, costJ)) { put(j, oldJ); continue; }
    const movers = blockers(st, holders, j, ideal, opts.maxHolders);
    if (movers === null) { put(j, oldJ); continue; }
    rep.tried++;
    // The group's cost before, in the order it is put back: j first, then each holder.
    const olds = movers.map((k) => st.remove(k).slice());
    let before = costJ;
    put(j, oldJ);
    movers.forEach((k, i) => { before += placementCost(st, k, olds[i]!); put(k, olds[i]!); });
    for (const k of movers) st.remove(k);
    st.remove(j);
    const restore = () => {
      st.remove(j); for (const k of movers) st.remove(k);
      put(j, oldJ); movers.forEach((k, i) => put(k, olds[i]!));
    };
    let after = 0, ok = true;
    for (const k of [j, ...movers]) {
      const p = bestFor(st, k);
      if (!p || p.work < ix.jobs[k]!.work || after + p.cost >= before) { ok = false; break; }
      commit(st, k, p);
      after += p.cost;
    }
    if (!ok || after >= before - 1e-6 * Math.max(1, before)) { restore(); continue; }
    holders.drop(j, oldJ);
    movers.forEach((k, i) => holders.drop(k, olds[i]!));
    holders.add(j);
    for (const k of movers) holders.add(k);
    rep.kept++;
    rep.savedFen += before - after;
  }
  return rep;
}

/** Job j's cheapest placement (j out of the plan) were the cells of its window held by no other job; the plan is left as it was. */
function idealPlacement(st: PlanState, j: number): Placement | undefined {
  const info = st.ix.jobs[j]!;
  const saved: [number, number][] = [];
  const pool = (site: number) => st.ix.poolUnits[site * st.ix.types.length + info.type]!;
  for (const o of info.options) for (let t = o.firstSlot; t < info.job.deadline; t++) {
    const cell = st.cell(o.site, info.type, t);
    saved.push([cell, st.capRemain[cell]!]);
    st.capRemain[cell] = pool(o.site);
  }
  const p = bestFor(st, j);
  for (const [cell, v] of saved) st.capRemain[cell] = v;
  return p;
}

/** The fewest holders that free what `p` lacks in the plan (most units there first); null when more than `max` it would take. */
function blockers(st: PlanState, holders: Holders, j: number, p: Placement, max: number): number[] | null {
  const type = st.ix.jobs[j]!.type;
  const out: number[] = [];
  for (const c of p.cells) {
    const cell = st.cell(c.site, type, c.t);
    let lack = c.units - st.capRemain[cell]! - freedBy(st, out, cell, type);
    if (lack <= 0) continue;
    const held = holders.of(cell).filter((k) => k !== j && !out.includes(k))
      .map((k) => ({ k, u: unitsAt(st, k, c.site, c.t) })).sort((a, b) => b.u - a.u || a.k - b.k);
    for (const h of held) {
      if (lack <= 0) break;
      out.push(h.k);
      lack -= h.u;
      if (out.length > max) return null;
    }
    if (lack > 0) return null;
  }
  return out.length > 0 ? out : null;
}

function unitsAt(st: PlanState, job: number, site: number, t: number): number {
  let u = 0;
  for (const c of st.placementOf(job)) if (c.site === site && c.t === t) u += c.units;
  return u;
}

function freedBy(st: PlanState, jobs: readonly number[], cell: number, type: number): number {
  let u = 0;
  for (const k of jobs) for (const c of st.placementOf(k)) if (st.cell(c.site, type, c.t) === cell) u += c.units;
  return u;
}
