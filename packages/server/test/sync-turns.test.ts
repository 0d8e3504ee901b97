import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { ROUTINE_WAIT_MS, SyncTurns } from '../src/http/sync-turns.ts';
import { enrollWorker, startPlatform, waitUntil } from './helpers.ts';

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

// Worker syncs are started at most N per turn of the event loop; the rest wait in arrival order and
// settle as their answers do (sync-turns.ts says why).

test('syncs beyond a turn\'s room wait for later turns, in arrival order, and settle as their answers do', async () => {
  const turns = new SyncTurns(2);
  const started: number[] = [];
  const finish = new Map<number, () => void>();
  const answer = (i: number) => () => {
    started.push(i);
    return new Promise<void>((r) => finish.set(i, r));
  };
  const settled: number[] = [];
  const all = [0, 1, 2, 3, 4].map((i) => turns.admit(answer(i)).then(() => settled.push(i)));
  assert.deepEqual(started, [0, 1], 'two start in the turn they arrived in');
  assert.equal(turns.waitingCount(), 3);
  await nextTurn();
  assert.deepEqual(started, [0, 1, 2, 3], 'the next turn starts the next two, the oldest first');
  await nextTurn();
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  assert.equal(turns.waitingCount(), 0);
  assert.equal(turns.stats.deferred, 3);
  assert.equal(turns.stats.maxWaiting, 3);
  // A deferred sync's promise is its answer's: it settles when the answer does, not when it starts.
  for (const i of [4, 2, 0, 1, 3]) finish.get(i)!();
  await Promise.all(all);
  assert.deepEqual(settled.sort(), [0, 1, 2, 3, 4]);
});

test('waiting syncs start in arrival order with a heartbeat counted ROUTINE_WAIT_MS late: an ask overtakes only the last ROUTINE_WAIT_MS of heartbeats', async () => {
  let now = 0;
  const turns = new SyncTurns(2, () => now);
  const started: string[] = [];
  const answer = (name: string) => async () => { started.push(name); };
  // The turn's room is taken; then heartbeats (h) and asks (a) arrive mixed, all at 0 ms.
  for (const [name, urgent] of [['x', true], ['y', true], ['h1', false], ['h2', false], ['a1', true], ['h3', false], ['a2', true], ['a3', true]] as const) void turns.admit(answer(name), urgent);
  assert.deepEqual(started, ['x', 'y']);
  await nextTurn();
  assert.deepEqual(started.slice(2), ['a1', 'a2'], 'the asks first, in arrival order');
  // An ask that comes ROUTINE_WAIT_MS after the heartbeats waits behind them: they are never starved.
  now += ROUTINE_WAIT_MS;
  void turns.admit(answer('a4'), true);
  await nextTurn();
  assert.deepEqual(started.slice(4), ['a3', 'h1']);
  await nextTurn();
  assert.deepEqual(started.slice(6), ['h2', 'h3']);
  await nextTurn();
  assert.deepEqual(started.slice(8), ['a4']);
  assert.equal(turns.waitingCount(), 0);
});

test('a deferred answer that fails rejects its caller; the syncs behind it still run', async () => {
  const turns = new SyncTurns(1);
  const first = turns.admit(async () => undefined);
  const failing = turns.admit(async () => {
    throw new Error('boom');
  });
  let ran = false;
  const after = turns.admit(async () => {
    ran = true;
  });
  await first;
  await assert.rejects(failing, /boom/);
  await after;
  assert.ok(ran);
});

/**
 * A client on its own thread: `n` syncs over `n` keep-alive connections, once to open them and then
 * again when told, so the second round can arrive while the server's thread is blocked.
 */
const CLIENT = `
const { parentPort, workerData: { url, credential, n, body } } = require('node:worker_threads');
const round = () => Promise.all(Array.from({ length: n }, () => fetch(url, { method: 'POST', headers: { authorization: 'Bearer ' + credential, 'content-type': 'application/json' }, body }).then(async (r) => { await r.text(); return r.status; })));
parentPort.on('message', async (m) => parentPort.postMessage(await round()));
`;

