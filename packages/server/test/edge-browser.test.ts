import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { after, before, describe, test } from 'node:test';
import { events } from '../src/db/schema.ts';
import { limitFor } from '../src/http/body-limits.ts';
import { client, login, operatorToken, startPlatform, type TestPlatform } from './helpers.ts';

/**
 * "A hardened edge", browsers and bodies: same-origin writes with the session cookie, security
 * headers on every answer (and the API docs' own policy), Secure cookies, and body budgets — against
 * a real server on loopback. Scene uploads are capped at 4 MiB here to test them without gigabytes.
 */
const MiB = 1024 ** 2;
let t: TestPlatform;
before(async () => {
  t = await startPlatform({ env: { SHUZHI_MAX_UPLOAD_BYTES: String(4 * MiB) } });
});
after(async () => {
  await t.close();
});

const EVIL = 'http://evil.example';
const job = { name: 'edge job', type: 'cpu', units: 4, hours: 1, command: 'echo hi' };

async function raw(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : null };
}

describe('cookie writes must come from the server\'s own pages', () => {
  test('cancelling a job with the session cookie from another origin is refused (403 CSRF_ORIGIN); the job lives on', async () => {
    const cookie = await login(t.url, 'tenant');
    const tenant = client(t.url, { cookie }); // sends the server's own Origin, as the web app does
    const made = await tenant.req('POST', '/api/jobs', job);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const id = made.body.id as string;

    const evil = await raw('POST', `/api/jobs/${id}/cancel`, { cookie, origin: EVIL });
    assert.equal(evil.status, 403);
    assert.match(evil.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(evil.body.code, 'CSRF_ORIGIN');
    assert.match(evil.body.detail, /evil\.example/);

    const refusedHeaders: Record<string, string>[] = [{ cookie }, { cookie, origin: 'null' }, { cookie, origin: 'http://127.0.0.1:1' }, { cookie, referer: `${EVIL}/page` }];
    for (const headers of refusedHeaders) {
      const r = await raw('POST', `/api/jobs/${id}/cancel`, headers);
      assert.equal(r.status, 403, JSON.stringify(headers));
      assert.equal(r.body.code, 'CSRF_ORIGIN');
    }
    assert.notEqual((await tenant.req('GET', `/api/jobs/${id}`)).body.status, 'cancelled');

    // A browser that sends only a Referer from our own page is fine.
    const ok = await raw('POST', `/api/jobs/${id}/cancel`, { cookie, referer: `${t.url}/compute/jobs` });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.status, 'cancelled');
  });

  test('stopping a mine face with the session cookie from another origin is refused before the mine hears of it', async () => {
    const cookie = await login(t.url, 'mine-operator');
    const r = await raw('POST', '/api/mine/faces/edge-face/commands/stop', { cookie, origin: EVIL }, { comment: 'csrf' });
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'CSRF_ORIGIN');
    const audit = await client(t.url, { cookie }).req('GET', '/api/mine/audit?faceId=edge-face');
    assert.deepEqual(audit.body.items, []);
  });

  test('bearer-token calls carry no ambient credential and are exempt', async () => {
    const token = await operatorToken(t.p);
    const made = await raw('POST', '/api/jobs', { authorization: `Bearer ${token}`, origin: EVIL }, { ...job, tenantId: 'tianshan-ai' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const cancelled = await raw('POST', `/api/jobs/${made.body.id}/cancel`, { authorization: `Bearer ${token}` });
    assert.equal(cancelled.status, 200);
  });

  test('logging in or out from a foreign page is refused; a login with no Origin (the CLI) is not', async () => {
    const creds = { username: 'viewer', password: 'viewer-demo' };
    const foreign = await raw('POST', '/api/auth/login', { origin: EVIL }, creds);
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.code, 'CSRF_ORIGIN');
    assert.equal(foreign.headers.get('set-cookie'), null);
    assert.equal((await raw('POST', '/api/auth/login', {}, creds)).status, 200);
    assert.equal((await raw('POST', '/api/auth/login', { origin: t.url }, creds)).status, 200);

    const cookie = await login(t.url, 'viewer');
    assert.equal((await raw('POST', '/api/auth/logout', { cookie, origin: EVIL })).status, 403);
    assert.equal((await raw('GET', '/api/auth/me', { cookie })).status, 200, 'still logged in');
  });
});

