import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import createClient from 'openapi-fetch';
import type { paths } from '@shuzhi/schema/api';
import { loadConfig } from '../config.ts';
import type { Manifest } from '../backup/manifest.ts';
import { PG_PROCEDURE, backup } from '../backup/backup.ts';
import { BackupError } from '../backup/errors.ts';
import { restore, verifyArchive } from '../backup/restore.ts';
import { SHUZHI_VERSION } from '../backup/version.ts';
import { type Flags, UsageError, parseArgs, str } from './args.ts';

export const BACKUP_USAGE = `usage: shuzhi backup --out FILE [--data-dir DIR] [--force] [--with-pg-dump] [--server-stopped]
       shuzhi backup --online --out FILE [--server URL] [--token T] [--force]

Writes one .tar.gz (mode 0600: it holds keys) with the embedded database, the data files (render uploads
and frames, the secrets key, mine PKI, Slurm state) and a manifest (versions, time, row counts per table,
sha256 of every file). Task scratch and uploads in progress are left out.

The embedded database allows one process at a time. With the server stopped, the backup opens the
database itself, checkpoints and closes it cleanly, so the copy is consistent; it refuses while a
server runs on the directory. While the server runs, use --online: the server takes the same archive
(POST /api/admin/backup, operators only; PGlite copies itself between queries) and the command saves
it and checks every sha256.

With DATABASE_URL (PostgreSQL) the archive holds the data files only and the command prints the
pg_dump procedure; --with-pg-dump runs pg_dump (must be on PATH) into the archive as well. Servers may
keep running for a PostgreSQL backup.

  --out FILE         the archive to write (required); an existing file is replaced only with --force
  --data-dir DIR     the server's data directory (default SHUZHI_DATA_DIR or ./data)
  --force            replace an existing --out
  --with-pg-dump     PostgreSQL: put a pg_dump (custom format) of DATABASE_URL into the archive
  --server-stopped   skip the running-server check (a server was killed and left its lock behind)
  --online           take the backup through the running server (SHUZHI_SERVER / --server, an operator's
                     SHUZHI_TOKEN / --token)
If SHUZHI_SECRETS_KEY is set the key is not in the archive: keep it apart, with the backup.
exit codes: 0 ok, 2 bad arguments, 1 failure (the message says what to do)`;

export const RESTORE_USAGE = `usage: shuzhi restore FILE [--data-dir DIR] [--force] [--pg-restore] [--server-stopped]

Checks the archive first (its manifest and the sha256 of every file: nothing is written from a damaged
or altered archive, nor from one with links or paths leaving the directory), then restores the data
directory (mode 0700, files 0600), checks the embedded database opens with the row counts of the
manifest, and says what it restored.

  FILE               an archive written by shuzhi backup
  --data-dir DIR     where to restore (default SHUZHI_DATA_DIR or ./data); must be new or empty
  --force            restore over a non-empty directory: its contents are moved aside to
                     DIR.before-restore-<time> first, never deleted
  --pg-restore       PostgreSQL archives made with --with-pg-dump: pg_restore the dump into DATABASE_URL
                     (an empty database); without it the dump is left in the archive
  --server-stopped   skip the running-server check on a non-empty --data-dir
exit codes: 0 ok, 2 bad arguments, 1 failure (the message says what to do)`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
}
const defaultIo: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l), env: process.env };

const MiB = 1024 * 1024;

function configFor(flags: Flags, env: CliIo['env']) {
  const dir = flags['data-dir'];
  if (dir === true) throw new UsageError('--data-dir needs a directory');
  return loadConfig(dir ? { ...env, SHUZHI_DATA_DIR: dir } : env);
}

