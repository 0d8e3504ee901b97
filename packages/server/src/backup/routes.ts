import { createReadStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { sql } from 'drizzle-orm';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { events } from '../db/schema.ts';
import { AppError, errors } from '../errors.ts';
import { principalOf, router } from '../http/context.ts';
import type { Logger } from '../log.ts';
import { backup } from './backup.ts';
import { BackupError } from './errors.ts';
import { SHUZHI_VERSION } from './version.ts';
import { SIGNED_IN, problems } from '../http/openapi.ts';

/**
 * POST /api/admin/backup (operators): the same archive as `shuzhi backup`, taken by the running server —
 * PGlite copies its own directory between queries, so the server keeps serving. One at a time.
 */
export function backupRoutes(o: { database: Database; config: Config; log: Logger }) {
  const r = router();
  let running = false;
  r.openapi(
    createRoute({
      operationId: 'takeBackup',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/admin/backup',
      tags: ['admin'],
      summary: 'Back up the data directory (embedded database, files, keys) as a .tar.gz (operators)',
      responses: { 200: { description: 'The archive (shuzhi restore FILE restores it)', content: { 'application/gzip': { schema: z.string() } } }, ...problems(401, 403, 409) },
    }),
    async (c) => {
      const p = principalOf(c);
      if (p.role !== 'operator') throw errors.forbidden('download backups (they hold the secrets key)');
      if (running) throw errors.conflict('BACKUP_IN_PROGRESS', 'A backup is being taken; wait for it to finish.');
      running = true;
      const file = join(tmpdir(), `shuzhi-online-${randomBytes(8).toString('hex')}.tar.gz`);
      try {
        const db = o.database;
        const r2 = await backup({
          dataDir: o.config.dataDir,
          workDir: o.config.workDir,
          out: file,
          databaseUrl: o.config.DATABASE_URL,
          secretsKeyFromEnv: Boolean(o.config.SHUZHI_SECRETS_KEY),
          version: SHUZHI_VERSION,
          ...(db.kind === 'pglite' && db.dumpDataDir
            ? {
                online: {
                  dumpDataDir: db.dumpDataDir,
                  countRows: () => countInTransaction(db),
                },
              }
            : {}),
        });
        await db.db.insert(events).values({ kind: 'backup.taken', entity: 'backup', entityId: r2.manifest.createdAt, actor: p.userId, data: { bytes: r2.bytes, files: r2.manifest.files.length } });
        o.log.info({ actor: p.username, bytes: r2.bytes }, 'backup taken through the API');
        const size = (await stat(file)).size;
        const body = createReadStream(file);
        body.on('close', () => void unlink(file).catch(() => undefined));
        const name = `shuzhi-backup-${r2.manifest.createdAt.replace(/[:.]/g, '-')}.tar.gz`;
        return new Response(Readable.toWeb(body) as unknown as ReadableStream, {
          status: 200,
          headers: { 'content-type': 'application/gzip', 'content-length': String(size), 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store' },
        }) as never;
      } catch (err) {
        await unlink(file).catch(() => undefined);
        if (err instanceof BackupError) throw new AppError(err.code, 500, err.message, { cause: err });
        throw err;
      } finally {
        running = false;
      }
    },
  );
  return r;
}

/** Row counts of every table in one repeatable-read transaction (one snapshot). */
async function countInTransaction(database: Database): Promise<Record<string, number>> {
  return database.db.transaction(
    async (tx) => {
      const run = async (text: string) => (await tx.execute(sql.raw(text))) as unknown as { rows: Record<string, unknown>[] };
      const { countRows } = await import('./backup.ts');
      return countRows(run);
    },
    { isolationLevel: 'repeatable read' },
  );
}
