import { DataColumnName, type DataQuery } from '@shuzhi/schema';
import type { QueryIssues } from './issues.ts';
import type { SqlGroup } from './sql.ts';

export type ConsumerTable = { columns: string[]; rows: (string | number | null)[][] };

/**
 * The consumer's rows of a join: joined on a product identifier or dimension, each key once, grouped
 * by the consumer's own columns (never the key itself). Returns its group columns and its table, or
 * null for a query without a join (or with issues).
 */
export function checkJoin(query: DataQuery, dp: boolean, issues: QueryIssues): { groups: SqlGroup[]; table: ConsumerTable } | null {
  const j = query.join;
  if (j && query.action !== 'join') {
    issues.add('JOIN_INVALID', 'query.join', `rows are joined only by the join action (this query's action is ${query.action})`);
    return null;
  }
  if (!j) {
    if (query.action === 'join') issues.add('JOIN_INVALID', 'query.join', 'the join action needs join: { on, columns, rows }');
    return null;
  }
  const before = issues.count;
  const on = issues.find(j.on);
  if (!on) issues.add('COLUMN_UNKNOWN', 'query.join.on', `the product has no column '${j.on}' to join on`);
  else if (on.role === 'sensitive') issues.add('COLUMN_NOT_ALLOWED', 'query.join.on', `'${j.on}' is sensitive and may not be used at all, not even to join`);
  else if (on.role === 'measure') issues.add('JOIN_INVALID', 'query.join.on', `'${j.on}' is a measure; join on an identifier or dimension column`);
  j.columns.forEach((c, k) => {
    if (!DataColumnName.safeParse(c).success || j.columns.indexOf(c) !== k) {
      issues.add('JOIN_INVALID', `query.join.columns[${k}]`, `'${c}' must be a unique column name of lower-case letters, digits and _`);
    }
  });
  if (!j.columns.includes(j.on)) issues.add('JOIN_INVALID', 'query.join.columns', `your columns must include the join key '${j.on}'`);
  const groups: SqlGroup[] = [];
  j.groupBy.forEach((g, k) => {
    const path = `query.join.groupBy[${k}]`;
    if (!j.columns.includes(g)) issues.add('JOIN_INVALID', path, `'${g}' is not one of your columns (${j.columns.join(', ')})`);
    else if (g === j.on) issues.add('JOIN_INVALID', path, `grouping by the join key '${g}' would release one group per key; group by a coarser column of yours`);
    else if (query.groupBy.includes(g)) issues.add('JOIN_INVALID', path, `'${g}' is also a product group column; rename your column`);
    else groups.push({ name: g, side: 'c' });
  });
  if (dp && j.groupBy.length > 0) {
    issues.add(
      'JOIN_INVALID',
      'query.join.groupBy',
      'under differential privacy the groups released must come from the product schema, and your columns have no listed categories; group by categorised product columns instead',
    );
  }
  const keyAt = j.columns.indexOf(j.on);
  const numericKey = on !== undefined && (on.type === 'integer' || on.type === 'number');
  const keys = new Set<string>();
  j.rows.forEach((row, r) => {
    if (row.length !== j.columns.length) {
      issues.add('JOIN_INVALID', `query.join.rows[${r}]`, `row ${r} has ${row.length} values for ${j.columns.length} columns`);
      return;
    }
    const key = row[keyAt];
    if (keyAt < 0 || key === null || key === undefined) return;
    // A key listed twice would count each matching product record twice, faking group sizes past k.
    // Keys of a numeric column compare as numbers, as the data plane casts them ("07" is 7).
    const norm = numericKey ? String(Number(key)) : String(key);
    if (keys.has(norm)) issues.add('JOIN_INVALID', `query.join.rows[${r}]`, `join key ${JSON.stringify(key)} appears more than once; list each key once`);
    keys.add(norm);
  });
  if (issues.count > before) return null;
  return { groups, table: { columns: [...j.columns], rows: j.rows.map((row) => [...row]) } };
}
