import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'drizzle-orm';
import { ConfigError, loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';

// PGlite's page cache is a setting (SHUZHI_PGLITE_SHARED_BUFFERS_MB): it lives in the WebAssembly
// memory, which never shrinks, so the server bounds it instead of taking PostgreSQL's 128 MB default.

test('SHUZHI_PGLITE_SHARED_BUFFERS_MB: 32 by default, a whole number of MB from 1 to 1024', () => {
  assert.equal(loadConfig({}).SHUZHI_PGLITE_SHARED_BUFFERS_MB, 32);
  assert.equal(loadConfig({ SHUZHI_PGLITE_SHARED_BUFFERS_MB: '64' }).SHUZHI_PGLITE_SHARED_BUFFERS_MB, 64);
  for (const bad of ['0', '1.5', '4096', 'lots']) {
    assert.throws(() => loadConfig({ SHUZHI_PGLITE_SHARED_BUFFERS_MB: bad }), (e: Error) => e instanceof ConfigError && /SHUZHI_PGLITE_SHARED_BUFFERS_MB: /.test(e.message), bad);
  }
});

test('the embedded database runs with the page cache it is given, and reports its WebAssembly memory', async () => {
  const database = await openDatabase({ memory: true, pgliteSharedBuffersMb: 16 });
  try {
    const r = (await database.db.execute(sql`show shared_buffers`)) as unknown as { rows: { shared_buffers: string }[] };
    assert.equal(r.rows[0]!.shared_buffers, '16MB');
    // PGlite starts with 128 MiB of WebAssembly memory; 128 MB of shared_buffers would grow it at once.
    const bytes = database.engineMemoryBytes!();
    assert.ok(bytes >= 128 * 2 ** 20 && bytes < 160 * 2 ** 20, `${bytes} bytes`);
  } finally {
    await database.close();
  }
});
