// How often a worker heartbeats its running tasks: from the leases the server handed out, uncapped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heartbeatInterval } from '../src/worker/worker.ts';

test('a third of the shortest running lease, so two heartbeats may be lost before it runs out', () => {
  assert.equal(heartbeatInterval([30_000]), 10_000);
  assert.equal(heartbeatInterval([30_000, 9_000]), 3_000);
  // A farm that asks for fewer heartbeats with a longer lease gets them: no cap at the old 15 s lease.
  assert.equal(heartbeatInterval([60_000]), 20_000);
});

test("with nothing running, a third of the platform's default lease; never faster than 200 ms", () => {
  assert.equal(heartbeatInterval([]), 10_000);
  assert.equal(heartbeatInterval([300]), 200);
});
