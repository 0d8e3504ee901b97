import { renderLimitsSuite } from './render-limits-suite.ts';

// Limits under concurrent asks on the embedded database; test/system/render-limits-postgres.test.ts runs the same on PostgreSQL 15.
renderLimitsSuite('PGlite', () => undefined);
