import type { EnergyBlock } from './energyBlock.ts';
import { lagrangianPass, project, type AscentOptions, type AscentReport } from './lagrange.ts';
import type { LpModel } from './lp.ts';
import type { PlanIndex } from './planIndex.ts';

/**
 * Cuts the bundle keeps (the aggregate of the dropped ones among them). More cuts make a better model of L
 * but a dearer step: each one costs a pass over the live rows per QP iteration.
 */
export const BUNDLE_MAX_CUTS = 24;
/** A trial point becomes the centre when L rose by at least this share of the rise its model predicted (Kiwiel's m_L). */
const SERIOUS_SHARE = 0.1;
/** Projected-gradient iterations per QP, warm-started from the last QP's weights. */
const QP_ITERATIONS = 40;
/** The proximal weight t stays within these multiples of its first value. */
const T_RANGE = 1e3;

/**
 * The bundle's metric: steps on the energy, renewables and storage rows (fen per kWh) this many times
 * those on the capacity and green rows. The LP's duals on medium hourly: energy rows' multipliers ~83 fen
 * (rms) with subgradients ~14 kWh, capacity rows' ~2 fen with ~85 units, so one metric for both moves
 * the energy prices far too slowly. quick-multipliers.ts, medium hourly, 8 s (load 3.7): L 12,577.8 ¥
 * by subgradient ascent, 12,620.6 ¥ by the bundle at scale 100, 12,628.3 ¥ at 1,000 (whose multipliers placed
 * at 12,944.9 ¥ against 12,931.1 ¥ at 100).
 */
export const BUNDLE_ENERGY_SCALE = 100;

/** Per row of the energy block: `factor` on the energy, renewables and storage rows, 1 on the capacity and green rows. */
export function energyRowScale(eb: EnergyBlock, factor = BUNDLE_ENERGY_SCALE): Float64Array {
  const scale = new Float64Array(eb.numRows).fill(1);
  for (const rows of [eb.energyRow, eb.renewRow, eb.socRow]) for (const r of rows) if (r >= 0) scale[r] = factor;
  return scale;
}

/** One cut of the model: L(y) ≤ L(centre) + err + g·(y − centre) for every y. */
interface Cut { g: Float64Array; err: number }

/**
 * Tightens the Lagrangian bound by a proximal bundle method (Kiwiel, with aggregation) from multipliers y0:
 * every pass's subgradient is kept as a cut, and the next trial point maximises the cutting-plane model of
 * L minus ‖y − centre‖²/(2t) over the multipliers' sign domains, found through its dual, a small QP over
 * the simplex of cut weights. Where subgradient ascent steps along one subgradient, the model of the last
 * few dozen keeps the zig-zag out. The centre moves only on a rise of L (a serious step); a trial point that
 * did not rise adds its cut (a null step). Every trial point is L evaluated exactly at projected
 * multipliers, so a valid bound (weak duality); it may stop at any time and returns the best with its multipliers.
 * Same options and report as lagrangianAscent; `theta` scales the first step like the ascent's first Polyak step.
 *
 * It lifts the bound faster than the ascent but does not reach multipliers that place better within a
 * planner's seconds (bench/planner/quick-multipliers.ts medium 60 1,2,4,8 ascent bundle:escale=100, load
 * 1.7–2.0; L from 12,546 ¥ at the LP's duals, planAtPrices there 12,955 ¥): after 1 / 2 / 4 / 8 s the
 * ascent's L 12,558 / 12,562 / 12,571 / 12,577 ¥ placed at 12,961 / 12,967 / 12,934 / 12,927 ¥, the
 * bundle's 12,574 / 12,585 / 12,600 / 12,620 ¥ at 12,987 / 12,984 / 12,937 / 12,930 ¥; the converged dual
 * is ~12,748 ¥. One aggregated model of a sum over 10,000 jobs gains ~40 fen a step where ~20,000 are
 * missing: reaching it needs the jobs' cuts kept apart (the column masters, dualMaster.ts).
 */
