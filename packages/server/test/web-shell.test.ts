import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { carriesSecrets } from '../src/http/compression.ts';
import { loadWebShell } from '../src/http/web-shell.ts';
import { login, startPlatform, type TestPlatform } from './helpers.ts';

/**
 * The web app's shell on a slow link (`npm run bench -- web`): it carries who is signed in, its inline boot
 * script is allowed by hash and nothing else inline is, and API answers travel compressed.
 */
describe('the web shell', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shuzhi-shell-'));
  const boot = "window.__shuzhiEarly = {};";
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><html><head><title>t</title><script>${boot}</script><script type="application/json" id="x">{}</script><script type="module" crossorigin src="/assets/a.js"></script></head><body></body></html>`,
  );
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('each executable inline script, and only those, gets a CSP hash', () => {
    const shell = loadWebShell(dir)!;
    assert.deepEqual(shell.scriptSources, [`'sha256-${createHash('sha256').update(boot).digest('base64')}'`]);
  });

  test('the session goes first in <head>, as JSON that cannot close its element', () => {
    const shell = loadWebShell(dir)!;
    const html = shell.render({ id: 'u1', username: 'a</script><script>alert(1)</script>', displayName: 'A', role: 'citizen', tenantId: null, department: null });
    assert.match(html, /^<!doctype html><html><head><script type="application\/json" id="shuzhi-session">\{"user":\{"id":"u1"/);
    assert.equal(html.match(/<\/script>/g)!.length, 4, 'no closing tag smuggled in by the name');
    const json = /id="shuzhi-session">(.*?)<\/script>/.exec(html)![1]!;
    assert.equal(JSON.parse(json).user.username, 'a</script><script>alert(1)</script>');
    assert.match(shell.render(null), /id="shuzhi-session">\{"user":null\}<\/script>/);
  });

  test('no build, no shell', () => {
    assert.equal(loadWebShell(join(dir, 'missing')), null);
    assert.equal(loadWebShell(undefined), null);
  });
});

describe('API answers over the wire', () => {
  let t: TestPlatform;
  before(async () => {
    t = await startPlatform();
  });
  after(async () => {
    await t?.close();
  });

  test('JSON is gzip-compressed for a client that accepts it, and sent as is to one that does not', async () => {
    const cookie = await login(t.url, 'operator');
    const zipped = await fetch(`${t.url}/api/openapi.json`, { headers: { cookie, 'accept-encoding': 'gzip' } });
    assert.equal(zipped.headers.get('content-encoding'), 'gzip');
    assert.match(zipped.headers.get('vary') ?? '', /accept-encoding/i);
    const body = (await zipped.json()) as { openapi: string };
    assert.match(body.openapi, /^3\./);
    const plain = await fetch(`${t.url}/api/openapi.json`, { headers: { cookie, 'accept-encoding': 'identity' } });
    assert.equal(plain.headers.get('content-encoding'), null);
    await plain.arrayBuffer();
  });

  // BREACH: a secret compressed beside text the attacker chooses leaks through the answer's length.
  test('answers that carry secrets go uncompressed, bigger than the compression threshold or not; a catalogue goes gzip\'d', async () => {
    const cookie = await login(t.url, 'operator');
    const headers = { cookie, 'accept-encoding': 'gzip', origin: t.url, 'content-type': 'application/json' };
    // Names the attacker chose next to the token: enough of them that the list is well past hono's 1 KB threshold.
    for (let i = 0; i < 12; i++) {
      const created = await fetch(`${t.url}/api/tokens`, { method: 'POST', headers, body: JSON.stringify({ name: `breach-probe-${i}-${'x'.repeat(40)}` }) });
      assert.equal(created.status, 201);
      assert.equal(created.headers.get('content-encoding'), null, 'a new token goes as is');
      await created.arrayBuffer();
    }
    const list = await fetch(`${t.url}/api/tokens`, { headers });
    const body = await list.text();
    assert.ok(body.length > 1024, `the token list is ${body.length} bytes: too small to show anything`);
    assert.equal(list.headers.get('content-encoding'), null, 'the token list goes as is');
    const me = await fetch(`${t.url}/api/auth/me`, { headers });
    assert.equal(me.headers.get('content-encoding'), null);
    await me.arrayBuffer();

    const citizen = await login(t.url, 'citizen');
    const catalogue = await fetch(`${t.url}/api/gov/catalogue`, { headers: { cookie: citizen, 'accept-encoding': 'gzip' } });
    assert.equal(catalogue.status, 200);
    assert.equal(catalogue.headers.get('content-encoding'), 'gzip');
    await catalogue.arrayBuffer();
  });

  test('which answers carry secrets: sign-in, tokens, worker enrolment, rotation and sync', () => {
    for (const [m, p] of [
      ['POST', '/api/auth/login'],
      ['GET', '/api/auth/me'],
      ['POST', '/api/tokens'],
      ['GET', '/api/tokens'],
      ['DELETE', '/api/tokens/t1'],
      ['POST', '/api/workers'],
      ['POST', '/api/workers/w1/rotate'],
      ['POST', '/api/workers/w1/sync'],
    ] as const)
      assert.equal(carriesSecrets(m, p), true, `${m} ${p}`);
    for (const [m, p] of [
      ['GET', '/api/workers'],
      ['GET', '/api/gov/catalogue'],
      ['GET', '/api/openapi.json'],
      ['GET', '/api/authors'],
      ['GET', '/api/workers/w1/syncs'],
    ] as const)
      assert.equal(carriesSecrets(m, p), false, `${m} ${p}`);
  });
});
