/**
 * `rows` in slices of at most `size`, in order: one statement per slice keeps a statement's parameters,
 * the database's memory for it and the time it holds the embedded database's event loop bounded.
 */
export function* slices<T>(rows: readonly T[], size: number): Generator<T[]> {
  if (!(size >= 1)) throw new RangeError('slice size must be at least 1');
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}
