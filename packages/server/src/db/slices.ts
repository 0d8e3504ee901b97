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

/**
 * How a long write of many rows is cut into statements on this database. PGlite runs a statement on
 * the event loop and its WebAssembly memory grows to the largest one: small statements (the writer's
 * own size) with a turn of the loop between them. PostgreSQL runs them in its own process, so awaiting
 * one already frees the loop: a turn between them only adds a wait behind the requests of that turn
 * (at 20,000 render nodes, a batch of 27 statements took up to 8.5 s, most of it such waits), and
 * fewer, larger statements mean fewer round trips, each of which waits for a loop turn to be read.
 */
export interface StatementPacing {
  rowsPerStatement: number;
  turnBetween: boolean;
}

/** Rows a statement carries at most on PostgreSQL: its JSON is built on the event loop (≈ 10 ms per 5,000 task rows). */
export const POSTGRES_ROWS_PER_STATEMENT = 5_000;

export function statementPacing(kind: 'pglite' | 'postgres', embeddedRows: number): StatementPacing {
  return kind === 'postgres' ? { rowsPerStatement: Math.max(embeddedRows, POSTGRES_ROWS_PER_STATEMENT), turnBetween: false } : { rowsPerStatement: embeddedRows, turnBetween: true };
}
