import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { StartError } from '../lifecycle/errors.ts';
import type { Logger } from '../log.ts';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** True when this open created the database (first start). */
  created: boolean;
  /**
   * Ends the migration phase that `openDatabase` began: on PostgreSQL it releases the advisory lock that
   * keeps two servers from migrating (or seeding a new database) at once. Safe to call twice.
   */
  endMigrations(): Promise<void>;
  close(): Promise<void>;
  /** PGlite only: a consistent copy of its data directory as a tar (taken between queries, after a checkpoint). */
  dumpDataDir?: () => Promise<Blob>;
  /**
   * PGlite only: the bytes of its WebAssembly memory now (part of the process's `external` memory).
   * It grows to what the database has needed at once and never shrinks.
   */
  engineMemoryBytes?: () => number;
}

/**
 * The PostgreSQL advisory lock (two-int form: class, object) held from the first migration to the last
 * module's, on one connection of its own. Class 0x53685a68 is "ShZh"; other singletons take other objects.
 */
export const MIGRATION_LOCK = { classId: 0x53685a68, objectId: 1 } as const;
/** How long a start waits for another server's migrations before it gives up with MIGRATION_LOCK_TIMEOUT. */
const MIGRATION_LOCK_WAIT_MS = 10 * 60_000;
const CONNECT_TIMEOUT_MS = 15_000;

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/**
 * PGlite in `dataDir` by default; real PostgreSQL when `url` is given. The core migrations are applied
 * either way; on PostgreSQL under the migration lock, which stays held until `endMigrations()` so the
 * modules' migrations run under it too. (PGlite's directory is locked by the server: see DataDirLock.)
 */
