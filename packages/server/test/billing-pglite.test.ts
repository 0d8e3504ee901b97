import { billingSuite } from './billing-suite.ts';

billingSuite('PGlite', () => undefined, { concurrent: 30 });
