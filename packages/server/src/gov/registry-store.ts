import { eq, inArray, or, sql } from 'drizzle-orm';
import type { Applicant, Enterprise, Household, LibraryCertificate, Marriage, Person, Registries, SocialInsuranceRecord } from '@shuzhi/gov';
import type { Db, Tx } from '../db/client.ts';
import { govEnterprises, govHouseholds, govLibrary, govMarriages, govPeople, govSocialInsurance } from './db-schema.ts';

type Q = Db | Tx;

async function insertChunks<T>(rows: readonly T[], insert: (chunk: T[]) => Promise<unknown>, size = 500): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

/**
 * Base registries (population, household, marriage, enterprise, social insurance) and the e-licence library,
 * as tables. Only this store reads them; callers record every read in the access log (audit.ts).
 */
export class RegistryStore {
  constructor(private readonly db: Db) {}

  async isEmpty(): Promise<boolean> {
    const [row] = await this.db.select({ id: govPeople.residentId }).from(govPeople).limit(1);
    return !row;
  }

  async seed(r: Registries): Promise<void> {
    const db = this.db;
    await insertChunks(r.people, (c) => db.insert(govPeople).values(c.map((p) => ({ residentId: p.residentId, householdId: p.householdId, data: p }))).onConflictDoNothing());
    await insertChunks(r.households, (c) => db.insert(govHouseholds).values(c.map((h) => ({ id: h.id, data: h }))).onConflictDoNothing());
    await insertChunks(r.marriages, (c) => db.insert(govMarriages).values(c.map((m) => ({ id: m.id, partyA: m.partyResidentIds[0], partyB: m.partyResidentIds[1], data: m }))).onConflictDoNothing());
    await insertChunks(r.enterprises, (c) => db.insert(govEnterprises).values(c.map((e) => ({ creditCode: e.creditCode, data: e }))).onConflictDoNothing());
    await insertChunks(r.socialInsurance, (c) => db.insert(govSocialInsurance).values(c.map((s) => ({ residentId: s.residentId, data: s }))).onConflictDoNothing());
    await insertChunks(r.certificates, (c) => db.insert(govLibrary).values(c.map((x) => ({ id: x.id, type: x.type, holderId: x.holderId, status: x.status, data: x }))).onConflictDoNothing());
  }

  async person(residentId: string, q: Q = this.db): Promise<Person | undefined> {
    const [row] = await q.select().from(govPeople).where(eq(govPeople.residentId, residentId));
    return row?.data as Person | undefined;
  }

  async enterprise(creditCode: string, q: Q = this.db): Promise<Enterprise | undefined> {
    const [row] = await q.select().from(govEnterprises).where(eq(govEnterprises.creditCode, creditCode));
    return row?.data as Enterprise | undefined;
  }

  async household(id: string, q: Q = this.db): Promise<Household | undefined> {
    const [row] = await q.select().from(govHouseholds).where(eq(govHouseholds.id, id));
    return row?.data as Household | undefined;
  }

  /** The records reachable from one applicant: what the prefill engine may look at, and nothing else. */
  async subjectsFor(applicant: Applicant, q: Q = this.db): Promise<Registries> {
    const personId = applicant.kind === 'person' ? applicant.residentId : applicant.agentResidentId;
    const people = new Map<string, Person>();
    const addPeople = async (ids: string[]) => {
      const missing = ids.filter((id) => !people.has(id));
      if (!missing.length) return;
      const rows = await q.select().from(govPeople).where(inArray(govPeople.residentId, missing));
      for (const r of rows) people.set(r.residentId, r.data as Person);
    };
    await addPeople([personId]);
    const person = people.get(personId);
    const marriages = (await q.select().from(govMarriages).where(or(eq(govMarriages.partyA, personId), eq(govMarriages.partyB, personId)))).map((r) => r.data as Marriage);
    const households: Household[] = [];
    if (person) {
      const h = await this.household(person.householdId, q);
      if (h) households.push(h);
    }
    const enterprises: Enterprise[] = [];
    if (applicant.kind === 'enterprise') {
      const e = await this.enterprise(applicant.creditCode, q);
      if (e) enterprises.push(e);
    }
    await addPeople([
      ...marriages.flatMap((m) => [...m.partyResidentIds]),
      ...households.map((h) => h.headResidentId),
      ...enterprises.map((e) => e.legalRepresentativeResidentId),
    ]);
    const holderIds = [...people.keys(), ...enterprises.map((e) => e.creditCode)];
    const certificates = (await q.select().from(govLibrary).where(inArray(govLibrary.holderId, holderIds))).map((r) => r.data as LibraryCertificate);
    const socialInsurance = (await q.select().from(govSocialInsurance).where(inArray(govSocialInsurance.residentId, [...people.keys()]))).map((r) => r.data as SocialInsuranceRecord);
    return { people: [...people.values()], households, marriages, enterprises, socialInsurance, certificates };
  }

  /** Adds a certificate to the library (results this platform issued become A-level library records). */
  async addLibraryCertificate(tx: Tx, c: LibraryCertificate): Promise<void> {
    await tx.insert(govLibrary).values({ id: c.id, type: c.type, holderId: c.holderId, status: c.status, data: c }).onConflictDoNothing();
  }

  async setLibraryStatus(tx: Tx, ids: string[], status: 'valid' | 'revoked'): Promise<void> {
    if (!ids.length) return;
    await tx
      .update(govLibrary)
      .set({ status, data: sql`jsonb_set(${govLibrary.data}, '{status}', to_jsonb(${status}::text))` })
      .where(inArray(govLibrary.id, ids));
  }

  /** A registered birth: the child enters the population and household registries. */
  async registerChild(tx: Tx, child: Person): Promise<void> {
    await tx.insert(govPeople).values({ residentId: child.residentId, householdId: child.householdId, data: child }).onConflictDoNothing();
    const [h] = await tx.select().from(govHouseholds).where(eq(govHouseholds.id, child.householdId));
    if (h) {
      const data = h.data as Household;
      if (!data.memberResidentIds.includes(child.residentId)) {
        await tx.update(govHouseholds).set({ data: { ...data, memberResidentIds: [...data.memberResidentIds, child.residentId] } }).where(eq(govHouseholds.id, h.id));
      }
    }
  }

  async residentIdsTaken(tx: Tx, ids: string[]): Promise<Set<string>> {
    const rows = await tx.select({ id: govPeople.residentId }).from(govPeople).where(inArray(govPeople.residentId, ids));
    return new Set(rows.map((r) => r.id));
  }
}

/** Whose data a record is: the people (or company) a read of it concerns, for "who looked at my data". */
export function ownersOf(recordId: string, r: Registries): string[] {
  if (r.people.some((p) => p.residentId === recordId) || r.enterprises.some((e) => e.creditCode === recordId)) return [recordId];
  const h = r.households.find((x) => x.id === recordId);
  if (h) return [...h.memberResidentIds];
  const m = r.marriages.find((x) => x.id === recordId);
  if (m) return [...m.partyResidentIds];
  const c = r.certificates.find((x) => x.id === recordId);
  if (c) {
    const parents = [c.data['motherResidentId'], c.data['fatherResidentId']].filter((x): x is string => typeof x === 'string');
    return [...new Set([c.holderId, ...parents])];
  }
  return [recordId];
}
