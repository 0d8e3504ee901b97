import { after, before } from 'node:test';
import { billingSuite } from '../../packages/server/test/billing-suite.ts';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';

let pg: PostgresHandle;
before(async () => {
  pg = await startPostgres({ database: 'shuzhi_billing' });
});
after(async () => {
  await pg.stop();
});

billingSuite('PostgreSQL 15', () => pg.url, { concurrent: 100 });
