import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** True when this open created the database (first start). */
  created: boolean;
  close(): Promise<void>;
  /** PGlite only: a consistent copy of its data directory as a tar (taken between queries, after a checkpoint). */
  dumpDataDir?: () => Promise<Blob>;
}

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** PGlite in `dataDir` by default; real PostgreSQL when `url` is given. Migrations are applied either way. */
export async function openDatabase(opts: { url?: string | undefined; dataDir?: string | undefined; memory?: boolean }): Promise<Database> {
  if (opts.url) {
    const pg = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    const pool = new pg.default.Pool({ connectionString: opts.url, max: 10 });
    const db = drizzle(pool, { schema }) as unknown as Db;
    const created = !(await hasSchema(pool));
    await migrate(drizzle(pool, { schema }), { migrationsFolder });
    return { db, kind: 'postgres', created, close: () => pool.end() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  let client;
  if (opts.memory) client = new PGlite();
  else {
    const dir = `${opts.dataDir ?? './data'}/pglite`;
    mkdirSync(dir, { recursive: true });
    client = new PGlite(dir);
  }
  await client.waitReady;
  const created = !(await hasSchema(client));
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  const dumpDataDir = async () => {
    await client.exec('CHECKPOINT');
    return client.dumpDataDir('none');
  };
  return { db: db as unknown as Db, kind: 'pglite', created, close: () => client.close(), ...(opts.memory ? {} : { dumpDataDir }) };
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
    await migrate(database.db as never, { migrationsFolder: folder, migrationsTable });
  } else {
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    await migrate(database.db as never, { migrationsFolder: folder, migrationsTable });
  }
}
