import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Hono } from 'hono';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { requestIds } from '../src/ops/request-context.ts';
import { Platform } from '../src/platform.ts';
import { client, login, startPlatform, type TestPlatform } from './helpers.ts';

/** Operations, the operator's surface: liveness, readiness, Prometheus metrics, request ids. */
describe('the operator surface', () => {
  let t: TestPlatform;
  before(async () => {
    t = await startPlatform();
  });
  after(async () => {
    await t.close();
  });

  test('/api/health and /api/ready answer without a login; ready names each check', async () => {
    const health = await fetch(`${t.url}/api/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
    const ready = await fetch(`${t.url}/api/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', checks: { database: 'ok', migrations: 'ok', leader: 'self' } });
  });

  test('/metrics is for operators only', async () => {
    assert.equal((await fetch(`${t.url}/metrics`)).status, 401);
    const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
    assert.equal((await tenant.req('GET', '/metrics')).status, 403);
  });

  test('/metrics counts requests by matched route (never a raw id) and carries every module\'s figures', async () => {
    const operator = await login(t.url, 'operator');
    const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
    for (const id of ['job_does_not_exist_1', 'job_does_not_exist_2']) assert.equal((await tenant.req('GET', `/api/jobs/${id}`)).status, 404);
    const res = await fetch(`${t.url}/metrics`, { headers: { cookie: operator } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    const line = text.split('\n').find((l) => l.startsWith('shuzhi_http_requests_total{') && l.includes('route="/api/jobs/:id"') && l.includes('status="404"'));
    assert.ok(line, 'a series for the matched route /api/jobs/:id with status 404');
    assert.equal(Number(line.split(' ').at(-1)), 2);
    assert.doesNotMatch(text, /job_does_not_exist/);
    for (const name of [
      'shuzhi_http_request_duration_seconds_bucket',
      'shuzhi_compute_tasks',
      'shuzhi_compute_agent_leases 0',
      'shuzhi_workers{state="active"}',
      'shuzhi_render_dispatcher{figure="nodes"}',
      'shuzhi_render_assignments_total 0',
      'shuzhi_gov_tasks',
      'shuzhi_gov_verifications_total{result="valid"} 0',
      'shuzhi_planner_solve_seconds',
      '# HELP shuzhi_mine_link_connected',
      'shuzhi_process_resident_memory_bytes',
    ]) {
      assert.ok(text.includes(name), `metrics carry ${name}`);
    }
  });

  test('every answer carries a request id; a plain one offered by the caller is kept, anything else is replaced', async () => {
    const a = await fetch(`${t.url}/api/health`);
    assert.match(a.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const kept = await fetch(`${t.url}/api/health`, { headers: { 'x-request-id': 'lb-7f3a9c21' } });
    assert.equal(kept.headers.get('x-request-id'), 'lb-7f3a9c21');
    const forged = await fetch(`${t.url}/api/health`, { headers: { 'x-request-id': 'x" level=fatal msg="forged' } });
    assert.match(forged.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const problem = await fetch(`${t.url}/api/no-such-route`, { headers: { 'x-request-id': 'trace-0000000001' } });
    assert.equal(problem.status, 401);
    assert.equal(((await problem.json()) as { requestId?: string }).requestId, 'trace-0000000001');
  });
});

test('each log line written while serving a request carries its id; lines outside a request do not', async () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const log = createLogger('info', sink);
  const app = new Hono();
  app.use('*', requestIds());
  app.get('/work', async (c) => {
    await new Promise((r) => setTimeout(r, 5));
    log.info('inside');
    return c.text('ok');
  });
  const res = await app.request('/work', { headers: { 'x-request-id': 'req-abcdef12' } });
  log.info('outside');
  await new Promise((r) => setImmediate(r));
  assert.equal(res.headers.get('x-request-id'), 'req-abcdef12');
  assert.equal(lines.find((l) => l.msg === 'inside')?.reqId, 'req-abcdef12');
  assert.equal(lines.find((l) => l.msg === 'outside')?.reqId, undefined);
});

test('readiness says not ready, and why, when the database does not answer', async () => {
  const p = await Platform.open({ config: loadConfig({ LOG_LEVEL: 'silent', SHUZHI_DATA_DIR: '/tmp/shuzhi-ready-unused' }), memory: true });
  assert.equal((await p.readiness()).ready, true);
  await p.database.close();
  const r = await p.readiness();
  assert.equal(r.ready, false);
  assert.match(r.checks.database, /^unreachable: /);
});
