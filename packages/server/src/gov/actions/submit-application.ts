/** Intake from every channel: one idempotent submit creates the case, its department tasks and the audit rows. */
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { applicationStatus, createApplication, formText, noticeText, type Channel } from '@shuzhi/gov';
import { GovSubmitApplication as SubmitSchema, type GovApplicationView, type GovSubmitApplication } from '@shuzhi/schema';
import type { Principal } from '../../auth/principal.ts';
import { errors } from '../../errors.ts';
import type { PublishedEvent } from '../../events/bus.ts';
import { newId } from '../../ids.ts';
import { recordReads } from '../audit.ts';
import { caseView, fieldSpecs, materialSpecs } from '../case-views.ts';
import { govApplications, govTickets } from '../db-schema.ts';
import type { GovDeps } from '../deps.ts';
import { applicationByIdempotency, bilingual, itemOrFail, today } from '../reads.ts';
import { applicationRecord, type ApplicationRecord, type StoredForm } from '../rows.ts';
import { checkSubmission } from '../validation.ts';
import { notify, writeTasks } from '../writes.ts';
import { isDemoUser } from './demo-users.ts';
import { resolveApplicant } from './identity.ts';
import { accessReads, runPrefill } from './prefill.ts';

export async function submitApplication(d: GovDeps, p: Principal, raw: GovSubmitApplication): Promise<{ application: GovApplicationView; created: boolean }> {
  const body = SubmitSchema.parse(raw);
  const idem = `${p.userId}:${body.idempotencyKey}`;
  const existing = await applicationByIdempotency(d, idem);
  if (existing) return { application: await caseView(d, p, existing, false), created: false };

  const cat = await d.catalogue.load();
  const { item, services } = itemOrFail(cat, body.itemId);
  const who = await resolveApplicant(d, p, item, body.applicant);
  const channel: Channel = p.role === 'window' ? (body.channel === 'hotline' ? 'hotline' : 'window') : body.channel;
  if (p.role !== 'window' && (channel === 'window' || channel === 'hotline')) throw errors.validation([{ path: 'channel', message: bilingual(formText.staffChannelsOnly) }]);
  if (body.selectedServiceIds && !item.modes.tickToApply) throw errors.validation([{ path: 'selectedServiceIds', message: bilingual(formText.noTickToApply(item.name)) }]);
  const id = body.draftId && /^app_[A-Za-z0-9_-]{6,64}$/.test(body.draftId) ? body.draftId : newId('app');
  const registries = await d.registry.subjectsFor(who.applicant);
  const result = runPrefill(d, item, services, who.applicant, registries, body.consent, id);
  const problems = checkSubmission({
    prefill: result,
    fieldSpecs: fieldSpecs(services),
    materialSpecs: materialSpecs(services),
    answers: body.answers,
    materials: body.materials,
    commitmentSigned: body.commitment?.signed === true,
    today: today(d),
  });
  if (body.commitment && !(item.modes.commitment || services.some((s) => s.commitmentAllowed))) problems.push({ path: 'commitment', message: bilingual(formText.noCommitment(item.name)) });
  if (problems.length) throw errors.validation(problems);

  const now = d.clock.now();
  const app = createApplication({
    id,
    item,
    services,
    applicant: who.applicant,
    channel,
    submittedAt: now,
    ...(body.commitment ? { commitment: { statementSha256: createHash('sha256').update(body.commitment.statement).digest('hex'), signedAt: now } } : {}),
    ...(body.selectedServiceIds ? { selectedServiceIds: body.selectedServiceIds } : {}),
    calendar: d.calendar,
  });
  const { accesses: _omit, ...stored } = result;
  const form: StoredForm = {
    applicantName: who.name,
    consent: body.consent,
    consentAt: now,
    prefill: stored,
    answers: body.answers,
    materials: body.materials,
    ...(body.commitment ? { commitmentStatement: body.commitment.statement } : {}),
  };
  const demo = await isDemoUser(d, p.userId);
  const ev: PublishedEvent[] = [];
  let row: ApplicationRecord | undefined;
  try {
    await d.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(govApplications)
        .values({
          id,
          itemId: item.id,
          itemVersion: item.version,
          subjectId: who.subjectId,
          applicantUserId: who.userId,
          filedBy: p.role === 'window' ? p.userId : null,
          channel,
          ticketId: body.ticketId ?? null,
          idempotencyKey: idem,
          status: applicationStatus(app),
          state: app,
          form,
          submittedAt: new Date(now),
          updatedAt: new Date(now),
          demo,
        })
        .returning();
      row = applicationRecord(inserted!);
      await writeTasks(tx, app, null, now);
      await recordReads(d, tx, p, accessReads(result, registries), id, 'application intake');
      await notify(d, tx, who.subjectId, id, 'received', noticeText.received(item, id), now);
      if (body.ticketId && p.role === 'window') {
        await tx.update(govTickets).set({ status: 'done', applicationId: id }).where(and(eq(govTickets.id, body.ticketId), eq(govTickets.windowUserId, p.userId)));
      }
      await d.bus.record(tx, ev, { kind: 'gov.application.submitted', entity: 'gov_application', entityId: id, actor: p.userId, data: { itemId: item.id, channel, tasks: app.order.length } });
    });
  } catch (err) {
    // Two submits with one key racing each other: the loser answers with the winner's application.
    const winner = await applicationByIdempotency(d, idem);
    if (winner) return { application: await caseView(d, p, winner, false), created: false };
    throw err;
  }
  d.bus.publish(ev);
  return { application: await caseView(d, p, row!, false), created: true };
}
