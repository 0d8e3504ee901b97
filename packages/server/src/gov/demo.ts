import { asc, eq } from 'drizzle-orm';
import type { Enterprise, LibraryCertificate } from '@shuzhi/gov';
import type { AuthStore } from '../auth/store.ts';
import type { Db } from '../db/client.ts';
import { govEnterprises, govLibrary, govPeople } from './db-schema.ts';
import type { GovService } from './service.ts';

/** One officer per department involved in 新生儿出生 and 企业信息变更. */
export const govDemoOfficers = [
  { username: 'officer-health', department: 'dept_health', displayName: '卫健委审批员 Health officer' },
  { username: 'officer-police', department: 'dept_public_security', displayName: '公安户政民警 Police registrar' },
  { username: 'officer-medins', department: 'dept_medical_insurance', displayName: '医保经办员 Medical insurance officer' },
  { username: 'officer-hrss', department: 'dept_hrss', displayName: '人社经办员 HR & social security officer' },
  { username: 'officer-tax', department: 'dept_tax', displayName: '税务专管员 Tax officer' },
  { username: 'officer-market', department: 'dept_market', displayName: '市场监管登记员 Market regulation officer' },
  { username: 'officer-housing', department: 'dept_housing_fund', displayName: '公积金经办员 Housing fund officer' },
  { username: 'officer-bank', department: 'dept_bank', displayName: '开户银行柜员 Bank officer' },
] as const;

const password = (u: string) => `${u}-demo`;

/**
 * Links the demo applicants to synthetic records: `citizen` is a mother whose newborn's birth medical
 * certificate is in the library (so 新生儿出生 is mostly prefilled), `citizen2` another resident, `enterprise`
 * the legal representative of a synthetic company. Idempotent.
 */
export async function seedGovDemo(auth: AuthStore, db: Db, svc: GovService): Promise<string[]> {
  for (const o of govDemoOfficers) {
    if (!(await auth.userIdByName(o.username))) {
      await auth.createUser({ username: o.username, password: password(o.username), role: 'officer', displayName: o.displayName, department: o.department });
    }
  }
  if (!(await auth.userIdByName('citizen2'))) await auth.createUser({ username: 'citizen2', password: password('citizen2'), role: 'citizen', displayName: '市民二 Citizen 2' });

  const births = await db.select().from(govLibrary).where(eq(govLibrary.type, 'BIRTH_MEDICAL_CERT')).orderBy(asc(govLibrary.id)).limit(2);
  const mother = (births[0]?.data as LibraryCertificate | undefined)?.holderId;
  const citizenId = await auth.userIdByName('citizen');
  if (citizenId && mother) await svc.linkUser(citizenId, { kind: 'person', residentId: mother });
  const [other] = await db.select().from(govPeople).orderBy(asc(govPeople.residentId)).limit(1);
  const citizen2Id = await auth.userIdByName('citizen2');
  if (citizen2Id && other && other.residentId !== mother) await svc.linkUser(citizen2Id, { kind: 'person', residentId: other.residentId });
  const [ent] = await db.select().from(govEnterprises).orderBy(asc(govEnterprises.creditCode)).limit(1);
  const entUser = await auth.userIdByName('enterprise');
  if (entUser && ent) {
    const e = ent.data as Enterprise;
    await svc.linkUser(entUser, { kind: 'enterprise', residentId: e.legalRepresentativeResidentId, creditCode: e.creditCode });
  }
  return [
    'gov (一件事): citizen / enterprise / citizen2 are linked to synthetic (fictional) residents and a company',
    ...govDemoOfficers.map((o) => `gov officer ${o.username} / ${password(o.username)} (${o.department})`),
    'gov pages: #/gov/app (mobile), #/gov/window, #/gov/kiosk, #/gov/work, #/gov/dashboard; public check: #/verify/<certificate id>',
  ];
}
