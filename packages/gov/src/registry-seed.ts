/**
 * Synthetic base registries for demos and tests. Every record is fictional (flag `fictional: true`); names are
 * built from the marker 测试 plus a number so nobody can mistake them for real people or companies. ID numbers
 * and credit codes are structurally valid (checksums pass) so validation paths run on them.
 */
import { createRng, type Rng } from './rng.ts';
import { makeResidentId } from './ids/resident-id.ts';
import { CREDIT_CODE_CHARSET, makeCreditCode } from './ids/credit-code.ts';
import { xinjiangCountyCodes } from './ids/regions.ts';
import type { Enterprise, Household, LibraryCertificate, Marriage, Person, Registries, SocialInsuranceRecord } from './registry/model.ts';

export interface RegistrySeedOptions {
  seed?: number;
  households?: number;
  enterprises?: number;
  /** Births in the seed are dated relative to this day (YYYY-MM-DD), so the data does not age with the clock. */
  referenceDate?: string;
}

const REGIONS = Object.keys(xinjiangCountyCodes) as (keyof typeof xinjiangCountyCodes)[];

function isoDate(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function addDays(date: string, days: number): string {
  const t = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

function randomDate(rng: Rng, fromYear: number, toYear: number): string {
  return isoDate(rng.int(fromYear, toYear), rng.int(1, 12), rng.int(1, 28));
}

function randomOrgBody(rng: Rng): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += rng.pick([...CREDIT_CODE_CHARSET]);
  return s;
}

export function seedRegistries(options: RegistrySeedOptions = {}): Registries {
  const rng = createRng(options.seed ?? 20240617);
  const householdCount = options.households ?? 40;
  const enterpriseCount = options.enterprises ?? 20;
  const referenceDate = options.referenceDate ?? '2025-06-01';
  const people: Person[] = [];
  const households: Household[] = [];
  const marriages: Marriage[] = [];
  const enterprises: Enterprise[] = [];
  const socialInsurance: SocialInsuranceRecord[] = [];
  const certificates: LibraryCertificate[] = [];
  const usedIds = new Set<string>();
  let personNo = 0;
  let certNo = 0;

  const cert = (type: string, holderId: string, issuerDepartmentId: string, issuedOn: string, data: LibraryCertificate['data']): LibraryCertificate => {
    const c: LibraryCertificate = { id: `lic_${String(++certNo).padStart(6, '0')}`, type, holderId, issuerDepartmentId, issuedOn, trustLevel: 'A', status: 'valid', data, fictional: true };
    certificates.push(c);
    return c;
  };

  const newPerson = (region: string, birthDate: string, sex: 'male' | 'female', householdId: string, address: string): Person => {
    let id: string;
    do {
      // Odd sequence for men, even for women (GB 11643 sequence code).
      const seq = rng.int(0, 499) * 2 + (sex === 'male' ? 1 : 0);
      id = makeResidentId(region, birthDate, seq);
    } while (usedIds.has(id));
    usedIds.add(id);
    const p: Person = { residentId: id, name: `测试居民${String(++personNo).padStart(4, '0')}`, sex, birthDate, householdId, address, fictional: true };
    people.push(p);
    cert('ID_CARD', id, 'dept_public_security', addDays(birthDate, 16 * 366), { name: p.name, sex, birthDate, address });
    return p;
  };

  for (let h = 0; h < householdCount; h++) {
    const region = rng.pick(REGIONS);
    const householdId = `hh_${String(h + 1).padStart(4, '0')}`;
    const address = `${xinjiangCountyCodes[region]}测试路${h + 1}号（虚构）`;
    const head = newPerson(region, randomDate(rng, 1960, 1998), 'male', householdId, address);
    const members = [head];
    // Most households are couples; some of them have children, some a newborn awaiting registration.
    if (rng.next() < 0.8) {
      const spouse = newPerson(region, randomDate(rng, 1962, 2000), 'female', householdId, address);
      members.push(spouse);
      const registeredOn = randomDate(rng, Math.max(Number(spouse.birthDate.slice(0, 4)) + 22, 1985), 2022);
      const marriage: Marriage = { id: `mar_${String(h + 1).padStart(4, '0')}`, certificateNo: `J650000-${registeredOn.slice(0, 4)}-${String(h + 1).padStart(6, '0')}`, partyResidentIds: [head.residentId, spouse.residentId], registeredOn, fictional: true };
      marriages.push(marriage);
      for (const party of [head, spouse]) cert('MARRIAGE_CERT', party.residentId, 'dept_civil_affairs', registeredOn, { certificateNo: marriage.certificateNo, partyA: head.name, partyB: spouse.name, registeredOn });
      const children = rng.int(0, 2);
      for (let c = 0; c < children; c++) {
        const child = newPerson(region, randomDate(rng, Math.max(Number(registeredOn.slice(0, 4)) + 1, 2005), 2023), rng.next() < 0.5 ? 'male' : 'female', householdId, address);
        members.push(child);
      }
      if (rng.next() < 0.3) {
        // A newborn: the birth medical certificate exists, the household registration does not yet.
        const childBirthDate = addDays(referenceDate, -rng.int(1, 20));
        const data = {
          certificateNo: `O65${String(rng.int(0, 99_999_999)).padStart(8, '0')}`,
          childName: `测试新生儿${String(h + 1).padStart(4, '0')}`,
          childSex: rng.next() < 0.5 ? 'male' : 'female',
          childBirthDate,
          birthPlace: `${xinjiangCountyCodes[region]}测试医院（虚构）`,
          motherResidentId: spouse.residentId,
          fatherResidentId: head.residentId,
        };
        cert('BIRTH_MEDICAL_CERT', spouse.residentId, 'dept_health', childBirthDate, data);
      }
    }
    const household: Household = {
      id: householdId, number: `65${String(rng.int(0, 9_999_999)).padStart(7, '0')}`, headResidentId: head.residentId,
      memberResidentIds: members.map((m) => m.residentId), address, regionCode: region, fictional: true,
    };
    households.push(household);
    cert('HOUSEHOLD_REGISTER', head.residentId, 'dept_public_security', randomDate(rng, 2010, 2023), { householdNumber: household.number, address, members: members.length });
    for (const m of members) {
      if (m.birthDate > '2006-01-01') continue;
      const insuredSince = addDays(m.birthDate, (20 + rng.int(0, 5)) * 366);
      if (insuredSince > referenceDate) continue;
      const monthsSince = Math.floor((Date.parse(referenceDate) - Date.parse(insuredSince)) / (30.44 * 86_400_000));
      socialInsurance.push({ residentId: m.residentId, insuredSince, contributionMonths: Math.max(0, monthsSince - rng.int(0, 24)), housingFundAccountNo: `GJJ${String(rng.int(0, 99_999_999)).padStart(8, '0')}`, fictional: true });
      if (m.birthDate < '1975-01-01' && rng.next() < 0.3) cert('ONLY_CHILD_CERT', m.residentId, 'dept_health', randomDate(rng, 1995, 2005), { holderName: m.name });
    }
  }

  const adults = people.filter((p) => p.birthDate < '2000-01-01');
  for (let e = 0; e < enterpriseCount; e++) {
    const region = rng.pick(REGIONS);
    const legalRep = rng.pick(adults);
    const establishedOn = randomDate(rng, 2005, 2023);
    const creditCode = makeCreditCode('9', '1', region, randomOrgBody(rng));
    const kind = rng.pick(['商贸', '运输', '餐饮', '科技'] as const);
    const enterprise: Enterprise = {
      creditCode, name: `测试${kind}有限公司${String(e + 1).padStart(3, '0')}（虚构）`, legalRepresentativeResidentId: legalRep.residentId,
      address: `${xinjiangCountyCodes[region]}测试大道${e + 1}号（虚构）`, establishedOn, registeredCapitalFen: rng.int(10, 500) * 1_000_000,
      businessScope: `${kind}服务（虚构）`, fictional: true,
    };
    enterprises.push(enterprise);
    cert('BUSINESS_LICENCE', creditCode, 'dept_market', establishedOn, { name: enterprise.name, creditCode, legalRepresentative: legalRep.name, address: enterprise.address });
    if (kind === '运输') cert('ROAD_TRANSPORT_PERMIT', creditCode, 'dept_transport', addDays(establishedOn, 30), { permitNo: `新交运管许可测字${String(e + 1).padStart(6, '0')}号`, scope: '道路普通货物运输' });
  }

  return { people, households, marriages, enterprises, socialInsurance, certificates };
}
