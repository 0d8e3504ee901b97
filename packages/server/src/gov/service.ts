import type { Clock } from '@shuzhi/schema';
import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, inArray, isNotNull, or, sql } from 'drizzle-orm';
import QRCode from 'qrcode';
import {
  encodeRandomPart,
  parseCertificateId,
  allowedActions,
  applicationStatus,
  applyTaskAction,
  certificatesToRevoke,
  createApplication,
  entitlementRulesSeed,
  escalationLevel,
  grantEntitlements,
  issueApplication,
  makeResidentId,
  prefill,
  serializeCertificate,
  servicesOfItem,
  shanghaiDate,
  verifyCertificateText,
  validateCreditCode,
  validateResidentId,
  type Applicant,
  type Application,
  type Channel,
  type EntitlementGrant,
  type FieldSpec,
  type Item,
  type LibraryCertificate,
  type MaterialSpec,
  type Person,
  type PrefillResult,
  type RegistryName,
  type Service,
  type SignedCertificate,
  type TaskAction,
  type WorkingCalendar,
} from '@shuzhi/gov';
import type {
  GovAccessEntry,
  GovApplicantRef,
  GovApplicationSummary,
  GovApplicationView,
  GovCertificateView,
  GovFieldView,
  GovGrant,
  GovMaterialSubmission,
  GovMaterialView,
  GovMe,
  GovNotification,
  GovPrefillRequest,
  GovPrefillResponse,
  GovQueueEntry,
  GovSubmitApplication,
  GovSupplementSubmission,
  GovTaskActionRequest,
  GovTaskView,
  GovTicket,
  GovVerification,
} from '@shuzhi/schema';
import { GovSubmitApplication as SubmitSchema, GovSupplementSubmission as SupplementSchema, GovTaskActionRequest as ActionSchema } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import { requireRole } from '../auth/principal.ts';
import type { Db, Tx } from '../db/client.ts';
import { AppError, errors } from '../errors.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { newId } from '../ids.ts';
import type { CatalogueStore, LoadedCatalogue } from './catalogue-store.ts';
import {
  govAccessLog,
  govApplications,
  govCertificates,
  govGrants,
  govNotifications,
  govSerials,
  govTasks,
  govTickets,
  govUserLinks,
} from './db-schema.ts';
import { mapGov } from './gov-errors.ts';
import { issuerCodeOf, issuerCodes, publicKeys, type IssuerKey } from './issuer.ts';
import { measureCase } from './measure.ts';
import { ownersOf, type RegistryStore } from './registry-store.ts';
import { checkSubmission } from './validation.ts';

export type { Clock } from '@shuzhi/schema';

export interface GovDeps {
  db: Db;
  bus: EventBus;
  catalogue: CatalogueStore;
  registry: RegistryStore;
  key: IssuerKey;
  calendar: WorkingCalendar;
  clock: Clock;
}

/** What the application row keeps besides the engine state. */
interface StoredForm {
  applicantName: string;
  consent: RegistryName[];
  consentAt: number;
  prefill: Omit<PrefillResult, 'accesses'>;
  answers: Record<string, string | number | boolean>;
  materials: GovMaterialSubmission[];
  commitmentStatement?: string;
}

type AppRow = typeof govApplications.$inferSelect;

/** Service → the life event its approval means (免申办 runs on these). */
const lifeEventServices: Record<string, 'birth_registered'> = { svc_nb_household_registration: 'birth_registered' };

const OPEN_STATES = ['ready', 'accepted', 'supplement_requested'] as const;
const APPLICANT_ROLES = ['citizen', 'enterprise'] as const;
const OVERSEE_ROLES = ['supervisor', 'operator', 'viewer'] as const;

const iso = (ms: number | undefined | null) => (ms === undefined || ms === null ? null : new Date(ms).toISOString());
export const maskId = (id: string) => (id.length > 8 ? `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}` : '****');
const maskName = (name: string) => (name.length <= 1 ? '*' : `${name[0]}${'*'.repeat(name.length - 1)}`);

/** Officers are bound to a catalogue department; the demo's older users say `health` for `dept_health`. */
export function departmentOf(p: Principal): string | null {
  if (!p.department) return null;
  return p.department.startsWith('dept_') ? p.department : `dept_${p.department}`;
}

const sourceLabels: Record<string, { zh: string; en: string }> = {
  population: { zh: '人口库', en: 'Population registry' },
  household: { zh: '户籍库', en: 'Household registry' },
  marriage: { zh: '婚姻登记库', en: 'Marriage registry' },
  enterprise: { zh: '法人库', en: 'Enterprise registry' },
  social_insurance: { zh: '社保库', en: 'Social insurance registry' },
  certificates: { zh: '电子证照库', en: 'E-licence library' },
};

/**
 * The one-thing service on top of the engine: intake from every channel, department work queues, officer
 * actions, supplements, issuance once, verification, data-use audit, notifications. Every state change is
 * one database transaction with its event row; the application row is locked while it changes.
 */
export class GovService {
  constructor(private readonly d: GovDeps) {}

  get db(): Db {
    return this.d.db;
  }

  private today(): string {
    return shanghaiDate(this.d.clock.now());
  }

  // ---- who is asking -------------------------------------------------------------------------------

  private async linkOf(userId: string) {
    const [row] = await this.d.db.select().from(govUserLinks).where(eq(govUserLinks.userId, userId));
    return row ?? null;
  }

  /** The subject ids (resident ID, credit code) whose cases and data a citizen or enterprise user may see. */
  private async ownIds(p: Principal): Promise<string[]> {
    const link = await this.linkOf(p.userId);
    if (!link) return [];
    return [link.residentId, ...(p.role === 'enterprise' && link.creditCode ? [link.creditCode] : [])];
  }

  async me(p: Principal): Promise<GovMe> {
    const cat = await this.d.catalogue.load();
    const dept = departmentOf(p);
    const link = await this.linkOf(p.userId);
    const person = link ? await this.d.registry.person(link.residentId) : undefined;
    const ent = link?.creditCode ? await this.d.registry.enterprise(link.creditCode) : undefined;
    return {
      role: p.role,
      departmentId: dept,
      departmentName: dept ? (cat.department(dept)?.name ?? null) : null,
      person: person ? { name: person.name, residentIdMasked: maskId(person.residentId) } : null,
      enterprise: ent && p.role === 'enterprise' ? { name: ent.name, creditCode: ent.creditCode } : null,
    };
  }

  async linkUser(userId: string, link: { kind: 'person' | 'enterprise'; residentId: string; creditCode?: string }): Promise<void> {
    await this.d.db
      .insert(govUserLinks)
      .values({ userId, kind: link.kind, residentId: link.residentId, creditCode: link.creditCode ?? null })
      .onConflictDoNothing();
  }

