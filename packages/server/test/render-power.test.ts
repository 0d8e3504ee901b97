// Sleep schedule and power on the farm, on the platform's clock (no wall-clock assertions): a node
// sleeps in its window and gets no work; queued work with a far deadline waits for a cheaper hour;
// a deadline that would be missed wakes the node in time, through its held poll; the energy saved is reported.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { manualClock } from '@shuzhi/schema';
import { client, enrollWorker, login, startPlatform, workerSync, type TestPlatform } from './helpers.ts';
import { farmOf, uploadScene } from './render-helpers.ts';

// Monday 2026-12-07 20:30 in Karamay (UTC+8): a peak-tariff hour after sunset.
const T = Date.UTC(2026, 11, 7, 12, 30);
const MIN = 60_000;
const clock = manualClock(T);
let t: TestPlatform;

before(async () => {
  t = await startPlatform({ clock, leaseMs: 60_000 });
});
after(async () => {
  await t.close();
});

const RENDER = { runners: ['blender', 'povray', 'ffmpeg'], slots: 1 };

test('a sleeping node gets no work, waits out a cheap deadline, and is woken in time for a tight one', async () => {
  const op = client(t.url, { cookie: await login(t.url, 'operator') });
  const studioCookie = await login(t.url, 'tenant2');
  const studio = client(t.url, { cookie: studioCookie });
  const farm = farmOf(t);

  assert.equal((await studio.req('PUT', '/api/render/sleep/pool:*', { windows: [] })).status, 403);
  const bad = await op.req('PUT', '/api/render/sleep/pool:*', { windows: [{ days: [1], from: '25:00', to: '07:00' }] });
  assert.equal(bad.status, 400);
  assert.match(bad.body.errors[0].path, /windows\.0\.from/);
  const set = await op.req('PUT', `/api/render/sleep/${encodeURIComponent('pool:*')}`, { windows: [{ days: [0, 1, 2, 3, 4, 5, 6], from: '19:00', to: '23:00' }] });
  assert.equal(set.status, 200, JSON.stringify(set.body));

  const w = await enrollWorker(t.p, 'karamay', 'sleepy');
  const first = await workerSync(t.url, w.credential, w.id, { ...RENDER, free: 1, waitMs: 0 });
  assert.equal(first.status, 200);
  farm.power.tick();
  const power = (await studio.req('GET', '/api/render/power')).body;
  assert.deepEqual(power.asleep.map((a: { nodeId: string }) => a.nodeId), [w.id], JSON.stringify(power));
  assert.equal(power.wakeProvider, 'local-held-poll');

  const up = await uploadScene(t.url, studioCookie, 'scene.blend', 'FAKE');
  const submit = async (deadlineMs: number) => {
    const r = await studio.req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, frames: '1', chunkSize: 1, renderer: 'blender', deadline: new Date(deadlineMs).toISOString() });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id as string;
  };
  // Due tomorrow evening: the farm waits for the afternoon valley instead of waking the node at peak price.
  await submit(T + 22 * 60 * MIN);
  farm.power.tick();
  const asleep = await workerSync(t.url, w.credential, w.id, { ...RENDER, free: 1, waitMs: 0 });
  assert.deepEqual(asleep.body.assignments, [], 'a sleeping node gets no work');
  assert.equal(asleep.body.sleep, true);
  assert.equal((await studio.req('GET', '/api/render/power')).body.lastDecision.reason, 'waiting-for-cheaper-hour');

  // Due in 30 minutes: two tasks (chunk and preview) of 10 minutes each, so the node must be up by
  // 30 − 2 (waking) − 2 × 10 × 1.1 = 6 minutes from now at the latest.
  const deadline = T + 30 * MIN;
  await submit(deadline);
  const held = workerSync(t.url, w.credential, w.id, { ...RENDER, free: 0, waitMs: 30_000 });
  let wokeAt: number | null = null;
  for (let step = 0; step < 60 && wokeAt === null; step++) {
    farm.power.tick();
    if (!farm.power.asleep(w.id)) wokeAt = clock.now();
    else clock.advance(MIN / 2);
  }
  assert.ok(wokeAt !== null, 'woken');
  assert.ok(wokeAt > T, 'not woken at peak price while the deadline still allowed waiting');
  assert.ok(wokeAt <= deadline - 2 * MIN - 22 * MIN, `woken in time (${(deadline - wokeAt) / MIN} minutes before the deadline)`);
  const answer = await held;
  assert.equal(answer.body.sleep, undefined, 'the held poll is answered at once, awake');
  const work = await workerSync(t.url, w.credential, w.id, { ...RENDER, free: 1, waitMs: 0 });
  assert.equal(work.body.assignments.length, 1);

  const saved = (await studio.req('GET', '/api/render/power')).body.saved;
  const sleptH = (wokeAt - T) / (60 * MIN);
  assert.ok(Math.abs(saved.nodeHoursSlept - sleptH) < 1e-6, JSON.stringify(saved));
  assert.ok(saved.kWh > 0 && saved.fen >= 0);
});

