// The render farm's lease grows with its fleet (SHUZHI_HEARTBEAT_BUDGET), on the platform's clock: a
// task keeps the lease it was handed out with, so a node that heartbeats on it keeps the task after the
// fleet shrank; a silent node loses it when that lease runs out, and is counted offline then, not before.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { manualClock } from '@shuzhi/schema';
import { client, enrollWorker, login, startPlatform, workerSync, type TestPlatform } from './helpers.ts';
import { farmOf, uploadScene } from './render-helpers.ts';

const clock = manualClock(Date.UTC(2026, 11, 7, 4, 0));
// A budget of one heartbeat a second: N nodes get a lease of 3N s, at least the configured 3 s.
const FLOOR_MS = 3000;
let t: TestPlatform;

before(async () => {
  t = await startPlatform({ clock, leaseMs: FLOOR_MS, env: { SHUZHI_HEARTBEAT_BUDGET: '1' } });
});
after(async () => {
  await t.close();
});

const RENDER = { runners: ['blender', 'povray', 'ffmpeg'], slots: 1 };
type Node = { id: string; credential: string };
const sync = (n: Node, body: Record<string, unknown>) => workerSync(t.url, n.credential, n.id, { ...RENDER, free: 0, waitMs: 0, ...body });
const fenceOf = (a: { taskId: string; attempt: number }) => ({ kind: 'render', taskId: a.taskId, attempt: a.attempt });

test("a task keeps its lease after the fleet shrinks, and a silent node loses it when that lease, not the farm's, runs out", async () => {
  const op = client(t.url, { cookie: await login(t.url, 'operator') });
  const studioCookie = await login(t.url, 'tenant2');
  const studio = client(t.url, { cookie: studioCookie });
  const farm = farmOf(t);
  const overview = async () => (await op.req('GET', '/api/render/overview')).body;

  // A node's keep-alive outlasts the longest interval the farm may name (120 s lease: 40 s), not the configured lease's 1 s.
  const probe = await fetch(`${t.url}/api/health`);
  await probe.arrayBuffer();
  assert.ok(Number(/timeout=(\d+)/.exec(probe.headers.get('keep-alive') ?? '')?.[1]) * 1000 > 40_000, `Keep-Alive: ${probe.headers.get('keep-alive')}`);

  const [a, b, c] = [await enrollWorker(t.p, 'karamay', 'lease-a'), await enrollWorker(t.p, 'karamay', 'lease-b'), await enrollWorker(t.p, 'karamay', 'lease-c')];
  for (const n of [a, b, c]) assert.equal((await sync(n, {})).status, 200);
  assert.equal(farm.leaseNow(), 9000, 'three live nodes: 3 × 3 / 1 = 9 s');

  const up = await uploadScene(t.url, studioCookie, 'scene.blend', 'FAKE');
  const job = await studio.req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, frames: '1-2', chunkSize: 1, renderer: 'blender' });
  assert.equal(job.status, 201, JSON.stringify(job.body));
  const handed = await sync(a, { free: 1 });
  const [task] = handed.body.assignments;
  assert.equal(task.leaseMs, 9000, 'the task carries the lease of a three-node farm');
  assert.equal(handed.body.nextPollMs, 3000, 'its node heartbeats every third of it');

  // B and C leave: a one-node farm hands out the configured 3 s from now on.
  for (const n of [b, c]) assert.equal((await sync(n, { leaving: true })).status, 200);
  assert.equal(farm.leaseNow(), FLOOR_MS);

  // A heartbeats on its task's lease (every 3 s), for longer than three of the farm's leases now: it keeps the task.
  for (let beat = 1; beat <= 5; beat++) {
    clock.advance(3000);
    const r = await sync(a, { running: [fenceOf(task)] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual({ refused: r.body.refused, cancel: r.body.cancel }, { refused: [], cancel: [] }, `heartbeat ${beat}`);
  }

  // Silent now: still busy, not offline, while its lease runs (8 s of 9) …
  clock.advance(8000);
  farm.sweep();
  let o = await overview();
  assert.deepEqual({ busy: o.nodes.busy, offline: o.nodes.offline, active: o.tasksActive }, { busy: 1, offline: 2, active: 1 }, JSON.stringify(o.nodes));
  // … and its task is requeued, the node offline, once its own 9 s are up.
  clock.advance(1001);
  farm.sweep();
  o = await overview();
  assert.deepEqual({ offline: o.nodes.offline, active: o.tasksActive }, { offline: 3, active: 0 }, JSON.stringify(o.nodes));

  // Back, A is handed a task with the one-node farm's lease, and loses it after 3 s of silence.
  const again = await sync(a, { free: 1 });
  const [next] = again.body.assignments;
  assert.equal(next.leaseMs, FLOOR_MS);
  clock.advance(FLOOR_MS - 1);
  farm.sweep();
  assert.equal((await overview()).tasksActive, 1, 'not before its 3 s are up');
  clock.advance(1);
  farm.sweep();
  assert.equal((await overview()).tasksActive, 0);
});