  /** Who the application is for, checked on the server: applicants file for themselves, window staff for anyone. */
  private async resolveApplicant(p: Principal, item: Item, ref: GovApplicantRef | undefined): Promise<{ applicant: Applicant; subjectId: string; name: string; userId: string | null }> {
    requireRole(p, [...APPLICANT_ROLES, 'window'], 'file applications');
    let applicant: Applicant;
    let userId: string | null = null;
    if (p.role === 'window') {
      if (!ref) throw errors.validation([{ path: 'applicant', message: '窗口受理须填写申请人身份证号码 / window staff must name the applicant' }]);
      if ('residentId' in ref) {
        const r = validateResidentId(ref.residentId, { latestBirthDate: this.today() }, 'applicant.residentId');
        if (!r.ok) throw errors.validation(r.errors.map((e) => ({ path: e.field, message: `${e.message.zh} / ${e.message.en}` })));
        applicant = { kind: 'person', residentId: ref.residentId };
      } else {
        const r = validateCreditCode(ref.creditCode, 'applicant.creditCode');
        if (!r.ok) throw errors.validation(r.errors.map((e) => ({ path: e.field, message: `${e.message.zh} / ${e.message.en}` })));
        const a = validateResidentId(ref.agentResidentId, { latestBirthDate: this.today() }, 'applicant.agentResidentId');
        if (!a.ok) throw errors.validation(a.errors.map((e) => ({ path: e.field, message: `${e.message.zh} / ${e.message.en}` })));
        applicant = { kind: 'enterprise', creditCode: ref.creditCode, agentResidentId: ref.agentResidentId };
      }
    } else {
      const link = await this.linkOf(p.userId);
      if (!link) throw new AppError('GOV_NOT_LINKED', 409, 'Your account is not linked to a person or company in the registries; ask the service hall to link it.');
      userId = p.userId;
      if (p.role === 'enterprise') {
        if (!link.creditCode) throw new AppError('GOV_NOT_LINKED', 409, 'Your account is not linked to a company; ask the service hall to link it.');
        applicant = { kind: 'enterprise', creditCode: link.creditCode, agentResidentId: link.residentId };
      } else applicant = { kind: 'person', residentId: link.residentId };
      if (ref) {
        const same = 'residentId' in ref ? applicant.kind === 'person' && ref.residentId === applicant.residentId : applicant.kind === 'enterprise' && ref.creditCode === applicant.creditCode;
        if (!same) throw errors.forbidden('file an application for someone else');
      }
    }
    const wantKind = item.subject === 'individual' ? 'person' : 'enterprise';
    if (applicant.kind !== wantKind) {
      throw errors.validation([{ path: 'itemId', message: `“${item.name.zh}”由${item.subject === 'individual' ? '个人' : '企业'}申请 / “${item.name.en}” is applied for by ${item.subject === 'individual' ? 'a person' : 'a company'}` }]);
    }
    if (applicant.kind === 'person') {
      const person = await this.d.registry.person(applicant.residentId);
      if (!person) throw errors.validation([{ path: 'applicant.residentId', message: '人口库中没有此身份证号码 / no person with this number in the population registry' }]);
      return { applicant, subjectId: applicant.residentId, name: person.name, userId };
    }
    const ent = await this.d.registry.enterprise(applicant.creditCode);
    if (!ent) throw errors.validation([{ path: 'applicant.creditCode', message: '法人库中没有此统一社会信用代码 / no company with this code in the enterprise registry' }]);
    const agent = await this.d.registry.person(applicant.agentResidentId);
    if (!agent) throw errors.validation([{ path: 'applicant.agentResidentId', message: '人口库中没有经办人 / the agent is not in the population registry' }]);
    return { applicant, subjectId: applicant.creditCode, name: ent.name, userId };
  }

  private itemOrFail(cat: LoadedCatalogue, itemId: string, version?: number): { item: Item; services: Service[] } {
    const item = cat.item(itemId, version);
    if (!item) throw errors.validation([{ path: 'itemId', message: `没有这个一件事 / no item "${itemId}"` }]);
    return { item, services: servicesOfItem(cat.latest, item) };
  }

  // ---- audit ---------------------------------------------------------------------------------------

  private async recordReads(
    q: Db | Tx,
    p: Principal,
    reads: { recordId: string; owners: string[]; registry: string; source: string }[],
    applicationId: string | null,
    purpose: string,
    allowed = true,
  ): Promise<void> {
    const rows = reads.flatMap((r) =>
      r.owners.map((ownerId) => ({
        ownerId,
        recordId: r.recordId,
        registry: r.registry,
        source: r.source,
        actorUserId: p.userId,
        actorName: p.displayName,
        actorRole: p.role,
        departmentId: departmentOf(p),
        applicationId,
        purpose,
        allowed,
        at: new Date(this.d.clock.now()),
      })),
    );
    for (let i = 0; i < rows.length; i += 500) await q.insert(govAccessLog).values(rows.slice(i, i + 500));
  }

  // ---- prefill and intake ----------------------------------------------------------------------------

  private runPrefill(item: Item, services: Service[], applicant: Applicant, registries: Awaited<ReturnType<RegistryStore['subjectsFor']>>, consent: RegistryName[], purpose: string): PrefillResult {
    return prefill({ item, services, applicant, registries, consent: { registries: consent, givenAt: this.d.clock.now() }, purpose });
  }

  private fieldViews(services: Service[], pre: Omit<PrefillResult, 'accesses'>, answers: Record<string, string | number | boolean> = {}): GovFieldView[] {
    const specs = fieldSpecs(services);
    return pre.fields.map((f) => {
      const spec = specs.get(f.key)!;
      const base = { key: f.key, label: spec.label, type: spec.type, ...(spec.choices ? { choices: spec.choices } : {}), serviceIds: f.serviceIds, optional: spec.optional };
      if (f.status === 'filled') {
        const registry = f.source.slice(0, f.source.indexOf('.'));
        return { ...base, status: 'filled' as const, value: f.value, source: f.source, sourceLabel: sourceLabels[registry] ?? { zh: registry, en: registry } };
      }
      const answered = answers[f.key];
      return { ...base, status: 'needed' as const, blockedByConsent: f.blockedByConsent, ...(answered !== undefined ? { value: answered } : {}) };
    });
  }

  private materialViews(services: Service[], pre: Omit<PrefillResult, 'accesses'>): GovMaterialView[] {
    const specs = materialSpecs(services);
    return pre.materials.map((m) => ({ materialId: m.materialId, name: specs.get(m.materialId)?.name ?? { zh: m.materialId, en: m.materialId }, serviceIds: m.serviceIds, status: m.status, trustLevel: m.trustLevel, certificateIds: m.certificateIds }));
  }

  private accessReads(result: PrefillResult, registries: Awaited<ReturnType<RegistryStore['subjectsFor']>>) {
    return result.accesses.map((a) => ({ recordId: a.subjectId, owners: ownersOf(a.subjectId, registries), registry: a.registry, source: a.source }));
  }

