/** What a citizen or company sees of themselves: certificates, who used their data, notifications, grants. */
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { GovAccessEntry, GovCertificateView, GovContact, GovGrant, GovNotification } from '@shuzhi/schema';
import { errors } from '../../errors.ts';
import type { Principal } from '../../auth/principal.ts';
import { certificateView } from '../case-views.ts';
import { govAccessLog, govCertificates, govContacts, govGrants, govNotifications } from '../db-schema.ts';
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
  return rows.map((r) => ({ id: r.id, kind: r.kind, applicationId: r.applicationId, message: localizedText(r), at: r.at.toISOString(), readAt: r.readAt?.toISOString() ?? null }));
}

/** Marks one of the caller's own notices read; someone else's is answered as not found (its existence is not told). */
export async function markNotificationRead(d: GovDeps, p: Principal, id: string): Promise<void> {
  const own = await ownIds(d, p);
  const mine = own.length ? and(eq(govNotifications.id, id), inArray(govNotifications.recipientId, own)) : undefined;
  const [row] = mine ? await d.db.select({ readAt: govNotifications.readAt }).from(govNotifications).where(mine) : [];
  if (!row) throw errors.notFound('notification', id);
  if (!row.readAt) await d.db.update(govNotifications).set({ readAt: new Date(d.clock.now()) }).where(and(mine, isNull(govNotifications.readAt)));
}

/** Whose contact: a company's notices go to the company (credit code), a person's to the person. */
async function contactSubject(d: GovDeps, p: Principal): Promise<string> {
  const own = await ownIds(d, p);
  const subject = own[own.length - 1];
  if (!subject) throw errors.conflict('GOV_NOT_LINKED', 'Your account is not linked to a person or company in the registries; ask the service hall to link it.');
  return subject;
}

export async function getContact(d: GovDeps, p: Principal): Promise<GovContact> {
  const [row] = await d.db.select().from(govContacts).where(eq(govContacts.subjectId, await contactSubject(d, p)));
  return { email: row?.email ?? null, phone: row?.phone ?? null, lang: (row?.lang ?? 'zh') as GovContact['lang'] };
}

export async function setContact(d: GovDeps, p: Principal, c: GovContact): Promise<GovContact> {
  const subjectId = await contactSubject(d, p);
  const values = { email: c.email, phone: c.phone, lang: c.lang, updatedAt: new Date(d.clock.now()) };
  await d.db.insert(govContacts).values({ subjectId, ...values }).onConflictDoUpdate({ target: govContacts.subjectId, set: values });
  return { email: c.email, phone: c.phone, lang: c.lang };
}

export async function grants(d: GovDeps, p: Principal): Promise<GovGrant[]> {
  const own = await ownIds(d, p);
  if (!own.length) return [];
  const rows = await d.db.select().from(govGrants).where(inArray(govGrants.familyId, own)).orderBy(desc(govGrants.grantedAt));
  return rows.map((g) => ({ id: g.id, ruleId: g.ruleId, benefit: localizedText(g), departmentId: g.departmentId, beneficiaryMasked: maskId(g.beneficiaryId), grantedAt: g.grantedAt.toISOString() }));
}
