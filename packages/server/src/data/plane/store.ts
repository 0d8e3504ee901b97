import { randomBytes } from 'node:crypto';
import { open, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DataColumnType, DataSchema } from '@shuzhi/schema';
import { duckType, ident, lockDown, selectRows, sqlText, withDuckDB, type PlainRow, type PlainValue } from './duckdb.ts';
import { DataPlaneError } from './errors.ts';

/** Where a product's dataset sits, and what it looks like. */
export interface StoredProduct {
  id: string;
  siteId: string;
  schema: DataSchema;
}

/** The compiled statement the plane runs (the part of @shuzhi/data's QueryPlan it needs). */
export interface RunnablePlan {
  sql: string;
  params: readonly PlainValue[];
  /** For a join: the consumer's rows, loaded as the table `__consumer` before the engine is locked. */
  consumerTable: { columns: readonly string[]; rows: readonly (readonly (string | number | null)[])[] } | null;
}

/** The one file a product's dataset is kept in; a new ingest replaces it in one rename. */
const DATA_FILE = 'data.parquet';

/**
 * The data plane's storage: each product's dataset as Parquet in the store of the one site that holds
 * it, and the engine (DuckDB) that computes on it there. Nothing here hands rows out except through
 * `execute`, whose statement is the engine's compiled plan.
 */
export class DataStore {
  constructor(private readonly dataDir: string) {}

  /** `<dataDir>/sites/<siteId>/store/data/<productId>` */
  dirOf(siteId: string, productId: string): string {
    return join(this.dataDir, 'sites', siteId, 'store', 'data', productId);
  }

  /** Whether the product's dataset is in its site's store. */
  async has(product: Pick<StoredProduct, 'id' | 'siteId'>): Promise<boolean> {
    const fh = await open(join(this.dirOf(product.siteId, product.id), DATA_FILE)).catch(() => null);
    await fh?.close();
    return fh !== null;
  }

  /**
   * Checks a CSV (header = the schema's column names, in any order; values parse as the column types)
   * and writes it as Parquet into the product's folder at its site. Throws DataPlaneError DATASET_INVALID
   * naming the line and column.
   */
  async ingestCsv(product: StoredProduct, csv: Uint8Array | string): Promise<{ rows: number }> {
    const dir = this.dirOf(product.siteId, product.id);
    await mkdir(dir, { recursive: true });
    const upload = join(dir, `.upload-${randomBytes(6).toString('hex')}.csv.tmp`);
    try {
      await writeFile(upload, csv);
      return await this.ingestFile(product, upload);
    } finally {
      await rm(upload, { force: true });
    }
  }

