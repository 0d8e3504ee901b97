import type { PlanOptions } from './policy.ts';

/** The clock that measures solveMs (a report figure only; never an input to a planning decision). */
export function solveClock(opts: PlanOptions | undefined): { now(): number } {
  return opts?.clock ?? { now: () => performance.now() };
}
