import { after, before } from 'node:test';
import { storageSuite } from '../../packages/server/test/storage-suite.ts';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';

let pg: PostgresHandle;
before(async () => {
  pg = await startPostgres();
});
after(async () => {
  await pg.stop();
});

storageSuite('PostgreSQL 15', () => pg.url);
