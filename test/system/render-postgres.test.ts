import { after, before } from 'node:test';
import { renderStorageSuite } from '../../packages/server/test/render-suite.ts';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';

let pg: PostgresHandle;
before(async () => {
  pg = await startPostgres();
});
after(async () => {
  await pg.stop();
});

renderStorageSuite('PostgreSQL 15', () => pg.url);