  /** The form for an item: what the registries and library hold (with the applicant's consent), and what is left to ask. */
  async prefill(p: Principal, req: GovPrefillRequest): Promise<GovPrefillResponse> {
    const cat = await this.d.catalogue.load();
    const { item, services } = this.itemOrFail(cat, req.itemId);
    const who = await this.resolveApplicant(p, item, req.applicant);
    const draftId = newId('app');
    const registries = await this.d.registry.subjectsFor(who.applicant);
    const result = this.runPrefill(item, services, who.applicant, registries, req.consent, draftId);
    await this.recordReads(this.d.db, p, this.accessReads(result, registries), draftId, 'prefill');
    return {
      draftId,
      itemId: item.id,
      fields: this.fieldViews(services, result),
      materials: this.materialViews(services, result),
      ask: { fields: result.form.fields, materials: result.form.materials.map((m) => m.materialId) },
      commitmentAvailable: item.modes.commitment || services.some((s) => s.commitmentAllowed),
    };
  }

  async submit(p: Principal, raw: GovSubmitApplication): Promise<{ application: GovApplicationView; created: boolean }> {
    const body = SubmitSchema.parse(raw);
    const idem = `${p.userId}:${body.idempotencyKey}`;
    const existing = await this.rowByIdempotency(idem);
    if (existing) return { application: await this.view(p, existing, false), created: false };

    const cat = await this.d.catalogue.load();
    const { item, services } = this.itemOrFail(cat, body.itemId);
    const who = await this.resolveApplicant(p, item, body.applicant);
    const channel: Channel = p.role === 'window' ? (body.channel === 'hotline' ? 'hotline' : 'window') : body.channel;
    if (p.role !== 'window' && (channel === 'window' || channel === 'hotline')) {
      throw errors.validation([{ path: 'channel', message: '窗口和热线渠道由工作人员受理 / window and hotline applications are filed by staff' }]);
    }
    if (body.selectedServiceIds && !item.modes.tickToApply) {
      throw errors.validation([{ path: 'selectedServiceIds', message: `“${item.name.zh}”不支持勾选即办 / “${item.name.en}” does not offer tick-to-apply` }]);
    }
    const id = body.draftId && /^app_[A-Za-z0-9_-]{6,64}$/.test(body.draftId) ? body.draftId : newId('app');
    const registries = await this.d.registry.subjectsFor(who.applicant);
    const result = this.runPrefill(item, services, who.applicant, registries, body.consent, id);
    const problems = checkSubmission({
      prefill: result,
      fieldSpecs: fieldSpecs(services),
      materialSpecs: materialSpecs(services),
      answers: body.answers,
      materials: body.materials,
      commitmentSigned: body.commitment?.signed === true,
      today: this.today(),
    });
    if (body.commitment && !(item.modes.commitment || services.some((s) => s.commitmentAllowed))) {
      problems.push({ path: 'commitment', message: `“${item.name.zh}”不适用告知承诺 / “${item.name.en}” does not offer approval on commitment` });
    }
    if (problems.length) throw errors.validation(problems);

    const now = this.d.clock.now();
    const app = await mapGov(async () =>
      createApplication({
        id,
        item,
        services,
        applicant: who.applicant,
        channel,
        submittedAt: now,
        ...(body.commitment ? { commitment: { statementSha256: createHash('sha256').update(body.commitment.statement).digest('hex'), signedAt: now } } : {}),
        ...(body.selectedServiceIds ? { selectedServiceIds: body.selectedServiceIds } : {}),
        calendar: this.d.calendar,
      }),
    );
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
    const ev: PublishedEvent[] = [];
    let row: AppRow | undefined;
    try {
      await this.d.db.transaction(async (tx) => {
        [row] = await tx
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
          })
          .returning();
        await this.writeTasks(tx, app, null, now);
        await this.recordReads(tx, p, this.accessReads(result, registries), id, 'application intake');
        if (body.ticketId && p.role === 'window') {
          await tx.update(govTickets).set({ status: 'done', applicationId: id }).where(and(eq(govTickets.id, body.ticketId), eq(govTickets.windowUserId, p.userId)));
        }
        await this.d.bus.record(tx, ev, {
          kind: 'gov.application.submitted',
          entity: 'gov_application',
          entityId: id,
          actor: p.userId,
          data: { itemId: item.id, channel, tasks: app.order.length },
        });
      });
    } catch (err) {
      // Two submits with one key racing each other: the loser answers with the winner's application.
      const winner = await this.rowByIdempotency(idem);
      if (winner) return { application: await this.view(p, winner, false), created: false };
      throw err;
    }
    this.d.bus.publish(ev);
    return { application: await this.view(p, row!, false), created: true };
  }

  private async rowByIdempotency(key: string): Promise<AppRow | undefined> {
    const [row] = await this.d.db.select().from(govApplications).where(eq(govApplications.idempotencyKey, key));
    return row;
  }

  /** Mirrors the engine's tasks into the queue table: only tasks whose state changed are written. */
  private async writeTasks(tx: Tx, app: Application, before: Application | null, now: number): Promise<void> {
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

  // ---- reading ---------------------------------------------------------------------------------------

  private async rowOrFail(id: string, q: Db | Tx = this.d.db, lock = false): Promise<AppRow> {
    const base = q.select().from(govApplications).where(eq(govApplications.id, id));
    const [row] = lock ? await base.for('update') : await base;
    if (!row) throw errors.notFound('application', id);
    return row;
  }

  /**
   * Who may see a case: its applicant (by subject), the window staff who filed it, officers of a department
   * with a task in it, supervisors. A refused officer gets 403 and the attempt is audited.
   */
  private async authorizeRead(p: Principal, row: AppRow): Promise<void> {
    const app = row.state as Application;
    if ((APPLICANT_ROLES as readonly string[]).includes(p.role)) {
      const own = await this.ownIds(p);
      if (!own.includes(row.subjectId) && row.applicantUserId !== p.userId) throw errors.notFound('application', row.id);
      return;
    }
    if (p.role === 'window') {
      if (row.filedBy !== p.userId) throw errors.notFound('application', row.id);
      return;
    }
    if (p.role === 'officer') {
      const dept = departmentOf(p);
      if (!app.order.some((id) => app.tasks[id]!.departmentId === dept)) {
        await this.refuse(p, row, null, 'read application');
        throw new AppError('FORBIDDEN_DEPARTMENT', 403, `Application ${row.id} has no task for your department; officers see only their department's work.`);
      }
      return;
    }
    if ((OVERSEE_ROLES as readonly string[]).includes(p.role)) return;
    throw errors.forbidden('read applications');
  }

  private async refuse(p: Principal, row: AppRow, serviceId: string | null, what: string): Promise<void> {
    const ev: PublishedEvent[] = [];
    await this.d.db.transaction(async (tx) => {
      await this.recordReads(tx, p, [{ recordId: row.id, owners: [row.subjectId], registry: 'application', source: serviceId ?? 'application' }], row.id, `refused: ${what}`, false);
      await this.d.bus.record(tx, ev, {
        kind: 'gov.access.refused',
        entity: 'gov_application',
        entityId: row.id,
        actor: p.userId,
        data: { what, serviceId, department: departmentOf(p) },
      });
    });
    this.d.bus.publish(ev);
  }

  async get(p: Principal, id: string): Promise<GovApplicationView> {
    const row = await this.rowOrFail(id);
    await this.authorizeRead(p, row);
    return this.view(p, row, true);
  }

  /** The case as the viewer may see it; reads by anyone but the applicant are written to the access log. */
  private async view(p: Principal, row: AppRow, audit: boolean): Promise<GovApplicationView> {
    const cat = await this.d.catalogue.load();
    const app = row.state as Application;
    const form = row.form as StoredForm;
    const item = cat.item(row.itemId, row.itemVersion) ?? cat.item(row.itemId)!;
    const services = servicesOfItem(cat.latest, item);
    const dept = p.role === 'officer' ? departmentOf(p) : null;
    const isApplicant = (APPLICANT_ROLES as readonly string[]).includes(p.role);
    if (audit && !isApplicant) {
      await this.recordReads(this.d.db, p, [{ recordId: row.id, owners: [row.subjectId], registry: 'application', source: 'application' }], row.id, 'case review');
    }
    const taskRows = await this.d.db.select().from(govTasks).where(eq(govTasks.applicationId, row.id));
    const extra = new Map(taskRows.map((t) => [t.serviceId, t]));
    const tasks: GovTaskView[] = app.order
      .filter((id) => dept === null || app.tasks[id]!.departmentId === dept)
      .map((id) => this.taskView(cat, app, id, extra.get(id)));
    const certs = await this.d.db.select().from(govCertificates).where(eq(govCertificates.applicationId, row.id));
    const visibleCerts = dept === null ? certs : certs.filter((c) => app.tasks[c.serviceId]?.departmentId === dept);
    return {
      id: row.id,
      itemId: row.itemId,
      itemName: item.name,
      itemVersion: row.itemVersion,
      status: applicationStatus(app),
      channel: row.channel as Channel,
      applicantName: form.applicantName,
      subjectMasked: maskId(row.subjectId),
      filedBy: row.filedBy,
      submittedAt: row.submittedAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      closedAt: row.closedAt?.toISOString() ?? null,
      commitment: app.commitment !== undefined,
      tasks,
      prefilled: this.fieldViews(services, form.prefill, form.answers),
      materials: this.materialViews(services, form.prefill),
      certificates: await Promise.all(visibleCerts.map((c) => this.certificateView(cat, c))),
    };
  }

  private taskView(cat: LoadedCatalogue, app: Application, serviceId: string, row: typeof govTasks.$inferSelect | undefined): GovTaskView {
    const t = app.tasks[serviceId]!;
    const svc = cat.service(serviceId);
    const dept = cat.department(t.departmentId);
    return {
      applicationId: app.id,
      serviceId,
      serviceName: svc?.name ?? { zh: serviceId, en: serviceId },
      departmentId: t.departmentId,
      departmentName: dept?.name ?? { zh: t.departmentId, en: t.departmentId },
      state: t.state,
      dependsOn: [...t.dependsOn],
      readyAt: iso(t.readyAt),
      dueAt: iso(t.dueAt),
      escalation: row?.escalation ?? 'none',
      commitmentAllowed: t.commitmentAllowed,
      approvedOnCommitment: t.approvedOnCommitment,
      verification: t.verification,
      supplement: (row?.supplement as GovTaskView['supplement']) ?? null,
      allowedActions: officerActions(app, serviceId),
      history: t.history.map((e) => ({ action: e.action, from: e.from, to: e.to, actor: e.actor.kind, at: new Date(e.at).toISOString(), ...(e.reason ? { reason: e.reason } : {}) })),
    };
  }

  private async certificateView(cat: LoadedCatalogue, c: typeof govCertificates.$inferSelect): Promise<GovCertificateView> {
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

  async list(p: Principal, q: { limit: number; offset: number; status?: string | undefined }): Promise<{ items: GovApplicationSummary[]; total: number }> {
    const cat = await this.d.catalogue.load();
    let where;
    if ((APPLICANT_ROLES as readonly string[]).includes(p.role)) {
      const own = await this.ownIds(p);
      where = own.length ? or(inArray(govApplications.subjectId, own), eq(govApplications.applicantUserId, p.userId)) : eq(govApplications.applicantUserId, p.userId);
    } else if (p.role === 'window') where = eq(govApplications.filedBy, p.userId);
    else if (p.role === 'officer') {
      const dept = departmentOf(p) ?? '-';
      where = sql`exists (select 1 from gov_tasks t where t.application_id = ${govApplications.id} and t.department_id = ${dept})`;
    } else if ((OVERSEE_ROLES as readonly string[]).includes(p.role)) where = undefined;
    else throw errors.forbidden('list applications');
    if (q.status) where = where ? and(where, eq(govApplications.status, q.status)) : eq(govApplications.status, q.status);
    const rows = await this.d.db.select().from(govApplications).where(where).orderBy(desc(govApplications.submittedAt)).limit(q.limit).offset(q.offset);
    const [count] = await this.d.db.select({ n: sql<number>`count(*)::int` }).from(govApplications).where(where);
    return {
      total: count?.n ?? 0,
      items: rows.map((r) => {
        const app = r.state as Application;
        return {
          id: r.id,
          itemId: r.itemId,
          itemName: cat.item(r.itemId, r.itemVersion)?.name ?? { zh: r.itemId, en: r.itemId },
          status: applicationStatus(app),
          channel: r.channel as Channel,
          submittedAt: r.submittedAt.toISOString(),
          updatedAt: r.updatedAt.toISOString(),
          tasks: app.order.length,
          openTasks: app.order.filter((id) => !['approved', 'rejected', 'cancelled', 'revoked'].includes(app.tasks[id]!.state)).length,
        };
      }),
    };
  }

  /** A department's work queue; supervisors see every department's. Tasks waiting on a dependency never show. */
  async queue(p: Principal, q: { state?: string | undefined; escalated?: boolean | undefined }): Promise<GovQueueEntry[]> {
    requireRole(p, ['officer', 'supervisor', 'operator'], 'see work queues');
    const cat = await this.d.catalogue.load();
    // Approved tasks stay in the queue only while a commitment awaits verification (承诺办).
    const awaitingVerification = and(eq(govTasks.state, 'approved'), sql`${govApplications.state}->'tasks'->${govTasks.serviceId}->>'verification' = 'pending'`);
    const conds = [or(inArray(govTasks.state, [...OPEN_STATES]), awaitingVerification)!];
    if (p.role === 'officer') conds.push(eq(govTasks.departmentId, departmentOf(p) ?? '-'));
    if (q.state) conds.push(eq(govTasks.state, q.state));
    if (q.escalated) conds.push(inArray(govTasks.escalation, ['overdue', 'supervisor']));
    const rows = await this.d.db
      .select({ t: govTasks, state: govApplications.state, itemId: govApplications.itemId, itemVersion: govApplications.itemVersion })
      .from(govTasks)
      .innerJoin(govApplications, eq(govApplications.id, govTasks.applicationId))
      .where(and(...conds))
      .orderBy(govTasks.dueAt)
      .limit(500);
    const out: GovQueueEntry[] = [];
    for (const r of rows) {
      const app = r.state as Application;
      out.push({
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
      });
    }
    return out;
  }

  // ---- officer actions ---------------------------------------------------------------------------------

  async act(p: Principal, applicationId: string, serviceId: string, raw: GovTaskActionRequest): Promise<GovApplicationView> {
    requireRole(p, ['officer'], 'act on department tasks');
    const req = ActionSchema.parse(raw);
    const dept = departmentOf(p);
    const peek = await this.rowOrFail(applicationId);
    const peekTask = (peek.state as Application).tasks[serviceId];
    if (!peekTask) throw errors.notFound('task', `${applicationId}/${serviceId}`);
    if (peekTask.departmentId !== dept) {
      await this.refuse(p, peek, serviceId, `action ${req.action}`);
      throw new AppError('FORBIDDEN_DEPARTMENT', 403, `Task ${serviceId} belongs to another department; officers act only on their department's tasks.`);
    }
    if (req.action === 'request_supplement' && !req.supplement) {
      throw errors.validation([{ path: 'supplement', message: '请说明需要补正的内容 / say exactly what the applicant must supplement' }]);
    }
    if (req.action === 'reject' && !req.reason?.trim()) {
      throw errors.validation([{ path: 'reason', message: '驳回须说明理由 / a rejection needs its reason' }]);
    }
    if (req.action === 'verify_failed' && !req.reason?.trim()) {
      throw errors.validation([{ path: 'reason', message: '核查不通过须说明理由 / a failed verification needs its reason' }]);
    }
    const ev: PublishedEvent[] = [];
    const row = await mapGov(() =>
      this.d.db.transaction(async (tx) => {
        const locked = await this.rowOrFail(applicationId, tx, true);
        const before = locked.state as Application;
        const now = this.d.clock.now();
        const reason = req.action === 'request_supplement' ? req.supplement!.message : req.reason;
        let app = applyTaskAction(
          before,
          { serviceId, action: req.action as TaskAction, actor: { kind: 'officer', id: p.userId, departmentId: dept! }, at: now, ...(reason ? { reason } : {}) },
          this.d.calendar,
        );
        app = await this.afterTransition(tx, locked, before, app, now, ev, p.userId);
        if (req.action === 'request_supplement') {
          await tx.update(govTasks).set({ supplement: req.supplement }).where(and(eq(govTasks.applicationId, applicationId), eq(govTasks.serviceId, serviceId)));
          const n = app.tasks[serviceId]!.history.length;
          await this.notify(tx, locked.subjectId, applicationId, `supplement:${serviceId}:${n}`, {
            zh: `您的申请需要补正：${req.supplement!.message}`,
            en: `Your application needs a supplement: ${req.supplement!.message}`,
          });
        }
        await this.recordReads(tx, p, [{ recordId: applicationId, owners: [locked.subjectId], registry: 'application', source: serviceId }], applicationId, `task ${req.action}`);
        await this.d.bus.record(tx, ev, {
          kind: 'gov.task.changed',
          entity: 'gov_application',
          entityId: applicationId,
          actor: p.userId,
          data: { serviceId, action: req.action, to: app.tasks[serviceId]!.state, department: dept },
        });
        return this.rowOrFail(applicationId, tx);
      }),
    );
    this.d.bus.publish(ev);
    return this.view(p, row, false);
  }

  /**
   * Everything a transition implies, in the same transaction: queue rows, issuance once every task is
   * approved, revocation after a failed verification, life events (免申办), closing figures, notifications.
   */
  private async afterTransition(tx: Tx, row: AppRow, before: Application, after: Application, now: number, ev: PublishedEvent[], actor: string): Promise<Application> {
    let app = after;
    const cat = await this.d.catalogue.load();
    const form = row.form as StoredForm;
    for (const [serviceId, event] of Object.entries(lifeEventServices)) {
      if (before.tasks[serviceId] && before.tasks[serviceId].state !== 'approved' && app.tasks[serviceId]?.state === 'approved' && event === 'birth_registered') {
        await this.birthFromApplication(tx, row, form, now, ev);
      }
    }
    const status = applicationStatus(app);
    if (status === 'completed' && !app.issuance) app = await this.issue(tx, row, app, form, cat, now, ev, actor);
    for (const id of app.order) {
      if (before.tasks[id]?.state !== 'revoked' && app.tasks[id]!.state === 'revoked') {
        const revoke = certificatesToRevoke(app, id);
        if (revoke.length) {
          await tx.update(govCertificates).set({ status: 'revoked', revokedAt: new Date(now), revokedReason: 'verification failed' }).where(inArray(govCertificates.id, revoke));
          await this.d.registry.setLibraryStatus(tx, revoke, 'revoked');
        }
        await this.notify(tx, row.subjectId, row.id, `revoked:${id}`, {
          zh: '您以承诺方式获批的事项经核查未通过，相关证照已撤销。',
          en: 'A service approved on your commitment failed verification; its certificates were revoked.',
        });
      }
    }
    const finalStatus = applicationStatus(app);
    const closing = (finalStatus === 'issued' || finalStatus === 'rejected') && row.closedAt === null;
    const set: Partial<typeof govApplications.$inferInsert> = { state: app, status: finalStatus, updatedAt: new Date(now) };
    if (closing) {
      const item = cat.item(row.itemId, row.itemVersion)!;
      const m = measureCase(app, { ...form.prefill, accesses: [] }, item, servicesOfItem(cat.latest, item), this.d.calendar);
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
        await this.notify(tx, row.subjectId, row.id, 'rejected', { zh: `您的申请未获批准：${reasons.join('；')}`, en: `Your application was not approved: ${reasons.join('; ')}` });
      }
    }
    await tx.update(govApplications).set(set).where(eq(govApplications.id, row.id));
    await this.writeTasks(tx, app, before, now);
    return app;
  }

  /** Issues every planned certificate once, signs it, puts it in the library, tells the applicant once. */
  private async issue(tx: Tx, row: AppRow, app: Application, form: StoredForm, cat: LoadedCatalogue, now: number, ev: PublishedEvent[], actor: string): Promise<Application> {
    const planned = app.order.flatMap((id) => app.tasks[id]!.results);
    const counts = new Map<string, number>();
    for (const type of planned) {
      const t = cat.certificateType(type);
      if (!t) continue;
      const code = issuerCodeOf(t.issuerDepartmentId);
      counts.set(code, (counts.get(code) ?? 0) + 1);
    }
    const next = new Map<string, number>();
    for (const [code, n] of counts) {
      const [r] = await tx
        .insert(govSerials)
        .values({ issuerCode: code, next: n + 1 })
        .onConflictDoUpdate({ target: govSerials.issuerCode, set: { next: sql`${govSerials.next} + ${n}` } })
        .returning({ next: govSerials.next });
      next.set(code, r!.next - n);
    }
    const values = { ...Object.fromEntries(form.prefill.fields.flatMap((f) => (f.status === 'filled' ? [[f.key, f.value]] : []))), ...form.answers };
    const specs = fieldSpecs(servicesOfItem(cat.latest, cat.item(row.itemId, row.itemVersion)!));
    const { app: issued, certificates } = issueApplication({
      app,
      catalogue: cat.latest,
      issuerCodes: issuerCodes(cat.latest.departments.map((d) => d.id)),
      holder: { kind: app.applicant.kind, id: row.subjectId, name: form.applicantName },
      nextSerial: (code) => {
        const v = next.get(code) ?? 1;
        next.set(code, v + 1);
        return v;
      },
      // 100 random bits in every new identifier: the public verify endpoint cannot be walked by serial.
      randomPart: () => encodeRandomPart(randomBytes(13)),
      at: now,
      privateKey: this.d.key.privateKey,
      keyId: this.d.key.keyId,
      dataFor: (serviceId) => {
        const svc = cat.service(serviceId);
        const out: Record<string, string | number | boolean> = {};
        for (const f of svc?.fields ?? []) {
          const v = values[f.key];
          // Account numbers and phones are not part of a certificate.
          if (v !== undefined && !['bank_account', 'phone'].includes(specs.get(f.key)?.type ?? '')) out[f.key] = v;
        }
        return out;
      },
    });
    for (const c of certificates) {
      await tx.insert(govCertificates).values({
        id: c.body.id,
        applicationId: row.id,
        serviceId: c.body.metadata.serviceId,
        type: c.body.type,
        holderId: row.subjectId,
        text: serializeCertificate(c),
        status: 'valid',
        issuedAt: new Date(now),
      });
      const lib: LibraryCertificate = {
        id: c.body.id,
        type: c.body.type,
        holderId: row.subjectId,
        issuerDepartmentId: c.body.issuer.departmentId,
        issuedOn: shanghaiDate(now),
        trustLevel: 'A',
        status: 'valid',
        data: c.body.data,
        fictional: true,
      };
      await this.d.registry.addLibraryCertificate(tx, lib);
    }
    await this.notify(tx, row.subjectId, row.id, 'ready', {
      zh: `您的“${cat.item(row.itemId, row.itemVersion)?.name.zh ?? row.itemId}”已全部办结，${certificates.length} 份电子证照已发放。`,
      en: `Your “${cat.item(row.itemId, row.itemVersion)?.name.en ?? row.itemId}” is done; ${certificates.length} e-certificates were issued.`,
    });
    await this.d.bus.record(tx, ev, { kind: 'gov.application.issued', entity: 'gov_application', entityId: row.id, actor, data: { certificates: certificates.length } });
    return issued;
  }

  private async notify(tx: Tx, recipientId: string, applicationId: string | null, kind: string, message: { zh: string; en: string }): Promise<void> {
    await tx
      .insert(govNotifications)
      .values({ id: newId('ntf'), recipientId, applicationId, kind, message, at: new Date(this.d.clock.now()) })
      .onConflictDoNothing();
  }

  // ---- 免申办: a registered birth grants entitlements with no application -------------------------------

  private async birthFromApplication(tx: Tx, row: AppRow, form: StoredForm, now: number, ev: PublishedEvent[]): Promise<void> {
    const app = row.state as Application;
    if (app.applicant.kind !== 'person') return;
    const values = { ...Object.fromEntries(form.prefill.fields.flatMap((f) => (f.status === 'filled' ? [[f.key, f.value]] : []))), ...form.answers };
    const parent = await this.d.registry.person(app.applicant.residentId, tx);
    if (!parent) return;
    await this.recordBirth(tx, {
      eventId: `birth_${row.id}`,
      parent,
      childName: String(values['child.name'] ?? '新生儿'),
      childSex: values['child.sex'] === 'male' ? 'male' : 'female',
      childBirthDate: String(values['child.birthDate'] ?? shanghaiDate(now)),
      applicationId: row.id,
      at: now,
      ev,
    });
  }

  /** Registers the child and grants what the rules give, telling the family; replaying the same event grants nothing twice. */
  async recordBirth(
    tx: Tx,
    b: { eventId: string; parent: Person; childName: string; childSex: 'male' | 'female'; childBirthDate: string; applicationId: string | null; at: number; ev: PublishedEvent[] },
  ): Promise<EntitlementGrant[]> {
    const household = await this.d.registry.household(b.parent.householdId, tx);
    const registries = await this.d.registry.subjectsFor({ kind: 'person', residentId: b.parent.residentId }, tx);
    const marriage = registries.marriages[0];
    const spouseId = marriage?.partyResidentIds.find((x) => x !== b.parent.residentId);
    const spouse = registries.people.find((x) => x.residentId === spouseId);
    const mother = b.parent.sex === 'female' ? b.parent : spouse;
    const father = b.parent.sex === 'male' ? b.parent : spouse;
    const region = household?.regionCode ?? b.parent.residentId.slice(0, 6);
    const digest = createHash('sha256').update(b.eventId).digest();
    let childId = '';
    for (let k = 0; k < 500; k++) {
      const seq = (((digest.readUInt16BE(0) + k) % 500) * 2 + (b.childSex === 'male' ? 1 : 0)) % 1000;
      const candidate = makeResidentId(region, b.childBirthDate, seq);
      if (!(await this.d.registry.residentIdsTaken(tx, [candidate])).has(candidate)) {
        childId = candidate;
        break;
      }
    }
    if (!childId) throw new AppError('GOV_NO_RESIDENT_ID', 409, 'No free resident ID sequence for that birth date and region.');
    await this.d.registry.registerChild(tx, {
      residentId: childId,
      name: b.childName,
      sex: b.childSex,
      birthDate: b.childBirthDate,
      householdId: b.parent.householdId,
      address: household?.address ?? b.parent.address,
      fictional: true,
    });
    const existing = (await tx.select().from(govGrants).where(eq(govGrants.eventId, b.eventId))).map((g) => ({
      id: g.id,
      ruleId: g.ruleId,
      eventId: g.eventId,
      beneficiaryId: g.beneficiaryId,
      departmentId: g.departmentId,
      benefit: g.benefit as { zh: string; en: string },
      grantedAt: g.grantedAt.getTime(),
    }));
    const grants = grantEntitlements(
      { id: b.eventId, type: 'birth_registered', at: b.at, childResidentId: childId, motherResidentId: mother?.residentId ?? b.parent.residentId, ...(father ? { fatherResidentId: father.residentId } : {}) },
      entitlementRulesSeed,
      registries,
      existing,
    );
    for (const g of grants) {
      await tx.insert(govGrants).values({ id: g.id, ruleId: g.ruleId, eventId: g.eventId, beneficiaryId: g.beneficiaryId, familyId: b.parent.residentId, departmentId: g.departmentId, benefit: g.benefit, grantedAt: new Date(g.grantedAt) }).onConflictDoNothing();
    }
    if (grants.length) {
      const list = grants.map((g) => g.benefit);
      for (const who of [mother, father].filter((x): x is Person => x !== undefined)) {
        await tx
          .insert(govNotifications)
          .values({
            id: newId('ntf'),
            recipientId: who.residentId,
            applicationId: null,
            kind: `entitlements:${b.eventId}`,
            message: {
              zh: `宝宝出生登记已完成，以下待遇已为您主动办理，无需申请：${list.map((x) => x.zh).join('、')}`,
              en: `The birth is registered. These were granted without an application: ${list.map((x) => x.en).join(', ')}`,
            },
            at: new Date(b.at),
          })
          .onConflictDoNothing();
      }
    }
    await this.d.bus.record(tx, b.ev, { kind: 'gov.birth.registered', entity: 'gov_birth', entityId: b.eventId, data: { grants: grants.length, applicationId: b.applicationId } });
    return grants;
  }

  /** A birth reported by the hospital and police directly (no application at all). */
  async registerBirth(p: Principal, body: { parentResidentId: string; childName: string; childSex: 'male' | 'female'; childBirthDate: string }): Promise<{ grants: number }> {
    requireRole(p, ['operator', 'officer'], 'register births');
    if (p.role === 'officer' && departmentOf(p) !== 'dept_public_security') throw errors.forbidden('register births (public security only)');
    const parent = await this.d.registry.person(body.parentResidentId);
    if (!parent) throw errors.validation([{ path: 'parentResidentId', message: '人口库中没有此人 / no such person in the population registry' }]);
    const ev: PublishedEvent[] = [];
    const now = this.d.clock.now();
    const eventId = `birth_${createHash('sha256').update(`${body.parentResidentId}|${body.childBirthDate}|${body.childName}`).digest('hex').slice(0, 16)}`;
    const grants = await this.d.db.transaction((tx) => this.recordBirth(tx, { eventId, parent, ...body, applicationId: null, at: now, ev }));
    this.d.bus.publish(ev);
    return { grants: grants.length };
  }

  // ---- applicant supplements ----------------------------------------------------------------------------

  async supplement(p: Principal, applicationId: string, raw: GovSupplementSubmission): Promise<GovApplicationView> {
    requireRole(p, [...APPLICANT_ROLES, 'window'], 'supplement applications');
    const body = SupplementSchema.parse(raw);
    const row0 = await this.rowOrFail(applicationId);
    await this.authorizeRead(p, row0);
    const cat = await this.d.catalogue.load();
    const item = cat.item(row0.itemId, row0.itemVersion)!;
    const services = servicesOfItem(cat.latest, item);
    const asked = await this.d.db.select().from(govTasks).where(and(eq(govTasks.applicationId, applicationId), eq(govTasks.state, 'supplement_requested')));
    if (!asked.length) throw errors.conflict('NO_SUPPLEMENT_REQUESTED', 'No task of this application asks for a supplement; nothing to submit.');
    const fields = [...new Set(asked.flatMap((t) => (t.supplement as { fields?: string[] } | null)?.fields ?? []))];
    const mats = [...new Set(asked.flatMap((t) => (t.supplement as { materials?: string[] } | null)?.materials ?? []))];
    const form = row0.form as StoredForm;
    const problems = checkSubmission({
      prefill: { ...form.prefill, form: { fields, materials: mats.map((m) => ({ materialId: m, status: 'upload' as const })) }, accesses: [] },
      fieldSpecs: fieldSpecs(services),
      materialSpecs: materialSpecs(services),
      answers: body.answers,
      materials: body.materials,
      commitmentSigned: (row0.state as Application).commitment !== undefined,
      today: this.today(),
      onlyFields: fields,
      onlyMaterials: mats,
    });
    if (problems.length) throw errors.validation(problems);
    const channel: Channel = p.role === 'window' ? 'window' : (body.channel ?? (row0.channel as Channel));
    const ev: PublishedEvent[] = [];
    const row = await mapGov(() =>
      this.d.db.transaction(async (tx) => {
        const locked = await this.rowOrFail(applicationId, tx, true);
        const before = locked.state as Application;
        const now = this.d.clock.now();
        let app = before;
        for (const t of asked) {
          if (app.tasks[t.serviceId]?.state !== 'supplement_requested') continue;
          app = applyTaskAction(app, { serviceId: t.serviceId, action: 'submit_supplement', actor: { kind: p.role === 'window' ? 'window' : 'applicant', id: p.userId }, at: now, channel }, this.d.calendar);
        }
        const f = locked.form as StoredForm;
        await tx
          .update(govApplications)
          .set({ form: { ...f, answers: { ...f.answers, ...body.answers }, materials: [...f.materials.filter((m) => !body.materials.some((b) => b.materialId === m.materialId)), ...body.materials] } })
          .where(eq(govApplications.id, applicationId));
        app = await this.afterTransition(tx, { ...locked, form: { ...f, answers: { ...f.answers, ...body.answers } } }, before, app, now, ev, p.userId);
        await tx.update(govTasks).set({ supplement: null }).where(and(eq(govTasks.applicationId, applicationId), inArray(govTasks.serviceId, asked.map((t) => t.serviceId))));
        await this.d.bus.record(tx, ev, { kind: 'gov.application.supplemented', entity: 'gov_application', entityId: applicationId, actor: p.userId, data: { tasks: asked.length, channel } });
        return this.rowOrFail(applicationId, tx);
      }),
    );
    this.d.bus.publish(ev);
    return this.view(p, row, false);
  }

  // ---- SLA clocks --------------------------------------------------------------------------------------

  /** Re-evaluates every running SLA clock in working days; a change of level is an event, the supervisor level shows on the dashboard. */
  async sweepSla(): Promise<{ changed: number }> {
    const now = this.d.clock.now();
    const rows = await this.d.db.select().from(govTasks).where(and(inArray(govTasks.state, [...OPEN_STATES]), isNotNull(govTasks.dueAt)));
    let changed = 0;
    const ev: PublishedEvent[] = [];
    await this.d.db.transaction(async (tx) => {
      for (const r of rows) {
        const level = escalationLevel(r.dueAt!.getTime(), now, this.d.calendar);
        if (level === r.escalation) continue;
        changed++;
        await tx.update(govTasks).set({ escalation: level }).where(and(eq(govTasks.applicationId, r.applicationId), eq(govTasks.serviceId, r.serviceId)));
        await this.d.bus.record(tx, ev, { kind: 'gov.sla.escalated', entity: 'gov_application', entityId: r.applicationId, actor: 'system', data: { serviceId: r.serviceId, department: r.departmentId, level } });
      }
    });
    this.d.bus.publish(ev);
    return { changed };
  }

  // ---- certificates and verification ---------------------------------------------------------------------

  async myCertificates(p: Principal): Promise<GovCertificateView[]> {
    requireRole(p, [...APPLICANT_ROLES], 'list your certificates');
    const own = await this.ownIds(p);
    if (!own.length) return [];
    const cat = await this.d.catalogue.load();
    const rows = await this.d.db.select().from(govCertificates).where(inArray(govCertificates.holderId, own)).orderBy(desc(govCertificates.issuedAt)).limit(200);
    return Promise.all(rows.map((c) => this.certificateView(cat, c)));
  }

  /**
   * Verifications since start, by result. Public verification is anonymous: it writes no database row
   * per call (a flood of calls must not grow the events table); the module logs these counts instead.
   */
  readonly verifications: Record<GovVerification['result'], number> = { valid: 0, tampered: 0, revoked: 0, not_found: 0 };

  /** Public: checks the stored record (or a presented text) against the issuer key and the revocation state. */
  async verify(certificateId: string, presented?: string): Promise<GovVerification> {
    const out = await this.check(certificateId, presented);
    this.verifications[out.result]++;
    return out;
  }

  private async check(certificateId: string, presented?: string): Promise<GovVerification> {
    const checkedAt = new Date(this.d.clock.now()).toISOString();
    const none = { certificateId, name: null, issuer: null, holderName: null, issuedAt: null, keyId: null, checkedAt };
    // Not an identifier this library issues (either form): no database read at all.
    try {
      parseCertificateId(certificateId);
    } catch {
      return { result: 'not_found', ...none };
    }
    const [row] = await this.d.db.select().from(govCertificates).where(eq(govCertificates.id, certificateId));
    const text = presented ?? row?.text;
    if (!text) return { result: 'not_found', ...none };
    let parsed: SignedCertificate | null = null;
    try {
      parsed = JSON.parse(text) as SignedCertificate;
    } catch {
      parsed = null;
    }
    const keys = await publicKeys(this.d.db);
    const key = keys.get(parsed?.proof?.keyId ?? '') ?? keys.get(this.d.key.keyId)!;
    let result: GovVerification['result'] = verifyCertificateText(text, key.key, (id) => id === certificateId && row?.status === 'revoked');
    // A presented certificate that is not the one asked about, or that this library never issued, is not valid here.
    if (result !== 'tampered' && (!row || parsed?.body.id !== certificateId)) result = 'tampered';
    const body = parsed?.body;
    return {
      result,
      certificateId,
      name: body?.name && typeof body.name.zh === 'string' ? body.name : null,
      issuer: typeof body?.issuer?.name === 'string' ? body.issuer.name : null,
      holderName: typeof body?.holder?.name === 'string' ? maskName(body.holder.name) : null,
      issuedAt: typeof body?.issuedAt === 'string' ? body.issuedAt : null,
      keyId: typeof parsed?.proof?.keyId === 'string' ? parsed.proof.keyId : null,
      checkedAt,
    };
  }

  async publicKey(): Promise<{ keyId: string; alg: 'Ed25519'; publicKeyPem: string }> {
    return { keyId: this.d.key.keyId, alg: 'Ed25519', publicKeyPem: this.d.key.publicKeyPem };
  }

  // ---- data-use view, notifications, grants ----------------------------------------------------------------

  async accessLog(p: Principal, q: { limit: number }): Promise<GovAccessEntry[]> {
    const cat = await this.d.catalogue.load();
    let where;
    if ((APPLICANT_ROLES as readonly string[]).includes(p.role)) {
      const own = await this.ownIds(p);
      if (!own.length) return [];
      where = inArray(govAccessLog.ownerId, own);
    } else requireRole(p, ['supervisor', 'operator'], 'read the data-use log');
    const rows = await this.d.db.select().from(govAccessLog).where(where).orderBy(desc(govAccessLog.id)).limit(q.limit);
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

  async notifications(p: Principal): Promise<GovNotification[]> {
    requireRole(p, [...APPLICANT_ROLES], 'read notifications');
    const own = await this.ownIds(p);
    if (!own.length) return [];
    const rows = await this.d.db.select().from(govNotifications).where(inArray(govNotifications.recipientId, own)).orderBy(desc(govNotifications.at)).limit(100);
    return rows.map((r) => ({ id: r.id, kind: r.kind, applicationId: r.applicationId, message: r.message as { zh: string; en: string }, at: r.at.toISOString() }));
  }

  async grants(p: Principal): Promise<GovGrant[]> {
    requireRole(p, [...APPLICANT_ROLES], 'read entitlements');
    const own = await this.ownIds(p);
    if (!own.length) return [];
    const rows = await this.d.db.select().from(govGrants).where(inArray(govGrants.familyId, own)).orderBy(desc(govGrants.grantedAt));
    return rows.map((g) => ({ id: g.id, ruleId: g.ruleId, benefit: g.benefit as { zh: string; en: string }, departmentId: g.departmentId, beneficiaryMasked: maskId(g.beneficiaryId), grantedAt: g.grantedAt.toISOString() }));
  }

  // ---- service-hall tickets ---------------------------------------------------------------------------------

  async takeTicket(p: Principal): Promise<GovTicket> {
    requireRole(p, ['window', 'citizen', 'enterprise'], 'take a queue ticket');
    const now = this.d.clock.now();
    const day = shanghaiDate(now);
    const id = newId('tkt');
    const row = await this.d.db.transaction(async (tx) => {
      const [c] = await tx.select({ n: sql<number>`count(*)::int` }).from(govTickets).where(sql`${govTickets.number} like ${`${day}-%`}`);
      const number = `${day}-A${String((c?.n ?? 0) + 1).padStart(3, '0')}`;
      const [r] = await tx.insert(govTickets).values({ id, number, status: 'waiting', createdAt: new Date(now) }).returning();
      return r!;
    });
    return ticketView(row);
  }

  /** The window calls the oldest waiting ticket: one window takes any item (一窗受理). */
  async callNext(p: Principal): Promise<GovTicket | null> {
    requireRole(p, ['window'], 'call tickets');
    const now = this.d.clock.now();
    return this.d.db.transaction(async (tx) => {
      const [next] = await tx.select().from(govTickets).where(eq(govTickets.status, 'waiting')).orderBy(govTickets.createdAt).limit(1).for('update', { skipLocked: true });
      if (!next) return null;
      const [r] = await tx.update(govTickets).set({ status: 'called', windowUserId: p.userId, calledAt: new Date(now) }).where(eq(govTickets.id, next.id)).returning();
      return ticketView(r!);
    });
  }

  async tickets(p: Principal): Promise<GovTicket[]> {
    requireRole(p, ['window', 'supervisor'], 'see the ticket queue');
    const rows = await this.d.db.select().from(govTickets).where(inArray(govTickets.status, ['waiting', 'called'])).orderBy(govTickets.createdAt).limit(100);
    return rows.map(ticketView);
  }
}

function ticketView(r: typeof govTickets.$inferSelect): GovTicket {
  return { id: r.id, number: r.number, status: r.status as GovTicket['status'], createdAt: r.createdAt.toISOString(), calledAt: r.calledAt?.toISOString() ?? null, applicationId: r.applicationId };
}

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
