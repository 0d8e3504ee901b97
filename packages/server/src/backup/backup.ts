/**
 * `shuzhi backup`: one .tar.gz with the embedded database (PGlite, consistent: opened, checkpointed and
 * closed cleanly by us, so no server may hold it), the data files (render uploads and frames, the
 * secrets key, mine PKI, Slurm state) and a manifest with every file's sha256 and the table row counts.
 * With PostgreSQL (DATABASE_URL) the archive holds the files, and the database too with `withPgDump`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { DataDirLock } from '../lifecycle/data-dir-lock.ts';
import { createLogger } from '../log.ts';
import { SHUZHI_VERSION } from './version.ts';
import { TarGzWriter, readTar, type AddedFile } from './archive.ts';
import { BackupError } from './errors.ts';
import { FORMAT, FORMAT_VERSION, MANIFEST_NAME, PG_DUMP_ENTRY, excludeReason, type Manifest } from './manifest.ts';

export interface BackupOptions {
  dataDir: string;
  /** The embedded workers' task directory (config.workDir): scratch, left out when inside the data dir. */
  workDir?: string;
  out: string;
  force?: boolean;
  databaseUrl?: string | undefined;
  /** SHUZHI_SECRETS_KEY is set: the key is not a file of the data dir and must be kept apart. */
  secretsKeyFromEnv?: boolean;
  /** PostgreSQL: also run pg_dump into the archive. */
  withPgDump?: boolean;
  /** Skip the running-server check (the operator confirms no server uses the data dir). */
  serverStopped?: boolean;
  /**
   * Back up through the running server that holds the embedded database (POST /api/admin/backup):
   * PGlite's own copy of its directory, taken between queries, instead of opening it here.
   */
  online?: OnlineDatabase;
  version: string;
  progress?: (line: string) => void;
}

export interface OnlineDatabase {
  /** A tar of the PGlite data directory (names relative to it, possibly with a leading `/`). */
  dumpDataDir(): Promise<Blob>;
  /** Row counts per table, read in one transaction. */
  countRows(): Promise<Record<string, number>>;
}

export interface BackupResult {
  out: string;
  bytes: number;
  manifest: Manifest;
}

const MiB = 1024 * 1024;

/** Why the data dir looks in use by a server, or null. Lock files with a live pid, or an open PGlite. */
export async function serverInUse(dataDir: string, dbKind: 'pglite' | 'postgres'): Promise<string | null> {
  let names: string[] = [];
  try {
    names = await readdir(dataDir);
  } catch {
    return null;
  }
  for (const n of names.filter((x) => /\.(lock|pid)$/.test(x))) {
    const text = await readFile(join(dataDir, n), 'utf8').catch(() => '');
    let pid: number | null = null;
    try {
      const j = JSON.parse(text) as { pid?: unknown };
      if (typeof j.pid === 'number') pid = j.pid;
    } catch {
      const m = /\b(\d{1,10})\b/.exec(text);
      if (m) pid = Number(m[1]);
    }
    if (pid && pid > 0 && pid !== process.pid && alive(pid)) return `process ${pid} holds ${join(dataDir, n)}`;
  }
  if (dbKind === 'pglite' && existsSync(join(dataDir, 'pglite', 'postmaster.pid'))) {
    return `the embedded database is open (${join(dataDir, 'pglite', 'postmaster.pid')} exists): a server runs on this data directory, or the last one stopped without closing it`;
  }
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const serverRunningError = (dataDir: string, why: string, verb: 'back up' | 'restore into') =>
  new BackupError(
    'BACKUP_SERVER_RUNNING',
    `Cannot ${verb} ${dataDir}: ${why}. ` +
      (verb === 'back up'
        ? 'Back it up through the running server instead (shuzhi backup --online --out FILE, with an operator\'s SHUZHI_TOKEN), or stop the server first (the embedded database allows one process at a time). '
        : 'Stop the server first (the embedded database allows one process at a time). ') +
      'If no server runs (it was killed), start and stop it once so the database is closed cleanly, or pass --server-stopped to go on.',
  );

/** Rows per table of every user schema (`schema.table`), through any `query` function. */
/** Tables in the public schema of a PostgreSQL database (0: empty, safe to pg_restore into). */
export async function publicTables(url: string): Promise<number> {
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query(`select count(*)::int as n from information_schema.tables where table_schema = 'public'`);
    return Number(r.rows[0].n);
  } finally {
    await client.end();
  }
}

export async function countRows(q: (sql: string) => Promise<{ rows: Record<string, unknown>[] }>): Promise<Record<string, number>> {
  const tables = await q(
    `select table_schema as s, table_name as t from information_schema.tables
     where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') order by 1, 2`,
  );
  const out: Record<string, number> = {};
  for (const r of tables.rows) {
    const s = String(r.s);
    const t = String(r.t);
    const ident = (x: string) => `"${x.replace(/"/g, '""')}"`;
    const c = await q(`select count(*)::int as n from ${ident(s)}.${ident(t)}`);
    out[`${s}.${t}`] = Number(c.rows[0]!.n);
  }
  return out;
}

