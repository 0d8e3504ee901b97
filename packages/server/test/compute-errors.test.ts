// The compute engine's errors become problem+json answers with their own code and status (one table,
// compute/errors.ts), through the same onError the server's app uses: before, they escaped as 500.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hono } from 'hono';
import { BillingRuleError, COMPUTE_ERROR_CODES, getPolicy, parseScenario, SolverError } from '@shuzhi/compute';
import { COMPUTE_ERROR_STATUS } from '../src/compute/errors.ts';
import { problemResponse } from '../src/http/problem.ts';
import { createLogger } from '../src/log.ts';

/** An app whose one route runs `fn`, answering errors as the server does; returns status, type and body. */
async function answer(fn: () => unknown) {
  const app = new Hono();
  app.post('/x', async (c) => c.json(await fn()));
  app.onError((err, c) => problemResponse(c, err, createLogger('silent')));
  const res = await app.request('/x', { method: 'POST' });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as { code: string; detail: string; errors?: { path: string; message: string }[] } };
}

test('an invalid scenario answers 422 SCENARIO_INVALID with each bad field as an error', async () => {
  const r = await answer(() => parseScenario({ version: 1, slotMinutes: 60, slots: 0, sites: [], jobs: [] }));
  assert.equal(r.status, 422);
  assert.match(r.type, /^application\/problem\+json/);
  assert.equal(r.body.code, 'SCENARIO_INVALID');
  assert.ok(r.body.errors?.some((e) => e.path === 'slots'), JSON.stringify(r.body.errors));
});

test('an unknown planner policy answers 400 POLICY_UNKNOWN, naming the policies there are', async () => {
  const r = await answer(() => getPolicy('cheapest-first'));
  assert.equal(r.status, 400);
  assert.equal(r.body.code, 'POLICY_UNKNOWN');
  assert.match(r.body.detail, /unknown policy "cheapest-first"; use one of: .*greedy/);
});

test('a billing rule refusal answers 422 with its code', async () => {
  const r = await answer(() => {
    throw new BillingRuleError('BILLING_PRICE_INVALID', 'fenPerUnitHour', 'a price is a non-negative number of fen per unit-hour.');
  });
  assert.equal(r.status, 422);
  assert.equal(r.body.code, 'BILLING_PRICE_INVALID');
});

test('a solver failure is the server\'s: 500 INTERNAL, as any bug', async () => {
  const r = await answer(() => {
    throw new SolverError('error', 'HiGHS failed: out of memory');
  });
  assert.equal(r.status, 500);
  assert.equal(r.body.code, 'INTERNAL');
});

test('every compute code has a status or is left out on purpose (SOLVER_FAILED, LEDGER_UNBALANCED)', () => {
  const mapped = new Set(Object.keys(COMPUTE_ERROR_STATUS));
  assert.deepEqual(COMPUTE_ERROR_CODES.filter((c) => !mapped.has(c)), ['SOLVER_FAILED', 'LEDGER_UNBALANCED']);
});
