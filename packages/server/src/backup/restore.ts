/**
 * `shuzhi restore`: reads the whole archive once to check the manifest and every sha256 before anything
 * is written; then extracts into a private staging directory beside the target (inside it when it exists
 * empty: a mount point), checking each file again as it is written, checks the embedded database opens
 * with the row counts of the manifest, and only then puts the files in place. A non-empty target is moved
 * aside (with --force), never deleted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { readTarGz } from './archive.ts';
import { countRows, pgEnv, publicTables, runPgTool, serverInUse, serverRunningError } from './backup.ts';
import { BackupError } from './errors.ts';
import { ALLOWED, MANIFEST_NAME, PG_DUMP_ENTRY, checkAgainstManifest, parseManifest, type Manifest, type SeenEntry } from './manifest.ts';

export interface RestoreOptions {
  file: string;
  dataDir: string;
  /** Move a non-empty target aside first (to `<dir>.before-restore-<time>`). */
  force?: boolean;
  serverStopped?: boolean;
  /** PostgreSQL archives with a pg_dump: restore it into this (empty) database. */
  pgRestoreUrl?: string | undefined;
  progress?: (line: string) => void;
}

export interface RestoreResult {
  dataDir: string;
  manifest: Manifest;
  files: number;
  bytes: number;
  /** Where the old contents of the target went, when it was not empty. */
  movedAside: string | null;
  /** Row counts of the restored embedded database (equal to the manifest's). */
  tables: Record<string, number> | null;
  pgRestored: boolean;
}

const MAX_MANIFEST = 64 * 1024 * 1024;

/** Reads every entry, hashing files; returns the manifest once everything matches it. Writes nothing. */
export async function verifyArchive(file: string, progress: (line: string) => void = () => undefined): Promise<Manifest> {
  const st = await stat(file).catch(() => null);
  if (!st?.isFile()) throw new BackupError('BACKUP_ARCHIVE_UNREADABLE', `There is no backup file ${file}.`);
  const seen = new Map<string, SeenEntry>();
  let manifestText: string | null = null;
  let bytes = 0;
  let nextReport = 256 * 1024 * 1024;
  for await (const e of readTarGz(file, ALLOWED)) {
    if (seen.has(e.path) || (e.path === MANIFEST_NAME && manifestText !== null)) {
      throw new BackupError('BACKUP_ARCHIVE_UNSAFE', `The archive holds ${e.path} twice; it was altered. Nothing was restored.`);
    }
    if (e.path === MANIFEST_NAME) {
      if (e.type !== 'file' || e.size > MAX_MANIFEST) throw new BackupError('BACKUP_MANIFEST_INVALID', 'The archive\'s manifest.json is not a plain file of sensible size.');
      const parts: Buffer[] = [];
      for await (const b of e.body) parts.push(b);
      manifestText = Buffer.concat(parts).toString('utf8');
      continue;
    }
    if (e.type === 'dir') {
      seen.set(e.path, { type: 'dir', size: 0, sha256: null });
      continue;
    }
    const h = createHash('sha256');
    let n = 0;
    for await (const b of e.body) {
      h.update(b);
      n += b.length;
    }
    seen.set(e.path, { type: 'file', size: n, sha256: h.digest('hex') });
    bytes += n;
    if (bytes >= nextReport) {
      progress(`  checked ${seen.size} entries, ${(bytes / 1024 / 1024).toFixed(0)} MiB`);
      nextReport = bytes + 256 * 1024 * 1024;
    }
  }
  if (manifestText === null) throw new BackupError('BACKUP_MANIFEST_INVALID', `${file} has no manifest.json: it is not a Shuzhi backup.`);
  const m = parseManifest(manifestText);
  const problems = checkAgainstManifest(m, seen);
  if (problems.length) {
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    throw new BackupError('BACKUP_CHECKSUM_MISMATCH', `The archive does not match its manifest: ${problems.slice(0, 5).join('; ')}${more}. It was damaged or altered; nothing was restored. Use another copy of the backup.`);
  }
  return m;
}

async function isEmptyDir(dir: string): Promise<boolean> {
  return (await readdir(dir)).length === 0;
}

