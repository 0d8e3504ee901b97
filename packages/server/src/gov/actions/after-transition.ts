/**
 * Everything a transition implies, in the same transaction: queue rows, issuance once every task is
 * approved, revocation after a failed verification, life events (免申办), closing figures, notifications.
 */
import { eq, inArray } from 'drizzle-orm';
import { applicationStatus, certificatesToRevoke, noticeText, type Application } from '@shuzhi/gov';
import type { Tx } from '../../db/client.ts';
import type { PublishedEvent } from '../../events/bus.ts';
import { govApplications, govCertificates } from '../db-schema.ts';
import type { GovDeps } from '../deps.ts';
import { measureCase } from '../measure.ts';
import { itemOfCase } from '../reads.ts';
import type { ApplicationRecord } from '../rows.ts';
import { notify, writeTasks } from '../writes.ts';
import { birthFromApplication } from './birth.ts';
import { issueCertificates } from './issue.ts';

/** `row` is the case as locked before the transition; `after` is the engine's new state. */
export async function afterTransition(d: GovDeps, tx: Tx, row: ApplicationRecord, after: Application, now: number, ev: PublishedEvent[], actor: string): Promise<Application> {
  const before = row.state;
  let app = after;
  const cat = await d.catalogue.load();
  for (const id of app.order) {
    const approvedNow = before.tasks[id] && before.tasks[id].state !== 'approved' && app.tasks[id]!.state === 'approved';
    if (approvedNow && cat.service(id)?.lifeEvent === 'birth_registered') await birthFromApplication(d, tx, row, now, ev);
  }
  if (applicationStatus(app) === 'completed' && !app.issuance) app = await issueCertificates(d, tx, row, app, cat, now, ev, actor);
  for (const id of app.order) {
    if (before.tasks[id]?.state !== 'revoked' && app.tasks[id]!.state === 'revoked') await revokeAfterFailedVerification(d, tx, row, app, id, now);
  }
  const finalStatus = applicationStatus(app);
  if (applicationStatus(before) === 'supplement_needed' && finalStatus === 'in_progress') {
    // Numbered by the history's length: each supplement round resumes once, and is told once.
    const n = app.order.reduce((k, id) => k + app.tasks[id]!.history.length, 0);
    await notify(d, tx, row.subjectId, row.id, `resumed:${n}`, noticeText.resumed, now);
  }
  const closing = (finalStatus === 'issued' || finalStatus === 'rejected') && row.closedAt === null;
  const set: Partial<typeof govApplications.$inferInsert> = { state: app, status: finalStatus, updatedAt: new Date(now) };
  if (closing) {
    const { item, services } = itemOfCase(cat, row);
    const m = measureCase(app, { ...row.form.prefill, accesses: [] }, item, services, d.calendar);
    Object.assign(set, {
      closedAt: new Date(now),
      steps: m.after.steps,
      materials: m.after.materials,
      trips: m.after.trips,
      workingDays: m.after.workingDays,
      beforeSteps: m.before.steps,
      beforeMaterials: m.before.materials,
      beforeTrips: m.before.trips,
      beforeWorkingDays: m.before.workingDays,
      slaMet: m.slaMet,
    });
    if (finalStatus === 'rejected') {
      const reasons = app.order.flatMap((id) => app.tasks[id]!.history.filter((e) => e.to === 'rejected' && e.reason).map((e) => e.reason!));
      await notify(d, tx, row.subjectId, row.id, 'rejected', noticeText.rejected(reasons));
    }
  }
  await tx.update(govApplications).set(set).where(eq(govApplications.id, row.id));
  await writeTasks(tx, app, before, now);
  return app;
}

/** A commitment that failed its check: the task's certificates are revoked, in the library too, and the applicant told. */
async function revokeAfterFailedVerification(d: GovDeps, tx: Tx, row: ApplicationRecord, app: Application, serviceId: string, now: number): Promise<void> {
  const revoke = certificatesToRevoke(app, serviceId);
  if (revoke.length) {
    await tx.update(govCertificates).set({ status: 'revoked', revokedAt: new Date(now), revokedReason: 'verification failed' }).where(inArray(govCertificates.id, revoke));
    await d.registry.setLibraryStatus(tx, revoke, 'revoked');
  }
  await notify(d, tx, row.subjectId, row.id, `revoked:${serviceId}`, noticeText.revokedAfterVerification);
}