export async function openDatabase(opts: {
  url?: string | undefined;
  dataDir?: string | undefined;
  memory?: boolean;
  log?: Logger;
  /** PGlite only: its page cache (shared_buffers) in MB; PostgreSQL's default 128 MB when unset. */
  pgliteSharedBuffersMb?: number;
}): Promise<Database> {
  if (opts.url) {
    const pg = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    // The lock's own connection, opened first: it also tells an unreachable server apart, within a bound.
    const lock = new pg.default.Client({ connectionString: opts.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    lock.on('error', () => undefined);
    try {
      await lock.connect();
    } catch (err) {
      await lock.end().catch(() => undefined);
      throw new StartError(
        'DATABASE_UNREACHABLE',
        `cannot reach PostgreSQL at ${describeUrl(opts.url)} (DATABASE_URL): ${(err as Error).message || (err as { code?: string }).code}; is it running, and are host, port, user and password right?`,
        { cause: err },
      );
    }
    let locked = false;
    const endMigrations = async () => {
      if (!locked) return;
      locked = false;
      await lock.query('select pg_advisory_unlock($1, $2)', [MIGRATION_LOCK.classId, MIGRATION_LOCK.objectId]).catch(() => undefined);
      await lock.end().catch(() => undefined);
    };
    const pool = new pg.default.Pool({ connectionString: opts.url, max: 10 });
    try {
      await takeMigrationLock(lock, opts.url, opts.log);
      locked = true;
      const db = drizzle(pool, { schema }) as unknown as Db;
      // Asked under the lock: a server that waited for another's first migration finds the schema made.
      const created = !(await hasSchema(pool));
      await runMigration('core', () => migrate(drizzle(pool, { schema }), { migrationsFolder }));
      return {
        db,
        kind: 'postgres',
        created,
        endMigrations,
        close: async () => {
          await endMigrations();
          await pool.end();
        },
      };
    } catch (err) {
      await endMigrations();
      if (!locked) await lock.end().catch(() => undefined);
      await pool.end().catch(() => undefined);
      throw err;
    }
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const dir = opts.memory ? null : `${opts.dataDir ?? './data'}/pglite`;
  let client: InstanceType<typeof PGlite>;
  try {
    // Postgres settings go in as command-line options after PGlite's own (-c name=value).
    const startParams = opts.pgliteSharedBuffersMb ? [...PGlite.defaultStartParams, '-c', `shared_buffers=${opts.pgliteSharedBuffersMb}MB`] : undefined;
    if (dir === null) client = new PGlite(startParams ? { startParams } : {});
    else {
      mkdirSync(dir, { recursive: true });
      client = new PGlite(dir, startParams ? { startParams } : {});
    }
    await client.waitReady;
  } catch (err) {
    throw new StartError(
      'DATABASE_OPEN_FAILED',
      `cannot open the embedded database${dir ? ` in ${dir}` : ''}: ${(err as Error).message || String(err)}; restore it from a backup, or move it aside to start empty`,
      { cause: err },
    );
  }
  try {
    const created = !(await hasSchema(client));
    const db = drizzle(client, { schema });
    await runMigration('core', () => migrate(db, { migrationsFolder }));
    const dumpDataDir = async () => {
      await client.exec('CHECKPOINT');
      return client.dumpDataDir('none');
    };
    // PGlite has no public figure for it: its Emscripten module's heap view spans the whole memory.
    const engineMemoryBytes = () => (client as unknown as { mod?: { HEAPU8?: Uint8Array } }).mod?.HEAPU8?.byteLength ?? 0;
    return {
      db: db as unknown as Db, kind: 'pglite', created, endMigrations: async () => undefined, close: () => client.close(), engineMemoryBytes,
      ...(opts.memory ? {} : { dumpDataDir }),
    };
  } catch (err) {
    await client.close().catch(() => undefined);
    throw err;
  }
}

async function takeMigrationLock(
  lock: { query: (sql: string, values?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }> },
  url: string,
  log: Logger | undefined,
): Promise<void> {
  const args = [MIGRATION_LOCK.classId, MIGRATION_LOCK.objectId];
  const got = await lock.query('select pg_try_advisory_lock($1, $2) as ok', args);
  if (got.rows[0]?.ok === true) return;
  const holder = await lock
    .query(
      `select pid from pg_locks where locktype = 'advisory' and classid = $1 and objid = $2 and granted limit 1`,
      args.map((n) => String(n >>> 0)),
    )
    .catch(() => ({ rows: [] }));
  log?.info({ holderBackendPid: holder.rows[0]?.pid ?? null }, 'another server is migrating this database; waiting for it to finish');
  await lock.query(`set statement_timeout = ${MIGRATION_LOCK_WAIT_MS}`);
  try {
    await lock.query('select pg_advisory_lock($1, $2)', args);
  } catch (err) {
    if ((err as { code?: string }).code === '57014') {
      throw new StartError(
        'MIGRATION_LOCK_TIMEOUT',
        `another server has held the migration lock of ${describeUrl(url)} for over ${MIGRATION_LOCK_WAIT_MS / 60_000} min; ` +
          'see pg_locks/pg_stat_activity for the stuck session, stop it, and start again',
        { cause: err },
      );
    }
    throw err;
  } finally {
    await lock.query('set statement_timeout = 0').catch(() => undefined);
  }
}

async function runMigration(name: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const e = err as Error & { cause?: Error };
    // drizzle wraps the database's error: its own message says which statement failed.
    const why = e.cause?.message ? `${e.cause.message}` : e.message;
    throw new StartError(
      'MIGRATION_FAILED',
      `the ${name} database migration failed: ${why.split('\n')[0]}; it ran in a transaction, so nothing of it was applied — fix the cause (or restore a backup) and start again`,
      { cause: err },
    );
  }
}

/** host:port/database of a postgres:// URL, without its user and password. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

async function hasSchema(q: { query: (sql: string) => Promise<{ rows: unknown[] }> }): Promise<boolean> {
  const r = await q.query(`select 1 from information_schema.tables where table_name = 'users'`);
  return r.rows.length > 0;
}

/** Applies one module's migrations, tracked in its own table so modules evolve independently. */
export async function migrateModule(database: Database, name: string, folder: string): Promise<void> {
  const migrationsTable = `__drizzle_migrations_${name}`;
  if (database.kind === 'postgres') {
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    await runMigration(name, () => migrate(database.db as never, { migrationsFolder: folder, migrationsTable }));
  } else {
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    await runMigration(name, () => migrate(database.db as never, { migrationsFolder: folder, migrationsTable }));
  }
}
