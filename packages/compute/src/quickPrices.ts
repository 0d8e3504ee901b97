import type { EnergyBlock } from './energyBlock.ts';
import { lagrangianAscent, type AscentReport, type LagrangianPoint } from './lagrange.ts';
import type { LpModel } from './lp.ts';
import type { PlanIndex } from './planIndex.ts';

/**
 * Multipliers to place jobs at (placeAtDuals, then improvePlan), better than the aggregated LP's duals,
 * within a planner's time budget: subgradient ascent from those duals for `seconds`. Better multipliers
 * place better, and a few seconds of ascent is the cheapest way there found (bench/planner/quick-multipliers.ts,
 * quiet): on medium hourly placement + local search at the LP's duals gives 13,031 ¥, after 2 s of ascent
 * (36 steps) 12,995.6 ¥, 4 s 12,993.4 ¥, 8 s 12,991.8 ¥ (optimal's own final plan, 10 s: 13,019.7 ¥); on
 * medium at 15 minutes 13,029 → 13,016 ¥ after 2 s (10 steps; 8 s placed at 13,036). The Lagrangian master
 * by columns, per job or per group of jobs, does not lift the bound in 8 s there, and its duals place worse
 * (13,092–13,251 ¥).
 */
export interface QuickPricesOptions {
  seconds: number;
  /** a valid upper bound on the optimum (the plan so far): the ascent's Polyak step aims at it */
  target: number;
  /** L and its subgradient at the LP's duals, if already priced (lagrangianStart) */
  start?: LagrangianPoint;
  /** at most this many steps, whatever the time */
  maxIterations?: number;
  /** the clock in ms (default performance.now) */
  now?: () => number;
}

export async function quickPrices(ix: PlanIndex, prices: { model: LpModel; eb: EnergyBlock; y: Float64Array }, opts: QuickPricesOptions): Promise<AscentReport> {
  const now = opts.now ?? (() => performance.now());
  const until = now() + opts.seconds * 1000;
  return lagrangianAscent(ix, prices.model, prices.eb, prices.y, {
    target: opts.target, stop: () => now() > until,
    ...(opts.start ? { start: opts.start } : {}), ...(opts.maxIterations !== undefined ? { maxIterations: opts.maxIterations } : {}),
  });
}
