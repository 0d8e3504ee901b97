/**
 * Prefill (免提免交): for every field and material of an item, find what a base registry or the e-licence
 * library already holds, so the form asks only for the rest. Each registry is read only with the applicant's
 * consent, and every read is returned as an access record for the data-use audit.
 */
import type { Item, MaterialSpec, Service } from './catalogue/model.ts';
import { registryOfSource, type DataSourceId, type RegistryName } from './catalogue/sources.ts';
import type { Applicant, CertificateValue, Enterprise, Household, LibraryCertificate, Marriage, Person, Registries, SocialInsuranceRecord } from './registry/model.ts';

export interface Consent {
  /** Registries the applicant agreed may be read for this application. */
  readonly registries: readonly RegistryName[];
  /** When consent was given (ms epoch), from the caller's clock. */
  readonly givenAt: number;
}

/** The records reachable from the applicant, looked up once. */
interface Subjects {
  person?: Person;
  spouse?: Person;
  household?: Household;
  householdHead?: Person;
  marriage?: Marriage;
  enterprise?: Enterprise;
  legalRepresentative?: Person;
  insurance?: SocialInsuranceRecord;
  certificates: readonly LibraryCertificate[];
}

function subjectsOf(applicant: Applicant, r: Registries): Subjects {
  const personId = applicant.kind === 'person' ? applicant.residentId : applicant.agentResidentId;
  const person = r.people.find((p) => p.residentId === personId);
  const marriage = person ? r.marriages.find((m) => m.partyResidentIds.includes(person.residentId)) : undefined;
  const spouseId = marriage?.partyResidentIds.find((id) => id !== personId);
  const household = person ? r.households.find((h) => h.id === person.householdId) : undefined;
  const enterprise = applicant.kind === 'enterprise' ? r.enterprises.find((e) => e.creditCode === applicant.creditCode) : undefined;
  return {
    person,
    spouse: spouseId ? r.people.find((p) => p.residentId === spouseId) : undefined,
    household,
    householdHead: household ? r.people.find((p) => p.residentId === household.headResidentId) : undefined,
    marriage,
    enterprise,
    legalRepresentative: enterprise ? r.people.find((p) => p.residentId === enterprise.legalRepresentativeResidentId) : undefined,
    insurance: r.socialInsurance.find((s) => s.residentId === personId),
    certificates: r.certificates.filter((c) => c.status === 'valid'),
  };
}

/** The newest valid certificate of a type held by either spouse (a newborn's papers are held by a parent). */
function coupleCertificate(s: Subjects, type: string): LibraryCertificate | undefined {
  const holders = [s.person?.residentId, s.spouse?.residentId].filter((x): x is string => x !== undefined);
  return s.certificates.filter((c) => c.type === type && holders.includes(c.holderId)).sort((a, b) => b.issuedOn.localeCompare(a.issuedOn))[0];
}

type Found = { value: CertificateValue; subjectId: string } | undefined;
const from = (subjectId: string | undefined, value: CertificateValue | undefined): Found =>
  subjectId !== undefined && value !== undefined ? { value, subjectId } : undefined;
const fromCert = (c: LibraryCertificate | undefined, key: string): Found => (c ? from(c.id, c.data[key]) : undefined);

