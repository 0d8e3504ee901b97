import type { DataColumn, DataOutputRule, DataQuery } from '@shuzhi/schema';
import { sensitivity } from '../output/grid.ts';
import { checkFilters } from './filters.ts';
import { QueryIssues } from './issues.ts';
import { checkJoin, type ConsumerTable } from './join.ts';
import { compileSql, type SqlGroup, type SqlOutput, type SqlParam } from './sql.ts';

/** What the data plane runs and what the output rule needs to release its result. */
export interface QueryPlan {
  sql: string;
  params: SqlParam[];
  /** The consumer's rows for a join: the data plane loads them as the view `__consumer`. */
  consumerTable: ConsumerTable | null;
  /** The product's groupBy then the join's groupBy (plain names, as keys of the released groups). */
  groupColumns: string[];
  outputs: SqlOutput[];
  /** The ε this query spends (0 under k-anonymity). */
  epsilon: number;
  /** Each group column's categories from the schema, where it has them (the DP release set). */
  categories: Record<string, string[]>;
}

/**
 * Checks a query against the product's schema and output rule, and compiles it. Throws
 * DataRuleError with every issue found (its code is the first issue's). What may appear: aggregates
 * of measure columns, groups and filters on dimension columns, a join on an identifier or dimension;
 * identifier and sensitive columns never reach an output.
 */
export function planQuery(query: DataQuery, columns: DataColumn[], output: DataOutputRule): QueryPlan {
  const issues = new QueryIssues(columns);
  const dp = output.kind === 'differential-privacy';
  const outputs = checkOutputs(query, dp, issues);
  const { groups, categories } = checkGroups(query, dp, issues);
  const filters = checkFilters(query.filters, issues);
  const join = checkJoin(query, dp, issues);
  if (join) groups.push(...join.groups);
  const names = outputs.map((o) => o.name);
  for (const g of groups) {
    if (names.includes(g.name)) issues.add('QUERY_INVALID', 'query.groupBy', `group column '${g.name}' has the name of an output; it cannot be grouped by in the same query`);
  }
  const epsilon = dp ? checkEpsilon(query, output.maxEpsilonPerQuery, issues) : 0;
  issues.throwIfAny();
  const { sql, params } = compileSql({
    groups,
    outputs,
    filters,
    joinOn: join ? query.join!.on : null,
    train: query.action === 'train' ? query.train! : null,
    avgAsParts: dp,
  });
  return { sql, params, consumerTable: join?.table ?? null, groupColumns: groups.map((g) => g.name), outputs, epsilon, categories };
}

/** One output per measure, plus the model's coefficients for train; at least one, or it would return records. */
function checkOutputs(query: DataQuery, dp: boolean, issues: QueryIssues): SqlOutput[] {
  const outputs: SqlOutput[] = [];
  query.measures.forEach((m, i) => {
    const path = `query.measures[${i}]`;
    if (m.fn === 'count') {
      if (m.column !== undefined) issues.add('QUERY_INVALID', `${path}.column`, 'count counts records and takes no column; remove the column');
      else outputs.push({ name: 'count', fn: 'count', column: null, bounds: null });
      return;
    }
    if (m.column === undefined) {
      issues.add('QUERY_INVALID', `${path}.column`, `${m.fn} needs a measure column`);
      return;
    }
    const col = issues.column(m.column, `${path}.column`, ['measure'], 'aggregated');
    if (!col) return;
    if (dp && !(col.bounds && sensitivity(col.bounds) > 0)) {
      issues.add('BOUNDS_MISSING', `${path}.column`, `'${col.name}' has no bounds (or only [0, 0]), so its ${m.fn} cannot be released with calibrated noise; ask the provider to set bounds`);
      return;
    }
    outputs.push({ name: `${m.fn}_${col.name}`, fn: m.fn, column: col.name, bounds: dp ? col.bounds! : null });
  });
  if (query.train) {
    if (query.action !== 'train') issues.add('QUERY_INVALID', 'query.train', `a model is fitted only by the train action (this query's action is ${query.action})`);
    else if (dp) issues.add('QUERY_INVALID', 'query.train', 'this product releases results only with differential privacy, which model fitting here does not support; use aggregate queries');
    else {
      const target = issues.column(query.train.target, 'query.train.target', ['measure'], 'a model variable');
      const feature = issues.column(query.train.feature, 'query.train.feature', ['measure'], 'a model variable');
      if (target && feature) for (const fn of ['slope', 'intercept', 'r2'] as const) outputs.push({ name: fn, fn, column: null, bounds: null });
    }
  } else if (query.action === 'train') {
    issues.add('QUERY_INVALID', 'query.train', 'the train action needs train: { target, feature } (two measure columns)');
  }
  const names = outputs.map((o) => o.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) issues.add('QUERY_INVALID', 'query.measures', `'${n}' is asked for twice; ask once`);
  });
  if (query.measures.length === 0 && !query.train) issues.add('RETURNS_RECORDS', 'query.measures', 'a query must aggregate (count, sum or avg): records are never returned');
  return outputs;
}

/** The product's group columns: dimensions, and under differential privacy only those with categories. */
function checkGroups(query: DataQuery, dp: boolean, issues: QueryIssues): { groups: SqlGroup[]; categories: Record<string, string[]> } {
  const groups: SqlGroup[] = [];
  const categories: Record<string, string[]> = {};
  query.groupBy.forEach((name, i) => {
    const path = `query.groupBy[${i}]`;
    const col = issues.column(name, path, ['dimension'], 'grouped by');
    if (!col) return;
    if (dp && !col.categories) {
      issues.add(
        'QUERY_INVALID',
        path,
        `under differential privacy a query groups only by columns with listed categories (so the groups released come from the schema, not the data); '${name}' has none`,
      );
      return;
    }
    if (col.categories) categories[name] = col.categories;
    groups.push({ name, side: 'p' });
  });
  return { groups, categories };
}

function checkEpsilon(query: DataQuery, max: number, issues: QueryIssues): number {
  if (query.epsilon === undefined) {
    issues.add('QUERY_INVALID', 'query.epsilon', `this product releases results with differential privacy: say the ε to spend (at most ${max})`);
    return 0;
  }
  if (query.epsilon > max) {
    issues.add('EPSILON_TOO_LARGE', 'query.epsilon', `ε ${query.epsilon} exceeds this product's ${max} per query; ask for less`);
    return 0;
  }
  return query.epsilon;
}
