// Backup and restore with PostgreSQL 15: the README's procedure (pg_dump + `shuzhi backup` for the files
// → a fresh database with pg_restore + `shuzhi restore` into a fresh directory), and the same with the
// dump inside the archive (--with-pg-dump / --pg-restore). Every job, bill, case and certificate is found
// again, certificates verify, render files are identical and the sealed env opens.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { backupCommand, restoreCommand, type CliIo } from '@shuzhi/server';
import { assertRestored, fileHashes, fingerprint, openRestored, seedBackupData, type Fingerprint, type Seeded } from '../../packages/server/test/backup-helpers.ts';
import { startPlatform } from '../../packages/server/test/helpers.ts';

let db: PostgresHandle;
const tmp = mkdtempSync(join(tmpdir(), 'shuzhi-backup-pg-'));
const dataDir = join(tmp, 'data');
let seeded: Seeded;
let fp: Fingerprint;
let files: Record<string, string>;

function io(env: Record<string, string>) {
  const lines: string[] = [];
  const x: CliIo = { out: (l) => lines.push(l), err: (l) => lines.push(l), env };
  return { io: x, text: () => lines.join('\n') };
}

/** A new empty database on the same server; its URL. */
async function freshDatabase(name: string): Promise<string> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    await c.query(`drop database if exists ${name}`);
    await c.query(`create database ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(db.url);
  u.pathname = `/${name}`;
  return u.toString();
}

before(async () => {
  db = await startPostgres({ database: 'shuzhi_backup_src' });
  mkdirSync(dataDir);
  const t = await startPlatform({ dataDir, databaseUrl: db.url });
  try {
    seeded = await seedBackupData(t);
    fp = await fingerprint(t.p);
    files = fileHashes(dataDir);
  } finally {
    await t.close();
  }
});
after(async () => {
  await db?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('the README procedure: pg_dump + shuzhi backup (files) → pg_restore into a fresh database + shuzhi restore', async () => {
  const dump = join(tmp, 'shuzhi-db.dump');
  const d = spawnSync('pg_dump', ['--format=custom', '--no-owner', '--exclude-table-data=leadership', `--file=${dump}`, db.url], { encoding: 'utf8' });
  assert.equal(d.status, 0, d.stderr);

  const out = join(tmp, 'files.tar.gz');
  const b = io({ DATABASE_URL: db.url });
  assert.equal(await backupCommand(['--out', out, '--data-dir', dataDir], b.io), 0, b.text());
  assert.match(b.text(), /The database is PostgreSQL \(DATABASE_URL\): this archive holds the data files only/);
  assert.match(b.text(), /pg_dump --format=custom/);

  const url2 = await freshDatabase('shuzhi_restored_a');
  const r = spawnSync('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${url2}`, dump], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const target = join(tmp, 'restored-a');
  const c = io({ DATABASE_URL: url2 });
  assert.equal(await restoreCommand([out, '--data-dir', target], c.io), 0, c.text());
  assert.match(c.text(), /PostgreSQL: the database is not restored by this command/);

  const t = await openRestored(target, { DATABASE_URL: url2 });
  try {
    await assertRestored(t, fp, files, seeded);
  } finally {
    await t.close();
  }
});

test('--with-pg-dump puts the database into the archive; --pg-restore restores it into an empty database', async () => {
  const out = join(tmp, 'all.tar.gz');
  const b = io({ DATABASE_URL: db.url });
  assert.equal(await backupCommand(['--out', out, '--data-dir', dataDir, '--with-pg-dump'], b.io), 0, b.text());
  assert.match(b.text(), /database \(postgres\): \d+ tables, \d+ rows/);
  assert.ok(!b.text().includes('this archive holds the data files only'));

  const target = join(tmp, 'restored-b');
  // Never into a database that holds tables: pg_restore would mix the two.
  const busy = io({ DATABASE_URL: db.url });
  assert.equal(await restoreCommand([out, '--data-dir', target, '--pg-restore'], busy.io), 1);
  assert.match(busy.text(), /error \[RESTORE_PG_RESTORE_FAILED\]: DATABASE_URL's database is not empty \(\d+ tables in public\)\. Create an empty database/);
  assert.ok(!existsSync(target), 'nothing written');

  const url3 = await freshDatabase('shuzhi_restored_b');
  const c = io({ DATABASE_URL: url3 });
  assert.equal(await restoreCommand([out, '--data-dir', target, '--pg-restore'], c.io), 0, c.text());
  assert.match(c.text(), /PostgreSQL: the dump was restored into DATABASE_URL/);

  const t = await openRestored(target, { DATABASE_URL: url3 });
  try {
    await assertRestored(t, fp, files, seeded);
  } finally {
    await t.close();
  }
});
