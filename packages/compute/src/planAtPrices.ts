import type { EnergyBlock } from './energyBlock.ts';
import { bestFor, improvePlan, placementCost } from './improve.ts';
import { evaluate } from './evaluate.ts';
import { siteLoadPrices } from './power.ts';
import type { PlanIndex } from './planIndex.ts';
import { capacityPrices, rigidFirstLeastSlack } from './pricedPlacement.ts';
import { commit, PlanState, placeCheapest, type Placement } from './planState.ts';

/**
 * A plan from multipliers y on the shared site-slot rows (an LP's duals, a subgradient ascent's or the
 * column master's): what optimal runs between its LP and its MIPs, in plain JavaScript.
 *   1. Cheapest-feasible placement at y, in rigid-first least-slack order: each unit-slot costs its
 *      capacity row's price and its kWh its energy row's price (plus the green row's share). Renewables and
 *      storage are shared as y shares them, where the marginal energy cost (placeAtDuals) hands each site's
 *      renewables to the first jobs that come and cannot see storage at all.
 *   2. Local search from that plan, once per search pricing (SEARCH_PRICINGS), with the capacity prices
 *      scaled by θ and θ lowered to 0 over passes (at full prices a job leaves a contested cheap cell only
 *      for one cheaper at y; at 0 it is improvePlan's fixed point). Its energy prices: 'marginal' =
 *      PlanState's (renewables, then the grid; exact at sites without storage), 'storageAtY' = the same but
 *      at sites with storage each kWh at y's price, which carries the storage the marginal model cannot
 *      see. The plan evaluate() prices lower is kept: y's storage prices are only as good as y.
 *   3. Storage rounds (STORAGE_ROUNDS): a pass of local search with storage sites' kWh priced partly by
 *      the kept plan's own exact dispatch there (where its battery can still take or give a kWh), kept
 *      only when evaluate() prices the plan lower.
 *   4. Optionally, ejection rounds (ejectionPass) on the kept plan, each kept only when evaluate() prices it lower.
 * Every placement is one of PlanState's feasible ones (capacity, windows, rigid contiguity, malleable one
 * site and per-slot size), and no local-search move serves less work.
 */
export type SearchPricing = 'marginal' | 'storageAtY';

export interface PlanAtPricesOptions {
  /** checked between jobs; the plan so far is returned when it comes true (the first placement always ends) */
  stop?: () => boolean;
  /** placement order (rigid-first least slack) */
  order?: readonly number[];
  /** place at the marginal energy cost plus y's capacity prices (placeAtDuals' rule) instead of at y's energy prices */
  placeAtMarginal?: boolean;
  /** local searches, each from the placement; the plan evaluate() prices lowest is kept (SEARCH_PRICINGS) */
  searches?: readonly SearchPricing[];
  /** capacity-price scale per local-search pass, a pass each (ANNEAL) */
  anneal?: readonly number[];
  /** passes of local search at θ = 0 after the annealing (SEARCH_PASSES) */
  passes?: number;
  /** ejection rounds on the kept plan, each kept only when evaluate() says cheaper (0; optimal: EJECTION_MIN_JOBS) */
  ejectionRounds?: number;
  /** at most this many jobs moved out of the way of one job (EJECT_MAX_HOLDERS) */
  maxHolders?: number;
  /** rounds of local search with storage sites' kWh priced by the kept plan's own dispatch (STORAGE_ROUNDS) */
  storageRounds?: number;
  /** local-search passes per storage round (1: a second gained under 1 ¥ on medium hourly) */
  storagePasses?: number;
  /** weight of the dispatch's prices against y's in a storage round (STORAGE_BLEND) */
  storageBlend?: number;
}

/**
 * Measured offline at saved multipliers (bench/planner/plan-at-prices.ts, defaults otherwise): 'storageAtY'
 * won on medium (hourly at the converged columns y: 12,865.1 ¥ vs 12,930.2; at optimal's ascent y:
 * 12,933.7 vs 12,987.2; at the LP's duals: 12,954.7 vs 13,026.8; 15-minute at optimal's: 12,913.0 vs
 * 13,024.4) and large hourly at the LP's duals (126,952 vs 128,411 ¥); 'marginal' on small 15-minute at
 * optimal's y (1,600.0 ¥ vs 1,658.1), whose storage prices were poor.
 */
export const SEARCH_PRICINGS: readonly SearchPricing[] = ['storageAtY', 'marginal'];
/**
 * One pass at half the capacity prices, then two at none: on medium hourly at the columns y 12,865.1 ¥
 * where none (four passes at 0) gave 12,874.5 and θ = 1, ½, ¼ then four at 0 gave 12,865.7 in twice the
 * time (15-minute at optimal's y: 12,913.0 in 3.7 s vs 12,906.6 in 8.0 s, both searches, load ~3).
 */
