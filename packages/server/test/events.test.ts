import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { client, login, startPlatform, waitUntil, type TestPlatform } from './helpers.ts';

let t: TestPlatform;
before(async () => {
  t = await startPlatform();
});
after(async () => {
  await t.close();
});

/** Reads an SSE stream into a list of parsed `data:` payloads until aborted. */
function listen(cookie: string) {
  const ac = new AbortController();
  const seen: { kind: string; entityId: string; tenantId?: string }[] = [];
  const done = (async () => {
    const res = await fetch(`${t.url}/api/events`, { headers: { cookie }, signal: ac.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += new TextDecoder().decode(value);
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const chunk = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = chunk.split('\n').find((l) => l.startsWith('data:'));
        if (data) seen.push(JSON.parse(data.slice(5)));
      }
    }
  })().catch(() => undefined);
  return { seen, stop: async () => (ac.abort(), done) };
}

test('live events reach their tenant and staff, never another tenant', async () => {
  const a = listen(await login(t.url, 'tenant'));
  const b = listen(await login(t.url, 'tenant2'));
  const op = listen(await login(t.url, 'operator'));
  await new Promise((r) => setTimeout(r, 300));
  const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
  const job = await tenant.req('POST', '/api/jobs', { name: 'sse', type: 'cpu', units: 1, hours: 1, command: 'true' });
  assert.equal(job.status, 201);
  await waitUntil('tenant event', async () => a.seen.some((e) => e.entityId === job.body.id));
  await waitUntil('operator event', async () => op.seen.some((e) => e.entityId === job.body.id));
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!b.seen.some((e) => e.entityId === job.body.id), 'another tenant saw the event');
  assert.ok(a.seen.every((e) => !('tenantId' in e)), 'events do not carry the tenant field to the browser');
  await Promise.all([a.stop(), b.stop(), op.stop()]);
});

test('the event stream needs a login', async () => {
  const r = await fetch(`${t.url}/api/events`);
  assert.equal(r.status, 401);
});
