import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { carriesSecrets } from '../src/http/compression.ts';
import { DOOR_DIR, loadWebShell } from '../src/http/web-shell.ts';
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

  test('a citizen\'s and a company\'s shell carries the door build inline, allowed by its hash; everyone else\'s names the app\'s scripts', () => {
    const withDoor = mkdtempSync(join(tmpdir(), 'shuzhi-shell-door-'));
    try {
      writeFileSync(
        join(withDoor, 'index.html'),
        `<!doctype html><html><head><title>t</title><script>${boot}</script><script type="module" crossorigin src="/assets/index-1.js"></script>\n<link rel="modulepreload" crossorigin href="/assets/jsx-2.js">\n<link rel="stylesheet" crossorigin href="/assets/index-3.css">\n</head><body><div id="root"></div></body></html>`,
      );
      mkdirSync(join(withDoor, DOOR_DIR));
      // `$&` and `$'`, as minified code has them, stay as they are (no replacement-pattern expansion).
      const door = 'const $ = "door"; document.getElementById("root").textContent = $ + "$&" + "$\'";';
      writeFileSync(join(withDoor, DOOR_DIR, 'door.js'), door);
      writeFileSync(join(withDoor, DOOR_DIR, 'door.css'), '.door{color:red}');
      const shell = loadWebShell(withDoor)!;
      const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
      assert.deepEqual(shell.scriptSources, [hash(boot), hash(door)]);
      for (const role of ['citizen', 'enterprise'] as const) {
        const user = { id: 'u1', username: 'a', displayName: 'A', role, tenantId: null, department: null };
        assert.equal(shell.carriesDoor(user), true);
        // The start screen's answers ride along, script-safe like the session.
        const html = shell.render(user, { '/api/x': { n: '</script>' } });
        assert.match(html, /id="shuzhi-session">\{"user":\{[^<]*\},"door":true,"data":\{"\/api\/x":\{"n":"\\u003c\/script>"\}\}\}<\/script>/);
        assert.ok(html.includes(`<script type="module">${door}</script></body>`), 'the door script, as hashed, at the end of <body>');
        assert.ok(html.includes('<style>.door{color:red}</style></head>'));
        assert.doesNotMatch(html, /\/assets\//, 'no request for the app\'s own scripts or styles');
      }
      for (const user of [null, { id: 'u2', username: 'o', displayName: 'O', role: 'operator' as const, tenantId: null, department: null }]) {
        assert.equal(shell.carriesDoor(user), false);
        const html = shell.render(user, { '/api/x': { n: 1 } });
        assert.doesNotMatch(html, /"door":true|"data"|<style>/);
        assert.match(html, /src="\/assets\/index-1\.js"/);
        assert.match(html, /href="\/assets\/index-3\.css"/);
      }
      // A door build whose code would close its element early is refused rather than served broken.
      writeFileSync(join(withDoor, DOOR_DIR, 'door.js'), 'const s = "</script>";');
      assert.throws(() => loadWebShell(withDoor), /end its inline element early/);
    } finally {
      rmSync(withDoor, { recursive: true, force: true });
    }
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