/** Opens the embedded database alone, counts its rows, checkpoints and closes it cleanly. */
export async function snapshotPglite(dir: string): Promise<{ tables: Record<string, number> }> {
  const { PGlite } = await import('@electric-sql/pglite');
  let client: InstanceType<typeof PGlite> | null = null;
  try {
    client = new PGlite(dir);
    await client.waitReady;
    const c = client;
    const tables = await countRows((s) => c.query<Record<string, unknown>>(s));
    await client.exec('CHECKPOINT');
    return { tables };
  } catch (err) {
    throw new BackupError('BACKUP_DB_OPEN_FAILED', `The embedded database in ${dir} could not be opened: ${(err as Error).message}`, { cause: err });
  } finally {
    await client?.close().catch(() => undefined);
  }
}

interface Walked {
  files: { rel: string; abs: string; size: number; mode: number; mtimeMs: number }[];
  dirs: string[];
  excluded: { path: string; reason: string }[];
}

/** Every file and directory of the data dir in a stable order, minus what `excludeReason` leaves out. */
async function walk(root: string, opts: { workRel: string | null; dbKind: 'pglite' | 'postgres' }): Promise<Walked> {
  const w: Walked = { files: [], dirs: [], excluded: [] };
  const visit = async (absDir: string, relDir: string) => {
    const names = (await readdir(absDir)).sort();
    for (const name of names) {
      const rel = relDir ? `${relDir}/${name}` : name;
      const abs = join(absDir, name);
      const reason = excludeReason(rel, opts);
      if (reason) {
        w.excluded.push({ path: rel, reason });
        continue;
      }
      const st = await lstat(abs);
      if (st.isSymbolicLink()) w.excluded.push({ path: rel, reason: 'symbolic link (backups hold no links)' });
      else if (st.isDirectory()) {
        w.dirs.push(rel);
        await visit(abs, rel);
      } else if (st.isFile()) w.files.push({ rel, abs, size: st.size, mode: st.mode, mtimeMs: st.mtimeMs });
      else w.excluded.push({ path: rel, reason: 'not a regular file (socket, FIFO or device)' });
    }
  };
  await visit(root, '');
  return w;
}

/**
 * An offline backup of the embedded database holds the data directory's lock while it copies, so a
 * server cannot start on it halfway through (it would say the directory is in use, and by whom).
 */
export async function backup(o: BackupOptions): Promise<BackupResult> {
  const dataDir = resolve(o.dataDir);
  if (o.databaseUrl || o.online || !existsSync(dataDir)) return backupWithin(o);
  if (!o.serverStopped) {
    const why = await serverInUse(dataDir, 'pglite');
    if (why) throw serverRunningError(dataDir, why, 'back up');
  }
  let lock: DataDirLock;
  try {
    lock = DataDirLock.acquire(dataDir, { log: createLogger('silent'), version: SHUZHI_VERSION });
  } catch (err) {
    if ((err as { code?: string }).code === 'DATA_DIR_LOCKED') throw serverRunningError(dataDir, (err as Error).message, 'back up');
    throw err;
  }
  try {
    // Holding the lock is the proof no server runs: the lock file is ours, not a server's.
    return await backupWithin({ ...o, serverStopped: true });
  } finally {
    lock.release();
  }
}

