import { DataUseRequest, type DataAggregateFn, type DataColumn, type DataProduct } from '@shuzhi/schema';
import { issueMessage } from '../../validation.ts';
import type { Translate } from './policy.ts';

/** What the query builder's inputs hold: text as typed, turned into a `DataUseRequest` only on submit. */
export interface QueryForm {
  measures: { fn: DataAggregateFn; column: string }[];
  groupBy: string[];
  filters: { column: string; op: string; value: string }[];
  /** Differential privacy only. */
  epsilon: string;
  /** The consumer's own rows as CSV (header line first); empty = no join. */
  joinCsv: string;
  joinOn: string;
  joinGroupBy: string[];
}

export const emptyQueryForm: QueryForm = { measures: [{ fn: 'count', column: '' }], groupBy: [], filters: [], epsilon: '', joinCsv: '', joinOn: '', joinGroupBy: [] };

export type QueryErrors = Record<string, string>;

const numeric = (c: DataColumn | undefined) => c?.type === 'integer' || c?.type === 'number';

/** A typed value as the column's type wants it: numbers for numeric columns, true/false for booleans. */
function typedValue(text: string, col: DataColumn | undefined): string | number | boolean {
  const s = text.trim();
  if (numeric(col) && s !== '' && Number.isFinite(Number(s))) return Number(s);
  if (col?.type === 'boolean' && (s === 'true' || s === 'false')) return s === 'true';
  return s;
}

/** A small CSV reader for pasted rows: commas, optional double quotes, numbers where a cell is one. */
export function parseCsv(text: string): { columns: string[]; rows: (string | number | null)[][] } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const cells = (line: string) =>
    [...line.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)].map((m) => (m[1] !== undefined ? m[1].replace(/""/g, '"') : (m[2] ?? '').trim()));
  const [head, ...body] = lines;
  const columns = head ? cells(head).map((c) => c.trim()) : [];
  const rows = body.map((l) => cells(l).map((c) => (c === '' ? null : /^-?\d+(\.\d+)?$/.test(c) ? Number(c) : c)));
  return { columns, rows };
}

/**
 * The builder's state as the API's use request, checked against the same zod schema the server uses;
 * errors keyed by the builder's field (`measures`, `filters.0`, `epsilon`, `join`, …).
 */
export function buildUseRequest(
  contractId: string,
  product: Pick<DataProduct, 'schema' | 'policy'>,
  f: QueryForm,
  t: Translate,
): { ok: true; body: DataUseRequest } | { ok: false; errors: QueryErrors } {
  const errors: QueryErrors = {};
  const col = (name: string) => product.schema.columns.find((c) => c.name === name);
  const measures = f.measures.map((m, i) => {
    if (m.fn === 'count') return { fn: m.fn };
    if (!m.column) errors[`measures.${i}`] = t('data.query.pickColumn');
    return { fn: m.fn, column: m.column };
  });
  const filters = f.filters.map((x) => ({
    column: x.column,
    op: x.op,
    value: x.op === 'in' ? x.value.split(',').map((v) => typedValue(v, col(x.column))).filter((v): v is string | number => typeof v !== 'boolean' && v !== '') : typedValue(x.value, col(x.column)),
  }));
  const dp = product.policy.output.kind === 'differential-privacy';
  let epsilon: number | undefined;
  if (dp) {
    epsilon = Number(f.epsilon);
    if (f.epsilon.trim() === '' || !Number.isFinite(epsilon) || epsilon <= 0) errors.epsilon = t('data.query.epsilonNeeded');
    else if (product.policy.output.kind === 'differential-privacy' && epsilon > product.policy.output.maxEpsilonPerQuery)
      errors.epsilon = t('data.query.epsilonTooBig', { max: product.policy.output.maxEpsilonPerQuery });
  }
  let join: DataUseRequest['query']['join'];
  if (f.joinCsv.trim() !== '') {
    const { columns, rows } = parseCsv(f.joinCsv);
    if (!columns.includes(f.joinOn)) errors.join = t('data.query.joinOnMissing', { on: f.joinOn || '—' });
    join = { on: f.joinOn, columns, rows, groupBy: f.joinGroupBy };
  }
  const candidate = {
    contractId,
    query: {
      action: join ? 'join' : 'aggregate',
      measures,
      groupBy: f.groupBy,
      filters,
      ...(join ? { join } : {}),
      ...(epsilon !== undefined && Number.isFinite(epsilon) && epsilon > 0 ? { epsilon } : {}),
    },
  };
  const parsed = DataUseRequest.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // query.filters.0.value → filters.0; query.join.rows → join; query.epsilon → epsilon
      const [, first, second] = issue.path.map(String);
      const key = first === 'filters' || first === 'measures' ? `${first}.${second ?? 0}` : (first ?? 'query');
      errors[key] ??= issueMessage(issue, t);
    }
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, body: parsed.data };
}
