import { storageSuite } from './storage-suite.ts';

storageSuite('PGlite', () => undefined);