export const ANNEAL: readonly number[] = [0.5];
export const SEARCH_PASSES = 2;
export const EJECT_MAX_HOLDERS = 4;
/**
 * Storage rounds after the searches: a pass of local search with each storage site's kWh priced at
 * STORAGE_BLEND of the kept plan's own dispatch price (siteLoadPrices) and the rest at y's, kept only when
 * evaluate() says cheaper; up to STORAGE_ROUNDS, each from the dispatch of the plan before it. The
 * dispatch's prices are exact for one job's move but not for many: at full weight every job took the
 * same cheap battery kWh (medium hourly at the LP's duals: 408 moves, 12,954.7 → 12,990.4 ¥). Offline
 * (plan-at-prices.ts), none → blend 0.25, one round: medium hourly at the LP's duals 12,954.7 → 12,940.9 ¥,
 * optimal's ascent y 12,933.7 → 12,916.4, the columns y 12,865.1 → 12,840.0; 15-minute at the LP's
 * duals 12,913.0 → 12,892.1, optimal's y 12,915.9 → 12,896.1; small 15-minute at optimal's y 1,600.0 →
 * 1,583.9 ¥, a second round 1,577.3 ¥ (medium: nothing more). Blend 0.1–0.15 gained less on the columns
 * y (12,864), 0.35–0.5 no more or less. Recomputing the dispatch's prices 4 or 16 times within the pass
 * (blend 0.25–1) gained nothing on medium hourly and at most 2 ¥ on small 15-minute, for 2–3 s there.
 * Inside optimal, off → on (bench/planner/tuning-ab.ts storageRound=0/1, two runs each, load 2–4):
 * small hourly 1,574.5 → 1,574.1 ¥, 15-minute 1,585.3–1,585.9 → 1,577.3; medium hourly 12,945–12,952 →
 * 12,935–12,939, 15-minute 12,913.0 → 12,892.1.
 */
export const STORAGE_ROUNDS = 2;
export const STORAGE_BLEND = 0.25;

export interface PlanAtPricesReport {
  /** the kept plan, on the caller's index */
  st: PlanState;
  /** the search whose plan was kept, and each search's objective (evaluate(), fen) */
  kept: SearchPricing;
  objectives: Partial<Record<SearchPricing, number>>;
  moves: number;
  /** storage rounds kept (each made the plan cheaper by evaluate()) */
  storageRounds: number;
  /** ejections in the rounds kept */
  ejections: number;
  /** fen the kept rounds' ejections saved under the marginal cost model */
  ejectedFen: number;
}

export function planAtPrices(ix: PlanIndex, eb: EnergyBlock, y: Float64Array, opts: PlanAtPricesOptions = {}): PlanAtPricesReport {
  const stop = opts.stop ?? (() => false);
  const order = opts.order ?? rigidFirstLeastSlack(ix);
  const price = capacityPrices(eb, y);
  const stored = storageSites(ix, eb);
  // Without storage the two searches are one: the marginal one runs.
  const searches = (opts.searches ?? SEARCH_PRICINGS).filter((x, _, all) => stored.size > 0 || x === 'marginal' || !all.includes('marginal'));
  const placed = new PlanState(opts.placeAtMarginal ? ix : atEnergyPrices(ix, eb, y));
  placed.capPrice = price;
  for (const j of order) placeCheapest(placed, j);
  let best: { st: PlanState; search: SearchPricing; objective: number; moves: number } | null = null;
  const objectives: PlanAtPricesReport['objectives'] = {};
  for (const search of searches) {
    if (best && stop()) break;
    const st = copyPlan(placed, new PlanState(search === 'storageAtY' ? atEnergyPrices(ix, eb, y, stored) : ix));
    const moves = localSearch(st, order, price, opts, stop);
    const objective = evaluate(ix.scenario, st.allocations(), ix).objective;
    objectives[search] = objective;
    if (!best || objective < best.objective) best = { st, search, objective, moves };
  }
  // Storage rounds: each from the plan kept so far, kept only when evaluate() prices it lower.
  let storageRounds = 0;
  for (let round = 0; round < (opts.storageRounds ?? STORAGE_ROUNDS) && stored.size > 0 && !stop(); round++) {
    const atY = atEnergyPrices(ix, eb, y, stored);
    const trial = copyPlan(best!.st, new PlanState(atDispatchPrices(atY, best!.st, stored, opts.storageBlend ?? STORAGE_BLEND)));
    const moves = improvePlan(trial, order, { maxPasses: opts.storagePasses ?? 1, deadline: stop, serveFirst: true }).moves;
    const objective = evaluate(ix.scenario, trial.allocations(), ix).objective;
    if (!cheaper(objective, best!.objective)) break;
    best = { ...best!, st: trial, objective, moves: best!.moves + moves };
    storageRounds++;
  }
  let ejections = 0, ejectedFen = 0;
  // Ejections at the kept search's prices (at marginal ones they would undo what the storage prices did),
  // each round on a copy kept only when evaluate() prices it lower: the pass judges by marginal costs.
  for (let round = 0; round < (opts.ejectionRounds ?? 0) && !stop(); round++) {
    const trial = copyPlan(best!.st, new PlanState(best!.st.ix));
    const e = ejectionPass(trial, order, { stop, maxHolders: opts.maxHolders ?? EJECT_MAX_HOLDERS });
    if (e.kept === 0) break;
    const moves = improvePlan(trial, order, { maxPasses: 1, deadline: stop }).moves;
    const objective = evaluate(ix.scenario, trial.allocations(), ix).objective;
    if (!cheaper(objective, best!.objective)) break;
    best = { ...best!, st: trial, objective, moves: best!.moves + moves };
    ejections += e.kept;
    ejectedFen += e.savedFen;
  }
  // The caller's plan is on its own index: the search's prices stay here.
  const st = best!.st.ix === ix ? best!.st : copyPlan(best!.st, new PlanState(ix));
  return { st, kept: best!.search, objectives, moves: best!.moves, storageRounds, ejections, ejectedFen };
}