/** One resolver per source id; the compiler checks every id has one. */
const resolvers = {
  'population.applicant.name': (s) => from(s.person?.residentId, s.person?.name),
  'population.applicant.residentId': (s) => from(s.person?.residentId, s.person?.residentId),
  'population.applicant.birthDate': (s) => from(s.person?.residentId, s.person?.birthDate),
  'population.applicant.sex': (s) => from(s.person?.residentId, s.person?.sex),
  'population.applicant.address': (s) => from(s.person?.residentId, s.person?.address),
  'population.spouse.name': (s) => from(s.spouse?.residentId, s.spouse?.name),
  'population.spouse.residentId': (s) => from(s.spouse?.residentId, s.spouse?.residentId),
  'household.applicant.number': (s) => from(s.household?.id, s.household?.number),
  'household.applicant.address': (s) => from(s.household?.id, s.household?.address),
  'household.applicant.headName': (s) => from(s.household?.id, s.householdHead?.name),
  'marriage.applicant.certificateNo': (s) => from(s.marriage?.id, s.marriage?.certificateNo),
  'marriage.applicant.registeredOn': (s) => from(s.marriage?.id, s.marriage?.registeredOn),
  'certificates.birthMedical.childName': (s) => fromCert(coupleCertificate(s, 'BIRTH_MEDICAL_CERT'), 'childName'),
  'certificates.birthMedical.childSex': (s) => fromCert(coupleCertificate(s, 'BIRTH_MEDICAL_CERT'), 'childSex'),
  'certificates.birthMedical.childBirthDate': (s) => fromCert(coupleCertificate(s, 'BIRTH_MEDICAL_CERT'), 'childBirthDate'),
  'certificates.birthMedical.birthPlace': (s) => fromCert(coupleCertificate(s, 'BIRTH_MEDICAL_CERT'), 'birthPlace'),
  'certificates.birthMedical.certificateNo': (s) => fromCert(coupleCertificate(s, 'BIRTH_MEDICAL_CERT'), 'certificateNo'),
  'certificates.onlyChild.certificateNo': (s) => {
    const c = s.certificates.find((x) => x.type === 'ONLY_CHILD_CERT' && x.holderId === s.person?.residentId);
    return c ? { value: c.id, subjectId: c.id } : undefined;
  },
  'enterprise.applicant.name': (s) => from(s.enterprise?.creditCode, s.enterprise?.name),
  'enterprise.applicant.creditCode': (s) => from(s.enterprise?.creditCode, s.enterprise?.creditCode),
  'enterprise.applicant.address': (s) => from(s.enterprise?.creditCode, s.enterprise?.address),
  'enterprise.applicant.legalRepresentativeName': (s) => from(s.enterprise?.creditCode, s.legalRepresentative?.name),
  'enterprise.applicant.legalRepresentativeResidentId': (s) => from(s.enterprise?.creditCode, s.enterprise?.legalRepresentativeResidentId),
  'enterprise.applicant.registeredCapitalFen': (s) => from(s.enterprise?.creditCode, s.enterprise?.registeredCapitalFen),
  'enterprise.applicant.businessScope': (s) => from(s.enterprise?.creditCode, s.enterprise?.businessScope),
  'social_insurance.applicant.insuredSince': (s) => from(s.insurance?.residentId, s.insurance?.insuredSince),
  'social_insurance.applicant.contributionMonths': (s) => from(s.insurance?.residentId, s.insurance?.contributionMonths),
  'social_insurance.applicant.housingFundAccountNo': (s) => from(s.insurance?.residentId, s.insurance?.housingFundAccountNo),
} as const satisfies Record<DataSourceId, (s: Subjects) => Found>;

export type FieldPrefill =
  | { key: string; serviceIds: string[]; status: 'filled'; source: DataSourceId; value: CertificateValue }
  | { key: string; serviceIds: string[]; status: 'needed'; blockedByConsent: RegistryName[]; optional: boolean };

/**
 * fetched: taken from the library (A, or a B copy checked before), nothing to submit;
 * generated: produced by the platform and e-signed by the parties;
 * commitment: the applicant may sign a commitment instead (D, 承诺办);
 * upload: nothing holds it, so the applicant uploads it (C) and the case gets an "original checked" task.
 */
export type MaterialStatus = 'fetched' | 'generated' | 'commitment' | 'upload';

export interface MaterialPrefill {
  materialId: string;
  serviceIds: string[];
  status: MaterialStatus;
  certificateIds: string[];
  /** Trust level of what satisfies the material in this case. */
  trustLevel: 'A' | 'B' | 'C' | 'D';
}

/** One read of someone's data, for the audit log and the citizen's data-use view. */
export interface DataAccess {
  registry: RegistryName;
  source: DataSourceId | `material:${string}`;
  subjectId: string;
  purpose: string;
  at: number;
}

export interface PrefillResult {
  fields: FieldPrefill[];
  materials: MaterialPrefill[];
  /** What the form still asks the applicant: field keys and material ids (each once, 一表申请). */
  form: { fields: string[]; materials: { materialId: string; status: Exclude<MaterialStatus, 'fetched' | 'generated'> }[] };
  accesses: DataAccess[];
}

export interface PrefillInput {
  item: Item;
  services: readonly Service[];
  applicant: Applicant;
  registries: Registries;
  consent: Consent;
  /** Purpose recorded on every access, normally the application id. */
  purpose: string;
}