describe('security headers', () => {
  const expectHeaders = (h: Headers, what: string) => {
    const csp = h.get('content-security-policy') ?? '';
    for (const d of ["default-src 'self'", "script-src 'self'", "img-src 'self' data: blob:", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'", "object-src 'none'"]) {
      assert.ok(csp.includes(d), `${what}: CSP lacks ${d}: ${csp}`);
    }
    assert.doesNotMatch(/script-src[^;]*/.exec(csp)![0], /unsafe-inline|unsafe-eval|https?:/, `${what}: scripts only from here`);
    assert.equal(h.get('x-content-type-options'), 'nosniff', what);
    assert.equal(h.get('referrer-policy'), 'same-origin', what);
    assert.equal(h.get('x-frame-options'), 'DENY', what);
  };

  test('every response carries them: pages, JSON, problems, refusals', async () => {
    const cookie = await login(t.url, 'tenant');
    const cases: [string, Promise<Response>][] = [
      ['the web root', fetch(`${t.url}/`)],
      ['health', fetch(`${t.url}/api/health`)],
      ['401', fetch(`${t.url}/api/jobs`)],
      ['404', fetch(`${t.url}/api/nothing-here`, { headers: { cookie } })],
      ['403 CSRF', fetch(`${t.url}/api/jobs`, { method: 'POST', headers: { cookie, origin: EVIL } })],
      ['OpenAPI', fetch(`${t.url}/api/openapi.json`)],
    ];
    for (const [what, p] of cases) {
      const r = await p;
      await r.arrayBuffer();
      expectHeaders(r.headers, what);
    }
  });

  test('the session cookie is HttpOnly and SameSite, and not Secure over plain HTTP (X-Forwarded-Proto from an untrusted peer is ignored)', async () => {
    const r = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ username: 'viewer', password: 'viewer-demo' }),
    });
    const c = r.headers.get('set-cookie') ?? '';
    assert.match(c, /HttpOnly/i);
    assert.match(c, /SameSite=Lax/i);
    assert.doesNotMatch(c, /Secure/i);
    assert.equal(r.headers.get('strict-transport-security'), null);
  });

  test('/api/docs still works: Swagger UI from a pinned, integrity-checked CDN copy under its own policy, no inline script', async () => {
    const page = await fetch(`${t.url}/api/docs`);
    assert.equal(page.status, 200);
    const html = await page.text();
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self' https:\/\/cdn\.jsdelivr\.net(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 2);
    for (const [, attrs, body] of scripts) {
      assert.match(attrs!, /src="/, 'no inline script');
      assert.equal(body!.trim(), '');
      if (/cdn\.jsdelivr/.test(attrs!)) {
        assert.match(attrs!, /swagger-ui-dist@\d+\.\d+\.\d+\//, 'a pinned version');
        assert.match(attrs!, /integrity="sha384-[A-Za-z0-9+/=]{64}"/);
        assert.match(attrs!, /crossorigin="anonymous"/);
      }
    }
    assert.match(html, /<link rel="stylesheet" href="https:\/\/cdn\.jsdelivr\.net\/npm\/swagger-ui-dist@[\d.]+\/swagger-ui\.css" integrity="sha384-/);
    const init = await fetch(`${t.url}/api/docs/init.js`);
    assert.equal(init.status, 200);
    assert.match(init.headers.get('content-type') ?? '', /javascript/);
    assert.match(await init.text(), /SwaggerUIBundle\(\{ url: '\/api\/openapi\.json'/);
    const spec = (await (await fetch(`${t.url}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    assert.ok(spec.paths['/api/tokens'] && spec.paths['/api/tokens/{id}']);
  });
});

describe('body limits', () => {
  const tenMB = () => JSON.stringify({ username: 'operator', password: 'x'.repeat(10 * MiB) });
  const chunked = (text: string | Buffer, piece = 64 * 1024) => {
    const buf = Buffer.from(text);
    let at = 0;
    return new ReadableStream<Uint8Array>({
      pull(ctl) {
        if (at >= buf.length) return ctl.close();
        ctl.enqueue(buf.subarray(at, at + piece));
        at += piece;
      },
    });
  };
  const loginFailures = async () => (await t.p.database.db.select().from(events).where(eq(events.kind, 'auth.login_failed'))).length;

  test('10 MB to /api/auth/login: 413 BODY_TOO_LARGE naming the limit, without being parsed', async () => {
    const before = await loginFailures();
    const res = await fetch(`${t.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: tenMB() });
    assert.equal(res.status, 413);
    assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    const body = (await res.json()) as { code: string; detail: string };
    assert.equal(body.code, 'BODY_TOO_LARGE');
    assert.match(body.detail, /16 KiB \(16384 bytes\)/);
    assert.equal(res.headers.get('connection'), 'close', 'the unread rest of the body is not left on a reused connection');

    // Without a Content-Length (chunked), counted as it arrives and cut off at the limit.
    const streamed = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunked(tenMB()),
      duplex: 'half',
    } as RequestInit);
    assert.equal(streamed.status, 413);
    assert.equal(((await streamed.json()) as { code: string }).code, 'BODY_TOO_LARGE');
    assert.equal(await loginFailures(), before, 'no login was attempted');

    const verify = await fetch(`${t.url}/api/public/gov/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(10 * MiB) });
    assert.equal(verify.status, 413);
    assert.match(((await verify.json()) as { detail: string }).detail, /64 KiB/);
  });

  test('JSON API routes take 1 MiB; binary uploads have their own (configurable) budget', async () => {
    const token = await operatorToken(t.p);
    const big = await fetch(`${t.url}/api/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ ...job, tenantId: 'tianshan-ai', command: 'x'.repeat(2 * MiB) }),
    });
    assert.equal(big.status, 413);
    assert.match(((await big.json()) as { detail: string }).detail, /1 MiB/);

    const cookie = await login(t.url, 'tenant2');
    const upload = (body: NonNullable<RequestInit['body']>, extra: RequestInit = {}) =>
      fetch(`${t.url}/api/render/uploads?fileName=scene.blend`, { method: 'POST', headers: { cookie, origin: t.url, 'content-type': 'application/octet-stream' }, body, ...extra } as RequestInit);
    const fits = await upload(Buffer.alloc(3 * MiB, 1));
    assert.equal(fits.status, 201, await fits.clone().text());
    assert.equal(((await fits.json()) as { bytes: number }).bytes, 3 * MiB);

    const over = await upload(Buffer.alloc(5 * MiB, 1));
    assert.equal(over.status, 413);
    const p = (await over.json()) as { code: string; detail: string };
    assert.equal(p.code, 'BODY_TOO_LARGE');
    assert.match(p.detail, /4 MiB/);

    const overStreamed = await upload(chunked(Buffer.alloc(5 * MiB, 1)) as unknown as NonNullable<RequestInit['body']>, { duplex: 'half' } as RequestInit);
    assert.equal(overStreamed.status, 413);
    assert.equal(((await overStreamed.json()) as { code: string }).code, 'BODY_TOO_LARGE');
  });

  test('worker uploads (frames, thumbnails, previews) and syncs get their own budgets', () => {
    const limits = { json: 1, login: 2, public: 3, upload: 4, frame: 5, sync: 6 };
    assert.equal(limitFor('/api/workers/wrk_1/tasks/t_1/frames/12', limits).max, 5);
    assert.equal(limitFor('/api/workers/wrk_1/tasks/t_1/frames/12/thumb', limits).max, 5);
    assert.equal(limitFor('/api/workers/wrk_1/tasks/t_1/preview', limits).max, 5);
    assert.equal(limitFor('/api/workers/wrk_1/sync', limits).max, 6);
    assert.equal(limitFor('/api/render/uploads', limits).max, 4);
    assert.equal(limitFor('/api/auth/login', limits).max, 2);
    assert.equal(limitFor('/api/public/gov/verify', limits).max, 3);
    assert.equal(limitFor('/api/jobs', limits).max, 1);
  });
});
