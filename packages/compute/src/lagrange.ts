import type { EnergyBlock } from './energyBlock.ts';
import { UNSERVED_PENALTY_FEN_PER_UNIT_HOUR } from './evaluate.ts';
import type { LpModel } from './lp.ts';
import type { JobInfo, PlanIndex } from './planIndex.ts';

/**
 * A lower bound on the integral problem from multipliers on the shared site-slot rows (capacity, energy
 * balance, renewables, storage state, green target), usually the duals of an LP relaxation.
 *
 * For any multipliers y with the right signs, min over (each job's own integral placements) and (each
 * energy column within its bounds) of cost − yᵀ(Ax − b) is ≤ the optimum (weak duality). The jobs'
 * part is solved exactly per job — a rigid job's best contiguous window, a malleable job's best site and
 * at most `units` per slot, a divisible job's best set of regions — so the bound is at least as tight as
 * the job-level LP at the same multipliers and closes the relaxation gaps of the aggregated model. Each
 * unit-slot's energy counts the fraction of the slot the job runs (runFraction), as evaluate() does.
 */
export function lagrangianBound(ix: PlanIndex, model: LpModel, eb: EnergyBlock, rowDual: Float64Array): number {
  return lagrangianStart(ix, model, eb, rowDual).value;
}

/** The Lagrangian value at multipliers `rowDual` (projected) and a subgradient there: where an ascent from them begins. */
export interface LagrangianPoint {
  value: number;
  grad: Float64Array;
}

export function lagrangianStart(ix: PlanIndex, model: LpModel, eb: EnergyBlock, rowDual: Float64Array): LagrangianPoint {
  const y = new Float64Array(eb.numRows);
  for (let i = 0; i < eb.numRows; i++) y[i] = rowDual[i] ?? 0;
  const grad = new Float64Array(eb.numRows);
  return { value: runToEnd(lagrangianAt(ix, model, eb, project(model, y), grad)), grad };
}

/**
 * Jobs priced between two points where a caller may pause a pass: at 100,000 jobs and 672 slots one pass
 * takes seconds, and a pass that could not be paused held the event loop (a HiGHS worker's answer unread)
 * and ran past the planner's time limit.
 */
export const LAGRANGE_JOBS_PER_TURN = 256;

function runToEnd<T>(pass: Generator<void, T>): T {
  for (;;) {
    const r = pass.next();
    if (r.done) return r.value;
  }
}

/** Runs a pass a turn of the event loop at a time; null when `stop` came true before it ended. */
async function runInTurns<T>(pass: Generator<void, T>, stop: () => boolean): Promise<T | null> {
  for (;;) {
    const r = pass.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => { setImmediate(resolve); });
    if (stop()) return null;
  }
}

/**
 * L at multipliers y (already projected) and a subgradient there into `grad`, a turn of the event loop
 * at a time; null when `stop` came true before the pass ended (a pass not ended is no bound).
 */
export function lagrangianPass(ix: PlanIndex, model: LpModel, eb: EnergyBlock, y: Float64Array, grad: Float64Array, stop: () => boolean): Promise<number | null> {
  return runInTurns(lagrangianAt(ix, model, eb, y, grad), stop);
}

/** Multipliers with the signs their rows allow (≥ 0 only below a finite lower bound, ≤ 0 only under a finite upper one). */
export function project(model: LpModel, y: Float64Array): Float64Array {
  for (let i = 0; i < y.length; i++) {
    if (y[i]! > 0 && !Number.isFinite(model.rowLower[i]!)) y[i] = 0;
    if (y[i]! < 0 && !Number.isFinite(model.rowUpper[i]!)) y[i] = 0;
  }
  return y;
}

/**
 * The Lagrangian value at multipliers y (already projected). With `grad`, also a subgradient at y:
 * per row, its right-hand side minus its activity at the minimising placement (b − A·x*). A pass that
 * pauses after every LAGRANGE_JOBS_PER_TURN jobs; `grad` is complete only when it has ended.
 */