function holdersOf(m: MaterialSpec, s: Subjects): string[] {
  const ids = {
    applicant: [s.person?.residentId],
    spouse: [s.spouse?.residentId],
    couple: [s.person?.residentId, s.spouse?.residentId],
    either_spouse: [s.person?.residentId, s.spouse?.residentId],
    household_head: [s.householdHead?.residentId],
    enterprise: [s.enterprise?.creditCode],
    legal_representative: [s.legalRepresentative?.residentId],
  }[m.holder];
  return ids.filter((x): x is string => x !== undefined);
}

export function prefill(input: PrefillInput): PrefillResult {
  const { applicant, registries, consent, purpose } = input;
  // Services outside the item would put questions on the form the item never asks.
  const services = input.services.filter((s) => input.item.services.includes(s.id));
  const allowed = new Set(consent.registries);
  const subjects = subjectsOf(applicant, registries);
  const accesses: DataAccess[] = [];
  const seenAccess = new Set<string>();
  const logAccess = (a: DataAccess) => {
    const k = `${a.registry}|${a.source}|${a.subjectId}`;
    if (!seenAccess.has(k)) { seenAccess.add(k); accesses.push(a); }
  };

  const fieldsByKey = new Map<string, { spec: Service['fields'][number]; serviceIds: string[] }>();
  const materialsById = new Map<string, { spec: MaterialSpec; serviceIds: string[] }>();
  for (const s of services) {
    for (const f of s.fields) {
      const e = fieldsByKey.get(f.key);
      if (e) { e.serviceIds.push(s.id); if (e.spec.sources.length === 0 && f.sources.length > 0) e.spec = f; }
      else fieldsByKey.set(f.key, { spec: f, serviceIds: [s.id] });
    }
    for (const m of s.materials) {
      const e = materialsById.get(m.id);
      if (e) e.serviceIds.push(s.id);
      else materialsById.set(m.id, { spec: m, serviceIds: [s.id] });
    }
  }

  const fields: FieldPrefill[] = [];
  for (const [key, { spec, serviceIds }] of fieldsByKey) {
    const blocked: RegistryName[] = [];
    let filled: FieldPrefill | undefined;
    for (const source of spec.sources) {
      const registry = registryOfSource(source);
      if (!allowed.has(registry)) { if (!blocked.includes(registry)) blocked.push(registry); continue; }
      const found = resolvers[source](subjects);
      if (found) {
        logAccess({ registry, source, subjectId: found.subjectId, purpose, at: consent.givenAt });
        filled = { key, serviceIds, status: 'filled', source, value: found.value };
        break;
      }
    }
    fields.push(filled ?? { key, serviceIds, status: 'needed', blockedByConsent: blocked, optional: spec.optional });
  }

  const materials: MaterialPrefill[] = [];
  for (const [materialId, { spec, serviceIds }] of materialsById) {
    const base = { materialId, serviceIds };
    if (spec.generatedByPlatform) { materials.push({ ...base, status: 'generated', certificateIds: [], trustLevel: 'A' }); continue; }
    const holders = holdersOf(spec, subjects);
    const found = allowed.has('certificates')
      ? subjects.certificates.filter((c) => spec.certificateTypes.includes(c.type) && holders.includes(c.holderId))
      : [];
    // A couple's material needs both spouses' certificates; a partial set still has to be brought.
    const complete = found.length > 0 && (spec.holder !== 'couple' || holders.every((h) => found.some((c) => c.holderId === h)));
    if (complete) {
      for (const c of found) logAccess({ registry: 'certificates', source: `material:${materialId}`, subjectId: c.id, purpose, at: consent.givenAt });
      materials.push({ ...base, status: 'fetched', certificateIds: found.map((c) => c.id), trustLevel: found.every((c) => c.trustLevel === 'A') ? 'A' : 'B' });
    } else if (spec.commitmentAllowed) {
      materials.push({ ...base, status: 'commitment', certificateIds: [], trustLevel: 'D' });
    } else {
      materials.push({ ...base, status: 'upload', certificateIds: [], trustLevel: 'C' });
    }
  }

  return {
    fields,
    materials,
    form: {
      fields: fields.filter((f) => f.status === 'needed').map((f) => f.key),
      materials: materials.flatMap((m) => (m.status === 'fetched' || m.status === 'generated' ? [] : [{ materialId: m.materialId, status: m.status }])),
    },
    accesses,
  };
}