async function backupWithin(o: BackupOptions): Promise<BackupResult> {
  const say = o.progress ?? (() => undefined);
  const dataDir = resolve(o.dataDir);
  const out = resolve(o.out);
  const dbKind = o.databaseUrl ? 'postgres' : 'pglite';
  const st = await stat(dataDir).catch(() => null);
  if (!st?.isDirectory()) throw new BackupError('BACKUP_DATA_DIR_MISSING', `There is no data directory ${dataDir}. Pass --data-dir (or set SHUZHI_DATA_DIR) to the directory the server uses.`);
  if (out === dataDir || out.startsWith(dataDir + sep)) {
    throw new BackupError('BACKUP_OUT_EXISTS', `--out ${out} lies inside the data directory; write the backup somewhere else (another disk, ideally).`);
  }
  if ((await stat(out).catch(() => null))?.isDirectory()) throw new BackupError('BACKUP_OUT_EXISTS', `--out ${out} is a directory; name the archive file, e.g. --out ${join(out, 'shuzhi-backup.tar.gz')}.`);
  if (existsSync(out) && !o.force) throw new BackupError('BACKUP_OUT_EXISTS', `${out} exists. Choose another --out, or pass --force to replace it.`);
  if (!existsSync(dirname(out))) throw new BackupError('BACKUP_OUT_EXISTS', `The directory of --out (${dirname(out)}) does not exist; create it first.`);
  if (!o.serverStopped && !o.online) {
    const why = await serverInUse(dataDir, dbKind);
    if (why) throw serverRunningError(dataDir, why, 'back up');
  }

  let tables: Record<string, number> | null = null;
  let pgVersion: string | null = null;
  let pgDumpFile: string | null = null;
  const hasPglite = existsSync(join(dataDir, 'pglite', 'PG_VERSION'));
  let dump: Buffer | null = null;
  if (dbKind === 'pglite' && o.online) {
    // Counts before and after the copy agree: they are the copy's (else left out, and restore only checks it opens).
    for (let attempt = 0; attempt < 3 && dump === null; attempt++) {
      const before = await o.online.countRows();
      const copy = Buffer.from(await (await o.online.dumpDataDir()).arrayBuffer());
      const after = await o.online.countRows();
      if (JSON.stringify(before) === JSON.stringify(after) || attempt === 2) {
        dump = copy;
        tables = JSON.stringify(before) === JSON.stringify(after) ? after : null;
      }
    }
    pgVersion = (await readFile(join(dataDir, 'pglite', 'PG_VERSION'), 'utf8').catch(() => '')).trim() || null;
  } else if (dbKind === 'pglite') {
    if (!hasPglite) throw new BackupError('BACKUP_DB_OPEN_FAILED', `${dataDir} holds no embedded database (no pglite/PG_VERSION). Is it the server's data directory? With PostgreSQL, set DATABASE_URL.`);
    say(`opening the embedded database in ${join(dataDir, 'pglite')} to take a consistent snapshot…`);
    tables = (await snapshotPglite(join(dataDir, 'pglite'))).tables;
    pgVersion = (await readFile(join(dataDir, 'pglite', 'PG_VERSION'), 'utf8')).trim();
    if (existsSync(join(dataDir, 'pglite', 'postmaster.pid'))) {
      throw serverRunningError(dataDir, 'another process opened the embedded database while the backup ran', 'back up');
    }
  } else if (o.withPgDump) {
    pgDumpFile = join(tmpdir(), `shuzhi-pgdump-${randomBytes(6).toString('hex')}.dump`);
    say('running pg_dump (custom format) of DATABASE_URL…');
    // The leader lease stays out: a restored database must not name a leader that may still be alive (or was never there).
    await runPgTool('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', '--exclude-table-data=leadership', `--file=${pgDumpFile}`], o.databaseUrl!, 'BACKUP_PG_DUMP_FAILED');
    tables = await countPostgres(o.databaseUrl!);
  }

  const workRel = o.workDir ? relative(dataDir, resolve(o.workDir)) : null;
  const walked = await walk(dataDir, { workRel: workRel && !workRel.startsWith('..') && workRel !== '' ? workRel.split(sep).join('/') : null, dbKind });
  if (dump) {
    // The database comes from the server's copy, not from files it is writing.
    walked.files = walked.files.filter((f) => f.rel !== 'pglite' && !f.rel.startsWith('pglite/'));
    walked.dirs = walked.dirs.filter((d) => d !== 'pglite' && !d.startsWith('pglite/'));
  }
  const total = walked.files.reduce((a, f) => a + f.size, 0);
  say(`archiving ${walked.files.length} files (${(total / MiB).toFixed(1)} MiB) from ${dataDir}…`);

  const partial = `${out}.partial-${randomBytes(6).toString('hex')}`;
  const w = await TarGzWriter.create(partial);
  const files: Manifest['files'] = [];
  const dirs = walked.dirs.map((d) => `data/${d}`);
  try {
    for (const d of walked.dirs) await w.addDir(`data/${d}`);
    let done = 0;
    let nextReport = 64 * MiB;
    if (dump) {
      await w.addDir('data/pglite');
      dirs.push('data/pglite');
      const copy = dump;
      const it = (async function* () {
        yield copy;
      })();
      for await (const e of readTar(it, { allowed: { roots: ['pglite'], names: [] }, label: 'the database copy', rename: (n) => `pglite/${n.replace(/^\/+/, '')}` })) {
        if (e.path === 'pglite/postmaster.pid') continue;
        if (e.type === 'dir') {
          await w.addDir(`data/${e.path}`);
          dirs.push(`data/${e.path}`);
          continue;
        }
        const a = await w.addStream(`data/${e.path}`, e.size, e.body);
        files.push({ path: `data/${e.path}`, size: a.size, sha256: a.sha256 });
      }
      say(`  the database copy: ${files.length} files`);
      dump = null;
    }
    for (const [i, f] of walked.files.entries()) {
      let a: AddedFile;
      if (o.online) {
        // The server keeps writing small state files (Slurm): take each whole, then archive that version.
        // Large files (scenes, frames) are published once and never rewritten.
        if (f.size <= MiB) {
          const data = await readFile(f.abs).catch(() => null);
          if (!data) continue; // removed meanwhile
          a = await w.addBuffer(`data/${f.rel}`, data, f.mode);
        } else a = await w.addFile(`data/${f.rel}`, f.abs, f);
      } else {
        a = await w.addFile(`data/${f.rel}`, f.abs, f);
        // Changed since the walk (a server started and wrote, a file was replaced)? Then the copy may be torn.
        const now = await stat(f.abs).catch(() => null);
        if (!now || now.size !== f.size || now.mtimeMs !== f.mtimeMs) {
          throw new BackupError('BACKUP_FILE_CHANGED', `${f.abs} changed while the backup ran. Is a server running on ${dataDir}? Stop it and run the backup again.`);
        }
      }
      files.push({ path: `data/${f.rel}`, size: a.size, sha256: a.sha256 });
      done += a.size;
      if (done >= nextReport) {
        say(`  ${i + 1}/${walked.files.length} files, ${(done / MiB).toFixed(0)}/${(total / MiB).toFixed(0)} MiB`);
        nextReport = done + 64 * MiB;
      }
    }
    if (dbKind === 'pglite' && !o.online && existsSync(join(dataDir, 'pglite', 'postmaster.pid'))) {
      throw serverRunningError(dataDir, 'a server opened the embedded database while the backup ran', 'back up');
    }
    if (pgDumpFile) {
      const s = await stat(pgDumpFile);
      const a = await w.addFile(PG_DUMP_ENTRY, pgDumpFile, s);
      files.push({ path: PG_DUMP_ENTRY, size: a.size, sha256: a.sha256 });
    }
    const manifest: Manifest = {
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      shuzhiVersion: o.version,
      createdAt: new Date().toISOString(),
      database: { kind: dbKind, pgVersion, included: dbKind === 'pglite' || pgDumpFile !== null, tables },
      secretsKey: o.secretsKeyFromEnv ? 'environment' : existsSync(join(dataDir, 'keys', 'secrets.key')) ? 'archived' : 'none',
      files,
      dirs,
      excluded: walked.excluded,
    };
    await w.addBuffer(MANIFEST_NAME, Buffer.from(JSON.stringify(manifest, null, 2)));
    await w.finish();
    await rename(partial, out);
    const bytes = (await stat(out)).size;
    return { out, bytes, manifest };
  } catch (err) {
    await w.abort();
    throw err;
  } finally {
    if (pgDumpFile) await unlink(pgDumpFile).catch(() => undefined);
  }
}