/** Joins an archive path (already checked safe) under root, and checks the result stays there. */
function under(root: string, rel: string): string {
  const p = resolve(root, ...rel.split('/'));
  if (!p.startsWith(root + sep)) throw new BackupError('BACKUP_ARCHIVE_UNSAFE', `The archive path ${JSON.stringify(rel)} leaves the target directory. Nothing was restored.`);
  return p;
}

export async function restore(o: RestoreOptions): Promise<RestoreResult> {
  const say = o.progress ?? (() => undefined);
  const file = resolve(o.file);
  const target = resolve(o.dataDir);
  say(`checking ${file} (manifest and every sha256)…`);
  const manifest = await verifyArchive(file, say);
  say(`archive ok: ${manifest.files.length} files, made ${manifest.createdAt} by Shuzhi ${manifest.shuzhiVersion} (database: ${manifest.database.kind})`);

  // The target: absent, empty, or moved aside with --force; never one a server uses.
  const tst = await stat(target).catch(() => null);
  if (tst && !tst.isDirectory()) throw new BackupError('RESTORE_TARGET_NOT_EMPTY', `${target} exists and is not a directory. Choose another --data-dir.`);
  const nonEmpty = tst !== null && !(await isEmptyDir(target));
  if (nonEmpty && !o.serverStopped) {
    const why = await serverInUse(target, 'pglite');
    if (why) throw serverRunningError(target, why, 'restore into');
  }
  if (nonEmpty && !o.force) {
    throw new BackupError('RESTORE_TARGET_NOT_EMPTY', `${target} is not empty. Restore into a new or empty directory, or pass --force to move the present contents aside (to ${basename(target)}.before-restore-<time>) first; nothing is deleted.`);
  }
  if (nonEmpty && tst.dev !== (await stat(dirname(target))).dev) {
    throw new BackupError('RESTORE_TARGET_NOT_EMPTY', `${target} is not empty and is a mount point, so it cannot be moved aside. Empty it yourself (or restore into a new directory); nothing was restored.`);
  }
  if (manifest.database.kind === 'postgres' && manifest.database.included && !o.pgRestoreUrl) {
    say(`the archive holds a pg_dump of the database (${PG_DUMP_ENTRY}); pass --pg-restore with DATABASE_URL set to an empty database to restore it, or extract it with: tar -xzf ${file} ${PG_DUMP_ENTRY}`);
  }

  if (o.pgRestoreUrl) {
    if (!(manifest.database.kind === 'postgres' && manifest.database.included)) {
      throw new BackupError('RESTORE_PG_RESTORE_FAILED', 'This archive holds no pg_dump (it was made without --with-pg-dump, or with the embedded database); drop --pg-restore.');
    }
    const n = await publicTables(o.pgRestoreUrl).catch((err: Error) => {
      throw new BackupError('RESTORE_PG_RESTORE_FAILED', `Cannot reach DATABASE_URL to restore into: ${err.message}`, { cause: err });
    });
    if (n > 0) throw new BackupError('RESTORE_PG_RESTORE_FAILED', `DATABASE_URL's database is not empty (${n} tables in public). Create an empty database (createdb NAME) and point DATABASE_URL at it; nothing was restored.`);
  }

  // Extract into a private staging directory, checking each file again as it is written: beside the
  // target, or inside it when it exists empty (it may be a mount point, which cannot be replaced).
  await mkdir(dirname(target), { recursive: true });
  const stageInside = tst !== null && !nonEmpty;
  const staging = stageInside
    ? join(target, `.restoring-${randomBytes(6).toString('hex')}`)
    : join(dirname(target), `.${basename(target)}.restoring-${randomBytes(6).toString('hex')}`);
  await mkdir(staging, { mode: 0o700 });
  const expected = new Map(manifest.files.map((f) => [f.path, f]));
  let pgDump: string | null = null;
  let files = 0;
  let bytes = 0;
  let tables: Record<string, number> | null = null;
  try {
    for await (const e of readTarGz(file, ALLOWED)) {
      if (e.path === MANIFEST_NAME) continue;
      if (e.path === PG_DUMP_ENTRY) {
        if (!o.pgRestoreUrl) continue;
        pgDump = join(tmpdir(), `shuzhi-restore-${randomBytes(6).toString('hex')}.dump`);
        await writeChecked(pgDump, e.body, expected.get(e.path));
        continue;
      }
      if (!e.path.startsWith('data/')) continue;
      const dest = under(staging, e.path.slice('data/'.length));
      if (e.type === 'dir') {
        await mkdir(dest, { recursive: true, mode: 0o700 });
        continue;
      }
      await mkdir(dirname(dest), { recursive: true, mode: 0o700 });
      await writeChecked(dest, e.body, expected.get(e.path));
      files++;
      bytes += e.size;
      if (files % 500 === 0) say(`  ${files}/${manifest.files.length} files written`);
    }
    // Keys private whatever umask the archive was read under.
    if (existsSync(join(staging, 'keys'))) await chmod(join(staging, 'keys'), 0o700);

    if (manifest.database.kind === 'pglite') {
      say('opening the restored embedded database to check its row counts…');
      tables = await checkPglite(join(staging, 'pglite'), manifest);
    }
    if (pgDump && o.pgRestoreUrl) {
      say('running pg_restore into DATABASE_URL…');
      const db = pgEnv(o.pgRestoreUrl).PGDATABASE;
      if (!db) throw new BackupError('RESTORE_PG_RESTORE_FAILED', 'DATABASE_URL names no database (postgres://…/DBNAME); pg_restore needs one.');
      await runPgTool('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${db}`, pgDump], o.pgRestoreUrl, 'RESTORE_PG_RESTORE_FAILED');
    }

    let movedAside: string | null = null;
    if (stageInside) {
      for (const name of await readdir(staging)) await rename(join(staging, name), join(target, name));
      await rmdir(staging);
    } else {
      if (nonEmpty) {
        movedAside = `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        await rename(target, movedAside);
        say(`moved the old contents of ${target} aside to ${movedAside}`);
      }
      await rename(staging, target);
    }
    await chmod(target, 0o700);
    return { dataDir: target, manifest, files, bytes, movedAside, tables, pgRestored: pgDump !== null };
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  } finally {
    if (pgDump) await rm(pgDump, { force: true });
  }
}

async function writeChecked(dest: string, body: AsyncIterable<Buffer>, want: { size: number; sha256: string } | undefined): Promise<void> {
  // wx: a new file, never through an existing name or link.
  const fh = await open(dest, 'wx', 0o600);
  const h = createHash('sha256');
  let n = 0;
  try {
    for await (const b of body) {
      h.update(b);
      n += b.length;
      await fh.write(b);
    }
  } finally {
    await fh.close();
  }
  if (!want || want.size !== n || want.sha256 !== h.digest('hex')) {
    throw new BackupError('BACKUP_CHECKSUM_MISMATCH', `${dest}: the archive changed while it was being restored (it no longer matches its manifest). Nothing was restored.`);
  }
}

async function checkPglite(dir: string, m: Manifest): Promise<Record<string, number>> {
  const { PGlite } = await import('@electric-sql/pglite');
  let client: InstanceType<typeof PGlite> | null = null;
  let tables: Record<string, number>;
  try {
    client = new PGlite(dir);
    await client.waitReady;
    const c = client;
    tables = await countRows((s) => c.query<Record<string, unknown>>(s));
  } catch (err) {
    throw new BackupError(
      'RESTORE_DB_MISMATCH',
      `The restored embedded database does not open (${(err as Error).message}). The backup holds PostgreSQL ${m.database.pgVersion ?? '?'} files made by Shuzhi ${m.shuzhiVersion}; restore it with that version. Nothing was restored.`,
      { cause: err },
    );
  } finally {
    await client?.close().catch(() => undefined);
  }
  // An online backup whose tables changed while it was taken records no counts: opening is the check.
  if (m.database.tables === null) return tables;
  const want = m.database.tables;
  const diffs = Object.keys({ ...want, ...tables }).filter((t) => want[t] !== tables[t]);
  if (diffs.length) {
    throw new BackupError('RESTORE_DB_MISMATCH', `The restored database differs from the manifest: ${diffs.slice(0, 5).map((t) => `${t} has ${tables[t] ?? 'no table'} rows, the manifest says ${want[t] ?? 'none'}`).join('; ')}. Nothing was restored.`);
  }
  return tables;
}