function* lagrangianAt(ix: PlanIndex, model: LpModel, eb: EnergyBlock, y: Float64Array, grad?: Float64Array): Generator<void, number> {
  const nR = eb.numRows;
  const act = grad ? new Float64Array(nR) : undefined;
  const fixed = rowsAndEnergyColumns(model, eb, y, act);
  if (fixed === null) return Number.NEGATIVE_INFINITY;
  let value = fixed;
  const price = unitPrices(ix, eb, y);
  const pen = UNSERVED_PENALTY_FEN_PER_UNIT_HOUR * ix.slotHours;
  const nK = ix.types.length;
  // A unit-slot of the minimising placement joins its capacity row (+units) and its energy and green rows (−kWh run).
  const use: Use | undefined = act ? (site, type, t, units, fraction) => {
    const kwh = ix.busyKWh[site * nK + type]! * fraction * units;
    const cap = eb.capRow[(site * nK + type) * ix.T + t]!;
    if (cap >= 0) act[cap]! += units;
    act[eb.energyRow[site * ix.T + t]!]! -= kwh;
    if (eb.greenRow >= 0) act[eb.greenRow]! -= eb.target * kwh;
  } : undefined;
  let sinceTurn = 0;
  for (const info of ix.jobs) {
    value += jobMin(ix, info, price, pen, use);
    if (++sinceTurn === LAGRANGE_JOBS_PER_TURN) { sinceTurn = 0; yield; }
  }
  if (grad && act) {
    for (let i = 0; i < nR; i++) {
      const lo = model.rowLower[i]!, hi = model.rowUpper[i]!, a = act[i]!;
      // The side the multiplier prices: by its sign, or at zero the side the activity violates.
      const b = y[i]! > 0 ? lo : y[i]! < 0 ? hi : a < lo ? lo : a > hi ? hi : a;
      grad[i] = b - a;
    }
  }
  return value;
}

/**
 * The Lagrangian's part without the jobs at multipliers y (projected): Σ y_i·b_i over the shared rows, b_i
 * the side y_i prices, plus each energy column at the bound its reduced cost prefers. With `act`, adds
 * those columns' row activities to it. Null (L = −∞) when a column with a negative reduced cost has no finite bound.
 */
export function rowsAndEnergyColumns(model: LpModel, eb: EnergyBlock, y: Float64Array, act?: Float64Array): number | null {
  let value = 0;
  for (let i = 0; i < eb.numRows; i++) value += rowSide(model, y, i);
  for (let c = 0; c < eb.numCols; c++) {
    let rc = model.colCost[c]!;
    for (let k = model.starts[c]!; k < model.starts[c + 1]!; k++) rc -= y[model.indices[k]!]! * model.values[k]!;
    const lo = model.colLower[c]!, hi = Math.min(model.colUpper[c]!, eb.impliedUpper[c]!);
    const at = rc >= 0 ? lo : hi;
    if (!Number.isFinite(at)) return null;
    value += rc * at;
    if (act && at !== 0) for (let k = model.starts[c]!; k < model.starts[c + 1]!; k++) act[model.indices[k]!]! += model.values[k]! * at;
  }
  return value;
}

/** y_i times the side of row i its sign prices (its lower bound when positive, its upper when negative). */
export function rowSide(model: LpModel, y: Float64Array, i: number): number {
  const v = y[i]!;
  return v > 0 ? v * model.rowLower[i]! : v < 0 ? v * model.rowUpper[i]! : 0;
}

/**
 * First step length as a share of the distance to the target, and the steps without a new best after
 * which it is halved. The target (a plan's objective) is far above the bound, so a full Polyak step
 * overshoots: on the bench's medium scenario θ = 1 lost 2 % of the bound on its first step, θ = 0.02
 * gained steadily.
 */
const ASCENT_THETA = 0.1;
const ASCENT_PATIENCE = 3;

export interface AscentReport {
  bound: number;
  /** the bound at the starting multipliers */
  start: number;
  iterations: number;
  /** the multipliers (projected) at which `bound` was evaluated: L(y) there is `bound` exactly */
  y: Float64Array;
}

export interface AscentOptions {
  /** a valid upper bound on the optimum (a plan's objective): Polyak's step aims at it and the bound cannot pass it */
  target: number;
  stop: () => boolean;
  maxIterations?: number;
  /** the Lagrangian at y0, if the caller has already priced it */
  start?: LagrangianPoint;
  /** first step as a share of the distance to the target (ASCENT_THETA) */
  theta?: number;
  /** steps without a new best after which θ is halved (ASCENT_PATIENCE) */
  patience?: number;
  /**
   * Camerini–Fratta–Maffioli deflection: each direction is the subgradient plus a share of the last
   * direction where the two point apart, which damps the zig-zag of plain subgradient steps; and each
   * halving of θ restarts from the best multipliers. For long runs outside a planner's time limit.
   */
  deflect?: boolean;
  /** a diagonal preconditioner: each row's step is scaled by it (the step then ascends in the metric diag(1/rowScale)) */
  rowScale?: Float64Array;
  /**
   * Hears each new best: the multipliers (a live array the ascent goes on writing: copy what you keep), the
   * bound there and the steps taken. A planner re-places its jobs at them while the ascent runs.
   */
  onBest?: (y: Float64Array, bound: number, iterations: number) => void;
}

/** CFM's deflection weight: β = max(0, −CFM_TAU · g·d / ‖d‖²). 1.5 is their recommended value. */
const CFM_TAU = 1.5;

