import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FIXTURES, fixtureTags, manifestOf, openAndCheckUpgrade } from '../../packages/server/test/upgrade-suite.ts';
import { PG_BIN_DIR, startPostgres } from '../support/postgres.ts';

// Made by scripts/make-upgrade-fixture.mjs from a tagged release: a plain pg_dump after the demo ran.
for (const tag of fixtureTags()) {
  test(`a PostgreSQL database written by ${tag} opens with today's server, migrated, nothing lost`, { timeout: 600_000 }, async () => {
    const server = await startPostgres({ database: `shuzhi_upgrade_${tag.replace(/\W/g, '_')}` });
    const dataDir = mkdtempSync(join(tmpdir(), `shuzhi-upgrade-pg-${tag}-`));
    try {
      const u = new URL(server.url);
      execFileSync(
        join(PG_BIN_DIR, 'psql'),
        ['-h', u.hostname, '-p', u.port, '-U', u.username, '-d', u.pathname.slice(1), '-q', '-v', 'ON_ERROR_STOP=1', '-f', '-'],
        { input: gunzipSync(readFileSync(join(FIXTURES, tag, 'postgres.sql.gz'))), stdio: ['pipe', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 },
      );
      await openAndCheckUpgrade({ dataDir, databaseUrl: server.url, before: manifestOf(tag).postgres });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await server.stop();
    }
  });
}
