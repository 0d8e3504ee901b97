/** An officer's action on their department's task (accept, ask for a supplement, approve, reject, verify). */
import { and, eq } from 'drizzle-orm';
import { applyTaskAction, formText, noticeText, type TaskAction } from '@shuzhi/gov';
import { GovTaskActionRequest as ActionSchema, type GovApplicationView, type GovTaskActionRequest } from '@shuzhi/schema';
import type { Principal } from '../../auth/principal.ts';
import { AppError, errors } from '../../errors.ts';
import type { PublishedEvent } from '../../events/bus.ts';
import { caseRead, recordReads, refuse } from '../audit.ts';
import { caseView } from '../case-views.ts';
import { govTasks } from '../db-schema.ts';
import type { GovDeps } from '../deps.ts';
import { applicationOrFail, bilingual } from '../reads.ts';
import { departmentOf } from '../roles.ts';
import { notify } from '../writes.ts';
import { afterTransition } from './after-transition.ts';

export async function officerDecide(d: GovDeps, p: Principal, applicationId: string, serviceId: string, raw: GovTaskActionRequest): Promise<GovApplicationView> {
  const req = ActionSchema.parse(raw);
  const dept = departmentOf(p);
  const peek = await applicationOrFail(d, applicationId);
  const peekTask = peek.state.tasks[serviceId];
  if (!peekTask) throw errors.notFound('task', `${applicationId}/${serviceId}`);
  if (peekTask.departmentId !== dept) {
    await refuse(d, p, peek, serviceId, `action ${req.action}`);
    throw new AppError('FORBIDDEN_DEPARTMENT', 403, `Task ${serviceId} belongs to another department; officers act only on their department's tasks.`);
  }
  if (req.action === 'request_supplement' && !req.supplement) throw errors.validation([{ path: 'supplement', message: bilingual(formText.supplementUnsaid) }]);
  if (req.action === 'reject' && !req.reason?.trim()) throw errors.validation([{ path: 'reason', message: bilingual(formText.rejectionUnexplained) }]);
  if (req.action === 'verify_failed' && !req.reason?.trim()) throw errors.validation([{ path: 'reason', message: bilingual(formText.failedVerificationUnexplained) }]);
  const ev: PublishedEvent[] = [];
  const row = await d.db.transaction(async (tx) => {
    const locked = await applicationOrFail(d, applicationId, tx, true);
    const before = locked.state;
    const now = d.clock.now();
    const reason = req.action === 'request_supplement' ? req.supplement!.message : req.reason;
    let app = applyTaskAction(
      before,
      { serviceId, action: req.action as TaskAction, actor: { kind: 'officer', id: p.userId, departmentId: dept! }, at: now, ...(reason ? { reason } : {}) },
      d.calendar,
    );
    app = await afterTransition(d, tx, locked, app, now, ev, p.userId);
    if (req.action === 'request_supplement') {
      await tx.update(govTasks).set({ supplement: req.supplement }).where(and(eq(govTasks.applicationId, applicationId), eq(govTasks.serviceId, serviceId)));
      const n = app.tasks[serviceId]!.history.length;
      await notify(d, tx, locked.subjectId, applicationId, `supplement:${serviceId}:${n}`, noticeText.supplementRequested(req.supplement!.message));
    }
    await recordReads(d, tx, p, [caseRead(locked, serviceId)], applicationId, `task ${req.action}`);
    await d.bus.record(tx, ev, { kind: 'gov.task.changed', entity: 'gov_application', entityId: applicationId, actor: p.userId, data: { serviceId, action: req.action, to: app.tasks[serviceId]!.state, department: dept } });
    return applicationOrFail(d, applicationId, tx);
  });
  d.bus.publish(ev);
  return caseView(d, p, row, false);
}
