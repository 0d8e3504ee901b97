import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { localHour } from '@shuzhi/compute';
import { manualClock, type PlannerPlan, type PlannerSettings } from '@shuzhi/schema';
import type { PlannerService } from '../src/planner/service.ts';
import { announceAgent, client, login, operatorToken, startPlatform, waitUntil, type TestPlatform } from './helpers.ts';

let t: TestPlatform;
let op: ReturnType<typeof client>;
let ten: ReturnType<typeof client>;
let planner: PlannerService;

const base: PlannerSettings = { carbonPriceFenPerKg: 0, greenShareTarget: null, policy: 'optimal', cadenceSec: 3600, defaultSlackHours: 6, horizonHours: 24, slotMinutes: 60 };
const flat = (v: number) => new Array<number>(24).fill(v);
// The platform's clock stands still at noon Beijing time (04:00 UTC, on an hour), so a plan's times and
// its explanation are the same on every run.
const T = Date.parse('2026-06-01T04:00:00Z');
const clock = manualClock(T);

before(async () => {
  // A long lease: the announced agents stay online for the whole file without syncing again.
  t = await startPlatform({ leaseMs: 600_000, clock });
  const token = await operatorToken(t.p);
  for (const s of (await client(t.url, { token }).req('GET', '/api/sites')).body.items as { id: string }[]) await announceAgent(t, s.id);
  op = client(t.url, { cookie: await login(t.url, 'operator') });
  ten = client(t.url, { cookie: await login(t.url, 'tenant') });
  planner = (t.p.modules.find((m) => m.name === 'planner') as unknown as { planner: PlannerService }).planner;
  assert.equal((await op.req('PUT', '/api/planner/settings', base)).status, 200);
});
after(async () => { await t.close(); });