/**
 * Tightens the Lagrangian bound by projected subgradient ascent from multipliers y0 (e.g. the aggregated
 * LP's duals): step θ·(target − L)/‖d‖² along the subgradient (or its deflection) towards `target`, θ
 * halved after a run of steps without a new best. Every iterate is L evaluated exactly at projected
 * multipliers, so a valid bound (weak duality); it may stop at any time and returns the best one with
 * the multipliers it was evaluated at.
 */
export async function lagrangianAscent(ix: PlanIndex, model: LpModel, eb: EnergyBlock, y0: Float64Array, opts: AscentOptions): Promise<AscentReport> {
  const nR = eb.numRows;
  const y = new Float64Array(nR);
  for (let i = 0; i < nR; i++) y[i] = y0[i] ?? 0;
  project(model, y);
  const grad = new Float64Array(nR);
  // Every pass over the jobs gives the event loop (a HiGHS worker's answer) a turn now and then, and is
  // given up when the time is gone: a bound from a pass not ended is no bound.
  // A start the caller already priced (lagrangianStart at y0) is not priced again: on 100,000 jobs a pass takes seconds.
  if (opts.start) grad.set(opts.start.grad);
  const start = (opts.start ? opts.start.value : await runInTurns(lagrangianAt(ix, model, eb, y, grad), opts.stop)) ?? Number.NEGATIVE_INFINITY;
  const bestY = Float64Array.from(y);
  if (!Number.isFinite(start)) return { bound: start, start, iterations: 0, y: bestY };
  const bestGrad = Float64Array.from(grad);
  const dir = opts.deflect ? new Float64Array(nR) : grad;
  let best = start, value = start, theta = opts.theta ?? ASCENT_THETA, stale = 0, iterations = 0, fresh = true;
  const patience = opts.patience ?? ASCENT_PATIENCE;
  const maxIt = opts.maxIterations ?? Infinity;
  while (iterations < maxIt) {
    await new Promise<void>((resolve) => { setImmediate(resolve); });
    if (opts.stop()) break;
    if (opts.deflect) deflect(dir, grad, fresh);
    fresh = false;
    let norm = 0;
    const sc = opts.rowScale;
    for (let i = 0; i < nR; i++) norm += dir[i]! * dir[i]! * (sc ? sc[i]! : 1);
    const gap = opts.target - value;
    if (norm <= 0 || gap <= 0) break;
    const step = (theta * gap) / norm;
    for (let i = 0; i < nR; i++) y[i] = y[i]! + step * dir[i]! * (sc ? sc[i]! : 1);
    project(model, y);
    const next = await runInTurns(lagrangianAt(ix, model, eb, y, grad), opts.stop);
    if (next === null) break;
    value = next;
    iterations++;
    if (!Number.isFinite(value)) break;
    if (value > best + 1e-9 * Math.abs(best)) {
      best = value; stale = 0;
      bestY.set(y); bestGrad.set(grad);
      opts.onBest?.(bestY, best, iterations);
    } else if (++stale >= patience) {
      theta /= 2; stale = 0;
      if (theta < 1e-5) break;
      if (opts.deflect) { y.set(bestY); grad.set(bestGrad); value = best; fresh = true; }
    }
  }
  return { bound: best, start, iterations, y: bestY };
}

/** d ← g + β·d with CFM's β (d ← g on a fresh start). */
function deflect(d: Float64Array, g: Float64Array, fresh: boolean): void {
  let gd = 0, dd = 0;
  if (!fresh) for (let i = 0; i < d.length; i++) { gd += g[i]! * d[i]!; dd += d[i]! * d[i]!; }
  const beta = dd > 0 ? Math.max(0, (-CFM_TAU * gd) / dd) : 0;
  for (let i = 0; i < d.length; i++) d[i] = g[i]! + beta * d[i]!;
}

type Use = (site: number, type: number, t: number, units: number, fraction: number) => void;

/** Reduced cost of one unit-slot per (site, type, slot), in its capacity part −y_cap and its energy part kWh × (y_energy + target × y_green). */
export interface UnitPrices { cap: Float64Array; energy: Float64Array }

export function unitPrices(ix: PlanIndex, eb: EnergyBlock, y: Float64Array): UnitPrices {
  const nK = ix.types.length, T = ix.T;
  const cap = new Float64Array(ix.siteIds.length * nK * T);
  const energy = new Float64Array(ix.siteIds.length * nK * T);
  const yG = eb.greenRow >= 0 ? y[eb.greenRow]! : 0;
  for (let s = 0; s < ix.siteIds.length; s++) for (let k = 0; k < nK; k++) {
    const kwh = ix.busyKWh[s * nK + k]!;
    for (let t = 0; t < T; t++) {
      const capRow = eb.capRow[(s * nK + k) * T + t]!;
      const yCap = capRow >= 0 ? y[capRow]! : 0;
      cap[(s * nK + k) * T + t] = -yCap;
      energy[(s * nK + k) * T + t] = kwh * (y[eb.energyRow[s * T + t]!]! + eb.target * yG);
    }
  }
  return { cap, energy };
}

