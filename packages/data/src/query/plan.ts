import { DataColumnName } from '@shuzhi/schema';
import type { DataColumn, DataFilter, DataOutputRule, DataQuery } from '@shuzhi/schema';
import { DataRuleError, type DataRuleCode } from '../errors.ts';
import { isIsoDate, isIsoDateTime } from '../iso-time.ts';
import { compileSql, type SqlFilter, type SqlGroup, type SqlOutput, type SqlParam } from './sql.ts';

/** What the data plane runs and what the output rule needs to release its result. */
export interface QueryPlan {
  sql: string;
  params: SqlParam[];
  /** The consumer's rows for a join: the data plane loads them as the view `__consumer`. */
  consumerTable: { columns: string[]; rows: (string | number | null)[][] } | null;
  /** The product's groupBy then the join's groupBy (plain names, as keys of the released groups). */
  groupColumns: string[];
  outputs: SqlOutput[];
  /** The ε this query spends (0 under k-anonymity). */
  epsilon: number;
  /** Each group column's categories from the schema, where it has them (the DP release set). */
  categories: Record<string, string[]>;
}

interface Issue {
  code: DataRuleCode;
  path: string;
  message: string;
}

const ORDERED_TYPES = new Set(['integer', 'number', 'date', 'timestamp']);

/**
 * Checks a query against the product's schema and output rule, and compiles it. Throws
 * DataRuleError with every issue found (its code is the first issue's). What may appear: aggregates
 * of measure columns, groups and filters on dimension columns, a join on an identifier or dimension;
 * identifier and sensitive columns never reach an output.
 */
