/** 免申办: a registered birth enters the child in the registries and grants what the rules give, with no application. */
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { entitlementRulesSeed, formText, grantEntitlements, makeResidentId, noticeText, shanghaiDate, unnamedNewborn, type EntitlementGrant, type Person } from '@shuzhi/gov';
import type { Principal } from '../../auth/principal.ts';
import type { Tx } from '../../db/client.ts';
import { AppError, errors } from '../../errors.ts';
import type { PublishedEvent } from '../../events/bus.ts';
import { govGrants } from '../db-schema.ts';
import type { GovDeps } from '../deps.ts';
import { bilingual } from '../reads.ts';
import { departmentOf } from '../roles.ts';
import { localizedText, type ApplicationRecord } from '../rows.ts';
import { notify } from '../writes.ts';

export interface BirthEvent {
  eventId: string;
  parent: Person;
  childName: string;
  childSex: 'male' | 'female';
  childBirthDate: string;
  applicationId: string | null;
  at: number;
  ev: PublishedEvent[];
}

/** A free resident ID for the child, derived from the event so a replay finds the same one. */
async function childResidentId(d: GovDeps, tx: Tx, b: BirthEvent, region: string): Promise<string> {
  const digest = createHash('sha256').update(b.eventId).digest();
  for (let k = 0; k < 500; k++) {
    const seq = (((digest.readUInt16BE(0) + k) % 500) * 2 + (b.childSex === 'male' ? 1 : 0)) % 1000;
    const candidate = makeResidentId(region, b.childBirthDate, seq);
    if (!(await d.registry.residentIdsTaken(tx, [candidate])).has(candidate)) return candidate;
  }
  throw new AppError('GOV_NO_RESIDENT_ID', 409, 'No free resident ID sequence for that birth date and region.');
}

/** Registers the child and grants what the rules give, telling the family; replaying the same event grants nothing twice. */
export async function recordBirth(d: GovDeps, tx: Tx, b: BirthEvent): Promise<EntitlementGrant[]> {
  const household = await d.registry.household(b.parent.householdId, tx);
  const registries = await d.registry.subjectsFor({ kind: 'person', residentId: b.parent.residentId }, tx);
  const spouseId = registries.marriages[0]?.partyResidentIds.find((x) => x !== b.parent.residentId);
  const spouse = registries.people.find((x) => x.residentId === spouseId);
  const mother = b.parent.sex === 'female' ? b.parent : spouse;
  const father = b.parent.sex === 'male' ? b.parent : spouse;
  const childId = await childResidentId(d, tx, b, household?.regionCode ?? b.parent.residentId.slice(0, 6));
  await d.registry.registerChild(tx, {
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
    benefit: localizedText(g),
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
    const message = noticeText.grantedWithoutApplication(grants.map((g) => g.benefit));
    for (const who of [mother, father].filter((x): x is Person => x !== undefined)) await notify(d, tx, who.residentId, null, `entitlements:${b.eventId}`, message, b.at);
  }
  await d.bus.record(tx, b.ev, { kind: 'gov.birth.registered', entity: 'gov_birth', entityId: b.eventId, data: { grants: grants.length, applicationId: b.applicationId } });
  return grants;
}

/** The birth an approved 出生登记 task records: the child as the form gave them. */
export async function birthFromApplication(d: GovDeps, tx: Tx, row: ApplicationRecord, now: number, ev: PublishedEvent[]): Promise<void> {
  const { state: app, form } = row;
  if (app.applicant.kind !== 'person') return;
  const values = { ...Object.fromEntries(form.prefill.fields.flatMap((f) => (f.status === 'filled' ? [[f.key, f.value]] : []))), ...form.answers };
  const parent = await d.registry.person(app.applicant.residentId, tx);
  if (!parent) return;
  await recordBirth(d, tx, {
    eventId: `birth_${row.id}`,
    parent,
    childName: String(values['child.name'] ?? unnamedNewborn),
    childSex: values['child.sex'] === 'male' ? 'male' : 'female',
    childBirthDate: String(values['child.birthDate'] ?? shanghaiDate(now)),
    applicationId: row.id,
    at: now,
    ev,
  });
}

/** A birth reported by the hospital and police directly (no application at all); officers of public security only. */
export async function registerBirth(d: GovDeps, p: Principal, body: { parentResidentId: string; childName: string; childSex: 'male' | 'female'; childBirthDate: string }): Promise<{ grants: number }> {
  if (p.role === 'officer' && departmentOf(p) !== 'dept_public_security') throw errors.forbidden('register births (public security only)');
  const parent = await d.registry.person(body.parentResidentId);
  if (!parent) throw errors.validation([{ path: 'parentResidentId', message: bilingual(formText.noSuchParent) }]);
  const ev: PublishedEvent[] = [];
  const eventId = `birth_${createHash('sha256').update(`${body.parentResidentId}|${body.childBirthDate}|${body.childName}`).digest('hex').slice(0, 16)}`;
  const grants = await d.db.transaction((tx) => recordBirth(d, tx, { eventId, parent, ...body, applicationId: null, at: d.clock.now(), ev }));
  d.bus.publish(ev);
  return { grants: grants.length };
}
