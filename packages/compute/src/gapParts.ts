import type { EnergyBlock } from './energyBlock.ts';
import { evaluate, UNSERVED_PENALTY_FEN_PER_UNIT_HOUR } from './evaluate.ts';
import { jobMin, project, rowsAndEnergyColumns, rowSide, unitPrices } from './lagrange.ts';
import type { LpModel } from './lp.ts';
import { transferCost } from './improve.ts';
import { allocationsByJob } from './planByJob.ts';
import { runFraction, type PlanIndex } from './planIndex.ts';
import type { Allocation } from './policy.ts';

/**
 * Why a job sits above its cheapest placement at the multipliers: it leaves work unserved, it runs at
 * other sites than that placement, or at the same sites at other times.
 */
export type JobGapKind = 'unserved' | 'site' | 'timing';

export interface JobGap {
  job: string;
  /** the job's cost at the multipliers in the plan less its cheapest placement's (fen, ≥ 0) */
  fen: number;
  kind: JobGapKind;
  planSites: string[];
  planStart: number;
  bestSites: string[];
  bestStart: number;
}

/**
 * A plan's objective less the Lagrangian bound L(y), in parts (fen). By weak duality
 *   plan − L(y) = Σ_jobs (job's cost at y in the plan − its cheapest placement at y)
 *               + Σ_capacity rows y·(units used − units)          (a priced pool not full)
 *               + the energy part: the plan's energy and carbon less what y and the energy columns'
 *                 cheapest values price them at (energy, renewables, storage and green rows together).
 * The jobs' part belongs to the plan (moving the job to its cheapest placement would close it if the
 * others allowed); the capacity and energy parts are where the plan and the multipliers disagree on the
 * rows, and shrink only with better multipliers or a plan that fills the priced rows. The parts add up
 * to plan − L(y) exactly for a plan that keeps the rules (each job at sites it may use).
 */
export interface GapParts {
  /** the plan's objective (evaluate) */
  plan: number;
  /** L(y) */
  bound: number;
  jobs: { fen: number; count: number; byKind: Record<JobGapKind, { fen: number; count: number }>; top: JobGap[] };
  capacity: { fen: number; rows: number };
  energy: { fen: number };
}

/** Jobs above their cheapest placement by less than this (fen) are not counted: rounding noise. */
const JOB_GAP_EPS_FEN = 1e-6;

export function gapParts(ix: PlanIndex, model: LpModel, eb: EnergyBlock, multipliers: Float64Array, allocations: readonly Allocation[], topJobs = 5): GapParts {
  const y = project(model, Float64Array.from({ length: eb.numRows }, (_, i) => multipliers[i] ?? 0));
  const metrics = evaluate(ix.scenario, allocations, ix);
  const price = unitPrices(ix, eb, y);
  const nK = ix.types.length, T = ix.T;
  const pen = UNSERVED_PENALTY_FEN_PER_UNIT_HOUR * ix.slotHours;
  const byJob = allocationsByJob(ix, allocations);
  const used = new Float64Array(nK * ix.siteIds.length * T);
  /** Σ over the plan's unit-slots of their price at y: −yᵀ(A x) over the job columns */
  let priced = 0;
  const kinds: Record<JobGapKind, { fen: number; count: number }> = { unserved: { fen: 0, count: 0 }, site: { fen: 0, count: 0 }, timing: { fen: 0, count: 0 } };
  const gaps: JobGap[] = [];
  let jobsFen = 0, jobsMin = 0;
  for (const info of ix.jobs) {
    const own = byJob.get(info.index) ?? [];
    const last = own.reduce((m, a) => Math.max(m, a.slot), -1);
    let served = 0, atY = 0;
    for (const a of own) {
      const s = ix.siteById.get(a.site)!;
      const i = (s * nK + info.type) * T + a.slot;
      atY += a.units * (price.cap[i]! + runFraction(info, a.slot === last) * price.energy[i]!);
      used[i]! += a.units;
      served += a.units;
    }
    priced += atY;
    const transfer = transferCost(ix, info.index, own.map((a) => ({ site: ix.siteById.get(a.site)! })));
    const short = info.work - Math.min(info.work, served);
    const cost = transfer + atY + short * pen * (info.job.weight ?? 1);
    const bestSites = new Set<number>();
    let bestStart = Infinity;
    const best = jobMin(ix, info, price, pen, (site, _type, t) => { bestSites.add(site); bestStart = Math.min(bestStart, t); });
    jobsMin += best;
    const fen = cost - best;
    jobsFen += fen;
    if (fen <= JOB_GAP_EPS_FEN) continue;
    const planSites = [...new Set(own.map((a) => a.site))].sort();
    const bestIds = [...bestSites].map((s) => ix.siteIds[s]!).sort();
    const kind: JobGapKind = short > 1e-9 ? 'unserved' : planSites.join() !== bestIds.join() ? 'site' : 'timing';
    kinds[kind].fen += fen;
    kinds[kind].count++;
    gaps.push({ job: info.job.id, fen, kind, planSites, planStart: own.reduce((m, a) => Math.min(m, a.slot), Infinity), bestSites: bestIds, bestStart });
  }
  let capacityFen = 0, capacityRows = 0;
  for (let c = 0; c < used.length; c++) {
    const row = eb.capRow[c]!;
    if (row < 0 || y[row] === 0) continue;
    const slack = y[row]! * used[c]! - rowSide(model, y, row);
    capacityFen += slack;
    if (slack > JOB_GAP_EPS_FEN) capacityRows++;
  }
  const energyObjective = metrics.costFen + ix.scenario.carbonPriceFenPerKg * metrics.carbonKg;
  const rest = rowsAndEnergyColumns(model, eb, y) ?? Number.NEGATIVE_INFINITY;
  const bound = rest + jobsMin;
  gaps.sort((a, b) => b.fen - a.fen);
  return {
    plan: metrics.objective,
    bound,
    jobs: { fen: jobsFen, count: gaps.length, byKind: kinds, top: gaps.slice(0, topJobs) },
    capacity: { fen: capacityFen, rows: capacityRows },
    // plan − L − jobs = energy objective − priced − rest; what the capacity rows do not explain is the energy rows' and columns'.
    energy: { fen: energyObjective - priced - rest - capacityFen },
  };
}