export function planQuery(query: DataQuery, columns: DataColumn[], output: DataOutputRule): QueryPlan {
  const issues: Issue[] = [];
  const dp = output.kind === 'differential-privacy';
  const byName = new Map(columns.map((c) => [c.name, c]));
  const column = (name: string, path: string, roles: DataColumn['role'][], use: string): DataColumn | undefined => {
    const col = byName.get(name);
    if (!col) {
      issues.push({ code: 'COLUMN_UNKNOWN', path, message: `the product has no column '${name}'; its columns are ${columns.map((c) => c.name).join(', ')}` });
      return undefined;
    }
    if (roles.includes(col.role)) return col;
    const forbidden = col.role === 'identifier' || col.role === 'sensitive';
    issues.push({
      code: forbidden ? 'COLUMN_NOT_ALLOWED' : 'QUERY_INVALID',
      path,
      message: forbidden
        ? `'${name}' is a ${col.role} column: it may not be ${use}${col.role === 'identifier' ? ' (only a join key)' : ''}`
        : `'${name}' is a ${col.role} column; only ${roles.join(' or ')} columns may be ${use}`,
    });
    return undefined;
  };

  // Outputs: one per measure, plus the model's coefficients for train.
  const outputs: SqlOutput[] = [];
  query.measures.forEach((m, i) => {
    const path = `query.measures[${i}]`;
    if (m.fn === 'count') {
      if (m.column !== undefined) issues.push({ code: 'QUERY_INVALID', path: `${path}.column`, message: 'count counts records and takes no column; remove the column' });
      else outputs.push({ name: 'count', fn: 'count', column: null, bounds: null });
      return;
    }
    if (m.column === undefined) {
      issues.push({ code: 'QUERY_INVALID', path: `${path}.column`, message: `${m.fn} needs a measure column` });
      return;
    }
    const col = column(m.column, `${path}.column`, ['measure'], 'aggregated');
    if (!col) return;
    if (dp && !col.bounds) {
      issues.push({ code: 'BOUNDS_MISSING', path: `${path}.column`, message: `'${col.name}' has no bounds, so its ${m.fn} cannot be released with calibrated noise; ask the provider to set bounds` });
      return;
    }
    outputs.push({ name: `${m.fn}_${col.name}`, fn: m.fn, column: col.name, bounds: dp ? col.bounds! : null });
  });
  if (query.train) {
    if (query.action !== 'train') issues.push({ code: 'QUERY_INVALID', path: 'query.train', message: `a model is fitted only by the train action (this query's action is ${query.action})` });
    else if (dp) {
      issues.push({ code: 'QUERY_INVALID', path: 'query.train', message: 'this product releases results only with differential privacy, which model fitting here does not support; use aggregate queries' });
    } else {
      const target = column(query.train.target, 'query.train.target', ['measure'], 'a model variable');
      const feature = column(query.train.feature, 'query.train.feature', ['measure'], 'a model variable');
      if (target && feature) for (const fn of ['slope', 'intercept', 'r2'] as const) outputs.push({ name: fn, fn, column: null, bounds: null });
    }
  } else if (query.action === 'train') {
    issues.push({ code: 'QUERY_INVALID', path: 'query.train', message: 'the train action needs train: { target, feature } (two measure columns)' });
  }
  const names = outputs.map((o) => o.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) issues.push({ code: 'QUERY_INVALID', path: 'query.measures', message: `'${n}' is asked for twice; ask once` });
  });
  if (query.measures.length === 0 && !query.train) {
    issues.push({ code: 'RETURNS_RECORDS', path: 'query.measures', message: 'a query must aggregate (count, sum or avg): records are never returned' });
  }

  // Groups: the product's dimensions (with categories under DP), then the consumer's columns.
  const groups: SqlGroup[] = [];
  const categories: Record<string, string[]> = {};
  query.groupBy.forEach((name, i) => {
    const path = `query.groupBy[${i}]`;
    const col = column(name, path, ['dimension'], 'grouped by');
    if (!col) return;
    if (dp && !col.categories) {
      issues.push({
        code: 'QUERY_INVALID',
        path,
        message: `under differential privacy a query groups only by columns with listed categories (so the groups released come from the schema, not the data); '${name}' has none`,
      });
      return;
    }
    if (col.categories) categories[name] = col.categories;
    groups.push({ name, side: 'p' });
  });

  const filters: SqlFilter[] = [];
  query.filters.forEach((f, i) => {
    const col = column(f.column, `query.filters[${i}].column`, ['dimension'], 'filtered on');
    if (!col) return;
    const problem = filterProblem(f, col);
    if (problem) issues.push({ code: 'QUERY_INVALID', path: `query.filters[${i}].value`, message: problem });
    else filters.push({ column: col.name, op: f.op, value: f.value as SqlParam | SqlParam[], type: col.type });
  });

  let consumerTable: QueryPlan['consumerTable'] = null;
  if (query.join && query.action !== 'join') {
    issues.push({ code: 'JOIN_INVALID', path: 'query.join', message: `rows are joined only by the join action (this query's action is ${query.action})` });
  } else if (!query.join && query.action === 'join') {
    issues.push({ code: 'JOIN_INVALID', path: 'query.join', message: 'the join action needs join: { on, columns, rows }' });
  } else if (query.join) {
    const j = query.join;
    const before = issues.length;
    const on = byName.get(j.on);
    if (!on) issues.push({ code: 'COLUMN_UNKNOWN', path: 'query.join.on', message: `the product has no column '${j.on}' to join on` });
    else if (on.role === 'sensitive') issues.push({ code: 'COLUMN_NOT_ALLOWED', path: 'query.join.on', message: `'${j.on}' is sensitive and may not be used at all, not even to join` });
    else if (on.role === 'measure') issues.push({ code: 'JOIN_INVALID', path: 'query.join.on', message: `'${j.on}' is a measure; join on an identifier or dimension column` });
    j.columns.forEach((c, k) => {
      if (!DataColumnName.safeParse(c).success || j.columns.indexOf(c) !== k) {
        issues.push({ code: 'JOIN_INVALID', path: `query.join.columns[${k}]`, message: `'${c}' must be a unique column name of lower-case letters, digits and _` });
      }
    });
    if (!j.columns.includes(j.on)) issues.push({ code: 'JOIN_INVALID', path: 'query.join.columns', message: `your columns must include the join key '${j.on}'` });
    j.groupBy.forEach((g, k) => {
      const path = `query.join.groupBy[${k}]`;
      if (!j.columns.includes(g)) issues.push({ code: 'JOIN_INVALID', path, message: `'${g}' is not one of your columns (${j.columns.join(', ')})` });
      else if (g === j.on) issues.push({ code: 'JOIN_INVALID', path, message: `grouping by the join key '${g}' would release one group per key; group by a coarser column of yours` });
      else if (query.groupBy.includes(g)) issues.push({ code: 'JOIN_INVALID', path, message: `'${g}' is also a product group column; rename your column` });
      else groups.push({ name: g, side: 'c' });
    });
    if (dp && j.groupBy.length > 0) {
      issues.push({
        code: 'JOIN_INVALID',
        path: 'query.join.groupBy',
        message: 'under differential privacy the groups released must come from the product schema, and your columns have no listed categories; group by categorised product columns instead',
      });
    }
    const keyAt = j.columns.indexOf(j.on);
    const keys = new Set<string>();
    j.rows.forEach((row, r) => {
      if (row.length !== j.columns.length) {
        issues.push({ code: 'JOIN_INVALID', path: `query.join.rows[${r}]`, message: `row ${r} has ${row.length} values for ${j.columns.length} columns` });
        return;
      }
      const key = row[keyAt];
      if (keyAt < 0 || key === null || key === undefined) return;
      // A key listed twice would count each matching product record twice, faking group sizes past k.
      // Keys of a numeric column compare as numbers, as the data plane casts them ("01" is 1).
      const norm = on && (on.type === 'integer' || on.type === 'number') ? String(Number(key)) : String(key);
      if (keys.has(norm)) issues.push({ code: 'JOIN_INVALID', path: `query.join.rows[${r}]`, message: `join key ${JSON.stringify(key)} appears more than once; list each key once` });
      keys.add(norm);
    });
    if (issues.length === before) consumerTable = { columns: [...j.columns], rows: j.rows.map((row) => [...row]) };
  }
  for (const g of groups) {
    if (names.includes(g.name)) issues.push({ code: 'QUERY_INVALID', path: 'query.groupBy', message: `group column '${g.name}' has the name of an output; it cannot be grouped by in the same query` });
  }

  let epsilon = 0;
  if (dp) {
    if (query.epsilon === undefined) {
      issues.push({ code: 'QUERY_INVALID', path: 'query.epsilon', message: `this product releases results with differential privacy: say the ε to spend (at most ${output.maxEpsilonPerQuery})` });
    } else if (query.epsilon > output.maxEpsilonPerQuery) {
      issues.push({ code: 'EPSILON_TOO_LARGE', path: 'query.epsilon', message: `ε ${query.epsilon} exceeds this product's ${output.maxEpsilonPerQuery} per query; ask for less` });
    } else epsilon = query.epsilon;
  }

  if (issues.length > 0) {
    const first = issues[0]!;
    throw new DataRuleError(first.code, issues.map((i) => `${i.path}: ${i.message}`).join('; '), { codes: [...new Set(issues.map((i) => i.code))] }, issues.map(({ path, message }) => ({ path, message })));
  }
  const { sql, params } = compileSql({
    groups,
    outputs,
    filters,
    joinOn: consumerTable ? query.join!.on : null,
    train: query.train && query.action === 'train' ? query.train : null,
    avgAsParts: dp,
  });
  return { sql, params, consumerTable, groupColumns: groups.map((g) => g.name), outputs, epsilon, categories };
}

