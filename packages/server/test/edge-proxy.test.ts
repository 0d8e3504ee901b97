import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { client, login, startPlatform, type TestPlatform } from './helpers.ts';

/**
 * "A hardened edge" behind a reverse proxy: the test itself plays the proxy at 127.0.0.1, which the
 * server is told to trust. X-Forwarded-* are then believed (and only from it); per-address login
 * throttling, the audit, Secure cookies and the same-origin check follow what the proxy says.
 * Short login locks (2 s) let the backoff be watched.
 */
const PUBLIC = 'https://shuzhi.example.cn';
let t: TestPlatform;
before(async () => {
  t = await startPlatform({
    fundTenants: false,
    env: {
      SHUZHI_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8',
      SHUZHI_PUBLIC_URL: PUBLIC,
      SHUZHI_LOGIN_LOCK_SECONDS: '2',
      SHUZHI_LOGIN_MAX_FAILURES_PER_ADDRESS: '12',
    },
  });
});
after(async () => {
  await t.close();
});

const loginFrom = (address: string, username: string, password: string, headers: Record<string, string> = {}) =>
  fetch(`${t.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address, ...headers },
    body: JSON.stringify({ username, password }),
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('login throttling with backoff', () => {
  test('each failure past the budget doubles the lock; a successful login resets the account', async () => {
    const from = '198.51.100.1';
    for (let i = 1; i <= 5; i++) assert.equal((await loginFrom(from, 'programme', 'wrong')).status, 401, `failure ${i}`);
    const locked = await loginFrom(from, 'programme', 'programme-demo');
    assert.equal(locked.status, 429);
    const first = Number(locked.headers.get('retry-after'));
    assert.ok(first >= 1 && first <= 2, `first lock ${first} s`);

    await sleep(first * 1000 + 100);
    assert.equal((await loginFrom(from, 'programme', 'wrong')).status, 401, 'one guess after the lock');
    const longer = await loginFrom(from, 'programme', 'programme-demo');
    assert.equal(longer.status, 429);
    const second = Number(longer.headers.get('retry-after'));
    assert.ok(second >= 3 && second <= 4, `the lock doubled to 4 s: ${second}`);

    await sleep(second * 1000 + 100);
    assert.equal((await loginFrom(from, 'programme', 'programme-demo')).status, 200);
    // The success forgot the account's failures: four more wrong ones do not lock it (without the
    // reset the first of them would have locked it for 8 s).
    for (let i = 1; i <= 4; i++) assert.equal((await loginFrom(from, 'programme', 'wrong')).status, 401, `after reset ${i}`);
    assert.equal((await loginFrom(from, 'programme', 'programme-demo')).status, 200);
  });

  test('per address: a password spray over many accounts locks the address, not the accounts', async () => {
    const spray = '203.0.113.7';
    for (let i = 1; i <= 12; i++) assert.equal((await loginFrom(spray, `spray-${i}`, 'Summer2025!')).status, 401);
    const r = await loginFrom(spray, 'officer', 'officer-demo');
    assert.equal(r.status, 429);
    const body = (await r.json()) as { code: string; detail: string };
    assert.equal(body.code, 'LOGIN_THROTTLED');
    assert.match(body.detail, /from your address/);
    assert.equal((await loginFrom('203.0.113.8', 'officer', 'officer-demo')).status, 200, 'another address is not locked');
  });
});

describe('client addresses behind a trusted proxy', () => {
  test('the address is the first untrusted hop from the right of X-Forwarded-For, not what the client prepends', async () => {
    // The client sent "X-Forwarded-For: 6.6.6.6"; our proxies (10.1.2.3, then 127.0.0.1) appended theirs.
    assert.equal((await loginFrom('6.6.6.6, 198.51.100.9, 10.1.2.3', 'window', 'wrong')).status, 401);
    const viewer = client(t.url, { cookie: await login(t.url, 'viewer') });
    const audit = await viewer.req('GET', '/api/mine/audit?action=login-failed&user=window');
    assert.equal(audit.body.items[0].origin, '198.51.100.9');

    const cookie = await login(t.url, 'viewer');
    await fetch(`${t.url}/api/mine/faces/proxy-face/commands/start`, {
      method: 'POST',
      headers: { cookie, origin: t.url, 'x-forwarded-for': '6.6.6.6, 198.51.100.10' },
    });
    const cmd = await viewer.req('GET', '/api/mine/audit?faceId=proxy-face');
    assert.equal(cmd.body.items[0].origin, '198.51.100.10');
  });
});

describe('browser safety behind a TLS-terminating proxy', () => {
  test('the session cookie is Secure with an https public URL; HSTS when the trusted proxy says the browser spoke HTTPS', async () => {
    const r = await loginFrom('198.51.100.20', 'citizen', 'citizen-demo', { 'x-forwarded-proto': 'https' });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('set-cookie') ?? '', /;\s*Secure/i);
    assert.match(r.headers.get('set-cookie') ?? '', /HttpOnly/i);
    assert.match(r.headers.get('set-cookie') ?? '', /SameSite=Lax/i);
    assert.equal(r.headers.get('strict-transport-security'), 'max-age=31536000', 'HSTS over HTTPS');
    const plain = await fetch(`${t.url}/api/health`, { headers: { 'x-forwarded-for': '198.51.100.20' } });
    assert.equal(plain.headers.get('strict-transport-security'), null, 'no HSTS on a plain-HTTP answer');
  });

  test('a cookie write from the public URL passes the same-origin check; one from elsewhere does not', async () => {
    const cookie = await login(t.url, 'tenant');
    const tokens = (origin: string) =>
      fetch(`${t.url}/api/tokens`, {
        method: 'POST',
        headers: { cookie, origin, 'content-type': 'application/json', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shuzhi.example.cn' },
        body: JSON.stringify({ name: 'from the public page' }),
      });
    assert.equal((await tokens(PUBLIC)).status, 201);
    const evil = await tokens('https://evil.example.cn');
    assert.equal(evil.status, 403);
    assert.equal(((await evil.json()) as { code: string }).code, 'CSRF_ORIGIN');
  });
});
