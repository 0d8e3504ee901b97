/** Uniform draws in [0, 1): the platform's seeded `Rng` (createRng) in tests, a crypto-backed one in the server. */
export interface UniformSource {
  next(): number;
}

/**
 * An integer k with P(k) ∝ exp(−|k| / scale): the difference of two geometric variables with
 * p = 1 − exp(−1/scale). Why integers: a floating-point Laplace sample added to a real value leaves
 * traces of the true value in the low-order bits of the result (Mironov 2012, "On significance of the
 * least significant bits for differential privacy"); noise on an integer grid added to a value
 * snapped to that grid has no such bits.
 */
export function discreteLaplace(scale: number, u: UniformSource): number {
  if (!Number.isFinite(scale) || scale <= 0) throw new RangeError(`discrete Laplace needs a positive finite scale (got ${scale})`);
  return geometric(scale, u) - geometric(scale, u);
}

/** P(G ≥ k) = exp(−k/scale) for k = 0, 1, …: the floor of an exponential of mean `scale`, by inversion. */
function geometric(scale: number, u: UniformSource): number {
  // 1 − u lies in (0, 1], so the logarithm is finite even when the source returns exactly 0.
  return Math.floor(-Math.log(1 - u.next()) * scale);
}
