import { renderStorageSuite } from './render-suite.ts';

// The render farm's storage contract on the embedded database; test/system/render-postgres.test.ts runs the same on PostgreSQL 15.
renderStorageSuite('PGlite', () => undefined);
