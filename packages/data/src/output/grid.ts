/**
 * Under differential privacy each clamped value is snapped to a grid before it is summed, so a sum is
 * a whole number of grid steps and one record moves it by at most GRID_STEPS of them: integer noise
 * (discrete Laplace) then calibrates exactly, with no floating-point traces (Mironov 2012).
 */
export const GRID_STEPS = 1000;

/** One record changes a sum of values clamped to [lo, hi] by at most max(|lo|, |hi|). */
export function sensitivity(bounds: readonly [number, number]): number {
  return Math.max(Math.abs(bounds[0]), Math.abs(bounds[1]));
}

/** The grid step r = Δ/1000, in the measure's units. */
export function resolution(bounds: readonly [number, number]): number {
  return sensitivity(bounds) / GRID_STEPS;
}
