import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DataQuery, type DataColumn, type DataFilter, type DataQueryInput } from '@shuzhi/schema';
import { DataRuleError, planQuery, releaseResult, type QueryPlan } from '../src/index.ts';

type Row = Record<string, string | number | null>;

/** A schema: one identifier, maybe a sensitive column, 1–3 dimensions with small value sets, 1–2 bounded measures. */
const schemaArb = fc
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

function rowsArb(columns: DataColumn[]): fc.Arbitrary<Row[]> {
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
function queryArb(columns: DataColumn[]): fc.Arbitrary<DataQueryInput> {
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

function matches(r: Row, query: DataQuery): boolean {
  return query.filters.every((f) => {
    const v = r[f.column];
    if (f.op === 'eq') return v === f.value;
    if (f.op === 'neq') return v !== null && v !== f.value;
    if (f.op === 'in') return (f.value as unknown[]).includes(v);
    throw new Error(`the property does not generate ${f.op}`);
  });
}

/** A small reference evaluator: filters, groups and aggregates the rows as the plan says (not by reading its SQL). */
function evaluate(plan: QueryPlan, query: DataQuery, rows: Row[]): { rows: Record<string, unknown>[]; sizes: number[] } {
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

const scenario = schemaArb.chain((columns) =>
  fc.record({ columns: fc.constant(columns), rows: rowsArb(columns), query: queryArb(columns), k: fc.integer({ min: 2, max: 8 }) }),
);

test('PROPERTY: k-anonymity releases only groups of at least k, never identifiers or sensitive values, or refuses whole', () => {
  let released = 0;
  let refusedBelowK = 0;
  fc.assert(
    fc.property(scenario, ({ columns, rows, query: input, k }) => {
      const query = DataQuery.parse(input);
      const output = { kind: 'k-anonymity' as const, k };
      let plan: QueryPlan;
      try {
        plan = planQuery(query, columns, output);
      } catch (e) {
        if (e instanceof DataRuleError) return;
        throw e;
      }
      const raw = evaluate(plan, query, rows);
      const tooSmall = raw.sizes.some((n) => n < k) || raw.sizes.reduce((a, b) => a + b, 0) < k;
      let result;
      try {
        result = releaseResult(plan, { rows: raw.rows, rowsScanned: rows.length }, output, { next: () => assert.fail('no noise under k-anonymity') });
      } catch (e) {
        assert.ok(e instanceof DataRuleError && e.code === 'GROUP_BELOW_K', String(e));
        assert.ok(tooSmall, 'refused although every group had k records');
        refusedBelowK++;
        return;
      }
      assert.ok(!tooSmall, 'released although a group had fewer than k records');
      released++;
      const hidden = new Set(columns.filter((c) => c.role === 'identifier' || c.role === 'sensitive').map((c) => c.name));
      const secrets = new Set(rows.flatMap((r) => [...hidden].map((h) => r[h])));
      for (const g of result.groups) {
        const members = rows.filter((r) => matches(r, query) && plan.groupColumns.every((c) => r[c] === g.key[c]));
        assert.ok(members.length >= k, `a released group has ${members.length} records`);
        for (const name of [...Object.keys(g.key), ...Object.keys(g.values)]) assert.ok(!hidden.has(name), `released column ${name}`);
        for (const v of [...Object.values(g.key), ...Object.values(g.values)]) assert.ok(!secrets.has(v as never), `released value ${v}`);
      }
      assert.equal(result.release.kind, 'k-anonymity');
    }),
    { numRuns: 400, seed: 20261206 },
  );
  // The property means something only if both outcomes happen.
  assert.ok(released > 20 && refusedBelowK > 20, `released ${released}, refused ${refusedBelowK}`);
});

test('PROPERTY: a plan selects only group columns and aggregates, and never an identifier or sensitive column', () => {
  let planned = 0;
  fc.assert(
    fc.property(
      scenario,
      fc.constantFrom({ kind: 'k-anonymity' as const, k: 5 }, { kind: 'differential-privacy' as const, epsilonBudget: 5, maxEpsilonPerQuery: 1 }),
      ({ columns, query: input }, output) => {
        let plan: QueryPlan;
        try {
          plan = planQuery(DataQuery.parse({ ...input, epsilon: 0.5 }), columns, output);
        } catch (e) {
          if (e instanceof DataRuleError) return;
          throw e;
        }
        planned++;
        const hidden = columns.filter((c) => c.role === 'identifier' || c.role === 'sensitive').map((c) => c.name);
        const select = splitTopLevel(/^SELECT (.*?) FROM __product/.exec(plan.sql)![1]!);
        for (const item of select) {
          const [, expr, name] = /^(.*) AS "([a-z0-9_]+)"$/.exec(item) ?? [];
          assert.ok(expr && name, item);
          for (const h of hidden) assert.ok(!expr.includes(`"${h}"`), `${h} selected in ${item}`);
          if (plan.groupColumns.includes(name)) assert.equal(expr, `p."${name}"`);
          else assert.match(expr, /^(count|sum|avg|regr_slope|regr_intercept|regr_r2)\(/, `not an aggregate: ${item}`);
        }
        for (const h of hidden) assert.ok(!plan.sql.includes(`"${h}"`), `${h} in ${plan.sql}`);
      },
    ),
    { numRuns: 400, seed: 6122026 },
  );
  assert.ok(planned > 50, `only ${planned} queries planned`);
});

/** Split a SELECT list at commas outside parentheses. */
function splitTopLevel(list: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    if (list[i] === '(') depth++;
    else if (list[i] === ')') depth--;
    else if (list[i] === ',' && depth === 0) {
      items.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(list.slice(start).trim());
  return items;
}
