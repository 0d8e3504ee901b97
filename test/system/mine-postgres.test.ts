// The mine API suite (real OPC UA simulator, alarms, audit, historian) on PostgreSQL 15.
import { mineApiSuite } from '../../packages/server/test/mine-api-suite.ts';
import { startPostgres } from '../support/postgres.ts';

mineApiSuite({ database: () => startPostgres({ database: 'shuzhi_mine' }) });
