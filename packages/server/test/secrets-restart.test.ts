import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { ENV_MASK } from '@shuzhi/schema';
import { createLogger } from '../src/log.ts';
import { keyFileOf } from '../src/secrets/key-source.ts';
import { client, login, startPlatform, waitUntil } from './helpers.ts';

test('the key file outlives restarts; a server started with another key says so and never shows garbage', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'shuzhi-secrets-restart-'));
  const marker = `sk-restart-${randomBytes(8).toString('hex')}`;
  try {
    // First start: no SHUZHI_SECRETS_KEY, so a key file is made in the data dir.
    let t = await startPlatform({ dataDir });
    const cookie = await login(t.url, 'tenant');
    const opCookie = await login(t.url, 'operator');
    const r = await client(t.url, { cookie }).req('POST', '/api/jobs', { name: 'kept', type: 'cpu', units: 1, hours: 1, command: 'true', env: { API_KEY: marker } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const id = r.body.id as string;
    const fileKey = readFileSync(keyFileOf(dataDir), 'utf8').trim();
    await t.close();

    // Same data dir: the same key, the owner reads the value.
    t = await startPlatform({ dataDir });
    assert.deepEqual((await client(t.url, { cookie }).req('GET', `/api/jobs/${id}`)).body.env, { API_KEY: marker });
    await t.close();

    // Another key (as a second server without the shared key would have).
    const out = { text: '' };
    const sink = new Writable({
      write(chunk, _enc, cb) {
        out.text += String(chunk);
        cb();
      },
    });
    t = await startPlatform({ dataDir, env: { SHUZHI_SECRETS_KEY: randomBytes(32).toString('base64') }, log: createLogger('info', sink) });
    const owner = await client(t.url, { cookie }).req('GET', `/api/jobs/${id}`);
    assert.equal(owner.status, 500);
    assert.equal(owner.body.code, 'SECRETS_KEY_MISMATCH');
    assert.match(owner.body.detail, /Set SHUZHI_SECRETS_KEY to the key it was written with/);
    assert.ok(!JSON.stringify(owner.body).includes(marker));
    const op = client(t.url, { cookie: opCookie });
    assert.deepEqual((await op.req('GET', `/api/jobs/${id}`)).body.env, { API_KEY: ENV_MASK });
    // Said at start, and on the job while it waits.
    assert.match(out.text, /sealed with another secrets key/);
    const waiting = await waitUntil('the job to say why it waits', async () => {
      const j = (await op.req('GET', `/api/jobs/${id}`)).body;
      return /another secrets key/.test(j.explanation ?? '') ? j : null;
    }, 90_000);
    assert.equal(waiting.status, 'queued');
    assert.ok(!out.text.includes(marker));
    await t.close();

    // The key file's key given as SHUZHI_SECRETS_KEY (how several servers share it) opens the env again.
    t = await startPlatform({ dataDir, env: { SHUZHI_SECRETS_KEY: fileKey } });
    assert.deepEqual((await client(t.url, { cookie }).req('GET', `/api/jobs/${id}`)).body.env, { API_KEY: marker });
    await t.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
