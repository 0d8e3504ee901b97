// The follower's side of the replicas: which routes need the leader, and how they are passed on (or
// refused with 503 while no leader answers). No database: the route decision is given.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Hono } from 'hono';
import { FORWARDED_BY, forwardToLeader, needsLeader, type LeaderRoute } from '../src/replicas/forward.ts';
import { problemResponse } from '../src/http/problem.ts';
import { createLogger } from '../src/log.ts';
import type { Env } from '../src/http/context.ts';

let leaderUrl = '';
let seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
const leader = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    res.writeHead(207, { 'content-type': 'application/json', 'x-from': 'leader' });
    res.end(JSON.stringify({ echoed: body.length }));
  });
});

before(async () => {
  await new Promise<void>((r) => leader.listen(0, '127.0.0.1', r));
  leaderUrl = `http://127.0.0.1:${(leader.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => leader.close(() => r())));

function app(route: () => LeaderRoute) {
  const a = new Hono<Env>();
  a.onError((err, c) => problemResponse(c, err, createLogger('silent')));
  a.use('*', forwardToLeader({ route, replicaId: 'replica-b', retryAfterS: 3 }));
  a.all('*', (c) => c.json({ local: true }));
  return a;
}

test('leader-only routes: the worker protocol, jobs, sites, overview, render, mine, planner; not login, SSE, gov, billing', () => {
  for (const p of ['/api/workers/wrk_1/sync', '/api/workers', '/api/jobs', '/api/jobs/job_1/cancel', '/api/sites/x', '/api/overview', '/api/render/jobs', '/api/mine/faces/f/commands/start', '/api/planner/settings']) {
    assert.equal(needsLeader(p), true, p);
  }
  for (const p of ['/api/auth/login', '/api/events', '/api/gov/items', '/api/billing/wallet', '/api/regions', '/api/health', '/', '/render']) {
    assert.equal(needsLeader(p), false, p);
  }
});

test('on the leader, and for routes any replica answers, the request is served here', async () => {
  const onLeader = app(() => ({ local: true }));
  assert.deepEqual(await (await onLeader.request('/api/jobs')).json(), { local: true });
  const follower = app(() => ({ local: false, url: leaderUrl, why: 'test' }));
  assert.deepEqual(await (await follower.request('/api/regions')).json(), { local: true });
});

test('a follower passes the request on with its method, path, query, headers and body, and streams the answer back', async () => {
  seen = [];
  const follower = app(() => ({ local: false, url: leaderUrl, why: 'test' }));
  const body = JSON.stringify({ slots: 1, pad: 'x'.repeat(100_000) });
  const res = await follower.request('/api/workers/wrk_1/sync?x=1', {
    method: 'POST',
    headers: { authorization: 'Bearer szw.wrk_1.secret', 'content-type': 'application/json', host: 'shuzhi.example.cn', cookie: 'sz=1' },
    body,
  });
  assert.equal(res.status, 207);
  assert.equal(res.headers.get('x-from'), 'leader');
  assert.deepEqual(await res.json(), { echoed: body.length });
  const got = seen[0]!;
  assert.equal(got.method, 'POST');
  assert.equal(got.url, '/api/workers/wrk_1/sync?x=1');
  assert.equal(got.headers.authorization, 'Bearer szw.wrk_1.secret', 'the leader authenticates the caller itself');
  assert.equal(got.headers.host, 'shuzhi.example.cn', 'the Host the client used (same-origin checks)');
  assert.equal(got.headers.cookie, 'sz=1');
  assert.equal(got.headers[FORWARDED_BY], 'replica-b');
  assert.equal(got.body, body);
});

test('no leader known, a dead leader, or a second hop: 503 LEADER_UNAVAILABLE with Retry-After', async () => {
  const none = await app(() => ({ local: false, url: null, why: 'no replica holds the leader lease' })).request('/api/jobs');
  assert.equal(none.status, 503);
  assert.equal(none.headers.get('retry-after'), '3');
  assert.equal(((await none.json()) as { code: string }).code, 'LEADER_UNAVAILABLE');

  const dead = await app(() => ({ local: false, url: 'http://127.0.0.1:1', why: 'test' })).request('/api/jobs');
  assert.equal(dead.status, 503);
  assert.match(((await dead.json()) as { detail: string }).detail, /did not answer/);

  seen = [];
  const twice = await app(() => ({ local: false, url: leaderUrl, why: 'stale lease' })).request('/api/jobs', { headers: { [FORWARDED_BY]: 'replica-a' } });
  assert.equal(twice.status, 503);
  assert.equal(seen.length, 0, 'never passed on a second time (no loops between replicas)');
});
