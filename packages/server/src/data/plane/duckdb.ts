import { DuckDBConnection, DuckDBInstance, DuckDBTypeId, StatementType, type DuckDBValue } from '@duckdb/node-api';
import type { DataColumnType } from '@shuzhi/schema';
import { DataPlaneError } from './errors.ts';

/** A value as the data plane hands it on: DuckDB's BIGINT/HUGEINT/DECIMAL as numbers, dates as ISO text. */
export type PlainValue = string | number | boolean | null;
export type PlainRow = Record<string, PlainValue>;

/** The DuckDB type each schema type is stored as. */
export const duckType: Record<DataColumnType, string> = {
  string: 'VARCHAR',
  integer: 'BIGINT',
  number: 'DOUBLE',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  boolean: 'BOOLEAN',
};

/** A SQL string literal. Only for paths the server builds (data dir, site and product ids), never for user values. */
export const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** A column name as SQL: names are lower-case letters, digits and _ (DataColumnName), quoted so none reads as a keyword. */
export const ident = (name: string) => `"${name}"`;

/**
 * Opens a fresh in-memory DuckDB for one piece of work and closes it after. One instance per call, not a
 * pool per site: the lock-down (allowed_directories, lock_configuration) is per instance and cannot be
 * lifted, so an instance set up for one product's folder can serve no other; an in-memory instance
 * costs a few milliseconds next to the scan.
 */
export async function withDuckDB<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    return await fn(c);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

/**
 * From here on the connection reads files only under `dirs` and can neither write files, load
 * extensions, attach databases nor change these settings back.
 */
export async function lockDown(c: DuckDBConnection, dirs: string[]): Promise<void> {
  await c.run(`SET allowed_directories = [${dirs.map((d) => sqlText(d.endsWith('/') ? d : `${d}/`)).join(', ')}]`);
  await c.run('SET enable_external_access = false');
  await c.run('SET lock_configuration = true');
}

/**
 * Runs exactly one read-only statement with its parameters bound (never spliced). The client's `run`
 * would execute every statement but the last without binding anything, so a plan is split first and
 * refused unless it is a single SELECT.
 */
export async function selectRows(c: DuckDBConnection, sql: string, params: readonly PlainValue[] = []): Promise<PlainRow[]> {
  const statements = await c.extractStatements(sql);
  if (statements.count !== 1) throw new DataPlaneError('PLAN_UNSAFE', `a query plan must be one statement; this one has ${statements.count}`);
  const prepared = await statements.prepare(0);
  try {
    if (prepared.statementType !== StatementType.SELECT) throw new DataPlaneError('PLAN_UNSAFE', 'a query plan must be a SELECT statement');
    if (params.length) prepared.bind(params as DuckDBValue[]);
    const reader = await prepared.runAndReadAll();
    const names = reader.columnNames();
    const dateCols = new Set(reader.columnTypes().flatMap((t, i) => (t.typeId === DuckDBTypeId.DATE ? [names[i]!] : [])));
    return reader.getRowObjectsJS().map((row) => {
      const out: PlainRow = {};
      for (const [k, v] of Object.entries(row)) out[k] = plain(v, dateCols.has(k));
      return out;
    });
  } finally {
    prepared.destroySync();
  }
}

function plain(v: unknown, isDate: boolean): PlainValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return isDate ? v.toISOString().slice(0, 10) : v.toISOString();
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return String(v);
}
