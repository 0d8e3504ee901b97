import { after, before } from 'node:test';
import { renderLimitsSuite } from '../../packages/server/test/render-limits-suite.ts';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';

let pg: PostgresHandle;
before(async () => {
  pg = await startPostgres();
});
after(async () => {
  await pg.stop();
});

renderLimitsSuite('PostgreSQL 15', () => pg.url);
