import { mineApiSuite } from './mine-api-suite.ts';

mineApiSuite();