/** libpq settings from a postgres:// URL, as environment (a password never shows in `ps`). */
export function pgEnv(url: string): Record<string, string> {
  const u = new URL(url);
  const env: Record<string, string> = {};
  if (u.hostname) env.PGHOST = decodeURIComponent(u.hostname);
  if (u.port) env.PGPORT = u.port;
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (db) env.PGDATABASE = db;
  const q = u.searchParams;
  if (q.get('host')) env.PGHOST = q.get('host')!;
  if (q.get('sslmode')) env.PGSSLMODE = q.get('sslmode')!;
  return env;
}

export function runPgTool(cmd: 'pg_dump' | 'pg_restore', args: string[], url: string, code: 'BACKUP_PG_DUMP_FAILED' | 'RESTORE_PG_RESTORE_FAILED'): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...pgEnv(url) }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 4000) err += d.toString();
    });
    child.on('error', (e) =>
      rej(new BackupError(code, `${cmd} could not be started (${(e as NodeJS.ErrnoException).code ?? e.message}): install the PostgreSQL client tools (Debian: apt-get install postgresql-client) or follow the README's procedure.`, { cause: e })),
    );
    child.on('close', (status) => {
      if (status === 0) res();
      else rej(new BackupError(code, `${cmd} failed (exit ${status}): ${err.trim() || 'no message'}`));
    });
  });
}

async function countPostgres(url: string): Promise<Record<string, number>> {
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: url });
  await client.connect();
  try {
    return await countRows((s) => client.query(s));
  } finally {
    await client.end();
  }
}

/** The PostgreSQL procedure, printed when the database is not in the archive. */
export const PG_PROCEDURE = `The database is PostgreSQL (DATABASE_URL): this archive holds the data files only. Back up the database with
  pg_dump --format=custom --no-owner --exclude-table-data=leadership --file=shuzhi-db.dump "$DATABASE_URL"
(or run shuzhi backup --with-pg-dump to put the dump into the archive). Restore: create an empty database, then
  pg_restore --no-owner --dbname="$NEW_DATABASE_URL" shuzhi-db.dump
  shuzhi restore FILE --data-dir DIR
and start the servers with DATABASE_URL=$NEW_DATABASE_URL and the same SHUZHI_SECRETS_KEY.`;
