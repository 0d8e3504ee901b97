import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { loadConfig, Platform } from '@shuzhi/server';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';

let server: PostgresHandle;
before(async () => {
  server = await startPostgres({ database: 'shuzhi_migrate_lock' });
});
after(async () => {
  await server?.stop();
});

const DRIZZLE = fileURLToPath(new URL('../../packages/server/drizzle', import.meta.url));
/** Migrations each tracking table should hold: the core journal and one per module folder. */
function journalLength(folder: string): number {
  return (JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;
}

test('servers started at once on a fresh PostgreSQL all come up; each migration is applied once', { timeout: 300_000 }, async () => {
  const key = Buffer.alloc(32, 3).toString('base64');
  const dirs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'shuzhi-migrate-lock-')));
  const opened: Platform[] = [];
  try {
    const results = await Promise.allSettled(
      dirs.map((dir) =>
        Platform.open({
          config: loadConfig({
            SHUZHI_DATA_DIR: dir,
            LOG_LEVEL: 'silent',
            DATABASE_URL: server.url,
            SHUZHI_SECRETS_KEY: key,
            // Made by the one that creates the database, and only by it.
            SHUZHI_BOOTSTRAP_TOKEN: 'bootstrap-token-for-the-lock-test',
          }),
        }).then((p) => {
          opened.push(p);
          return p;
        }),
      ),
    );
    for (const r of results) assert.equal(r.status, 'fulfilled', r.status === 'rejected' ? String((r.reason as Error).stack) : '');
    assert.equal(opened.filter((p) => p.database.created).length, 1, 'exactly one created the database');

    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    try {
      const tables = (
        await c.query<{ t: string }>(`select table_name as t from information_schema.tables where table_schema = 'drizzle' order by 1`)
      ).rows.map((r) => r.t);
      assert.ok(tables.includes('__drizzle_migrations'), tables.join(', '));
      for (const t of tables) {
        const name = t.replace(/^__drizzle_migrations_?/, '');
        const folder = name ? join(DRIZZLE, name) : DRIZZLE;
        const rows = (await c.query<{ hash: string }>(`select hash from drizzle."${t}"`)).rows;
        assert.equal(rows.length, journalLength(folder), `${t}: one row per migration`);
        assert.equal(new Set(rows.map((r) => r.hash)).size, rows.length, `${t}: none applied twice`);
      }
      assert.ok(tables.length >= 6, `core and every module tracked: ${tables.join(', ')}`);
      const bootstrap = await c.query(`select 1 from users where username = 'bootstrap'`);
      assert.equal(bootstrap.rows.length, 1);
      // The lock is let go once the servers are open: a later start does not wait.
      const free = await c.query<{ ok: boolean }>(`select pg_try_advisory_lock(${0x53685a68}, 1) as ok`);
      assert.equal(free.rows[0]!.ok, true);
      await c.query(`select pg_advisory_unlock(${0x53685a68}, 1)`);
    } finally {
      await c.end();
    }
  } finally {
    for (const p of opened) await p.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