  /** The same from a file already on the site's disk (CSV, or Parquet by its extension). */
  async ingestFile(product: StoredProduct, path: string): Promise<{ rows: number }> {
    const dir = this.dirOf(product.siteId, product.id);
    await mkdir(dir, { recursive: true });
    // Written under a name the query view's glob (*.parquet) does not match, renamed into place when whole.
    const tmp = join(dir, `.ingest-${randomBytes(6).toString('hex')}.parquet.tmp`);
    try {
      const rows = await withDuckDB(async (c) => {
        await lockDown(c, [dirname(path), dir]);
        const source = path.endsWith('.parquet') ? await parquetSource(c, product.schema, path) : await csvSource(product.schema, path);
        await c.run(`COPY (SELECT ${source.select} FROM ${source.from}) TO ${sqlText(tmp)} (FORMAT parquet)`);
        await source.check?.(c);
        const [row] = await selectRows(c, `SELECT count(*) AS n FROM read_parquet(${sqlText(tmp)})`);
        return Number(row?.n ?? 0);
      }).catch((err: unknown) => {
        if (err instanceof DataPlaneError) throw err;
        // DuckDB could not read it at all (not CSV or Parquet, a broken file): its first line says why.
        throw invalid(`the file could not be read: ${String((err as Error).message).split('\n')[0]}`);
      });
      if (rows === 0) throw invalid('the file has no data rows');
      await rename(tmp, join(dir, DATA_FILE));
      return { rows };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /**
   * Runs a compiled plan over the product's dataset at its site: `__product` is a view over its folder,
   * `__consumer` (a join) a temporary table filled through the appender; then the engine is locked to
   * that folder before the plan's one statement runs with its parameters bound. `rowsScanned` is the
   * product's row count: every plan reads the whole dataset (filters apply after the scan).
   */
  async execute(product: StoredProduct, plan: RunnablePlan): Promise<{ rows: PlainRow[]; rowsScanned: number }> {
    const dir = this.dirOf(product.siteId, product.id);
    if (!(await this.has(product))) {
      throw new DataPlaneError('DATASET_MISSING', `product ${product.id} has no dataset in the store of site ${product.siteId}; ingest it first`);
    }
    return withDuckDB(async (c) => {
      await c.run(`CREATE VIEW __product AS SELECT * FROM read_parquet(${sqlText(join(dir, '*.parquet'))})`);
      if (plan.consumerTable) await loadConsumer(c, product.schema, plan.consumerTable);
      await lockDown(c, [dir]);
      const [count] = await selectRows(c, 'SELECT count(*) AS n FROM __product');
      const rows = await selectRows(c, plan.sql, plan.params);
      return { rows, rowsScanned: Number(count?.n ?? 0) };
    });
  }
}

const invalid = (message: string, fields: Record<string, unknown> = {}) => new DataPlaneError('DATASET_INVALID', message, fields);

interface Source {
  select: string;
  from: string;
  /** Runs after the copy: throws naming the first value that did not fit its column. */
  check?: (c: DuckDBConnection) => Promise<void>;
}

/** Column list in the schema's order, each cast to its stored type. */
const castList = (schema: DataSchema) => schema.columns.map((col) => `CAST(${ident(col.name)} AS ${duckType[col.type]}) AS ${ident(col.name)}`).join(', ');

/** The header line's names, as the provider wrote them (quoted or not). */
async function csvHeader(path: string): Promise<string[]> {
  const fh = await open(path);
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
    const end = text.search(/\r?\n/);
    const line = end === -1 ? text : text.slice(0, end);
    return line.split(',').map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
  } finally {
    await fh.close();
  }
}

/** The schema's columns against the file's names: every one present, nothing else. */
function checkNames(schema: DataSchema, names: string[], where: string): void {
  const want = new Set(schema.columns.map((c) => c.name));
  const missing = [...want].filter((n) => !names.includes(n));
  const extra = names.filter((n) => !want.has(n));
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (missing.length || extra.length || twice.length) {
    throw invalid(
      `${where}: ${[
        missing.length ? `missing column(s) ${missing.join(', ')}` : '',
        extra.length ? `column(s) not in the schema ${extra.join(', ')}` : '',
        twice.length ? `column(s) named twice ${twice.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ')}`,
      { line: 1, missing, extra },
    );
  }
}

async function csvSource(schema: DataSchema, path: string): Promise<Source> {
  const names = await csvHeader(path);
  checkNames(schema, names, 'line 1 (the header)');
  const typeOf = new Map(schema.columns.map((c) => [c.name, c.type]));
  // Types come from the schema, not from sniffing; values that do not parse are collected, then reported.
  const columns = names.map((n) => `${sqlText(n)}: ${sqlText(duckType[typeOf.get(n)!])}`).join(', ');
  return {
    select: schema.columns.map((c) => ident(c.name)).join(', '),
    from: `read_csv(${sqlText(path)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = {${columns}}, store_rejects = true)`,
    async check(c) {
      const [bad] = await selectRows(c, 'SELECT line, column_name, error_type, error_message FROM reject_errors ORDER BY line LIMIT 1');
      if (!bad) return;
      const column = String(bad.column_name);
      const type = typeOf.get(column);
      // A cast error's message quotes the value; the provider is told the line, the column and the type instead.
      if (bad.error_type === 'CAST' && type) throw invalid(`line ${bad.line}, column ${column}: the value is not ${typeWords[type]}`, { line: bad.line, column });
      throw invalid(`line ${bad.line}: ${String(bad.error_message)}`, { line: bad.line });
    },
  };
}

const typeWords: Record<DataColumnType, string> = {
  string: 'text',
  integer: 'an integer',
  number: 'a number',
  date: 'a date (YYYY-MM-DD)',
  timestamp: 'a timestamp (YYYY-MM-DD hh:mm:ss)',
  boolean: 'true or false',
};

async function parquetSource(c: DuckDBConnection, schema: DataSchema, path: string): Promise<Source> {
  const from = `read_parquet(${sqlText(path)})`;
  const described = await selectRows(c, `SELECT column_name FROM (DESCRIBE SELECT * FROM ${from})`);
  checkNames(schema, described.map((r) => String(r.column_name)), 'the Parquet file');
  // The first row (1-based) whose value does not cast, per column; the copy's own CAST would name neither.
  const firstBad = schema.columns
    .map((col) => `min(CASE WHEN ${ident(col.name)} IS NOT NULL AND TRY_CAST(${ident(col.name)} AS ${duckType[col.type]}) IS NULL THEN __row END) AS ${ident(col.name)}`)
    .join(', ');
  const [bad] = await selectRows(c, `SELECT ${firstBad} FROM (SELECT *, row_number() OVER () AS __row FROM ${from})`);
  const hit = schema.columns
    .map((col) => ({ col, row: bad?.[col.name] }))
    .filter((h): h is { col: (typeof schema.columns)[number]; row: number } => typeof h.row === 'number')
    .sort((a, b) => a.row - b.row)[0];
  if (hit) throw invalid(`row ${hit.row}, column ${hit.col.name}: the value is not ${typeWords[hit.col.type]}`, { row: hit.row, column: hit.col.name });
  return { select: castList(schema), from };
}

/**
 * The consumer's rows as the temporary table `__consumer`. Values go in through the appender as text
 * (never as SQL), then take their types: a column the product also has (the join key) the product's
 * type, so the join compares like with like (a key that does not parse matches nothing); a column of
 * numbers only DOUBLE; anything else text.
 */
async function loadConsumer(c: DuckDBConnection, schema: DataSchema, table: NonNullable<RunnablePlan['consumerTable']>): Promise<void> {
  await c.run(`CREATE TEMP TABLE __consumer_text (${table.columns.map((n) => `${ident(n)} VARCHAR`).join(', ')})`);
  const a = await c.createAppender('__consumer_text', null, 'temp');
  try {
    for (const row of table.rows) {
      table.columns.forEach((_, i) => {
        const v = row[i];
        if (v === null || v === undefined) a.appendNull();
        else a.appendVarchar(String(v));
      });
      a.endRow();
    }
    a.flushSync();
  } finally {
    a.closeSync();
  }
  const productType = new Map(schema.columns.map((col) => [col.name, col.type]));
  const typed = table.columns.map((n, i) => {
    const known = productType.get(n);
    const numeric = table.rows.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === 'number');
    const type = known ? duckType[known] : numeric ? 'DOUBLE' : 'VARCHAR';
    return `TRY_CAST(${ident(n)} AS ${type}) AS ${ident(n)}`;
  });
  await c.run(`CREATE TEMP TABLE __consumer AS SELECT ${typed.join(', ')} FROM __consumer_text`);
  await c.run('DROP TABLE __consumer_text');
}
