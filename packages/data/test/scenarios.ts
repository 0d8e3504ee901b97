import fc from 'fast-check';
import type { DataColumn, DataFilter, DataOutputRule, DataQuery, DataQueryInput } from '@shuzhi/schema';
import { DataRuleError, planQuery, type QueryPlan } from '../src/index.ts';

/** Random products, rows and queries for the property tests (reference evaluator included). */

export type Row = Record<string, string | number | null>;

/** A schema: one identifier, maybe a sensitive column, 1–3 dimensions with small value sets, 1–2 bounded measures. */
export const schemaArb = fc
  .record({
    sensitive: fc.boolean(),
    dims: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
    measures: fc.integer({ min: 1, max: 2 }),
  })
  .map(({ sensitive, dims, measures }) => {
    const columns: DataColumn[] = [{ name: 'person_id', type: 'string', role: 'identifier' }];
    if (sensitive) columns.push({ name: 'diagnosis', type: 'string', role: 'sensitive' });
    dims.forEach((n, i) => columns.push({ name: `d${i}`, type: 'string', role: 'dimension', categories: Array.from({ length: n }, (_, j) => `v${j}`) }));
    for (let i = 0; i < measures; i++) columns.push({ name: `m${i}`, type: 'number', role: 'measure', bounds: [0, 100] });
    return columns;
  });

export function rowsArb(columns: DataColumn[]): fc.Arbitrary<Row[]> {
  const row = fc.record(
    Object.fromEntries(
      columns.map((c): [string, fc.Arbitrary<string | number | null>] => {
        if (c.role === 'dimension') return [c.name, fc.constantFrom(...c.categories!)];
        if (c.role === 'measure') return [c.name, fc.option(fc.integer({ min: 0, max: 100 }), { nil: null, freq: 8 })];
        return [c.name, fc.constant('')];
      }),
    ),
  );
  // Identifier and sensitive values are unique per record, so a leak of one is recognisable.
  return fc.array(row, { maxLength: 80 }).map((rows) =>
    rows.map((r, i) => ({ ...r, person_id: `P-${1000 + i}`, ...(r.diagnosis !== undefined ? { diagnosis: `secret-${i}` } : {}) })),
  );
}

/** Any column of the schema (or an unknown one) in any place: the planner must refuse what is not allowed. */
export function queryArb(columns: DataColumn[]): fc.Arbitrary<DataQueryInput> {
  const names = [...columns.map((c) => c.name), 'nope'];
  const dims = columns.filter((c) => c.role === 'dimension');
  const measureNames = columns.filter((c) => c.role === 'measure').map((c) => c.name);
  // Mostly what is allowed, sometimes anything: both paths of the planner get exercised.
  const anyOr = (allowed: string[]) => fc.oneof({ arbitrary: fc.constantFrom(...allowed), weight: 6 }, { arbitrary: fc.constantFrom(...names), weight: 1 });
  const measure = fc.oneof(
    fc.constant({ fn: 'count' as const }),
    fc.record({ fn: fc.constantFrom('sum' as const, 'avg' as const), column: anyOr(measureNames) }),
  );
  const filter: fc.Arbitrary<DataFilter> = fc.oneof(
    fc.constantFrom(...dims).chain((d) => fc.record({ column: fc.constant(d.name), op: fc.constant('eq' as const), value: fc.constantFrom(...d.categories!) })),
    fc.constantFrom(...dims).chain((d) =>
      fc.record({ column: fc.constant(d.name), op: fc.constant('in' as const), value: fc.subarray(d.categories!, { minLength: 1 }) }),
    ),
    fc.record({ column: anyOr(dims.map((d) => d.name)), op: fc.constant('neq' as const), value: fc.constant('v0') }),
  );
  return fc.record({
    measures: fc.uniqueArray(measure, { maxLength: 3, selector: (m) => `${m.fn}:${'column' in m ? m.column : ''}` }),
    groupBy: fc.uniqueArray(anyOr(dims.map((d) => d.name)), { maxLength: 3 }),
    filters: fc.array(filter, { maxLength: 2 }),
  });
}

export function matches(r: Row, query: DataQuery): boolean {
  return query.filters.every((f) => {
    const v = r[f.column];
    if (f.op === 'eq') return v === f.value;
    if (f.op === 'neq') return v !== null && v !== f.value;
    if (f.op === 'in') return (f.value as unknown[]).includes(v);
    throw new Error(`the property does not generate ${f.op}`);
  });
}

/** A small reference evaluator: filters, groups and aggregates the rows as the plan says (not by reading its SQL). */
export function evaluate(plan: QueryPlan, query: DataQuery, rows: Row[]): { rows: Record<string, unknown>[]; sizes: number[] } {
  const kept = rows.filter((r) => matches(r, query));
  const groups = new Map<string, Row[]>();
  for (const r of kept) {
    const key = JSON.stringify(plan.groupColumns.map((g) => r[g]));
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  // Without groups SQL returns one row even over no records.
  if (plan.groupColumns.length === 0 && groups.size === 0) groups.set('[]', []);
  const out = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, members]) => {
    const row: Record<string, unknown> = { __n: BigInt(members.length) };
    for (const g of plan.groupColumns) row[g] = members[0]![g];
    for (const o of plan.outputs) {
      const values = members.map((m) => m[o.column ?? ''] as number | null).filter((v): v is number => v !== null && v !== undefined);
      if (o.fn === 'count') row[o.name] = BigInt(members.length);
      else if (o.fn === 'sum') row[o.name] = values.length ? values.reduce((a, b) => a + b, 0) : null;
      else if (o.fn === 'avg') row[o.name] = values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
    }
    return row;
  });
  return { rows: out, sizes: out.map((r) => Number(r.__n)) };
}

export const scenario = schemaArb.chain((columns) =>
  fc.record({ columns: fc.constant(columns), rows: rowsArb(columns), query: queryArb(columns), k: fc.integer({ min: 2, max: 8 }) }),
);


/** The plan, or null when the planner refuses the (random) query: refusals are the planner's job, not these properties'. */
export function planOrNull(query: DataQuery, columns: DataColumn[], output: DataOutputRule): QueryPlan | null {
  try {
    return planQuery(query, columns, output);
  } catch (e) {
    if (e instanceof DataRuleError) return null;
    throw e;
  }
}