test('the sync lane answers syncs arriving together beyond a turn\'s room: all of them, the rest in later turns', async () => {
  // 100 a turn (SHUZHI_SYNCS_PER_TURN), so 250 syncs need three turns without opening thousands of sockets.
  const t = await startPlatform({ env: { SHUZHI_SYNCS_PER_TURN: '100' } });
  const w = await enrollWorker(t.p, 'karamay', 'turns-a');
  const n = 250;
  const body = JSON.stringify({ slots: 1, free: 0, waitMs: 0, runners: ['shell'], isolation: 'bubblewrap' });
  const client = new Worker(CLIENT, { eval: true, workerData: { url: `${t.url}/api/workers/${w.id}/sync`, credential: w.credential, n, body } });
  const round = () => new Promise<number[]>((resolve) => client.once('message', resolve));
  try {
    const lane = t.p.app.syncLane!;
    const warm = round();
    client.postMessage('warm');
    assert.deepEqual(new Set(await warm), new Set([200]));
    const deferred = lane.turns.stats.deferred;
    // The second round is sent while this thread (the server's) is blocked: it arrives as one poll phase.
    const answers = round();
    client.postMessage('go');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
    const statuses = await answers;
    assert.equal(statuses.length, n);
    assert.deepEqual(new Set(statuses), new Set([200]));
    assert.equal(lane.taken, 2 * n);
    assert.ok(lane.turns.stats.deferred > deferred, `syncs beyond a turn's room waited (${JSON.stringify(lane.turns.stats)})`);
    assert.equal(lane.turns.waitingCount(), 0);
  } finally {
    await client.terminate();
    await t.close();
  }
});

/** As CLIENT, but each sync of a round is abandoned `abortMs` after it was sent (a node whose call timed out). */
const LEAVING_CLIENT = `
const { parentPort, workerData: { url, credential, n, body, abortMs } } = require('node:worker_threads');
const round = (abortMs) => Promise.all(Array.from({ length: n }, () => fetch(url, { method: 'POST', headers: { authorization: 'Bearer ' + credential, 'content-type': 'application/json' }, body, signal: abortMs ? AbortSignal.timeout(abortMs) : undefined }).then(async (r) => { await r.text(); return r.status; }, (e) => e.name)));
parentPort.on('message', async (m) => parentPort.postMessage(await round(m === 'leave' ? abortMs : 0)));
`;

test('a sync whose node went away while it waited for its turn is not run: no answer for nobody', async () => {
  // One sync a turn: all but the first of a burst wait, and their nodes leave meanwhile.
  const t = await startPlatform({ env: { SHUZHI_SYNCS_PER_TURN: '1' } });
  const w = await enrollWorker(t.p, 'karamay', 'turns-b');
  const n = 30;
  const body = JSON.stringify({ slots: 1, free: 0, waitMs: 0, runners: ['shell'], isolation: 'bubblewrap' });
  const client = new Worker(LEAVING_CLIENT, { eval: true, workerData: { url: `${t.url}/api/workers/${w.id}/sync`, credential: w.credential, n, body, abortMs: 300 } });
  const round = () => new Promise<string[]>((resolve) => client.once('message', resolve));
  const hub = t.p.workers;
  const realSync = hub.sync.bind(hub);
  let ran = 0;
  hub.sync = (...args: Parameters<typeof hub.sync>) => {
    ran++;
    return realSync(...args);
  };
  try {
    const lane = t.p.app.syncLane!;
    const warm = round();
    client.postMessage('warm');
    assert.deepEqual(new Set(await warm), new Set([200]));
    const [taken, gone] = [lane.taken, lane.gone];
    ran = 0;
    // Sent while the server's thread is blocked; every node gives up (300 ms) before it is unblocked.
    const answers = round();
    client.postMessage('leave');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
    assert.deepEqual(new Set(await answers), new Set(['TimeoutError']));
    await waitUntil('every sync of the round settled', async () => lane.taken - taken === n && ran + (lane.gone - gone) === n && lane.turns.waitingCount() === 0);
    assert.ok(lane.gone - gone > 0, `syncs whose node left were still run: ran ${ran} of ${n}`);
    // The lane still answers the nodes that stay.
    const again = round();
    client.postMessage('stay');
    assert.deepEqual(new Set(await again), new Set([200]));
  } finally {
    hub.sync = realSync;
    await client.terminate();
    await t.close();
  }
});
