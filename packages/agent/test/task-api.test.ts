// The task API's retries (a network error, a 502/503/504): jittered waits whose ceiling doubles, so the
// nodes of a job that lost the server together do not come back at the same instants. The waits go
// through a fake clock that records them and returns at once; the draws come from a seeded generator.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { retryCeiling } from '../src/worker/pacing.ts';
import { TaskApi, WorkerError } from '../src/index.ts';
import { CREDENTIAL, FakeServer, WORKER_ID, renderWork, seeded } from './helpers.ts';

let server: FakeServer;
beforeEach(async () => {
  server = await new FakeServer().start();
});
afterEach(() => server.close());

const RETRY = { tries: 3, firstMs: 500, maxMs: 2000 };

/** A node's task API whose retries wait on a fake clock: the waits it asked for, in order. */
function nodeApi(url: string, seed: number) {
  const waits: number[] = [];
  const api = new TaskApi({ ...nodeOptions(url, seed), wait: async (ms) => void waits.push(ms) });
  return { api, waits };
}

const nodeOptions = (url: string, seed: number) => ({ server: url, credential: CREDENTIAL, workerId: WORKER_ID, taskId: 'rjob_1.0', attempt: 1, retry: RETRY, random: seeded(seed) });

test('a call the server keeps answering 503 is retried three times, each wait drawn from the upper half of a ceiling that doubles, then fails typed', async () => {
  server.failWith = 503;
  const { api, waits } = nodeApi(server.url, 1);
  await assert.rejects(api.published(), (err: unknown) => err instanceof WorkerError && err.code === 'TASK_API_FAILED' && /503/.test(err.message));
  assert.equal(waits.length, RETRY.tries);
  waits.forEach((ms, i) => {
    const ceiling = retryCeiling(i + 1, RETRY);
    assert.ok(ms >= ceiling / 2 && ms <= ceiling, `retry ${i + 1} waited ${ms} ms, outside [${ceiling / 2}, ${ceiling}]`);
  });
});

test('nodes that fail together retry at different moments (no fixed waits), and each still within its ceiling', async () => {
  server.failWith = 502;
  // Seeds far apart (neighbouring seeds give this generator near-equal first draws; agents use Math.random).
  const nodes = Array.from({ length: 20 }, (_, i) => nodeApi(server.url, Math.imul(i + 1, 0x9e3779b9)));
  await Promise.all(nodes.map((n) => assert.rejects(n.api.published())));
  for (let retry = 0; retry < RETRY.tries; retry++) {
    const at = nodes.map((n) => n.waits[retry]!);
    // Fixed waits would put all 20 at one instant; jitter spreads them over the ceiling's upper half.
    assert.ok(new Set(at).size >= 15, `retry ${retry + 1}: only ${new Set(at).size} distinct waits among 20 nodes: ${at.join(', ')}`);
  }
});

test('a call retried while the server recovers succeeds; a connection refused (the server gone) backs off the same way', async () => {
  const work = renderWork('rjob_1.0');
  server.leases.set(`render:${work.taskId}:${work.attempt}`, work);
  server.failWith = 503;
  const waits: number[] = [];
  // The server recovers during the second wait: the third try is answered.
  const recovering = new TaskApi({
    ...nodeOptions(server.url, 3),
    wait: async (ms) => {
      waits.push(ms);
      if (waits.length === 2) server.failWith = null;
    },
  });
  assert.deepEqual(await recovering.published(), []);
  assert.equal(waits.length, 2);
  // A port nobody listens on: every try is refused before any HTTP is spoken.
  const url = server.url;
  await server.close();
  const gone = nodeApi(url, 4);
  await assert.rejects(gone.api.published(), (err: unknown) => err instanceof WorkerError && err.code === 'TASK_API_FAILED');
  assert.equal(gone.waits.length, RETRY.tries);
  gone.waits.forEach((ms, i) => assert.ok(ms >= retryCeiling(i + 1, RETRY) / 2 && ms <= retryCeiling(i + 1, RETRY)));
});
