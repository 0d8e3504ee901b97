/** What a citizen or company sees of themselves: certificates, who used their data, notifications, grants. */
import { desc, inArray } from 'drizzle-orm';
import type { GovAccessEntry, GovCertificateView, GovGrant, GovNotification } from '@shuzhi/schema';
import type { Principal } from '../../auth/principal.ts';
import { certificateView } from '../case-views.ts';
import { govAccessLog, govCertificates, govGrants, govNotifications } from '../db-schema.ts';
import type { GovDeps } from '../deps.ts';
import { maskId, ownIds } from '../reads.ts';
import { isApplicant } from '../roles.ts';
import { localizedText } from '../rows.ts';

export async function myCertificates(d: GovDeps, p: Principal): Promise<GovCertificateView[]> {
  const own = await ownIds(d, p);
  if (!own.length) return [];
  const cat = await d.catalogue.load();
  const rows = await d.db.select().from(govCertificates).where(inArray(govCertificates.holderId, own)).orderBy(desc(govCertificates.issuedAt)).limit(200);
  return Promise.all(rows.map((c) => certificateView(cat, c)));
}

/** An applicant sees the reads of their own data; supervisors and operators (admitted by the route) see all. */
export async function accessLog(d: GovDeps, p: Principal, q: { limit: number }): Promise<GovAccessEntry[]> {
  const cat = await d.catalogue.load();
  let where;
  if (isApplicant(p)) {
    const own = await ownIds(d, p);
    if (!own.length) return [];
    where = inArray(govAccessLog.ownerId, own);
  }
  const rows = await d.db.select().from(govAccessLog).where(where).orderBy(desc(govAccessLog.id)).limit(q.limit);
  return rows.map((r) => ({
    id: r.id,
    at: r.at.toISOString(),
    actorName: r.actorName,
    actorRole: r.actorRole,
    departmentId: r.departmentId,
    departmentName: r.departmentId ? (cat.department(r.departmentId)?.name ?? null) : null,
    applicationId: r.applicationId,
    registry: r.registry,
    source: r.source,
    purpose: r.purpose,
    allowed: r.allowed,
  }));
}

export async function notifications(d: GovDeps, p: Principal): Promise<GovNotification[]> {
  const own = await ownIds(d, p);
  if (!own.length) return [];
  const rows = await d.db.select().from(govNotifications).where(inArray(govNotifications.recipientId, own)).orderBy(desc(govNotifications.at)).limit(100);
  return rows.map((r) => ({ id: r.id, kind: r.kind, applicationId: r.applicationId, message: localizedText(r), at: r.at.toISOString() }));
}

export async function grants(d: GovDeps, p: Principal): Promise<GovGrant[]> {
  const own = await ownIds(d, p);
  if (!own.length) return [];
  const rows = await d.db.select().from(govGrants).where(inArray(govGrants.familyId, own)).orderBy(desc(govGrants.grantedAt));
  return rows.map((g) => ({ id: g.id, ruleId: g.ruleId, benefit: localizedText(g), departmentId: g.departmentId, beneficiaryMasked: maskId(g.beneficiaryId), grantedAt: g.grantedAt.toISOString() }));
}
