import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DataQuery } from '@shuzhi/schema';
import { DataRuleError, checkUse, evaluateRequest, validatePolicy, type UsableContract } from '../src/index.ts';
import { meterColumns, policy } from './fixtures.ts';

const product = { regionId: 'xj-north', columns: meterColumns };
const AT = Date.parse('2026-12-06T00:00:00Z');

test('a good policy has no issues', () => {
  const p = policy({
    permissions: [
      {
        action: 'aggregate',
        constraints: [
          { leftOperand: 'purpose', operator: 'isAnyOf', rightOperand: ['research', 'planning'] },
          { leftOperand: 'dateTime', operator: 'lt', rightOperand: '2027-12-31T00:00:00Z' },
          { leftOperand: 'count', operator: 'lteq', rightOperand: 100 },
          { leftOperand: 'consumer', operator: 'isNoneOf', rightOperand: ['t-banned'] },
          { leftOperand: 'consumerRegion', operator: 'eq', rightOperand: 'xj-north' },
        ],
      },
      { action: 'join' },
    ],
    prohibitions: [{ action: 'train' }],
    output: { kind: 'differential-privacy', epsilonBudget: 5, maxEpsilonPerQuery: 1 },
  });
  assert.deepEqual(validatePolicy(p, product), []);
});

test('each constraint the engine cannot evaluate is an issue at its exact path', () => {
  const cases: [object, string][] = [
    [{ leftOperand: 'weather', operator: 'eq', rightOperand: 'sunny' }, 'leftOperand'],
    [{ leftOperand: 'purpose', operator: 'like', rightOperand: 'research' }, 'operator'],
    [{ leftOperand: 'purpose', operator: 'lt', rightOperand: 'research' }, 'operator'],
    [{ leftOperand: 'count', operator: 'isAnyOf', rightOperand: [1, 2] }, 'operator'],
    [{ leftOperand: 'dateTime', operator: 'eq', rightOperand: '2027-01-01' }, 'operator'],
    [{ leftOperand: 'purpose', operator: 'isAnyOf', rightOperand: 'research' }, 'rightOperand'],
    [{ leftOperand: 'purpose', operator: 'eq', rightOperand: ['research'] }, 'rightOperand'],
    [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'fun' }, 'rightOperand'],
    [{ leftOperand: 'purpose', operator: 'isNoneOf', rightOperand: ['research', 'fun'] }, 'rightOperand[1]'],
    [{ leftOperand: 'dateTime', operator: 'lt', rightOperand: 'next tuesday' }, 'rightOperand'],
    [{ leftOperand: 'dateTime', operator: 'lt', rightOperand: '2027-13-45' }, 'rightOperand'],
    [{ leftOperand: 'dateTime', operator: 'lt', rightOperand: '2027-02-30T00:00:00Z' }, 'rightOperand'],
    [{ leftOperand: 'dateTime', operator: 'lt', rightOperand: '2027-01-01T08:00:00' }, 'rightOperand'],
    [{ leftOperand: 'count', operator: 'lteq', rightOperand: 2.5 }, 'rightOperand'],
    [{ leftOperand: 'count', operator: 'lteq', rightOperand: -1 }, 'rightOperand'],
    [{ leftOperand: 'consumer', operator: 'eq', rightOperand: 7 }, 'rightOperand'],
  ];
  for (const [constraint, field] of cases) {
    const p = policy({ permissions: [{ action: 'aggregate', constraints: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' }] }] });
    // Set after parsing: some of these (a number list) the zod schema already refuses; the engine must too.
    p.permissions[0]!.constraints.push(constraint as never);
    const issues = validatePolicy(p, product);
    assert.deepEqual(issues.map((i) => i.path), [`policy.permissions[0].constraints[1].${field}`], JSON.stringify(constraint));
    assert.ok(issues[0]!.message.length > 10);
  }
});

test('unknown actions, regions, DP without bounds, a per-query ε over the budget and bad columns are issues', () => {
  const p = policy({
    permissions: [{ action: 'aggregate' }, { action: 'sell' }],
    prohibitions: [{ action: 'resell' }],
    computeRegions: ['xj-south'],
    output: { kind: 'differential-privacy', epsilonBudget: 1, maxEpsilonPerQuery: 2 },
  });
  const columns = [
    ...meterColumns.slice(0, 4),
    { name: 'energy_kwh', type: 'number', role: 'measure' },
    { name: 'energy_kwh', type: 'number', role: 'measure', bounds: [10, 1] },
    { name: 'holder_name', type: 'string', role: 'sensitive', categories: ['a'] },
  ] as typeof meterColumns;
  const issues = validatePolicy(p, { regionId: 'xj-north', columns });
  assert.deepEqual(issues.map((i) => i.path).sort(), [
    'policy.computeRegions',
    'policy.output.maxEpsilonPerQuery',
    'policy.permissions[1].action',
    'policy.prohibitions[0].action',
    'schema.columns[4].bounds',
    'schema.columns[5].bounds',
    'schema.columns[5].name',
    'schema.columns[6].categories',
  ]);
  assert.match(issues.find((i) => i.path === 'schema.columns[4].bounds')!.message, /energy_kwh/);
});

const ask = { consumerTenantId: 't-bank', consumerRegion: 'xj-north', purpose: 'research' as const, actions: ['aggregate' as const] };

test('a permitted request under automatic approval is agreed', () => {
  assert.deepEqual(evaluateRequest(policy(), ask, AT), { decision: 'agree', reasons: [] });
});

test('approval by the provider asks the provider even when everything is permitted', () => {
  const d = evaluateRequest(policy({ approval: 'provider' }), ask, AT);
  assert.equal(d.decision, 'ask-provider');
  assert.deepEqual(d.reasons.map((r) => r.code), ['PROVIDER_DECIDES']);
});

test('an action no permission covers goes to the provider; a prohibition beats a permission', () => {
  const p = policy({ permissions: [{ action: 'aggregate' }, { action: 'train' }], prohibitions: [{ action: 'train', constraints: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'credit-assessment' }] }] });
  const join = evaluateRequest(p, { ...ask, actions: ['aggregate', 'join'] }, AT);
  assert.equal(join.decision, 'ask-provider');
  assert.deepEqual(join.reasons.map((r) => r.code), ['ACTION_NOT_PERMITTED']);
  assert.match(join.reasons[0]!.message, /join/);
  assert.equal(evaluateRequest(p, { ...ask, actions: ['train'] }, AT).decision, 'agree');
  const credit = evaluateRequest(p, { ...ask, purpose: 'credit-assessment', actions: ['aggregate', 'train', 'join'] }, AT);
  assert.equal(credit.decision, 'refuse');
  assert.deepEqual(credit.reasons.map((r) => r.code), ['ACTION_PROHIBITED', 'ACTION_NOT_PERMITTED']);
});

test('consumer lists, purposes and dateTime windows decide whether a permission applies', () => {
  const p = policy({
    permissions: [
      {
        action: 'aggregate',
        constraints: [
          { leftOperand: 'consumer', operator: 'isAnyOf', rightOperand: ['t-bank', 't-grid'] },
          { leftOperand: 'purpose', operator: 'isAnyOf', rightOperand: ['research', 'planning'] },
          { leftOperand: 'dateTime', operator: 'gteq', rightOperand: '2026-01-01T00:00:00Z' },
          { leftOperand: 'dateTime', operator: 'lt', rightOperand: '2027-01-01T00:00:00Z' },
          { leftOperand: 'count', operator: 'lteq', rightOperand: 3 },
        ],
      },
    ],
  });
  assert.equal(evaluateRequest(p, ask, AT).decision, 'agree');
  assert.equal(evaluateRequest(p, { ...ask, consumerTenantId: 't-grid', purpose: 'planning' }, AT).decision, 'agree');
  const stranger = evaluateRequest(p, { ...ask, consumerTenantId: 't-other' }, AT);
  assert.equal(stranger.decision, 'ask-provider');
  assert.match(stranger.reasons[0]!.message, /consumer is any of t-bank, t-grid/);
  assert.equal(evaluateRequest(p, { ...ask, purpose: 'commercial-analytics' }, AT).decision, 'ask-provider');
  assert.equal(evaluateRequest(p, ask, Date.parse('2027-01-01T00:00:00Z')).decision, 'ask-provider');
  assert.equal(evaluateRequest(p, ask, Date.parse('2025-12-31T23:59:59Z')).decision, 'ask-provider');
});

test('results that must stay in region refuse a consumer from elsewhere or with no region', () => {
  const p = policy({ resultsMayLeaveRegion: false });
  assert.equal(evaluateRequest(p, ask, AT).decision, 'agree');
  for (const consumerRegion of ['bj', null]) {
    const d = evaluateRequest(p, { ...ask, consumerRegion }, AT);
    assert.equal(d.decision, 'refuse');
    assert.deepEqual(d.reasons.map((r) => r.code), ['RESULT_REGION_NOT_ALLOWED']);
  }
  assert.equal(evaluateRequest(policy(), { ...ask, consumerRegion: 'bj' }, AT).decision, 'agree');
});

test('a consumerRegion constraint does not match a consumer with no region, isNoneOf does', () => {
  const only = policy({ permissions: [{ action: 'aggregate', constraints: [{ leftOperand: 'consumerRegion', operator: 'eq', rightOperand: 'xj-north' }] }] });
  assert.equal(evaluateRequest(only, { ...ask, consumerRegion: null }, AT).decision, 'ask-provider');
  const none = policy({ permissions: [{ action: 'aggregate', constraints: [{ leftOperand: 'consumerRegion', operator: 'isNoneOf', rightOperand: ['bj'] }] }] });
  assert.equal(evaluateRequest(none, { ...ask, consumerRegion: null }, AT).decision, 'agree');
});

function contract(over: Partial<UsableContract> = {}): UsableContract {
  return {
    state: 'agreed',
    expiresAtMs: Date.parse('2027-06-01T00:00:00Z'),
    actions: ['aggregate'],
    uses: 0,
    policy: policy(),
    purpose: 'research',
    consumerTenantId: 't-bank',
    consumerRegion: 'xj-north',
    ...over,
  };
}
const query: DataQuery = { action: 'aggregate', measures: [{ fn: 'count' }], groupBy: [], filters: [] };

function throwsCode(fn: () => void, code: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataRuleError, String(e));
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test('checkUse lets an agreed, current contract run its action', () => {
  checkUse(contract(), query, AT);
});

test('checkUse refuses a revoked or expired contract and an action outside it', () => {
  throwsCode(() => checkUse(contract({ state: 'revoked' }), query, AT), 'CONTRACT_NOT_ACTIVE', /revoked/);
  throwsCode(() => checkUse(contract({ state: 'requested' }), query, AT), 'CONTRACT_NOT_ACTIVE', /requested/);
  throwsCode(() => checkUse(contract({ expiresAtMs: AT }), query, AT), 'CONTRACT_EXPIRED');
  throwsCode(() => checkUse(contract(), { ...query, action: 'join' }, AT), 'ACTION_NOT_IN_CONTRACT', /join/);
});

test('checkUse counts uses against the permission limit and checks its time window', () => {
  const p = policy({
    permissions: [
      {
        action: 'aggregate',
        constraints: [
          { leftOperand: 'count', operator: 'lteq', rightOperand: 100 },
          { leftOperand: 'dateTime', operator: 'lt', rightOperand: '2027-01-01T00:00:00Z' },
        ],
      },
    ],
  });
  checkUse(contract({ policy: p, uses: 99 }), query, AT);
  throwsCode(() => checkUse(contract({ policy: p, uses: 100 }), query, AT), 'USE_LIMIT_REACHED', /allows 100 uses; 100 made/);
  throwsCode(() => checkUse(contract({ policy: p }), query, Date.parse('2027-02-01T00:00:00Z')), 'OUTSIDE_PERMITTED_TIME', /2027-02-01/);
});

test('checkUse applies a prohibition that only holds at use time, and honours a provider-agreed action', () => {
  const p = policy({
    permissions: [{ action: 'aggregate' }],
    prohibitions: [{ action: 'aggregate', constraints: [{ leftOperand: 'dateTime', operator: 'gteq', rightOperand: '2027-01-01T00:00:00Z' }] }],
  });
  checkUse(contract({ policy: p }), query, AT);
  throwsCode(() => checkUse(contract({ policy: p }), query, Date.parse('2027-01-02T00:00:00Z')), 'ACTION_PROHIBITED');
  checkUse(contract({ policy: p, actions: ['aggregate', 'join'] }), { ...query, action: 'join' }, AT);
});