interface Piece { p: number; cap: number; site: number; t: number }

/** Cheapest way to place `need` unit-slots over (price, capacity) pieces, each unit-slot at most `pen`; `take` hears the pieces used. */
function fillCost(pieces: Piece[], need: number, pen: number, take?: (x: Piece, q: number) => void): number {
  pieces.sort((a, b) => a.p - b.p);
  let left = need, cost = 0;
  for (const x of pieces) {
    if (left <= 0 || x.p >= pen) break;
    const q = Math.min(left, x.cap);
    cost += q * x.p;
    left -= q;
    take?.(x, q);
  }
  return cost + left * pen;
}

/** The job's cheapest placement at these prices (or its unserved penalty); `use` hears the unit-slots of that placement. */
export function jobMin(ix: PlanIndex, info: JobInfo, price: UnitPrices, pen: number, use?: Use): number {
  const { job, type, slots: d, work } = info;
  const nK = ix.types.length, T = ix.T;
  let best = work * pen;
  if (info.options.length === 0) return best;
  const base = (s: number) => (s * nK + type) * T;
  const { cap, energy } = price;
  // A unit-slot run for fraction f: its capacity part whole, its energy part × f.
  const at = (i: number, f: number) => cap[i]! + f * energy[i]!;
  if (job.flex === 'rigid') {
    let bestSite = -1, bestStart = -1;
    for (const o of info.options) {
      const b = base(o.site);
      let sum = 0;
      for (let t = o.firstSlot; t < job.deadline; t++) {
        sum += at(b + t, 1);
        if (t - o.firstSlot >= d) sum -= at(b + t - d, 1);
        // the window's last slot runs only `tail` of the slot
        if (t - o.firstSlot >= d - 1) {
          const v = o.transferFen + job.units * (sum - (1 - info.tail) * energy[b + t]!);
          if (v < best) { best = v; bestSite = o.site; bestStart = t - d + 1; }
        }
      }
    }
    if (use && bestSite >= 0) for (let t = bestStart; t < bestStart + d; t++) use(bestSite, type, t, job.units, t === bestStart + d - 1 ? info.tail : 1);
  } else if (job.flex === 'malleable') {
    let bestPieces: [Piece, number][] | null = null;
    for (const o of info.options) {
      const b = base(o.site);
      const pieces: Piece[] = [];
      for (let t = o.firstSlot; t < job.deadline; t++) pieces.push({ p: at(b + t, info.fill), cap: job.units, site: o.site, t });
      const taken: [Piece, number][] = [];
      const v = o.transferFen + fillCost(pieces, work, pen, use ? (x, q) => taken.push([x, q]) : undefined);
      if (v < best) { best = v; bestPieces = taken; }
    }
    if (use && bestPieces) for (const [x, q] of bestPieces) use(x.site, type, x.t, q, info.fill);
  } else {
    const home = ix.siteRegion[info.homeSite]!;
    const remote = [...new Set(info.options.filter((o) => o.remote).map((o) => ix.siteRegion[o.site]!))];
    const transfer = new Map(info.options.map((o) => [ix.siteRegion[o.site]!, o.transferFen]));
    let bestPieces: [Piece, number][] | null = null;
    for (let mask = 0; mask < 1 << Math.min(remote.length, 6); mask++) {
      const regions = new Set([home, ...remote.filter((_, i) => mask & (1 << i))]);
      let fixed = 0;
      for (const r of regions) if (r !== home) fixed += transfer.get(r) ?? 0;
      const pieces: Piece[] = [];
      for (const o of info.options) {
        if (!regions.has(ix.siteRegion[o.site]!)) continue;
        const b = base(o.site);
        const room = Math.min(work, ix.poolUnits[o.site * nK + type]!);
        for (let t = o.firstSlot; t < job.deadline; t++) pieces.push({ p: at(b + t, info.fill), cap: room, site: o.site, t });
      }
      if (!pieces.length) continue;
      const taken: [Piece, number][] = [];
      const v = fixed + fillCost(pieces, work, pen, use ? (x, q) => taken.push([x, q]) : undefined);
      if (v < best) { best = v; bestPieces = taken; }
    }
    if (use && bestPieces) for (const [x, q] of bestPieces) use(x.site, type, x.t, q, info.fill);
  }
  return best;
}
