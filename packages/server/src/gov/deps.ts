import type { Clock } from '@shuzhi/schema';
import type { WorkingCalendar } from '@shuzhi/gov';
import type { Db } from '../db/client.ts';
import type { EventBus } from '../events/bus.ts';
import type { CatalogueStore } from './catalogue-store.ts';
import type { IssuerKey } from './issuer.ts';
import type { RegistryStore } from './registry-store.ts';

/** What every gov action works with. */
export interface GovDeps {
  db: Db;
  bus: EventBus;
  catalogue: CatalogueStore;
  registry: RegistryStore;
  key: IssuerKey;
  calendar: WorkingCalendar;
  clock: Clock;
  /** Channels beyond the app that notices are queued for (e-mail only when SMTP is configured). */
  outboxChannels: readonly OutboxChannel[];
}

export type OutboxChannel = 'email' | 'sms';
