import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
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
});
