/**
 * Delivers the outbox: claims due rows under a lease (FOR UPDATE SKIP LOCKED, so two senders — two replicas,
 * or a restarted process next to a dying one — never hold the same row), sends each through its channel and
 * marks it sent; a failure is retried with exponential backoff and, after the last attempt or a permanent
 * refusal (SMTP 5xx), marked failed for operators to see.
 *
 * Guarantee: at least once. A message is sent twice only if the process dies after the provider accepted it
 * and before the row was marked sent (then, once the lease runs out, it is sent again with the same
 * Message-ID, so mail clients can fold the copies). A killed process loses nothing: its claimed rows become
 * due again when their lease ends.
 */
import { and, asc, eq, inArray, isNull, lt, lte, or } from 'drizzle-orm';
import type { Clock } from '@shuzhi/schema';
import type { Db } from '../../db/client.ts';
import { newId } from '../../ids.ts';
import type { Logger } from '../../log.ts';
import { govContacts, govNotifications, govOutbox } from '../db-schema.ts';
import { localizedText } from '../rows.ts';
import { composeEmail, composeSms, maskAddress, maskInText, type NoticeLang } from './compose.ts';
import { permanentSmtpFailure, type EmailSender } from './email.ts';
import type { SmsProvider } from './sms.ts';

export const MAX_ATTEMPTS = 8;
const LEASE_MS = 60_000;
const BATCH = 20;

/** 30 s, 1 min, 2 min, … capped at one hour. */
export const backoffMs = (attempts: number): number => Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempts - 1));

export interface OutboxSenderDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  email: EmailSender | null;
  sms: SmsProvider | null;
}

export class OutboxSender {
  /** Each process (and each restart) claims under its own name. */
  readonly id = newId('snd');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(private readonly d: OutboxSenderDeps) {}

  start(everyMs = 2000): void {
    this.timer = setInterval(() => void this.runOnce().catch((err: unknown) => this.d.log.warn({ err: maskInText(String(err)) }, 'gov outbox: sender round failed')), everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    this.d.email?.close();
  }

  /** One round: claims and sends what is due; returns how many rows it handled. Rounds never overlap. */
  runOnce(): Promise<number> {
    if (!this.running) this.running = this.round().finally(() => (this.running = null));
    return this.running;
  }

  private async round(): Promise<number> {
    const claimed = await this.claim();
    for (const row of claimed) await this.deliver(row);
    return claimed.length;
  }

  private async claim() {
    const now = new Date(this.d.clock.now());
    const due = this.d.db
      .select({ id: govOutbox.id })
      .from(govOutbox)
      .where(and(eq(govOutbox.status, 'pending'), lte(govOutbox.nextAt, now), or(isNull(govOutbox.claimedUntil), lt(govOutbox.claimedUntil, now))))
      .orderBy(asc(govOutbox.nextAt))
      .limit(BATCH)
      .for('update', { skipLocked: true });
    return this.d.db
      .update(govOutbox)
      .set({ claimedBy: this.id, claimedUntil: new Date(now.getTime() + LEASE_MS) })
      .where(inArray(govOutbox.id, due))
      .returning();
  }

  private async deliver(row: typeof govOutbox.$inferSelect): Promise<void> {
    const mine = and(eq(govOutbox.id, row.id), eq(govOutbox.claimedBy, this.id));
    const [n] = await this.d.db.select().from(govNotifications).where(eq(govNotifications.id, row.notificationId));
    const [c] = n ? await this.d.db.select().from(govContacts).where(eq(govContacts.subjectId, n.recipientId)) : [];
    const to = row.channel === 'email' ? c?.email : c?.phone;
    const provider = row.channel === 'email' ? this.d.email : this.d.sms;
    if (!n || !to || !provider) {
      // The contact was removed (or the channel switched off) since the notice was queued: nothing to send to.
      await this.d.db.update(govOutbox).set({ status: 'skipped', claimedUntil: null, lastError: !provider ? 'channel off' : 'no contact' }).where(mine);
      return;
    }
    const lang = (c?.lang ?? 'zh') as NoticeLang;
    const message = localizedText(n);
    const attempts = row.attempts + 1;
    try {
      if (row.channel === 'email') await this.d.email!.send({ id: row.id, to, ...composeEmail(message, n.applicationId, lang) });
      else await this.d.sms!.send({ id: row.id, to, text: composeSms(message, n.applicationId, lang) });
      await this.d.db.update(govOutbox).set({ status: 'sent', attempts, sentAt: new Date(this.d.clock.now()), claimedUntil: null, lastError: null }).where(mine);
    } catch (err) {
      const why = maskInText(err instanceof Error ? err.message : String(err)).slice(0, 500);
      const failed = attempts >= MAX_ATTEMPTS || permanentSmtpFailure(err);
      const nextAt = new Date(this.d.clock.now() + backoffMs(attempts));
      await this.d.db.update(govOutbox).set({ status: failed ? 'failed' : 'pending', attempts, nextAt, claimedUntil: null, lastError: why }).where(mine);
      this.d.log.warn({ outbox: row.id, channel: row.channel, to: maskAddress(row.channel, to), attempts, err: why, retry: failed ? null : nextAt.toISOString() }, failed ? 'gov notice not delivered: given up' : 'gov notice not delivered: will retry');
    }
  }
}
