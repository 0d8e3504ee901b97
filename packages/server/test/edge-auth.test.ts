import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { after, before, describe, test } from 'node:test';
import { apiTokens } from '../src/db/schema.ts';
import { client, login, startPlatform, type TestPlatform } from './helpers.ts';

/**
 * "A hardened edge", authentication: login throttling, API tokens that expire and can be listed and
 * revoked, logout, and client addresses in the audit — against a real server on loopback with the
 * default configuration (no trusted proxies). edge-proxy.test.ts covers a server behind a proxy.
 */
let t: TestPlatform;
before(async () => {
  t = await startPlatform({ fundTenants: false });
});
after(async () => {
  await t.close();
});

const loginAs = (username: string, password: string, headers: Record<string, string> = {}) =>
  fetch(`${t.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username, password }),
  });

async function newToken(cookie: string, body: Record<string, unknown> = { name: 'edge test' }) {
  return client(t.url, { cookie }).req('POST', '/api/tokens', body);
}

describe('login throttling', () => {
  test('50 wrong passwords in a burst, then the right one: refused with 429 LOGIN_THROTTLED and Retry-After', async () => {
    // Concurrent, so the throttle is tested against interleaved checks (its window is minutes, far longer than the burst).
    const burst = await Promise.all(Array.from({ length: 50 }, () => loginAs('programme', 'guess')));
    const statuses = burst.map((r) => r.status);
    // However they interleave, at most the budget (5) of them was checked against the password.
    assert.ok(statuses.filter((s) => s === 401).length <= 5, `checked: ${statuses.join(',')}`);
    assert.ok(statuses.every((s) => s === 401 || s === 429), statuses.join(','));

    const right = await loginAs('programme', 'programme-demo');
    assert.equal(right.status, 429);
    assert.match(right.headers.get('content-type') ?? '', /application\/problem\+json/);
    const retry = Number(right.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 15 * 60, `Retry-After ${right.headers.get('retry-after')}`);
    const body = (await right.json()) as { code: string; detail: string };
    assert.equal(body.code, 'LOGIN_THROTTLED');
    assert.match(body.detail, /try again in \d+ s/);
    assert.equal(right.headers.get('set-cookie'), null);
  });

  test('the lock is per account: another account from the same address still logs in', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await loginAs('supervisor', 'wrong')).status, 401);
    assert.equal((await loginAs('supervisor', 'supervisor-demo')).status, 429);
    assert.equal((await loginAs('enterprise', 'enterprise-demo')).status, 200);
  });

  test('an unknown username is throttled like a real one (the answer does not tell which exist)', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await loginAs('nobody-here', 'x')).status, 401);
    const r = await loginAs('nobody-here', 'x');
    assert.equal(r.status, 429);
    assert.equal(((await r.json()) as { code: string }).code, 'LOGIN_THROTTLED');
  });
});

describe('client addresses', () => {
  test('X-Forwarded-For from a peer that is not a trusted proxy is ignored by the login audit', async () => {
    const r = await loginAs('window', 'wrong', { 'x-forwarded-for': '6.6.6.6' });
    assert.equal(r.status, 401);
    const viewer = client(t.url, { cookie: await login(t.url, 'viewer') });
    const audit = await viewer.req('GET', '/api/mine/audit?action=login-failed&user=window');
    assert.equal(audit.status, 200);
    const entry = audit.body.items[0];
    assert.equal(entry.user, 'window');
    assert.equal(entry.origin, '127.0.0.1');
  });

  test('X-Forwarded-For from a peer that is not a trusted proxy is ignored by the mine command audit', async () => {
    const cookie = await login(t.url, 'viewer');
    const viewer = client(t.url, { cookie });
    const res = await fetch(`${t.url}/api/mine/faces/edge-face/commands/stop`, {
      method: 'POST',
      headers: { cookie, origin: t.url, 'x-forwarded-for': '6.6.6.6, 7.7.7.7' },
    });
    assert.equal(res.status, 403); // a viewer may not command: refused, and audited
    const audit = await viewer.req('GET', '/api/mine/audit?faceId=edge-face');
    const entry = audit.body.items.find((e: { action: string }) => e.action === 'command.stop');
    assert.ok(entry, JSON.stringify(audit.body));
    assert.equal(entry.result, 'forbidden');
    assert.equal(entry.origin, '127.0.0.1');
  });
});

describe('API tokens', () => {
  test('a token expires after expiresInDays (default 90, at most 365) and is refused once expired', async () => {
    const cookie = await login(t.url, 'tenant');
    const dflt = await newToken(cookie);
    assert.equal(dflt.status, 201);
    const days = (iso: string) => (Date.parse(iso) - Date.now()) / 86_400_000;
    assert.ok(Math.abs(days(dflt.body.expiresAt) - 90) < 0.01, dflt.body.expiresAt);

    const week = await newToken(cookie, { name: 'a week', expiresInDays: 7 });
    assert.equal(week.status, 201);
    assert.ok(Math.abs(days(week.body.expiresAt) - 7) < 0.01);

    for (const bad of [0, 366, 1.5]) {
      const r = await newToken(cookie, { name: 'too long', expiresInDays: bad });
      assert.equal(r.status, 400, String(bad));
      assert.equal(r.body.code, 'VALIDATION_FAILED');
      assert.equal(r.body.errors[0].path, 'expiresInDays');
    }

    // Age the week token past its end: it stops working.
    await t.p.database.db.update(apiTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(apiTokens.id, week.body.id));
    const used = await client(t.url, { token: week.body.token }).req('GET', '/api/auth/me');
    assert.equal(used.status, 401);
    assert.equal(used.body.code, 'AUTH_INVALID');
    const fresh = await client(t.url, { token: dflt.body.token }).req('GET', '/api/auth/me');
    assert.equal(fresh.status, 200);
  });

  test('GET /api/tokens lists the caller\'s own tokens, never a secret', async () => {
    const cookie = await login(t.url, 'tenant2');
    const made = await newToken(cookie, { name: 'studio cli', expiresInDays: 30 });
    const other = await newToken(await login(t.url, 'tenant'), { name: 'someone else' });
    const tok = client(t.url, { token: made.body.token });
    assert.equal((await tok.req('GET', '/api/auth/me')).status, 200);

    const list = await tok.req('GET', '/api/tokens');
    assert.equal(list.status, 200);
    const mine = list.body.items.find((x: { id: string }) => x.id === made.body.id);
    assert.ok(mine, JSON.stringify(list.body));
    assert.equal(mine.name, 'studio cli');
    assert.equal(mine.username, 'tenant2');
    assert.equal(mine.expiresAt, made.body.expiresAt);
    assert.ok(mine.createdAt);
    assert.ok(mine.lastUsedAt, 'used once: lastUsedAt is set');
    assert.ok(!list.body.items.some((x: { id: string }) => x.id === other.body.id), 'another user\'s token is not listed');
    const text = JSON.stringify(list.body);
    assert.ok(!text.includes(made.body.token) && !/"token"/.test(text), 'no secret in the list');

    const all = await tok.req('GET', '/api/tokens?all=1');
    assert.equal(all.status, 403);
    const op = client(t.url, { cookie: await login(t.url, 'operator') });
    const everyone = await op.req('GET', '/api/tokens?all=1');
    assert.ok(everyone.body.items.some((x: { id: string }) => x.id === made.body.id));
  });

  test('DELETE /api/tokens/{id} revokes at once, even a token the server has just cached; others get 404; operators may revoke anyone\'s', async () => {
    const tenantCookie = await login(t.url, 'tenant');
    const a = (await newToken(tenantCookie, { name: 'to revoke' })).body;
    const b = (await newToken(tenantCookie, { name: 'operator revokes' })).body;
    const asA = client(t.url, { token: a.token });
    assert.equal((await asA.req('GET', '/api/auth/me')).status, 200); // now in the token cache

    const stranger = client(t.url, { cookie: await login(t.url, 'tenant2') });
    const theirs = await stranger.req('DELETE', `/api/tokens/${a.id}`);
    assert.equal(theirs.status, 404);
    assert.equal(theirs.body.code, 'TOKEN_NOT_FOUND');
    assert.equal((await asA.req('GET', '/api/auth/me')).status, 200);

    const revoked = await client(t.url, { cookie: tenantCookie }).req('DELETE', `/api/tokens/${a.id}`);
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.id, a.id);
    const after = await asA.req('GET', '/api/auth/me');
    assert.equal(after.status, 401, 'refused at once, not after the cache period');
    assert.equal((await client(t.url, { cookie: tenantCookie }).req('DELETE', `/api/tokens/${a.id}`)).status, 404);

    const asB = client(t.url, { token: b.token });
    assert.equal((await asB.req('GET', '/api/auth/me')).status, 200);
    const op = client(t.url, { cookie: await login(t.url, 'operator') });
    assert.equal((await op.req('DELETE', `/api/tokens/${b.id}`)).status, 200);
    assert.equal((await asB.req('GET', '/api/auth/me')).status, 401);

    // A token may revoke itself (shuzhi tokens revoke with the token in use).
    const c = (await newToken(tenantCookie, { name: 'self' })).body;
    const asC = client(t.url, { token: c.token });
    assert.equal((await asC.req('DELETE', `/api/tokens/${c.id}`)).status, 200);
    assert.equal((await asC.req('GET', '/api/tokens')).status, 401);
  });

  test('logout deletes the session and clears the cookie', async () => {
    const cookie = await login(t.url, 'citizen');
    const me = client(t.url, { cookie });
    assert.equal((await me.req('GET', '/api/auth/me')).status, 200);
    const out = await fetch(`${t.url}/api/auth/logout`, { method: 'POST', headers: { cookie, origin: t.url } });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie') ?? '', /shuzhi_session=;.*Max-Age=0/i);
    const again = await me.req('GET', '/api/auth/me');
    assert.equal(again.status, 401, 'the old cookie value is dead on the server, not just forgotten by the browser');
  });
});

describe('CLI', () => {
  const run = promisify(execFile);
  const bin = fileURLToPath(new URL('../bin/shuzhi.mjs', import.meta.url));
  const shuzhi = (args: string[], env: Record<string, string>) =>
    run(process.execPath, [bin, ...args], { env: { ...process.env, SHUZHI_SERVER: t.url, ...env } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  test('shuzhi login prints a token; shuzhi tokens list shows it; shuzhi tokens revoke ends it', async () => {
    const li = await shuzhi(['login', '--username', 'tenant', '--name', 'edge cli', '--days', '10'], { SHUZHI_PASSWORD: 'tenant-demo' });
    assert.equal(li.code, 0, li.stderr);
    const token = /export SHUZHI_TOKEN=(\S+)/.exec(li.stdout)?.[1];
    assert.ok(token, li.stdout);
    assert.match(li.stderr, /valid until \d{4}-/);

    const list = await shuzhi(['tokens', 'list', '--json'], { SHUZHI_TOKEN: token });
    assert.equal(list.code, 0, list.stderr);
    const mine = (JSON.parse(list.stdout) as { items: { id: string; name: string; expiresAt: string }[] }).items.find((x) => x.name === 'edge cli');
    assert.ok(mine, list.stdout);
    assert.ok(Math.abs((Date.parse(mine.expiresAt) - Date.now()) / 86_400_000 - 10) < 0.01);
    const table = await shuzhi(['tokens', 'list'], { SHUZHI_TOKEN: token });
    assert.match(table.stdout, new RegExp(`${mine.id}\\s+tenant\\s`));

    const rv = await shuzhi(['tokens', 'revoke', mine.id], { SHUZHI_TOKEN: token });
    assert.equal(rv.code, 0, rv.stderr);
    assert.match(rv.stdout, new RegExp(`revoked ${mine.id}`));
    const gone = await shuzhi(['tokens', 'list'], { SHUZHI_TOKEN: token });
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /401/);

    const usage = await shuzhi(['tokens', 'revoke'], { SHUZHI_TOKEN: 'x' });
    assert.equal(usage.code, 2);
  });
});
