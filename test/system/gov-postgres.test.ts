import { after, before } from 'node:test';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { govApiSuite } from '../../packages/server/test/gov-suite.ts';
import { govTicketSuite } from '../../packages/server/test/gov-tickets-suite.ts';

let pg: PostgresHandle;
before(async () => {
  pg = await startPostgres({ database: 'shuzhi_gov' });
});
after(async () => {
  await pg?.stop();
});

govApiSuite({ databaseUrl: () => pg.url });
// Windows racing for tickets: on PostgreSQL transactions really run at once (PGlite runs one at a time).
govTicketSuite({ databaseUrl: () => pg.url });
