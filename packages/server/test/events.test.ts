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

/**
 * Reads an SSE stream into a list of parsed `data:` payloads until stopped. `opened` settles once the
 * stream answered (and rejects if it did not answer 200 with an event stream); any failure of the
 * reader other than our own abort is rethrown by `stop()`, so an assertion here cannot be lost.
 */
function listen(cookie: string) {
  const ac = new AbortController();
  const seen: { kind: string; entityId: string; tenantId?: string }[] = [];
  let markOpen!: () => void;
  const opened = new Promise<void>((resolve) => (markOpen = resolve));
  const done = (async () => {
    const res = await fetch(`${t.url}/api/events`, { headers: { cookie }, signal: ac.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    markOpen();
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
  })().catch((err: unknown) => {
    if (ac.signal.aborted) return;
    throw err;
  });
  return {
    seen,
    // A stream that failed before opening rejects here instead of leaving the test waiting.
    opened: Promise.race([opened, done.then(() => Promise.reject(new Error('the event stream ended before it opened')))]),
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}

test('live events reach their tenant and staff, never another tenant', async () => {
  const a = listen(await login(t.url, 'tenant'));
  const b = listen(await login(t.url, 'tenant2'));
  const op = listen(await login(t.url, 'operator'));
  await Promise.all([a.opened, b.opened, op.opened]);
  const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
  const job = await tenant.req('POST', '/api/jobs', { name: 'sse', type: 'cpu', units: 1, hours: 1, command: 'true' });
  assert.equal(job.status, 201);
  await waitUntil('tenant event', async () => a.seen.some((e) => e.entityId === job.body.id));
  await waitUntil('operator event', async () => op.seen.some((e) => e.entityId === job.body.id));
  // tenant2's own job, submitted after: once its event arrived, tenant's would have arrived before it
  // (one stream, in order) — so b's silence about tenant's job is a real "never", not "not yet".
  const tenant2 = client(t.url, { cookie: await login(t.url, 'tenant2') });
  const own = await tenant2.req('POST', '/api/jobs', { name: 'sse-2', type: 'cpu', units: 1, hours: 1, command: 'true' });
  assert.equal(own.status, 201);
  await waitUntil('tenant2 sees its own event', async () => b.seen.some((e) => e.entityId === own.body.id));
  assert.ok(!b.seen.some((e) => e.entityId === job.body.id), 'another tenant saw the event');
  assert.ok(a.seen.every((e) => !('tenantId' in e)), 'events do not carry the tenant field to the browser');
  await Promise.all([a.stop(), b.stop(), op.stop()]);
});

test('a stream that does not open fails the test that listens to it (the reader does not swallow it)', async () => {
  const bad = listen('shuzhi_session=not-a-session');
  await assert.rejects(bad.opened, /401|200/);
  await assert.rejects(bad.stop(), /401|200/);
});

test('the event stream needs a login', async () => {
  const r = await fetch(`${t.url}/api/events`);
  assert.equal(r.status, 401);
});
