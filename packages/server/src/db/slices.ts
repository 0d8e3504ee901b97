/**
 * `rows` in slices of at most `size`, in order: one statement per slice keeps a statement's parameters,
 * the database's memory for it and the time it holds the embedded database's event loop bounded.
 */
export function* slices<T>(rows: readonly T[], size: number): Generator<T[]> {
  if (!(size >= 1)) throw new RangeError('slice size must be at least 1');
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

/**
 * A turn of the event loop. Between the statements of a long write on the embedded database: PGlite
 * runs a statement and resolves it without returning to the event loop, so a write of many
 * statements would otherwise hold every request (an operator's overview, a node's heartbeat) until
 * its end.
 */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
