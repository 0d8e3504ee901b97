import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getPolicy, type Policy } from '@shuzhi/compute';
import { manualClock, type PlannerPlan, type PlannerSettings } from '@shuzhi/schema';
import type { PlannerService } from '../src/planner/service.ts';
import { announceAgent, client, login, operatorToken, startPlatform, waitUntil, type TestPlatform } from './helpers.ts';

/**
 * The live planner does not repeat work: re-plans over unchanged inputs solve nothing, and a DAG the
 * one-solve precedence MIP gave no plan for is planned by rounds at once until the DAG changes. Solves
 * are counted through the planner's policy hook, wrapped around the real optimal policy (HiGHS).
 */
let t: TestPlatform;
let op: ReturnType<typeof client>;
let ten: ReturnType<typeof client>;
let planner: PlannerService;

const settings: PlannerSettings = { carbonPriceFenPerKg: 0, greenShareTarget: null, policy: 'optimal', cadenceSec: 3600, defaultSlackHours: 6, horizonHours: 24, slotMinutes: 60 };
const H = 3_600_000;
// The clock stands still: nothing changes between two re-plans unless a test changes it.
const T = Date.parse('2026-06-01T04:00:00Z');
const counts = { plans: 0, dagSolves: 0 };
/** A FAKE outcome of the one-solve MIP, when set: no plan (as when HiGHS stops at its time limit). */
let dagMipGivesNothing = false;

function counting(real: Policy): Policy {
  return {
    name: real.name,
    plan: (s, o) => {
      counts.plans++;
      return real.plan(s, o);
    },
    planDag: async (s, e, o, start) => {
      counts.dagSolves++;
      return dagMipGivesNothing ? null : (real.planDag?.(s, e, o, start) ?? null);
    },
  };
}

before(async () => {
  t = await startPlatform({ leaseMs: 600_000, clock: manualClock(T) });
  const token = await operatorToken(t.p);
  for (const s of (await client(t.url, { token }).req('GET', '/api/sites')).body.items as { id: string }[]) await announceAgent(t, s.id);
  op = client(t.url, { cookie: await login(t.url, 'operator') });
  ten = client(t.url, { cookie: await login(t.url, 'tenant') });
  planner = (t.p.modules.find((m) => m.name === 'planner') as unknown as { planner: PlannerService }).planner;
  planner.policyFor = (name) => counting(getPolicy(name));
  assert.equal((await op.req('PUT', '/api/planner/settings', settings)).status, 200);
});
after(async () => { await t.close(); });

async function submit(body: Record<string, unknown>): Promise<string> {
  const res = await ten.req('POST', '/api/jobs', { type: 'gpu', units: 8, hours: 2, flex: 'rigid', command: 'true', regions: ['xinjiang'], releaseAt: new Date(T + H).toISOString(), ...body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id as string;
}

/** The plan once every re-plan asked for has run. */
async function settledPlanWith(ids: string[]): Promise<PlannerPlan> {
  return waitUntil(`a plan with ${ids.join(', ')}`, async () => {
    await planner.replan();
    const plan = planner.latest();
    return plan && ids.every((id) => plan.entries.some((e) => e.jobId === id)) ? plan : null;
  }, 60_000);
}

test('two re-plans over unchanged inputs solve the DAG once: the second reuses the plan', async () => {
  const parent = await submit({ name: 'parent' });
  const child = await submit({ name: 'child', after: [{ jobId: parent, kind: 'ok' }] });
  const first = await settledPlanWith([parent, child]);
  assert.equal(counts.dagSolves, 1, 'one DAG, one MIP solve');
  const plans = counts.plans;
  await planner.replan();
  await planner.replan();
  assert.equal(counts.dagSolves, 1, 'no MIP solve over the same inputs');
  assert.equal(counts.plans, plans, 'and no other solve either');
  const again = planner.latest()!;
  assert.notEqual(again.id, first.id, 'a new plan was stored');
  assert.deepEqual(again.entries, first.entries, 'the same plan');
  assert.ok(again.notes.some((n) => n.startsWith('plan reused')), again.notes.join('\n'));
});

test('a DAG the one-solve MIP gave no plan for is planned by rounds at once until the DAG changes', async () => {
  dagMipGivesNothing = true;
  const before = counts.dagSolves;
  try {
    const a = await submit({ name: 'a' });
    const b = await submit({ name: 'b', after: [{ jobId: a, kind: 'ok' }] });
    await settledPlanWith([a, b]);
    const tried = counts.dagSolves;
    assert.ok(tried > before, 'the new DAG was given to the MIP');
    // Other work arrives: the inputs change, the DAG does not.
    const other = await submit({ name: 'independent', units: 1, hours: 1 });
    const plan = await settledPlanWith([a, b, other]);
    assert.equal(counts.dagSolves, tried, 'the MIP is not tried again for the same DAG');
    assert.ok(plan.notes.some((n) => n.includes('planned by rounds at once')), plan.notes.join('\n'));
    const bStart = Date.parse(plan.entries.find((e) => e.jobId === b)!.startAt);
    assert.ok(bStart >= Date.parse(plan.entries.find((e) => e.jobId === a)!.endAt), 'the rounds keep the precedence');
    // A new dependant changes the DAG: the MIP is tried again.
    const c = await submit({ name: 'c', after: [{ jobId: b, kind: 'ok' }] });
    await settledPlanWith([a, b, c]);
    assert.equal(counts.dagSolves, tried + 1);
  } finally {
    dagMipGivesNothing = false;
  }
});
