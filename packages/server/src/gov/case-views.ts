/** Stored cases as the API shows them: the form with its sources, tasks with what an officer may do, certificates. */
import { eq } from 'drizzle-orm';
import QRCode from 'qrcode';
import { allowedActions, applicationStatus, registryLabels, type Application, type FieldSpec, type MaterialSpec, type PrefillResult, type RegistryName, type Service, type SignedCertificate } from '@shuzhi/gov';
import type { GovApplicationView, GovCertificateView, GovFieldView, GovMaterialView, GovTaskView, GovTicket } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import { caseRead, recordReads } from './audit.ts';
import type { LoadedCatalogue } from './catalogue-store.ts';
import { govCertificates, govTasks, type govTickets } from './db-schema.ts';
import type { GovDeps } from './deps.ts';
import { iso, itemOfCase, maskId } from './reads.ts';
import { departmentOf, isApplicant } from './roles.ts';
import { taskRecord, type ApplicationRecord, type TaskRecord } from './rows.ts';

export function fieldSpecs(services: readonly Service[]): Map<string, FieldSpec> {
  const m = new Map<string, FieldSpec>();
  for (const s of services) for (const f of s.fields) if (!m.has(f.key) || (m.get(f.key)!.sources.length === 0 && f.sources.length > 0)) m.set(f.key, f);
  return m;
}

export function materialSpecs(services: readonly Service[]): Map<string, MaterialSpec> {
  const m = new Map<string, MaterialSpec>();
  for (const s of services) for (const x of s.materials) if (!m.has(x.id)) m.set(x.id, x);
  return m;
}

/** The actions an officer of the task's department could take now, with the engine's guards applied. */
export function officerActions(app: Application, serviceId: string): string[] {
  const t = app.tasks[serviceId]!;
  return allowedActions(t.state).filter((a) => {
    if (a === 'release' || a === 'cancel' || a === 'submit_supplement') return false;
    if (a === 'approve_on_commitment') return t.commitmentAllowed && app.commitment !== undefined;
    if (a === 'verify_passed' || a === 'verify_failed') return t.verification === 'pending';
    return true;
  });
}

export function fieldViews(services: Service[], pre: Omit<PrefillResult, 'accesses'>, answers: Record<string, string | number | boolean> = {}): GovFieldView[] {
  const specs = fieldSpecs(services);
  return pre.fields.map((f) => {
    const spec = specs.get(f.key)!;
    const base = { key: f.key, label: spec.label, type: spec.type, ...(spec.choices ? { choices: spec.choices } : {}), serviceIds: f.serviceIds, optional: spec.optional };
    if (f.status === 'filled') {
      const registry = f.source.slice(0, f.source.indexOf('.'));
      return { ...base, status: 'filled' as const, value: f.value, source: f.source, sourceLabel: registryLabels[registry as RegistryName] ?? { zh: registry, en: registry } };
    }
    const answered = answers[f.key];
    return { ...base, status: 'needed' as const, blockedByConsent: f.blockedByConsent, ...(answered !== undefined ? { value: answered } : {}) };
  });
}

export function materialViews(services: Service[], pre: Omit<PrefillResult, 'accesses'>): GovMaterialView[] {
  const specs = materialSpecs(services);
  return pre.materials.map((m) => ({ materialId: m.materialId, name: specs.get(m.materialId)?.name ?? { zh: m.materialId, en: m.materialId }, serviceIds: m.serviceIds, status: m.status, trustLevel: m.trustLevel, certificateIds: m.certificateIds }));
}

function taskView(cat: LoadedCatalogue, app: Application, serviceId: string, row: TaskRecord | undefined): GovTaskView {
  const t = app.tasks[serviceId]!;
  return {
    applicationId: app.id,
    serviceId,
    serviceName: cat.service(serviceId)?.name ?? { zh: serviceId, en: serviceId },
    departmentId: t.departmentId,
    departmentName: cat.department(t.departmentId)?.name ?? { zh: t.departmentId, en: t.departmentId },
    state: t.state,
    dependsOn: [...t.dependsOn],
    readyAt: iso(t.readyAt),
    dueAt: iso(t.dueAt),
    escalation: row?.escalation ?? 'none',
    commitmentAllowed: t.commitmentAllowed,
    approvedOnCommitment: t.approvedOnCommitment,
    verification: t.verification,
    supplement: row?.supplement ?? null,
    allowedActions: officerActions(app, serviceId),
    history: t.history.map((e) => ({ action: e.action, from: e.from, to: e.to, actor: e.actor.kind, at: new Date(e.at).toISOString(), ...(e.reason ? { reason: e.reason } : {}) })),
  };
}

export async function certificateView(cat: LoadedCatalogue, c: typeof govCertificates.$inferSelect): Promise<GovCertificateView> {
  const signed = JSON.parse(c.text) as SignedCertificate;
  const verifyUrl = `/#/verify/${c.id}`;
  return {
    id: c.id,
    applicationId: c.applicationId,
    serviceId: c.serviceId,
    type: c.type,
    name: cat.certificateType(c.type)?.name ?? signed.body.name,
    issuer: signed.body.issuer.name,
    holderName: signed.body.holder.name,
    issuedAt: c.issuedAt.toISOString(),
    status: c.status as 'valid' | 'revoked',
    verifyUrl,
    qrSvg: await QRCode.toString(verifyUrl, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }),
    text: c.text,
  };
}

/** The case as the viewer may see it (an officer: their department's tasks); reads by anyone but the applicant are logged. */
export async function caseView(d: GovDeps, p: Principal, row: ApplicationRecord, audit: boolean): Promise<GovApplicationView> {
  const cat = await d.catalogue.load();
  const app = row.state;
  const { item, services } = itemOfCase(cat, row);
  const dept = p.role === 'officer' ? departmentOf(p) : null;
  if (audit && !isApplicant(p)) await recordReads(d, d.db, p, [caseRead(row)], row.id, 'case review');
  const taskRows = (await d.db.select().from(govTasks).where(eq(govTasks.applicationId, row.id))).map(taskRecord);
  const extra = new Map(taskRows.map((t) => [t.serviceId, t]));
  const tasks = app.order.filter((id) => dept === null || app.tasks[id]!.departmentId === dept).map((id) => taskView(cat, app, id, extra.get(id)));
  const certs = await d.db.select().from(govCertificates).where(eq(govCertificates.applicationId, row.id));
  const visibleCerts = dept === null ? certs : certs.filter((c) => app.tasks[c.serviceId]?.departmentId === dept);
  return {
    id: row.id,
    itemId: row.itemId,
    itemName: item.name,
    itemVersion: row.itemVersion,
    status: applicationStatus(app),
    channel: row.channel,
    applicantName: row.form.applicantName,
    subjectMasked: maskId(row.subjectId),
    filedBy: row.filedBy,
    submittedAt: row.submittedAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    closedAt: row.closedAt?.toISOString() ?? null,
    commitment: app.commitment !== undefined,
    tasks,
    prefilled: fieldViews(services, row.form.prefill, row.form.answers),
    materials: materialViews(services, row.form.prefill),
    certificates: await Promise.all(visibleCerts.map((c) => certificateView(cat, c))),
  };
}

export function ticketView(r: typeof govTickets.$inferSelect): GovTicket {
  return { id: r.id, number: r.number, status: r.status as GovTicket['status'], createdAt: r.createdAt.toISOString(), calledAt: r.calledAt?.toISOString() ?? null, applicationId: r.applicationId };
}