async function guarded(io: CliIo, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof BackupError) {
      io.err(`error [${err.code}]: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

export async function backupCommand(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const { flags, positional } = parseArgs(argv, { switches: ['force', 'with-pg-dump', 'server-stopped', 'online'], values: ['out', 'data-dir', 'server', 'token'] });
  if (flags.help) {
    io.out(BACKUP_USAGE);
    return 0;
  }
  if (positional.length) throw new UsageError(`unexpected argument ${positional[0]} (did you mean --out ${positional[0]}?)\n\n${BACKUP_USAGE}`);
  const out = str(flags, 'out');
  if (flags.online) return guarded(io, () => onlineBackup(flags, resolve(out), io));
  const config = configFor(flags, io.env);
  if (flags['with-pg-dump'] && !config.DATABASE_URL) throw new UsageError('--with-pg-dump is for PostgreSQL: set DATABASE_URL (the embedded database is always in the archive)');
  return guarded(io, async () => {
    const r = await backup({
      dataDir: config.dataDir,
      workDir: config.workDir,
      out,
      force: flags.force === true,
      databaseUrl: config.DATABASE_URL,
      secretsKeyFromEnv: Boolean(config.SHUZHI_SECRETS_KEY),
      withPgDump: flags['with-pg-dump'] === true,
      serverStopped: flags['server-stopped'] === true,
      version: SHUZHI_VERSION,
      progress: io.out,
    });
    summarise(io, r.out, r.bytes, r.manifest);
    return 0;
  });
}

function summarise(io: CliIo, out: string, bytes: number, m: Manifest): void {
  const rows = m.database.tables ? Object.values(m.database.tables).reduce((a, b) => a + b, 0) : 0;
  io.out(`backup written: ${out} (${(bytes / MiB).toFixed(1)} MiB, mode 0600)`);
  io.out(`  ${m.files.length} files; ${m.excluded.length} paths left out (${[...new Set(m.excluded.map((e) => e.reason))].join('; ') || 'none'})`);
  if (m.database.included) io.out(`  database (${m.database.kind}): ${Object.keys(m.database.tables ?? {}).length} tables, ${rows} rows`);
  if (m.secretsKey === 'archived') io.out('  secrets key: in the archive — keep the archive as secret as the server');
  if (m.secretsKey === 'environment') io.out('  secrets key: from SHUZHI_SECRETS_KEY, NOT in the archive — keep that key with the backup, or jobs\' env cannot be read after a restore');
  if (m.database.kind === 'postgres' && !m.database.included) io.out(PG_PROCEDURE);
}

/** Asks the running server for the archive, saves it (0600, never over a file without --force) and checks it. */
async function onlineBackup(flags: Flags, out: string, io: CliIo): Promise<number> {
  const server = (typeof flags.server === 'string' ? flags.server : io.env.SHUZHI_SERVER) ?? 'http://localhost:8080';
  const token = typeof flags.token === 'string' ? flags.token : io.env.SHUZHI_TOKEN;
  if (!token) throw new UsageError('--online needs an operator\'s API token: pass --token or set SHUZHI_TOKEN (eval "$(npx shuzhi login --username operator)")');
  if (existsSync(out) && flags.force !== true) throw new BackupError('BACKUP_OUT_EXISTS', `${out} exists. Choose another --out, or pass --force to replace it.`);
  io.out(`asking ${server} for a backup…`);
  const http = createClient<paths>({ baseUrl: server.replace(/\/$/, ''), headers: { authorization: `Bearer ${token}` } });
  const { data: body, error, response: res } = await http.POST('/api/admin/backup', { parseAs: 'stream' }).catch((err: Error) => {
    throw new BackupError('BACKUP_SERVER_UNREACHABLE', `cannot reach ${server}: ${err.message}. Is the server running? Without it, run shuzhi backup without --online.`);
  });
  if (!body) {
    // openapi-fetch hands over problem+json parsed, anything else as text.
    const msg = error && typeof error === 'object' ? `${error.code}: ${error.detail}` : String(error ?? '');
    io.err(`error: the server refused the backup (${res.status}) ${msg}`);
    return 1;
  }
  const partial = `${out}.partial-${randomBytes(6).toString('hex')}`;
  try {
    await pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream), createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
    io.out('checking the archive (manifest and every sha256)…');
    const m = await verifyArchive(partial);
    await rename(partial, out);
    summarise(io, out, (await stat(out)).size, m);
    return 0;
  } catch (err) {
    await unlink(partial).catch(() => undefined);
    throw err;
  }
}

export async function restoreCommand(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const { flags, positional } = parseArgs(argv, { switches: ['force', 'pg-restore', 'server-stopped'], values: ['data-dir'] });
  if (flags.help) {
    io.out(RESTORE_USAGE);
    return 0;
  }
  if (positional.length !== 1) throw new UsageError(`give exactly one backup file\n\n${RESTORE_USAGE}`);
  const config = configFor(flags, io.env);
  if (flags['pg-restore'] && !config.DATABASE_URL) throw new UsageError('--pg-restore needs DATABASE_URL: the (empty) PostgreSQL database to restore into');
  return guarded(io, async () => {
    const r = await restore({
      file: positional[0]!,
      dataDir: config.dataDir,
      force: flags.force === true,
      serverStopped: flags['server-stopped'] === true,
      pgRestoreUrl: flags['pg-restore'] === true ? config.DATABASE_URL : undefined,
      progress: io.out,
    });
    const m = r.manifest;
    io.out(`restored into ${r.dataDir}: ${r.files} files (${(r.bytes / MiB).toFixed(1)} MiB), from a backup made ${m.createdAt} by Shuzhi ${m.shuzhiVersion}`);
    if (r.movedAside) io.out(`  the previous contents are in ${r.movedAside} (delete it yourself once the restore is checked)`);
    if (r.tables) {
      const pick = (t: string) => r.tables![`public.${t}`] ?? 0;
      const rows = Object.values(r.tables).reduce((a, b) => a + b, 0);
      io.out(`  embedded database: ${Object.keys(r.tables).length} tables, ${rows} rows — jobs ${pick('jobs')}, render jobs ${pick('render_jobs')}, billing charges ${pick('billing_charges')}, gov applications ${pick('gov_applications')}, certificates ${pick('gov_certificates')}`);
    }
    if (r.pgRestored) io.out('  PostgreSQL: the dump was restored into DATABASE_URL');
    else if (m.database.kind === 'postgres') io.out(`  PostgreSQL: the database is not restored by this command; see shuzhi restore --help and the README (Backup and restore)`);
    const uploads = m.files.filter((f) => f.path.startsWith('data/render/')).length;
    io.out(`  render files: ${uploads}; mine PKI: ${m.files.some((f) => f.path.startsWith('data/mine-pki/')) ? 'yes' : 'none'}`);
    if (m.secretsKey === 'archived') io.out('  secrets key: restored (keys/secrets.key, 0600)');
    if (m.secretsKey === 'environment') io.out('  secrets key: the backup was made with SHUZHI_SECRETS_KEY — start the server with that same key');
    return 0;
  });
}
