import type { DataColumn, DataFilter } from '@shuzhi/schema';
import { isIsoDate, isIsoDateTime } from '../iso-time.ts';
import type { QueryIssues } from './issues.ts';
import type { SqlFilter, SqlParam } from './sql.ts';

const ORDERED_TYPES = new Set(['integer', 'number', 'date', 'timestamp']);

/** The query's filters, each on a dimension column with values of the column's type. */
export function checkFilters(filters: DataFilter[], issues: QueryIssues): SqlFilter[] {
  const out: SqlFilter[] = [];
  filters.forEach((f, i) => {
    const col = issues.column(f.column, `query.filters[${i}].column`, ['dimension'], 'filtered on');
    if (!col) return;
    const problem = filterProblem(f, col);
    if (problem) {
      issues.add('QUERY_INVALID', `query.filters[${i}].value`, problem);
      return;
    }
    const value = f.value as SqlParam | SqlParam[];
    out.push({ column: col.name, op: f.op, value: col.type === 'timestamp' ? mapValue(value, toUtc) : value, type: col.type });
  });
  return out;
}

function mapValue(v: SqlParam | SqlParam[], fn: (x: SqlParam) => SqlParam): SqlParam | SqlParam[] {
  return Array.isArray(v) ? v.map(fn) : fn(v);
}

/**
 * Timestamp columns hold UTC times without a zone. DuckDB's cast to TIMESTAMP drops a zone offset
 * without applying it, so a time with a zone is converted to UTC here.
 */
function toUtc(v: SqlParam): SqlParam {
  return typeof v === 'string' && /(Z|[+-]\d{2}:\d{2})$/.test(v) ? new Date(v).toISOString() : v;
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
