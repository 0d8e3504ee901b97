import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

/** Opens a platform, seeds the mine demo before the start as `npm start` and the web bench do, closes it. */
const SCRIPT = `
import { loadConfig, Platform } from '@shuzhi/server';
const p = await Platform.open({ config: loadConfig({ SHUZHI_DATA_DIR: process.env.DIR, LOG_LEVEL: 'silent' }) });
for (const m of p.modules) if (m.name === 'mine') await m.seedDemo?.();
await p.start();
await p.close();
console.log('closed');
`;

// The web bench hung after its table: the demo faces, attached when seeded, were attached again at the start,
// and the first controllers, never closed, kept retrying their link. A process that closed its platform ends.
test('a platform with the mine demo seeded before its start lets the process end once closed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shuzhi-mine-exit-'));
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { env: { ...process.env, DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    // Far beyond the close; what is alive then keeps the process alive for ever.
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const [code, signal] = (await new Promise((res) => child.on('exit', (c, s) => res([c, s])))) as [number | null, string | null];
    clearTimeout(killer);
    assert.match(out, /closed/, 'the platform closed');
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, 'the process ended by itself');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
