import { govApiSuite } from './gov-suite.ts';

govApiSuite();