function filterProblem(f: DataFilter, col: DataColumn): string | undefined {
  const values = f.op === 'in' ? f.value : [f.value];
  if (f.op === 'in' && !Array.isArray(f.value)) return `'in' needs a list of values for '${col.name}'`;
  if (f.op !== 'in' && Array.isArray(f.value)) return `'${f.op}' needs a single value for '${col.name}'; use 'in' for a list`;
  if (f.op !== 'eq' && f.op !== 'neq' && f.op !== 'in' && !ORDERED_TYPES.has(col.type)) return `'${f.op}' does not apply to ${col.type} column '${col.name}'; use eq, neq or in`;
  for (const v of values as unknown[]) {
    const bad = valueProblem(v, col);
    if (bad) return bad;
  }
  return undefined;
}

function valueProblem(v: unknown, col: DataColumn): string | undefined {
  switch (col.type) {
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) ? undefined : `'${col.name}' holds whole numbers (got ${JSON.stringify(v)})`;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? undefined : `'${col.name}' holds numbers (got ${JSON.stringify(v)})`;
    case 'boolean':
      return typeof v === 'boolean' ? undefined : `'${col.name}' holds true or false (got ${JSON.stringify(v)})`;
    case 'date':
      return isIsoDate(v) ? undefined : `'${col.name}' holds dates such as 2026-01-31 (got ${JSON.stringify(v)})`;
    case 'timestamp':
      return isIsoDateTime(v) ? undefined : `'${col.name}' holds times such as 2026-01-31T08:00:00Z (got ${JSON.stringify(v)})`;
    case 'string':
      return typeof v === 'string' ? undefined : `'${col.name}' holds text (got ${JSON.stringify(v)})`;
  }
}
