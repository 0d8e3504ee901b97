// The server keeps a worker's connection across the quiet gap between its calls (its heartbeat
// interval), and announces a keep-alive timeout the client gives up before the server does.
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, test } from 'node:test';
import { CLIENT_GIVES_UP_EARLY_MS, keepAliveTimeoutMs } from '../src/http/keep-alive.ts';
import { heartbeatMsOf } from '../src/workers/source.ts';
import { enrollWorker, startPlatform, type TestPlatform } from './helpers.ts';

/** How long a client that honours the announced `Keep-Alive: timeout=N` (whole seconds) keeps an idle socket. */
const clientIdleMs = (keepAliveMs: number) => Math.floor(keepAliveMs / 1000) * 1000 - CLIENT_GIVES_UP_EARLY_MS;

test('for every lease the configuration allows, the client keeps an idle connection longer than a worker stays quiet', () => {
  for (let lease = 500; lease <= 600_000; lease += 500) {
    const quiet = heartbeatMsOf(lease);
    assert.ok(clientIdleMs(keepAliveTimeoutMs(lease)) > quiet, `lease ${lease} ms: heartbeat every ${quiet} ms, a client keeps an idle socket ${clientIdleMs(keepAliveTimeoutMs(lease))} ms`);
  }
  // At the default lease (30 s: a heartbeat every 10 s), the 30 s the server always had.
  assert.equal(keepAliveTimeoutMs(30_000), 30_000);
});

let t: TestPlatform;
// A long lease: a heartbeat every 40 s, longer than the 30 s floor.
const LEASE_MS = 120_000;
before(async () => {
  t = await startPlatform({ leaseMs: LEASE_MS });
});
after(() => t.close());

test("the platform announces its keep-alive timeout in a worker's answers, and the connection carries the worker's next call", async () => {
  const w = await enrollWorker(t.p, 'hami', 'keep-alive');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const sync = () =>
    new Promise<{ status: number; keepAlive: string; reused: boolean }>((resolve, reject) => {
      const req = request(`${t.url}/api/workers/${w.id}/sync`, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${w.credential}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, keepAlive: String(res.headers['keep-alive'] ?? ''), reused: req.reusedSocket }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ slots: 1, free: 0, waitMs: 0, runners: ['shell'], isolation: 'bubblewrap' }));
    });
  const first = await sync();
  assert.equal(first.status, 200);
  const announced = Number(/timeout=(\d+)/.exec(first.keepAlive)?.[1]) * 1000;
  assert.equal(announced, keepAliveTimeoutMs(LEASE_MS));
  assert.ok(clientIdleMs(announced) > heartbeatMsOf(LEASE_MS));
  // A quiet moment, then the next call goes over the same connection.
  await new Promise((r) => setTimeout(r, 300));
  const second = await sync();
  assert.equal(second.status, 200);
  assert.equal(second.reused, true);
  agent.destroy();
});
