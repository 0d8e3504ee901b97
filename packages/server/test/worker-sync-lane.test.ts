import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { WorkerSyncLane } from '../src/http/worker-sync-lane.ts';
import { enrollWorker, startPlatform } from './helpers.ts';

/**
 * One sync as raw HTTP: with a Content-Length (the worker sync lane takes it) or chunked (the lane leaves
 * it to the app), so both ways can be compared on the same calls.
 */
function rawSync(url: string, path: string, credential: string, body: string, how: 'lane' | 'app'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${credential}` };
    if (how === 'lane') headers['content-length'] = String(Buffer.byteLength(body));
    else headers['transfer-encoding'] = 'chunked';
    const req = request(`${url}${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('the worker sync lane answers as the app does: the same statuses, codes and security headers, ok or refused', async () => {
  const t = await startPlatform();
  try {
    const lane = t.p.app.syncLane;
    assert.ok(lane, 'a single server without an https public URL has the lane');
    const a = await enrollWorker(t.p, 'karamay', 'lane-a');
    const b = await enrollWorker(t.p, 'karamay', 'lane-b');
    const ok = JSON.stringify({ slots: 1, free: 0, waitMs: 0, runners: ['shell'], isolation: 'bubblewrap' });
    const cases: { what: string; path: string; credential: string; body: string; status: number; code?: string; field?: string }[] = [
      { what: 'a plain sync', path: `/api/workers/${a.id}/sync`, credential: a.credential, body: ok, status: 200 },
      { what: 'a body that is not JSON', path: `/api/workers/${a.id}/sync`, credential: a.credential, body: '{"slots":', status: 400, code: 'BAD_REQUEST' },
      { what: 'a field out of range', path: `/api/workers/${a.id}/sync`, credential: a.credential, body: JSON.stringify({ ...JSON.parse(ok), free: -1 }), status: 400, code: 'VALIDATION_FAILED', field: 'free' },
      { what: "another worker's path", path: `/api/workers/${b.id}/sync`, credential: a.credential, body: ok, status: 403, code: 'WORKER_SCOPE' },
      { what: 'an unknown credential', path: `/api/workers/${a.id}/sync`, credential: `szw.${a.id}.${'x'.repeat(32)}`, body: ok, status: 401, code: 'WORKER_CREDENTIAL_INVALID' },
    ];
    for (const c of cases) {
      const viaLane = await rawSync(t.url, c.path, c.credential, c.body, 'lane');
      const viaApp = await rawSync(t.url, c.path, c.credential, c.body, 'app');
      for (const [how, r] of [['lane', viaLane], ['app', viaApp]] as const) {
        assert.equal(r.status, c.status, `${c.what} (${how}): ${JSON.stringify(r.json)}`);
        if (c.code) assert.equal(r.json.code, c.code, `${c.what} (${how})`);
        if (c.field) assert.ok(r.json.errors.some((e: { path: string }) => e.path === c.field), `${c.what} (${how}) names the field`);
        assert.equal(r.headers['x-content-type-options'], 'nosniff', `${c.what} (${how})`);
        assert.equal(r.headers['x-frame-options'], 'DENY', `${c.what} (${how})`);
        assert.ok(r.headers['content-security-policy'], `${c.what} (${how})`);
        assert.match(String(r.headers['x-request-id']), /^[A-Za-z0-9._:-]{8,64}$/, `${c.what} (${how})`);
      }
      assert.equal(viaLane.headers['content-security-policy'], viaApp.headers['content-security-policy'], c.what);
      if (c.status === 200) assert.deepEqual(viaLane.json, viaApp.json, c.what);
    }
    assert.equal(lane.taken, cases.length, 'the lane took the calls with a Content-Length, and only those');
  } finally {
    await t.close();
  }
});

test('with replicas the lane answers only on the leader: on a follower it leaves the sync to the app, which passes it on', () => {
  let leader = false;
  const lane = new WorkerSyncLane({
    hub: null as never,
    log: null as never,
    metrics: null as never,
    maxBytes: 1 << 20,
    syncsPerTurn: 100,
    safetyHeaders: {},
    answersHere: () => leader,
  });
  const body = '{}';
  const req = {
    method: 'POST',
    url: '/api/workers/wrk_abc/sync',
    headers: { authorization: 'Bearer szw.wrk_abc.secret', 'content-type': 'application/json', 'content-length': String(body.length) },
  };
  assert.equal(lane.take(req as never, null as never), null, 'a follower: the app takes it');
  assert.equal(lane.taken, 0);
  leader = true;
  // Taken now (the answer itself needs the real hub: the first test covers it).
  const chunked = { ...req, headers: { ...req.headers, 'content-length': undefined, 'transfer-encoding': 'chunked' } };
  assert.equal(lane.take(chunked as never, null as never), null, 'a chunked body goes to the app, leader or not');
});
