/** Reading cases: one case (ownership checked), lists scoped to the reader, a department's work queue. */
import { and, desc, eq, inArray, or, sql } from 'drizzle-orm';
import { applicationStatus } from '@shuzhi/gov';
import type { GovApplicationSummary, GovApplicationView, GovQueueEntry } from '@shuzhi/schema';
import type { Principal } from '../../auth/principal.ts';
import { AppError, errors } from '../../errors.ts';
import { refuse } from '../audit.ts';
import { caseView, officerActions } from '../case-views.ts';
import { govApplications, govTasks } from '../db-schema.ts';
import type { GovDeps } from '../deps.ts';
import { applicationOrFail, OPEN_STATES, ownIds } from '../reads.ts';
import { departmentOf, isApplicant } from '../roles.ts';
import { applicationState, type ApplicationRecord } from '../rows.ts';

/**
 * Whose case it is: its applicant (by subject), the window staff who filed it, officers of a department with
 * a task in it; overseers see all (the route admits only case roles). A refused officer gets 403, audited.
 */
export async function authorizeRead(d: GovDeps, p: Principal, row: ApplicationRecord): Promise<void> {
  if (isApplicant(p)) {
    const own = await ownIds(d, p);
    if (!own.includes(row.subjectId) && row.applicantUserId !== p.userId) throw errors.notFound('application', row.id);
  } else if (p.role === 'window') {
    if (row.filedBy !== p.userId) throw errors.notFound('application', row.id);
  } else if (p.role === 'officer') {
    const dept = departmentOf(p);
    if (!row.state.order.some((id) => row.state.tasks[id]!.departmentId === dept)) {
      await refuse(d, p, row, null, 'read application');
      throw new AppError('FORBIDDEN_DEPARTMENT', 403, `Application ${row.id} has no task for your department; officers see only their department's work.`);
    }
  }
}

export async function getCase(d: GovDeps, p: Principal, id: string): Promise<GovApplicationView> {
  const row = await applicationOrFail(d, id);
  await authorizeRead(d, p, row);
  return caseView(d, p, row, true);
}

export async function listCases(d: GovDeps, p: Principal, q: { limit: number; offset: number; status?: string | undefined }): Promise<{ items: GovApplicationSummary[]; total: number }> {
  const cat = await d.catalogue.load();
  let where;
  if (isApplicant(p)) {
    const own = await ownIds(d, p);
    where = own.length ? or(inArray(govApplications.subjectId, own), eq(govApplications.applicantUserId, p.userId)) : eq(govApplications.applicantUserId, p.userId);
  } else if (p.role === 'window') where = eq(govApplications.filedBy, p.userId);
  else if (p.role === 'officer') {
    const dept = departmentOf(p) ?? '-';
    where = sql`exists (select 1 from gov_tasks t where t.application_id = ${govApplications.id} and t.department_id = ${dept})`;
  }
  if (q.status) where = where ? and(where, eq(govApplications.status, q.status)) : eq(govApplications.status, q.status);
  const rows = await d.db.select().from(govApplications).where(where).orderBy(desc(govApplications.submittedAt)).limit(q.limit).offset(q.offset);
  const [count] = await d.db.select({ n: sql<number>`count(*)::int` }).from(govApplications).where(where);
  return {
    total: count?.n ?? 0,
    items: rows.map((r) => {
      const app = applicationState(r.id, r.state);
      return {
        id: r.id,
        itemId: r.itemId,
        itemName: cat.item(r.itemId, r.itemVersion)?.name ?? { zh: r.itemId, en: r.itemId },
        status: applicationStatus(app),
        channel: app.channel,
        submittedAt: r.submittedAt.toISOString(),
        updatedAt: r.updatedAt.toISOString(),
        tasks: app.order.length,
        openTasks: app.order.filter((id) => !['approved', 'rejected', 'cancelled', 'revoked'].includes(app.tasks[id]!.state)).length,
      };
    }),
  };
}

/** A department's work queue; supervisors see every department's. Tasks waiting on a dependency never show. */
export async function workQueue(d: GovDeps, p: Principal, q: { state?: string | undefined; escalated?: boolean | undefined }): Promise<GovQueueEntry[]> {
  const cat = await d.catalogue.load();
  // Approved tasks stay in the queue only while a commitment awaits verification (承诺办).
  const awaitingVerification = and(eq(govTasks.state, 'approved'), sql`${govApplications.state}->'tasks'->${govTasks.serviceId}->>'verification' = 'pending'`);
  const conds = [or(inArray(govTasks.state, [...OPEN_STATES]), awaitingVerification)!];
  if (p.role === 'officer') conds.push(eq(govTasks.departmentId, departmentOf(p) ?? '-'));
  if (q.state) conds.push(eq(govTasks.state, q.state));
  if (q.escalated) conds.push(inArray(govTasks.escalation, ['overdue', 'supervisor']));
  const rows = await d.db
    .select({ t: govTasks, id: govApplications.id, state: govApplications.state, itemId: govApplications.itemId, itemVersion: govApplications.itemVersion })
    .from(govTasks)
    .innerJoin(govApplications, eq(govApplications.id, govTasks.applicationId))
    .where(and(...conds))
    .orderBy(govTasks.dueAt)
    .limit(500);
  return rows.map((r) => {
    const app = applicationState(r.id, r.state);
    return {
      applicationId: r.t.applicationId,
      itemName: cat.item(r.itemId, r.itemVersion)?.name ?? { zh: r.itemId, en: r.itemId },
      serviceId: r.t.serviceId,
      serviceName: cat.service(r.t.serviceId)?.name ?? { zh: r.t.serviceId, en: r.t.serviceId },
      departmentId: r.t.departmentId,
      state: r.t.state as GovQueueEntry['state'],
      readyAt: r.t.readyAt?.toISOString() ?? null,
      dueAt: r.t.dueAt?.toISOString() ?? null,
      escalation: r.t.escalation,
      allowedActions: officerActions(app, r.t.serviceId),
      commitment: app.commitment !== undefined,
    };
  });
}
