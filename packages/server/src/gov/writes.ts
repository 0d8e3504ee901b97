/** Writes several actions share: the task queue mirror and applicant notifications. */
import type { Application, LocalizedText } from '@shuzhi/gov';
import type { Tx } from '../db/client.ts';
import { eq } from 'drizzle-orm';
import { newId } from '../ids.ts';
import { govContacts, govNotifications, govOutbox, govTasks } from './db-schema.ts';
import type { GovDeps } from './deps.ts';

/** Mirrors the engine's tasks into the queue table: only tasks whose state changed are written. */
export async function writeTasks(tx: Tx, app: Application, before: Application | null, now: number): Promise<void> {
  for (const id of app.order) {
    const t = app.tasks[id]!;
    const old = before?.tasks[id];
    if (old && old.state === t.state && old.dueAt === t.dueAt) continue;
    const values = {
      applicationId: app.id,
      serviceId: id,
      departmentId: t.departmentId,
      state: t.state,
      readyAt: t.readyAt !== undefined ? new Date(t.readyAt) : null,
      dueAt: t.dueAt !== undefined ? new Date(t.dueAt) : null,
      updatedAt: new Date(now),
    };
    await tx
      .insert(govTasks)
      .values(values)
      .onConflictDoUpdate({ target: [govTasks.applicationId, govTasks.serviceId], set: { state: values.state, readyAt: values.readyAt, dueAt: values.dueAt, updatedAt: values.updatedAt } });
  }
}

/**
 * Tells a person once per `kind`: a replayed transition notifies nobody twice. The in-app notice and one
 * outbox row per channel the recipient gave a contact for are written in the caller's transaction, so a
 * status change and its messages commit (or roll back) together; the sender loop delivers them later.
 */
export async function notify(d: GovDeps, tx: Tx, recipientId: string, applicationId: string | null, kind: string, message: LocalizedText, at = d.clock.now()): Promise<void> {
  const [row] = await tx.insert(govNotifications).values({ id: newId('ntf'), recipientId, applicationId, kind, message, at: new Date(at) }).onConflictDoNothing().returning({ id: govNotifications.id });
  if (!row || !d.outboxChannels.length) return;
  const [contact] = await tx.select().from(govContacts).where(eq(govContacts.subjectId, recipientId));
  if (!contact) return;
  const channels = d.outboxChannels.filter((c) => (c === 'email' ? contact.email : contact.phone));
  for (const channel of channels) {
    await tx.insert(govOutbox).values({ id: newId('obx'), notificationId: row.id, channel, status: 'pending', nextAt: new Date(at), createdAt: new Date(at) }).onConflictDoNothing();
  }
}
