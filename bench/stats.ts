/**
 * The one way every bench states a percentile: nearest rank over sorted samples (the smallest value
 * with at least p% of the samples at or below it). NaN when there are no samples.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Percentile of samples that each stand for `weight` observations (a wave of steps counts once per step). */
export function weightedPercentile(samples: readonly { value: number; weight: number }[], p: number): number {
  const sorted = samples.filter((s) => s.weight > 0).sort((a, b) => a.value - b.value);
  const total = sorted.reduce((n, s) => n + s.weight, 0);
  let seen = 0;
  for (const s of sorted) {
    seen += s.weight;
    if (seen >= (p / 100) * total) return s.value;
  }
  return sorted.at(-1)?.value ?? NaN;
}

export const sortedCopy = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