test('queued work wakes only as many sleeping nodes as its tasks and deadline need, and the farm says so', async () => {
  const clock2 = manualClock(T);
  const t2 = await startPlatform({ clock: clock2, leaseMs: 60_000 });
  try {
    const op = client(t2.url, { cookie: await login(t2.url, 'operator') });
    const studioCookie = await login(t2.url, 'tenant2');
    const studio = client(t2.url, { cookie: studioCookie });
    const farm = farmOf(t2);
    assert.equal((await op.req('PUT', `/api/render/sleep/${encodeURIComponent('pool:*')}`, { windows: [{ days: [0, 1, 2, 3, 4, 5, 6], from: '19:00', to: '23:00' }] })).status, 200);
    const nodes = [];
    for (let i = 0; i < 4; i++) {
      const w = await enrollWorker(t2.p, 'karamay', `sleepy-${i}`);
      assert.equal((await workerSync(t2.url, w.credential, w.id, { ...RENDER, free: 1, waitMs: 0 })).status, 200);
      nodes.push(w);
    }
    farm.power.tick();
    assert.equal((await studio.req('GET', '/api/render/power')).body.asleep.length, 4);

    // Two frames in two chunks and a preview: three tasks of 10 minutes (no task has finished yet) —
    // three nodes are of use, the fourth is not, however close the deadline.
    const up = await uploadScene(t2.url, studioCookie, 'scene.blend', 'FAKE');
    const deadline = T + 40 * MIN;
    const r = await studio.req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, frames: '1-2', chunkSize: 1, renderer: 'blender', deadline: new Date(deadline).toISOString() });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    let wokeAt: number | null = null;
    for (let step = 0; step < 80 && wokeAt === null; step++) {
      farm.power.tick();
      if (nodes.some((w) => !farm.power.asleep(w.id))) wokeAt = clock2.now();
      else clock2.advance(MIN / 2);
    }
    assert.ok(wokeAt !== null, 'woken');
    // Three slots from the latest moment: 40 − 2 (waking) − 3 × 10 × 1.1 / 3 = 27 minutes from now.
    assert.ok(wokeAt > T + 20 * MIN && wokeAt <= T + 27 * MIN, `woken at the latest moment for three nodes (${(wokeAt - T) / MIN} min)`);
    const awake = nodes.filter((w) => !farm.power.asleep(w.id));
    assert.equal(awake.length, 3, 'three of the four woken');
    const decision = (await studio.req('GET', '/api/render/power')).body.lastDecision;
    assert.deepEqual({ wake: decision.wake, reason: decision.reason, nodesWoken: decision.nodesWoken, slotsNeeded: decision.slotsNeeded, nodesAsleep: decision.nodesAsleep }, { wake: true, reason: 'deadline', nodesWoken: 3, slotsNeeded: 3, nodesAsleep: 4 });
    // The woken ones are still coming up: the next rounds wake nobody else.
    for (let step = 0; step < 4; step++) {
      clock2.advance(MIN / 2);
      farm.power.tick();
    }
    assert.equal(nodes.filter((w) => farm.power.asleep(w.id)).length, 1, 'the fourth sleeps on');
  } finally {
    await t2.close();
  }
});
