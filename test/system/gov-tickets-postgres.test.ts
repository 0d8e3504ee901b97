import { after, before } from 'node:test';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { govTicketSuite } from '../../packages/server/test/gov-tickets-suite.ts';

let pg: PostgresHandle;
before(async () => {
  pg = await startPostgres({ database: 'shuzhi_gov_tickets' });
});
after(async () => {
  await pg?.stop();
});

govTicketSuite({ databaseUrl: () => pg.url });
