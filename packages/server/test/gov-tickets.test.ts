import { govTicketSuite } from './gov-tickets-suite.ts';

govTicketSuite();
