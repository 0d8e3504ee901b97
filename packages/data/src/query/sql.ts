import type { DataColumnType } from '@shuzhi/schema';

/** One value a compiled statement binds: every value a consumer sends becomes one, never SQL text. */
export type SqlParam = string | number | boolean;

export type OutputFn = 'count' | 'sum' | 'avg' | 'slope' | 'intercept' | 'r2';

export interface SqlOutput {
  name: string;
  fn: OutputFn;
  column: string | null;
  /** Clamp each value to [lo, hi] before aggregating (differential privacy), or null. */
  bounds: [number, number] | null;
}

export interface SqlGroup {
  name: string;
  side: 'p' | 'c';
}

export interface SqlFilter {
  column: string;
  op: 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in';
  value: SqlParam | SqlParam[];
  type: DataColumnType;
}

export interface SqlParts {
  groups: SqlGroup[];
  outputs: SqlOutput[];
  filters: SqlFilter[];
  /** The product's column the consumer's rows join on (same name on both sides), or null. */
  joinOn: string | null;
  /** The train action's measures: outputs slope/intercept/r2 read them. */
  train: { target: string; feature: string } | null;
  /** Under differential privacy an avg is released as noisy sum / noisy count, so both are selected. */
  avgAsParts: boolean;
}

const COMPARATORS = { eq: '=', neq: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

/** Names come only from the validated schema; they are quoted anyway so no name can be read as SQL. */
export function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * One DuckDB statement over the view `__product` (alias p) and, for a join, `__consumer` (alias c).
 * Every group gets `count(*) AS "__n"`, the exact size the output rule checks; rows come ordered by
 * the group columns so a result is the same however DuckDB schedules the work.
 */
export function compileSql(parts: SqlParts): { sql: string; params: SqlParam[] } {
  const params: SqlParam[] = [];
  const bind = (v: SqlParam): string => {
    params.push(v);
    return `$${params.length}`;
  };
  const groupExprs = parts.groups.map((g) => `${g.side}.${quote(g.name)}`);
  const select = parts.groups.map((g, i) => `${groupExprs[i]} AS ${quote(g.name)}`);
  select.push(`count(*) AS "__n"`);
  for (const out of parts.outputs) select.push(...outputSql(out, parts, bind));
  let sql = `SELECT ${select.join(', ')} FROM __product p`;
  if (parts.joinOn) sql += ` JOIN __consumer c ON p.${quote(parts.joinOn)} = c.${quote(parts.joinOn)}`;
  if (parts.filters.length > 0) sql += ` WHERE ${parts.filters.map((f) => filterSql(f, bind)).join(' AND ')}`;
  if (groupExprs.length > 0) sql += ` GROUP BY ${groupExprs.join(', ')} ORDER BY ${groupExprs.join(', ')}`;
  return { sql, params };
}

function outputSql(out: SqlOutput, parts: SqlParts, bind: (v: SqlParam) => string): string[] {
  const as = quote(out.name);
  if (out.fn === 'count') return [`count(*) AS ${as}`];
  if (out.fn === 'slope' || out.fn === 'intercept' || out.fn === 'r2') {
    const t = parts.train!;
    return [`regr_${out.fn}(p.${quote(t.target)}, p.${quote(t.feature)}) AS ${as}`];
  }
  const col = `p.${quote(out.column!)}`;
  const value = out.bounds ? `least(greatest(${col}, ${bind(out.bounds[0])}), ${bind(out.bounds[1])})` : col;
  if (out.fn === 'sum') return [`sum(${value}) AS ${as}`];
  if (parts.avgAsParts) return [`sum(${value}) AS ${quote(`${out.name}__sum`)}`, `count(${col}) AS ${quote(`${out.name}__count`)}`];
  return [`avg(${value}) AS ${as}`];
}

function filterSql(f: SqlFilter, bind: (v: SqlParam) => string): string {
  const col = `p.${quote(f.column)}`;
  const param = (v: SqlParam): string =>
    f.type === 'date' ? `CAST(${bind(v)} AS DATE)` : f.type === 'timestamp' ? `CAST(${bind(v)} AS TIMESTAMP)` : bind(v);
  if (f.op === 'in') return `${col} IN (${(f.value as SqlParam[]).map(param).join(', ')})`;
  return `${col} ${COMPARATORS[f.op]} ${param(f.value as SqlParam)}`;
}
