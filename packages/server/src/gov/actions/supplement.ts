/** 补正: the applicant (or the window for them) answers what officers asked; the asking tasks resume. */
import { and, eq, inArray } from 'drizzle-orm';
import { applyTaskAction, type Channel } from '@shuzhi/gov';
import { GovSupplementSubmission as SupplementSchema, type GovApplicationView, type GovSupplementSubmission } from '@shuzhi/schema';
import type { Principal } from '../../auth/principal.ts';
import { errors } from '../../errors.ts';
import type { PublishedEvent } from '../../events/bus.ts';
import { caseView, fieldSpecs, materialSpecs } from '../case-views.ts';
import { govApplications, govTasks } from '../db-schema.ts';
import type { GovDeps } from '../deps.ts';
import { applicationOrFail, itemOfCase, today } from '../reads.ts';
import { taskRecord } from '../rows.ts';
import { checkSubmission } from '../validation.ts';
import { afterTransition } from './after-transition.ts';
import { authorizeRead } from './read-cases.ts';

export async function supplement(d: GovDeps, p: Principal, applicationId: string, raw: GovSupplementSubmission): Promise<GovApplicationView> {
  const body = SupplementSchema.parse(raw);
  const row0 = await applicationOrFail(d, applicationId);
  await authorizeRead(d, p, row0);
  const { services } = itemOfCase(await d.catalogue.load(), row0);
  const asked = (await d.db.select().from(govTasks).where(and(eq(govTasks.applicationId, applicationId), eq(govTasks.state, 'supplement_requested')))).map(taskRecord);
  if (!asked.length) throw errors.conflict('NO_SUPPLEMENT_REQUESTED', 'No task of this application asks for a supplement; nothing to submit.');
  const fields = [...new Set(asked.flatMap((t) => t.supplement?.fields ?? []))];
  const mats = [...new Set(asked.flatMap((t) => t.supplement?.materials ?? []))];
  const problems = checkSubmission({
    prefill: { ...row0.form.prefill, form: { fields, materials: mats.map((m) => ({ materialId: m, status: 'upload' as const })) }, accesses: [] },
    fieldSpecs: fieldSpecs(services),
    materialSpecs: materialSpecs(services),
    answers: body.answers,
    materials: body.materials,
    commitmentSigned: row0.state.commitment !== undefined,
    today: today(d),
    onlyFields: fields,
    onlyMaterials: mats,
  });
  if (problems.length) throw errors.validation(problems);
  const channel: Channel = p.role === 'window' ? 'window' : (body.channel ?? row0.channel);
  const ev: PublishedEvent[] = [];
  const row = await d.db.transaction(async (tx) => {
    const locked = await applicationOrFail(d, applicationId, tx, true);
    const now = d.clock.now();
    let app = locked.state;
    for (const t of asked) {
      if (app.tasks[t.serviceId]?.state !== 'supplement_requested') continue;
      app = applyTaskAction(app, { serviceId: t.serviceId, action: 'submit_supplement', actor: { kind: p.role === 'window' ? 'window' : 'applicant', id: p.userId }, at: now, channel }, d.calendar);
    }
    const f = locked.form;
    const form = { ...f, answers: { ...f.answers, ...body.answers }, materials: [...f.materials.filter((m) => !body.materials.some((b) => b.materialId === m.materialId)), ...body.materials] };
    await tx.update(govApplications).set({ form }).where(eq(govApplications.id, applicationId));
    app = await afterTransition(d, tx, { ...locked, form }, app, now, ev, p.userId);
    await tx.update(govTasks).set({ supplement: null }).where(and(eq(govTasks.applicationId, applicationId), inArray(govTasks.serviceId, asked.map((t) => t.serviceId))));
    await d.bus.record(tx, ev, { kind: 'gov.application.supplemented', entity: 'gov_application', entityId: applicationId, actor: p.userId, data: { tasks: asked.length, channel } });
    return applicationOrFail(d, applicationId, tx);
  });
  d.bus.publish(ev);
  return caseView(d, p, row, false);
}
