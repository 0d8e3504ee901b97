import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config.ts';
import { Platform } from '../src/platform.ts';
import { lostInUpgrade, snapshot, type FixtureManifest, type Snapshot } from './fixtures/snapshot.ts';
import { client, login } from './helpers.ts';

export const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const DRIZZLE = fileURLToPath(new URL('../drizzle', import.meta.url));

/** Every release fixture kept under test/fixtures (one folder per tag). */
export function fixtureTags(): string[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export function manifestOf(tag: string): FixtureManifest {
  return JSON.parse(readFileSync(join(FIXTURES, tag, 'manifest.json'), 'utf8')) as FixtureManifest;
}

/**
 * Opens a database an earlier release wrote with today's server (migrations run at open) and checks
 * that nothing was lost: every table, row and kept field of the release's manifest is still there, every
 * migration of today's tree is applied, and the server then starts and serves that data — demo users
 * log in with their passwords, the jobs read back, the certificates still verify.
 */
export async function openAndCheckUpgrade(opts: { dataDir: string; databaseUrl?: string; before: Snapshot }): Promise<void> {
  const config = loadConfig({
    SHUZHI_DATA_DIR: opts.dataDir,
    LOG_LEVEL: 'silent',
    SHUZHI_DEMO: '0',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl, SHUZHI_SECRETS_KEY: Buffer.alloc(32, 9).toString('base64') } : {}),
  });
  const p = await Platform.open({ config });
  try {
    assert.equal(p.database.created, false, 'the release database was found, not made anew');
    const q = { query: async (text: string) => ({ rows: ((await p.database.db.execute(sql.raw(text))) as unknown as { rows: Record<string, unknown>[] }).rows }) };

    assert.deepEqual(lostInUpgrade(opts.before, await snapshot(q)), []);

    // Every migration of today's tree applied, core and module alike.
    const tables = (await q.query(`select table_name as t from information_schema.tables where table_schema = 'drizzle'`)).rows.map((r) => String(r.t));
    for (const folder of ['', ...readdirSync(DRIZZLE).filter((n) => n !== 'meta' && !n.endsWith('.sql'))]) {
      const journal = JSON.parse(readFileSync(join(DRIZZLE, folder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
      // The leader lease exists only where replicas can: on PostgreSQL.
      if (folder === 'replicas' && p.database.kind === 'pglite') continue;
      const table = folder ? `__drizzle_migrations_${folder}` : '__drizzle_migrations';
      assert.ok(tables.includes(table), `${table} exists`);
      const n = Number((await q.query(`select count(*)::int as n from drizzle."${table}"`)).rows[0]!.n);
      assert.equal(n, journal.entries.length, `${table}: every migration applied`);
    }

    // The upgraded server runs on that data.
    await p.start();
    const port = await p.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    const op = client(url, { cookie: await login(url, 'operator') });
    const jobs = opts.before['jobs']!;
    assert.ok(jobs.count > 0, 'the fixture has jobs');
    for (const id of jobs.keys!.slice(0, 10)) {
      const r = await op.req('GET', `/api/jobs/${id}`);
      assert.equal(r.status, 200, `job ${id}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.name, jobs.rows![id]!.name);
    }
    const certs = opts.before['gov_certificates']!;
    assert.ok(certs.count > 0, 'the fixture has certificates');
    for (const id of certs.keys!.slice(0, 5)) {
      const v = await client(url, {}).req('GET', `/api/public/gov/verify/${encodeURIComponent(id)}`);
      assert.equal(v.status, 200, JSON.stringify(v.body));
      assert.equal(v.body.result, certs.rows![id]!.status === 'revoked' ? 'revoked' : 'valid', `certificate ${id}`);
    }
    const cases = opts.before['gov_applications']!;
    assert.ok(cases.count > 0, 'the fixture has cases');
    const bills = opts.before['billing_charges']!;
    assert.ok(bills.count > 0, 'the fixture has bills');
    assert.ok(opts.before['users']!.count >= 12, 'the fixture has the demo users');
  } finally {
    await p.close();
  }
}
