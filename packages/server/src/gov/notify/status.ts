/** The outbox for operators: how many notices wait, were sent or failed, and the latest problems. */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { GovOutboxStatus } from '@shuzhi/schema';
import type { Db } from '../../db/client.ts';
import { govContacts, govNotifications, govOutbox } from '../db-schema.ts';
import { maskAddress } from './compose.ts';

export async function outboxStatus(db: Db, channels: GovOutboxStatus['channels']): Promise<GovOutboxStatus> {
  const counts = await db.select({ channel: govOutbox.channel, status: govOutbox.status, n: sql<number>`count(*)::int` }).from(govOutbox).groupBy(govOutbox.channel, govOutbox.status);
  const rows = await db
    .select({ o: govOutbox, email: govContacts.email, phone: govContacts.phone })
    .from(govOutbox)
    .innerJoin(govNotifications, eq(govNotifications.id, govOutbox.notificationId))
    .leftJoin(govContacts, eq(govContacts.subjectId, govNotifications.recipientId))
    .where(and(inArray(govOutbox.status, ['pending', 'failed']), sql`${govOutbox.lastError} is not null`))
    .orderBy(desc(govOutbox.nextAt))
    .limit(50);
  return {
    channels,
    counts,
    failures: rows.map(({ o, email, phone }) => {
      const to = o.channel === 'email' ? email : phone;
      return { id: o.id, channel: o.channel, status: o.status, attempts: o.attempts, lastError: o.lastError, nextAt: o.nextAt.toISOString(), to: to ? maskAddress(o.channel, to) : null };
    }),
  };
}
