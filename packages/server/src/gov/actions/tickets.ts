/** Service-hall queue tickets: numbered per day from a counter row, called oldest first by any window (一窗受理). */
import { eq, inArray, sql } from 'drizzle-orm';
import { shanghaiDate } from '@shuzhi/gov';
import type { GovTicket } from '@shuzhi/schema';
import type { Principal } from '../../auth/principal.ts';
import { newId } from '../../ids.ts';
import { ticketView } from '../case-views.ts';
import { govTicketCounters, govTickets } from '../db-schema.ts';
import type { GovDeps } from '../deps.ts';

/**
 * One upsert bumps the day's counter and returns the new value: concurrent windows queue on that row, so
 * each gets its own number on PGlite and PostgreSQL alike (a count of the day's tickets gave two windows one).
 */
export async function takeTicket(d: GovDeps): Promise<GovTicket> {
  const now = d.clock.now();
  const day = shanghaiDate(now);
  const row = await d.db.transaction(async (tx) => {
    const [c] = await tx
      .insert(govTicketCounters)
      .values({ day, last: 1 })
      .onConflictDoUpdate({ target: govTicketCounters.day, set: { last: sql`${govTicketCounters.last} + 1` } })
      .returning({ last: govTicketCounters.last });
    const seq = c!.last;
    const [r] = await tx.insert(govTickets).values({ id: newId('tkt'), number: `${day}-A${String(seq).padStart(3, '0')}`, day, seq, status: 'waiting', createdAt: new Date(now) }).returning();
    return r!;
  });
  return ticketView(row);
}

export async function callNext(d: GovDeps, p: Principal): Promise<GovTicket | null> {
  const now = d.clock.now();
  return d.db.transaction(async (tx) => {
    const [next] = await tx.select().from(govTickets).where(eq(govTickets.status, 'waiting')).orderBy(govTickets.createdAt).limit(1).for('update', { skipLocked: true });
    if (!next) return null;
    const [r] = await tx.update(govTickets).set({ status: 'called', windowUserId: p.userId, calledAt: new Date(now) }).where(eq(govTickets.id, next.id)).returning();
    return ticketView(r!);
  });
}

export async function openTickets(d: GovDeps): Promise<GovTicket[]> {
  const rows = await d.db.select().from(govTickets).where(inArray(govTickets.status, ['waiting', 'called'])).orderBy(govTickets.createdAt).limit(100);
  return rows.map(ticketView);
}
