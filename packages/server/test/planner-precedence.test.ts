import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { localHour } from '@shuzhi/compute';
import { manualClock, type PlannerEntry, type PlannerPlan, type PlannerSettings } from '@shuzhi/schema';
import { announceAgent, client, login, operatorToken, startPlatform, waitUntil, type TestPlatform } from './helpers.ts';

/** The live planner plans jobs waiting for their parents too: after them, with the data staging between. */
let t: TestPlatform;
let op: ReturnType<typeof client>;
let ten: ReturnType<typeof client>;

const settings: PlannerSettings = { carbonPriceFenPerKg: 0, greenShareTarget: null, policy: 'optimal', cadenceSec: 3600, defaultSlackHours: 6, horizonHours: 24, slotMinutes: 60 };
const H = 3_600_000;
// Noon Beijing time, on an hour, standing still: the plan is the same on every run.
const T = Date.parse('2026-06-01T04:00:00Z');
// 45,000 GB over the demo network's 100 Gbps Xinjiang–Chongqing link: 3,600 s of staging.
const DATA_GB = 45_000;

before(async () => {
  t = await startPlatform({ leaseMs: 600_000, clock: manualClock(T) });
  const token = await operatorToken(t.p);
  const sites = (await client(t.url, { token }).req('GET', '/api/sites')).body.items as { id: string; power: Record<string, unknown> }[];
  for (const s of sites) await announceAgent(t, s.id);
  op = client(t.url, { cookie: await login(t.url, 'operator') });
  ten = client(t.url, { cookie: await login(t.url, 'tenant') });
  assert.equal((await op.req('PUT', '/api/planner/settings', settings)).status, 200);
  // Every site flat and dear, except Hami, nearly free from 20:00 to midnight: a parent planned on its
  // own would wait for that valley.
  for (const s of sites) {
    const tariff = new Array<number>(24).fill(500);
    if (s.id === 'hami') for (let k = 8; k < 12; k++) tariff[localHour(T + k * H)] = 1;
    const res = await op.req('PATCH', `/api/sites/${s.id}`, { power: { ...s.power, tariffFenPerKWh: tariff, carbonGPerKWh: new Array(24).fill(500), renewables: null, storage: null } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
});
after(async () => { await t.close(); });

async function submit(body: Record<string, unknown>): Promise<string> {
  const res = await ten.req('POST', '/api/jobs', { type: 'gpu', units: 8, hours: 2, flex: 'rigid', command: 'true', ...body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id as string;
}

const planWith = (ids: string[]) =>
  waitUntil(`a plan with ${ids.join(', ')}`, async () => {
    const res = await op.req('GET', '/api/planner/plan');
    const plan = res.body as PlannerPlan | null;
    return plan && ids.every((id) => plan.entries.some((e) => e.jobId === id)) ? plan : null;
  }, 60_000);

test('a chain of three jobs is planned together: each after its parent and the staging, all by the last deadline', async () => {
  const deadline = T + 10 * H;
  const a = await submit({ name: 'extract', home: 'hami', regions: ['xinjiang'], releaseAt: new Date(T + H).toISOString(), deadlineAt: new Date(T + 20 * H).toISOString() });
  const b = await submit({ name: 'train', regions: ['chongqing'], dataGB: DATA_GB, after: [{ jobId: a, kind: 'ok' }] });
  const c = await submit({ name: 'report', regions: ['chongqing'], after: [{ jobId: b, kind: 'ok' }], deadlineAt: new Date(deadline).toISOString() });
  const plan = await planWith([a, b, c]);
  const entry = (id: string) => plan.entries.find((e) => e.jobId === id) as PlannerEntry;
  const [ea, eb, ec] = [entry(a), entry(b), entry(c)];
  assert.equal((await op.req('GET', `/api/sites/${ea.siteId}`)).body.region, 'xinjiang');
  assert.equal(eb.siteId, 'chongqing');
  assert.equal(ec.siteId, 'chongqing');
  const at = (s: string) => Date.parse(s);
  assert.ok(at(ea.startAt) >= T + H, 'the parent keeps its release');
  assert.ok(at(eb.startAt) >= at(ea.endAt) + H, `train starts ${eb.startAt}, after extract ends ${ea.endAt} and an hour of staging`);
  assert.ok(at(ec.startAt) >= at(eb.endAt), `report starts ${ec.startAt}, after train ends ${eb.endAt}`);
  assert.ok(at(ec.endAt) <= deadline, `report ends ${ec.endAt}, by its deadline`);
  assert.ok(at(ea.endAt) <= T + 5 * H, 'so the parent forgoes the valley at Hami');
  assert.match(eb.explanation, new RegExp(`after ${a}`));
  assert.match(ec.explanation, new RegExp(`after ${b}`));
  assert.ok(!plan.unplanned.includes(c));
  // Planned is not released: the dependants still wait for their parents.
  for (const id of [b, c]) {
    const j = (await ten.req('GET', `/api/jobs/${id}`)).body;
    assert.equal(j.status, 'queued');
    assert.match(j.held, /^waiting for /);
  }
});

test('a job waiting on afternotok holds no capacity in the plan', async () => {
  const a = await submit({ name: 'main', home: 'hami', regions: ['xinjiang'], releaseAt: new Date(T + H).toISOString() });
  const fallback = await submit({ name: 'on failure', regions: ['xinjiang'], after: [{ jobId: a, kind: 'notok' }] });
  const next = await submit({ name: 'on success', regions: ['xinjiang'], after: [{ jobId: a, kind: 'ok' }] });
  const plan = await planWith([a, next]);
  assert.ok(!plan.entries.some((e) => e.jobId === fallback));
  assert.ok(!plan.unplanned.includes(fallback));
});

test('an array whose made tasks all run still shows the planner its tasks not made yet', async () => {
  const res = await ten.req('POST', '/api/jobs', { name: 'sweep', type: 'gpu', units: 1, hours: 1, flex: 'rigid', command: 'true', sites: ['hami'], array: '0-9%2' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const id = res.body.id as string;
  // Both tasks of the first window are handed out (to agents that never run them); none is queued.
  await waitUntil('the first window handed out', async () => {
    const counts = (await ten.req('GET', `/api/jobs/${id}`)).body.array.counts as Record<string, number>;
    return (counts.planned ?? 0) + (counts.running ?? 0) === 2 && !counts.queued;
  });
  const entry = (await t.p.compute.planning.queued()).find((j) => j.id === id);
  assert.deepEqual(entry && [entry.units, entry.hours], [2, 4], 'eight tasks not made yet: two wide, four long');
});
