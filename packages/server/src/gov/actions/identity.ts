/** Who the person asking is in the registries, and who an application is for. */
import { formText, validateCreditCode, validateResidentId, type Applicant, type FieldError, type Item } from '@shuzhi/gov';
import type { GovApplicantRef, GovMe } from '@shuzhi/schema';
import type { Principal } from '../../auth/principal.ts';
import { AppError, errors } from '../../errors.ts';
import { govUserLinks } from '../db-schema.ts';
import type { GovDeps } from '../deps.ts';
import { bilingual, linkOf, maskId, today } from '../reads.ts';
import { departmentOf } from '../roles.ts';

export async function me(d: GovDeps, p: Principal): Promise<GovMe> {
  const cat = await d.catalogue.load();
  const dept = departmentOf(p);
  const link = await linkOf(d, p.userId);
  const person = link ? await d.registry.person(link.residentId) : undefined;
  const ent = link?.creditCode ? await d.registry.enterprise(link.creditCode) : undefined;
  return {
    role: p.role,
    departmentId: dept,
    departmentName: dept ? (cat.department(dept)?.name ?? null) : null,
    person: person ? { name: person.name, residentIdMasked: maskId(person.residentId) } : null,
    enterprise: ent && p.role === 'enterprise' ? { name: ent.name, creditCode: ent.creditCode } : null,
  };
}

export async function linkUser(d: GovDeps, userId: string, link: { kind: 'person' | 'enterprise'; residentId: string; creditCode?: string }): Promise<void> {
  await d.db.insert(govUserLinks).values({ userId, kind: link.kind, residentId: link.residentId, creditCode: link.creditCode ?? null }).onConflictDoNothing();
}

const invalid = (problems: readonly FieldError[]) => errors.validation(problems.map((e) => ({ path: e.field, message: bilingual(e.message) })));

export interface ResolvedApplicant {
  applicant: Applicant;
  subjectId: string;
  name: string;
  userId: string | null;
}

/** Applicants file for themselves (their linked identity), window staff for anyone they name; checked against the registries. */
export async function resolveApplicant(d: GovDeps, p: Principal, item: Item, ref: GovApplicantRef | undefined): Promise<ResolvedApplicant> {
  let applicant: Applicant;
  let userId: string | null = null;
  if (p.role === 'window') {
    if (!ref) throw errors.validation([{ path: 'applicant', message: bilingual(formText.windowMustNameApplicant) }]);
    if ('residentId' in ref) {
      const r = validateResidentId(ref.residentId, { latestBirthDate: today(d) }, 'applicant.residentId');
      if (!r.ok) throw invalid(r.errors);
      applicant = { kind: 'person', residentId: ref.residentId };
    } else {
      const r = validateCreditCode(ref.creditCode, 'applicant.creditCode');
      if (!r.ok) throw invalid(r.errors);
      const a = validateResidentId(ref.agentResidentId, { latestBirthDate: today(d) }, 'applicant.agentResidentId');
      if (!a.ok) throw invalid(a.errors);
      applicant = { kind: 'enterprise', creditCode: ref.creditCode, agentResidentId: ref.agentResidentId };
    }
  } else {
    const link = await linkOf(d, p.userId);
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
  if (applicant.kind !== wantKind) throw errors.validation([{ path: 'itemId', message: bilingual(formText.wrongSubject(item.name, item.subject)) }]);
  if (applicant.kind === 'person') {
    const person = await d.registry.person(applicant.residentId);
    if (!person) throw errors.validation([{ path: 'applicant.residentId', message: bilingual(formText.noSuchPerson) }]);
    return { applicant, subjectId: applicant.residentId, name: person.name, userId };
  }
  const ent = await d.registry.enterprise(applicant.creditCode);
  if (!ent) throw errors.validation([{ path: 'applicant.creditCode', message: bilingual(formText.noSuchCompany) }]);
  const agent = await d.registry.person(applicant.agentResidentId);
  if (!agent) throw errors.validation([{ path: 'applicant.agentResidentId', message: bilingual(formText.noSuchAgent) }]);
  return { applicant, subjectId: applicant.creditCode, name: ent.name, userId };
}