/** Strictly cheaper than `than`, beyond floating-point noise in evaluate()'s sums. */
const cheaper = (objective: number, than: number) => objective < than - 1e-9 * Math.abs(than);

/** Annealed local search: a pass at each θ of the capacity prices, then passes at θ = 0. */
function localSearch(st: PlanState, order: readonly number[], price: Float64Array, opts: PlanAtPricesOptions, stop: () => boolean): number {
  let moves = 0;
  const scaled = new Float64Array(price.length);
  for (const theta of opts.anneal ?? ANNEAL) {
    if (stop()) break;
    for (let i = 0; i < price.length; i++) scaled[i] = theta * price[i]!;
    st.capPrice = theta > 0 ? scaled : null;
    moves += improvePlan(st, order, { maxPasses: 1, deadline: stop, serveFirst: true }).moves;
  }
  st.capPrice = null;
  return moves + improvePlan(st, order, { maxPasses: opts.passes ?? SEARCH_PASSES, deadline: stop, serveFirst: true }).moves;
}

/** Puts every job of `from` at the same cells in `to` (an empty plan on the same jobs and sites); returns `to`. */
function copyPlan(from: PlanState, to: PlanState): PlanState {
  for (const info of from.ix.jobs) for (const c of from.placementOf(info.index)) to.add(info.index, c.site, c.t, c.units);
  return to;
}

/** Sites whose storage the energy block models (it has their state-of-charge rows). */
function storageSites(ix: PlanIndex, eb: EnergyBlock): Set<number> {
  const out = new Set<number>();
  for (let s = 0; s < ix.siteIds.length; s++) if (eb.socRow[s * ix.T]! >= 0) out.add(s);
  return out;
}

/**
 * The index with each site-slot's kWh priced at y (grid price := y's energy price per kWh plus the green
 * row's share; no renewables of its own), at `sites` only when given.
 */
export function atEnergyPrices(ix: PlanIndex, eb: EnergyBlock, y: Float64Array, sites?: ReadonlySet<number>): PlanIndex {
  const T = ix.T;
  const gridEffFen = Float64Array.from(ix.gridEffFen), greenPref = Uint8Array.from(ix.greenPref);
  const yG = eb.greenRow >= 0 ? (y[eb.greenRow] ?? 0) : 0;
  for (let s = 0; s < ix.siteIds.length; s++) {
    if (sites && !sites.has(s)) continue;
    for (let i = s * T; i < (s + 1) * T; i++) { gridEffFen[i] = (y[eb.energyRow[i]!] ?? 0) + eb.target * yG; greenPref[i] = 0; }
  }
  return { ...ix, gridEffFen, greenPref };
}

/**
 * The index with each storage site's kWh priced at `blend` of the plan's own dispatch price there
 * (siteLoadPrices: storage and renewables included) and the rest at the index's own grid price, without
 * renewables of its own; other sites as they are.
 */
function atDispatchPrices(ix: PlanIndex, plan: PlanState, sites: ReadonlySet<number>, blend: number): PlanIndex {
  const T = ix.T;
  const gridEffFen = Float64Array.from(ix.gridEffFen), greenPref = Uint8Array.from(ix.greenPref);
  for (const s of sites) {
    const load = Array.from({ length: T }, (_, t) => ix.idleKWh[s * T + t]! + plan.busyLoad[s * T + t]!);
    const prices = siteLoadPrices(ix.scenario, ix.scenario.sites[s]!, load);
    for (let t = 0; t < T; t++) { gridEffFen[s * T + t] = blend * prices[t]! + (1 - blend) * gridEffFen[s * T + t]!; greenPref[s * T + t] = 0; }
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