export async function lagrangianBundle(ix: PlanIndex, model: LpModel, eb: EnergyBlock, y0: Float64Array, opts: AscentOptions & { maxCuts?: number }): Promise<AscentReport> {
  const nR = eb.numRows;
  const centre = new Float64Array(nR);
  for (let i = 0; i < nR; i++) centre[i] = y0[i] ?? 0;
  project(model, centre);
  const lo = new Float64Array(nR), hi = new Float64Array(nR);
  for (let i = 0; i < nR; i++) {
    lo[i] = Number.isFinite(model.rowUpper[i]!) ? -Infinity : 0;
    hi[i] = Number.isFinite(model.rowLower[i]!) ? Infinity : 0;
  }
  let grad = new Float64Array(nR);
  if (opts.start) grad.set(opts.start.grad);
  const start = (opts.start ? opts.start.value : await lagrangianPass(ix, model, eb, centre, grad, opts.stop)) ?? Number.NEGATIVE_INFINITY;
  const bestY = Float64Array.from(centre);
  if (!Number.isFinite(start)) return { bound: start, start, iterations: 0, y: bestY };
  const maxCuts = Math.max(2, opts.maxCuts ?? BUNDLE_MAX_CUTS);
  const maxIt = opts.maxIterations ?? Infinity;
  let fc = start, best = start, iterations = 0;
  let cuts: Cut[] = [{ g: Float64Array.from(grad), err: 0 }];
  let weights = [1];
  let norm0 = 0;
  for (let i = 0; i < nR; i++) norm0 += grad[i]! * grad[i]! * (opts.rowScale ? opts.rowScale[i]! : 1);
  const gap0 = opts.target - start;
  if (norm0 <= 0 || !(gap0 > 0)) return { bound: start, start, iterations: 0, y: bestY };
  const sc = opts.rowScale ?? new Float64Array(nR).fill(1);
  const t0 = ((opts.theta ?? 0.1) * gap0) / norm0;
  let t = t0;
  const trial = new Float64Array(nR), step = new Float64Array(nR);
  while (iterations < maxIt) {
    await new Promise<void>((resolve) => { setImmediate(resolve); });
    if (opts.stop()) break;
    let qp = proximalStep(cuts, weights, centre, lo, hi, sc, t, step);
    const flat = 1e-9 * Math.max(1, Math.abs(fc));
    if (!(qp.modelRise > flat) && cuts.length > 1) {
      // The QP's few iterations found no rise (badly conditioned cuts): start the model again from the
      // aggregate, the one cut a proximal step along it surely rises on unless the centre is optimal.
      cuts = [aggregateCut(cuts, weights, nR)];
      qp = proximalStep(cuts, [1], centre, lo, hi, sc, t, step);
    }
    weights = qp.weights;
    const predicted = qp.modelRise;
    if (!(predicted > flat)) break;
    for (let i = 0; i < nR; i++) trial[i] = centre[i]! + step[i]!;
    grad = new Float64Array(nR);
    const value = await lagrangianPass(ix, model, eb, trial, grad, opts.stop);
    if (value === null) break;
    iterations++;
    if (!Number.isFinite(value)) break;
    if (value > best + 1e-9 * Math.abs(best)) {
      best = value;
      bestY.set(trial);
      opts.onBest?.(bestY, best, iterations);
    }
    const rise = value - fc;
    if (rise >= SERIOUS_SHARE * predicted) {
      // Serious step: the centre moves to the trial point and every cut's error is restated there.
      for (const c of cuts) c.err = Math.max(0, c.err + dot(c.g, step) - rise);
      centre.set(trial);
      fc = value;
      cuts.push({ g: grad, err: 0 });
      if (rise >= 0.5 * predicted) t = Math.min(t0 * T_RANGE, 2 * t);
    } else {
      // Null step: the trial point's cut, stated at the centre, cuts the model down there.
      cuts.push({ g: grad, err: Math.max(0, value - fc - dot(grad, step)) });
      if (-rise > predicted) t = Math.max(t0 / T_RANGE, t / 2);
    }
    weights.push(0);
    if (cuts.length > maxCuts) {
      // Keep the newest cut and those the QP weighted most; their aggregate (a valid cut: the model's
      // restatement at a new centre is affine, so it commutes with the weighting) replaces the rest.
      const aggregate = aggregateCut(cuts, weights, nR);
      const order = cuts.slice(0, -1).map((_, i) => i).sort((a, b) => weights[b]! - weights[a]!);
      const keep = new Set(order.slice(0, maxCuts - 2));
      const kept: Cut[] = [], kw: number[] = [];
      let dropped = 0;
      cuts.forEach((c, i) => {
        if (i === cuts.length - 1 || keep.has(i)) { kept.push(c); kw.push(weights[i]!); } else dropped += weights[i]!;
      });
      kept.push(aggregate); kw.push(dropped);
      cuts = kept; weights = kw;
    }
  }
  return { bound: best, start, iterations, y: bestY };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function aggregateCut(cuts: Cut[], weights: number[], n: number): Cut {
  const g = new Float64Array(n);
  let err = 0;
  cuts.forEach((c, i) => {
    const w = weights[i]!;
    if (w <= 0) return;
    err += w * c.err;
    for (let j = 0; j < n; j++) g[j]! += w * c.g[j]!;
  });
  return { g, err };
}

/**
 * The bundle's proximal step: max over y in the sign box of min_i (err_i + g_i·(y − c)) − ‖y − c‖²/(2t), by
 * its dual min over weights λ in the simplex of φ(λ) = max_y Σλ_i(err_i + g_i·s) − ‖s‖²/(2t), s = y − c,
 * whose inner max is separable: s = P(c + t·Σλ_i g_i) − c, each row clipped to its sign domain. φ is convex
 * with gradient err_i + g_i·s (Danskin): projected gradient over the simplex, warm-started from `w0`.
 * Rows at a sign bound that every cut pushes out of never move and are left out. Writes s into `step`;
 * returns the weights and the rise the model predicts at the step.
 */
function proximalStep(cuts: Cut[], w0: number[], c: Float64Array, lo: Float64Array, hi: Float64Array, scale: Float64Array, t: number, step: Float64Array): { weights: number[]; modelRise: number } {
  const k = cuts.length, n = c.length;
  const live: number[] = [];
  for (let j = 0; j < n; j++) {
    const cj = c[j]!;
    let up = false, down = false;
    for (const cut of cuts) { const v = cut.g[j]!; if (v > 0) up = true; else if (v < 0) down = true; }
    if ((up && cj < hi[j]!) || (down && cj > lo[j]!)) live.push(j);
  }
  step.fill(0);
  const m = live.length;
  // The cuts on the live rows, packed: one pass over contiguous memory per product.
  const G = new Float64Array(k * m);
  for (let i = 0; i < k; i++) { const g = cuts[i]!.g; for (let r = 0; r < m; r++) G[i * m + r] = g[live[r]!]!; }
  const cl = new Float64Array(m), lol = new Float64Array(m), hil = new Float64Array(m), scl = new Float64Array(m);
  for (let r = 0; r < m; r++) { const j = live[r]!; cl[r] = c[j]!; lol[r] = lo[j]!; hil[r] = hi[j]!; scl[r] = scale[j]!; }
  // Lipschitz constant of ∇φ: t·λmax of the cuts' Gram matrix (clipping only flattens φ), by power iteration.
  const gram = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let l = 0; l <= i; l++) {
    let v = 0;
    for (let r = 0; r < m; r++) v += G[i * m + r]! * G[l * m + r]! * scl[r]!;
    gram[i * k + l] = v; gram[l * k + i] = v;
  }
  const lip = t * Math.max(largestEigenvalue(gram, k), 1e-12);
  let lam = Float64Array.from(w0.length === k ? w0 : Array.from({ length: k }, (_, i) => (i === k - 1 ? 1 : 0)));
  if (!(lam.reduce((a, b) => a + b, 0) > 0)) { lam.fill(0); lam[k - 1] = 1; }
  projectSimplex(lam);
  const s = new Float64Array(m), gradPhi = new Float64Array(k);
  const stepAt = (l: Float64Array) => {
    for (let r = 0; r < m; r++) {
      let d = 0;
      for (let i = 0; i < k; i++) d += l[i]! * G[i * m + r]!;
      const y = Math.min(hil[r]!, Math.max(lol[r]!, cl[r]! + t * scl[r]! * d));
      s[r] = y - cl[r]!;
    }
    for (let i = 0; i < k; i++) {
      let v = cuts[i]!.err;
      for (let r = 0; r < m; r++) v += G[i * m + r]! * s[r]!;
      gradPhi[i] = v;
    }
  };
  // FISTA on the simplex.
  let prev = Float64Array.from(lam), z = Float64Array.from(lam), mom = 1;
  for (let it = 0; it < QP_ITERATIONS; it++) {
    stepAt(z);
    const next = new Float64Array(k);
    for (let i = 0; i < k; i++) next[i] = z[i]! - gradPhi[i]! / lip;
    projectSimplex(next);
    const mom2 = (1 + Math.sqrt(1 + 4 * mom * mom)) / 2;
    for (let i = 0; i < k; i++) z[i] = next[i]! + ((mom - 1) / mom2) * (next[i]! - prev[i]!);
    prev = next; mom = mom2;
  }
  lam = prev;
  stepAt(lam);
  for (let r = 0; r < m; r++) step[live[r]!] = s[r]!;
  // The model's rise at the step: its lowest cut there.
  let rise = Infinity;
  for (let i = 0; i < k; i++) rise = Math.min(rise, gradPhi[i]!);
  return { weights: Array.from(lam), modelRise: rise };
}

/** Euclidean projection onto the unit simplex (sort-based). */
function projectSimplex(v: Float64Array): void {
  const u = Float64Array.from(v).sort().reverse();
  let css = 0, theta = 0;
  for (let i = 0; i < u.length; i++) {
    css += u[i]!;
    const th = (css - 1) / (i + 1);
    if (u[i]! - th > 0) theta = th;
  }
  for (let i = 0; i < v.length; i++) v[i] = Math.max(0, v[i]! - theta);
}

/** The largest eigenvalue of a symmetric positive semidefinite k×k matrix, by power iteration (from above: ×1.05). */
function largestEigenvalue(a: Float64Array, k: number): number {
  let v = new Float64Array(k).fill(1 / Math.sqrt(k)), lambda = 0;
  for (let it = 0; it < 30; it++) {
    const w = new Float64Array(k);
    for (let i = 0; i < k; i++) { let x = 0; for (let l = 0; l < k; l++) x += a[i * k + l]! * v[l]!; w[i] = x; }
    const norm = Math.sqrt(w.reduce((acc, x) => acc + x * x, 0));
    if (norm <= 0) return 0;
    lambda = norm;
    v = w.map((x) => x / norm);
  }
  return 1.05 * lambda;
}
