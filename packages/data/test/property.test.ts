import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DataQuery } from '@shuzhi/schema';
import { DataRuleError, releaseResult } from '../src/index.ts';
import { evaluate, matches, planOrNull, scenario } from './scenarios.ts';

test('PROPERTY: k-anonymity releases only groups of at least k, never identifiers or sensitive values, or refuses whole', () => {
  let released = 0;
  let refusedBelowK = 0;
  fc.assert(
    fc.property(scenario, ({ columns, rows, query: input, k }) => {
      const query = DataQuery.parse(input);
      const output = { kind: 'k-anonymity' as const, k };
      const plan = planOrNull(query, columns, output);
      if (!plan) return;
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
        const plan = planOrNull(DataQuery.parse({ ...input, epsilon: 0.5 }), columns, output);
        if (!plan) return;
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
