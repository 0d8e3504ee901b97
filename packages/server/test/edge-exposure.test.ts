import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';
import { Platform } from '../src/platform.ts';
import { migratedDataDir } from './pglite-template.ts';

/**
 * "A hardened edge", exposure: the demo seeds users whose passwords are public, so unless HOST says
 * otherwise the server listens on loopback only while the demo is on; the start banner says where.
 */
test('HOST defaults to 127.0.0.1 with the demo on (the default), 0.0.0.0 with SHUZHI_DEMO=0, and an explicit HOST wins', () => {
  const demo = loadConfig({});
  assert.equal(demo.SHUZHI_DEMO, '1');
  assert.equal(demo.HOST, '127.0.0.1');
  assert.equal(demo.hostExplicit, false);
  assert.equal(loadConfig({ SHUZHI_DEMO: '0' }).HOST, '0.0.0.0');
  const explicit = loadConfig({ HOST: '0.0.0.0' });
  assert.equal(explicit.HOST, '0.0.0.0');
  assert.equal(explicit.hostExplicit, true);
});

test('edge settings are validated at start', () => {
  assert.deepEqual(loadConfig({ SHUZHI_TRUSTED_PROXIES: ' 10.0.0.1, 172.16.0.0/12,::1 ' }).SHUZHI_TRUSTED_PROXIES, ' 10.0.0.1, 172.16.0.0/12,::1 ');
  for (const [k, v, msg] of [
    ['SHUZHI_TRUSTED_PROXIES', 'proxy.internal', /SHUZHI_TRUSTED_PROXIES: "proxy.internal" is not an IP address or CIDR/],
    ['SHUZHI_TRUSTED_PROXIES', '10.0.0.0/33', /bad prefix length/],
    ['SHUZHI_PUBLIC_URL', 'ftp://shuzhi.example.cn', /SHUZHI_PUBLIC_URL/],
    ['SHUZHI_MAX_UPLOAD_BYTES', '12', /SHUZHI_MAX_UPLOAD_BYTES/],
  ] as const) {
    assert.throws(() => loadConfig({ [k]: v }), (e: Error) => e instanceof ConfigError && msg.test(e.message), `${k}=${v}`);
  }
});

test('a platform started with the default configuration listens on loopback only', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'shuzhi-edge-'));
  const p = await Platform.open({ config: loadConfig({ SHUZHI_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), memory: true });
  try {
    const port = await p.listen(0);
    const addr = (p as unknown as { server: { address(): AddressInfo } }).server.address();
    assert.equal(addr.address, '127.0.0.1');
    assert.equal(addr.port, port);
  } finally {
    await p.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the start banner prints the listen address', { timeout: 120_000 }, async () => {
  const dataDir = await migratedDataDir();
  const bin = fileURLToPath(new URL('../bin/shuzhi.mjs', import.meta.url));
  const child = spawn(process.execPath, [bin, 'serve'], {
    env: { ...process.env, SHUZHI_DEMO: '0', PORT: '0', HOST: '127.0.0.1', SHUZHI_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on .*/.exec(out);
        if (m && out.includes('ready in')) resolve(m[0]);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
      // Fail (and reach `finally`, which stops the server) rather than wait for the test's timeout.
      setTimeout(() => reject(new Error(`no listen address in the banner after 90 s: ${out}`)), 90_000).unref();
    });
    assert.match(line, /^listening on 127\.0\.0\.1:\d+ — this machine only \(HOST\)$/);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
});