async function setPower(siteId: string, tariff: number[], carbon: number[], opts: { gridOnly?: boolean } = {}) {
  const site = (await op.req('GET', `/api/sites/${siteId}`)).body;
  const own = opts.gridOnly ? { renewables: null, storage: null } : {};
  const res = await op.req('PATCH', `/api/sites/${siteId}`, { power: { ...site.power, tariffFenPerKWh: tariff, carbonGPerKWh: carbon, ...own } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

async function submit(body: Record<string, unknown>): Promise<string> {
  const res = await ten.req('POST', '/api/jobs', { name: 'plan me', type: 'gpu', units: 8, hours: 2, flex: 'rigid', command: 'true', ...body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id as string;
}

async function entryOf(jobId: string) {
  return waitUntil(`plan entry for ${jobId}`, async () => {
    const res = await op.req('GET', '/api/planner/plan');
    return res.status === 200 && res.body ? (res.body as PlannerPlan).entries.find((e) => e.jobId === jobId) : null;
  }, 20_000);
}

async function regionOf(siteId: string): Promise<string> {
  return (await op.req('GET', `/api/sites/${siteId}`)).body.region as string;
}

test('jobs get planned and show their plan and a one-line explanation', async () => {
  // Home is the cheapest and cleanest site of the region all day (the others on a dear grid, without
  // their own wind and solar): the plan runs the job there, now.
  await setPower('hami', flat(100), flat(100));
  for (const other of ['karamay', 'shihezi', 'korla', 'kashgar', 'urumqi']) await setPower(other, flat(900), flat(900), { gridOnly: true });
  const id = await submit({ home: 'hami', regions: ['xinjiang'] });
  const e = await entryOf(id);
  assert.equal(e.units, 8);
  assert.equal(e.siteId, 'hami');
  assert.equal(Date.parse(e.startAt), T);
  assert.equal(Date.parse(e.endAt), T + 2 * 3600_000);
  // A flat tariff is the day's mean at every hour; running at home now saves nothing against itself.
  const hami = 'Hami (Yiwu) advanced computing cluster';
  assert.equal(e.explanation, `${hami} 12:00–14:00 Beijing time (flat ×1.00 of the day's mean tariff): same cost and carbon as running now at home (${hami})`);
  const job = (await ten.req('GET', `/api/jobs/${id}`)).body;
  assert.ok(job.explanation.includes(e.explanation), job.explanation);
  // tenants see only their own entries; other roles may not read the plan
  const mine = (await ten.req('GET', '/api/planner/plan')).body as PlannerPlan;
  assert.ok(mine.entries.every((x) => x.tenantId === job.tenantId));
  const citizen = client(t.url, { cookie: await login(t.url, 'citizen') });
  assert.equal((await citizen.req('GET', '/api/planner/plan')).status, 403);
});

test('a job restricted to Xinjiang is never planned in Chongqing, even when Chongqing is far cheaper', async () => {
  await setPower('chongqing', flat(0), flat(0));
  const free = await submit({ home: 'hami', regions: [] });
  const held = await submit({ home: 'hami', regions: ['xinjiang'] });
  const [a, b] = [await entryOf(free), await entryOf(held)];
  assert.equal(a.siteId, 'chongqing', 'an unrestricted job goes to the free site (the test can tell)');
  assert.equal(await regionOf(b.siteId), 'xinjiang');
  assert.ok(b.savedFen <= a.savedFen);
});

test('settings change the plan: a carbon price moves work off a cheap but dirty site', async () => {
  await setPower('chongqing', flat(0), flat(3000));
  await op.req('PUT', '/api/planner/settings', { ...base, carbonPriceFenPerKg: 0 });
  // Released two hours from now, so it is still waiting (and re-planned) when the settings change.
  const id = await submit({ home: 'chongqing', regions: [], releaseAt: new Date(clock.now() + 2 * 3600_000).toISOString() });
  assert.equal((await entryOf(id)).siteId, 'chongqing');
  const saved = await op.req('PUT', '/api/planner/settings', { ...base, carbonPriceFenPerKg: 1000 });
  assert.equal(saved.status, 200);
  assert.equal((await op.req('GET', '/api/planner/settings')).body.carbonPriceFenPerKg, 1000);
  const moved = await entryOf(id);
  assert.notEqual(moved.siteId, 'chongqing');
  assert.equal((await ten.req('PUT', '/api/planner/settings', base)).status, 403);
  const bad = await op.req('PUT', '/api/planner/settings', { ...base, greenShareTarget: 1.5 });
  assert.equal(bad.status, 400);
  const badSlot = await op.req('PUT', '/api/planner/settings', { ...base, slotMinutes: 20 });
  assert.equal(badSlot.status, 400);
  assert.match(JSON.stringify(badSlot.body), /slotMinutes must be one of 5, 15, 30, 60/);
  await op.req('PUT', '/api/planner/settings', base);
});

test('a job waits for its planned slot and is placed when the slot arrives', async () => {
  // Chongqing dear all day except one hour three hours from now; the job may only run there.
  const now = clock.now();
  const cheapAt = Math.floor(now / 3600_000) * 3600_000 + 3 * 3600_000;
  const tariff = flat(500);
  tariff[localHour(cheapAt)] = 1;
  await setPower('chongqing', tariff, flat(500));
  const id = await submit({ home: 'chongqing', regions: ['chongqing'], hours: 1, deadlineAt: new Date(cheapAt + 6 * 3600_000).toISOString() });
  const e = await entryOf(id);
  assert.equal(Date.parse(e.startAt), cheapAt);
  assert.equal((await ten.req('GET', `/api/jobs/${id}`)).body.status, 'queued');
  const sites = (await op.req('GET', '/api/sites')).body.items;
  const job = { jobId: id, type: 'gpu', units: 8, hours: 1, regions: ['chongqing'], homeRegion: 'chongqing', dataGB: 0 };
  const free = () => 1000;
  assert.equal(planner.placeFn(job, sites, free, cheapAt - 60_000, []), null, 'not before its slot');
  const placed = planner.placeFn(job, sites, free, cheapAt + 1000, []);
  assert.equal(placed?.siteId, 'chongqing');
  assert.equal(placed?.explanation, e.explanation);
});
