/**
 * 免申办 (exempt from application): an event from a base registry, such as a registered birth, is matched
 * against eligibility rules and produces entitlement grants with no application. Rules are data; conditions
 * are a small closed set of operators over named facts.
 */
import type { LocalizedText } from '../catalogue/model.ts';
import type { Registries } from '../registry/model.ts';

export type LifeEvent =
  | { readonly id: string; readonly type: 'birth_registered'; readonly at: number; readonly childResidentId: string; readonly motherResidentId: string; readonly fatherResidentId?: string }
  | { readonly id: string; readonly type: 'retirement_approved'; readonly at: number; readonly residentId: string };

export type LifeEventType = LifeEvent['type'];

export type Fact = 'childProvince' | 'motherInsured' | 'fatherInsured' | 'personInsured' | 'contributionMonths';
export type FactValue = string | number | boolean | undefined;

export type Condition =
  | { readonly fact: Fact; readonly op: 'equals'; readonly value: string | number | boolean }
  | { readonly fact: Fact; readonly op: 'startsWith'; readonly value: string }
  | { readonly fact: Fact; readonly op: 'atLeast'; readonly value: number };

export interface EntitlementRule {
  readonly id: string;
  readonly event: LifeEventType;
  readonly benefit: LocalizedText;
  readonly departmentId: string;
  readonly conditions: readonly Condition[];
  readonly unverified?: boolean;
  readonly note?: string;
}

export interface EntitlementGrant {
  /** Derived from event and rule, so replaying an event never grants twice. */
  readonly id: string;
  readonly ruleId: string;
  readonly eventId: string;
  readonly beneficiaryId: string;
  readonly departmentId: string;
  readonly benefit: LocalizedText;
  readonly grantedAt: number;
}

export const entitlementRulesSeed: readonly EntitlementRule[] = [
  { id: 'ent_newborn_medical_insurance', event: 'birth_registered', departmentId: 'dept_medical_insurance',
    benefit: { zh: '新生儿城乡居民医保参保', en: 'Newborn enrolment in residents’ medical insurance' }, conditions: [],
    unverified: true, note: 'Service named in the Guangdong bundle; automatic enrolment is our assumption' },
  { id: 'ent_maternity_allowance', event: 'birth_registered', departmentId: 'dept_medical_insurance',
    benefit: { zh: '生育津贴', en: 'Maternity allowance' }, conditions: [{ fact: 'motherInsured', op: 'equals', value: true }],
    unverified: true, note: 'Xiamen asks for a bank account for 生育津贴; eligibility rule is a placeholder' },
  { id: 'ent_xj_newborn_social_security_card', event: 'birth_registered', departmentId: 'dept_hrss',
    benefit: { zh: '新生儿社会保障卡（新疆）', en: 'Newborn social security card (Xinjiang)' }, conditions: [{ fact: 'childProvince', op: 'startsWith', value: '65' }],
    unverified: true },
  { id: 'ent_retiree_medical_insurance', event: 'retirement_approved', departmentId: 'dept_medical_insurance',
    benefit: { zh: '退休人员医保待遇', en: 'Retiree medical insurance benefits' }, conditions: [{ fact: 'personInsured', op: 'equals', value: true }],
    unverified: true },
];

export function eventFacts(event: LifeEvent, registries: Registries): Partial<Record<Fact, FactValue>> {
  const insured = (id: string | undefined) => id !== undefined && registries.socialInsurance.some((s) => s.residentId === id);
  switch (event.type) {
    case 'birth_registered':
      return { childProvince: event.childResidentId.slice(0, 2), motherInsured: insured(event.motherResidentId), fatherInsured: insured(event.fatherResidentId) };
    case 'retirement_approved':
      return {
        personInsured: insured(event.residentId),
        contributionMonths: registries.socialInsurance.find((s) => s.residentId === event.residentId)?.contributionMonths,
      };
  }
}

function holds(c: Condition, facts: Partial<Record<Fact, FactValue>>): boolean {
  const v = facts[c.fact];
  switch (c.op) {
    case 'equals': return v === c.value;
    case 'startsWith': return typeof v === 'string' && v.startsWith(c.value);
    case 'atLeast': return typeof v === 'number' && v >= c.value;
  }
}

function beneficiaryOf(event: LifeEvent): string {
  return event.type === 'birth_registered' ? event.childResidentId : event.residentId;
}

/** Grants for one event, skipping any already granted (idempotent under event replay). */
export function grantEntitlements(
  event: LifeEvent,
  rules: readonly EntitlementRule[],
  registries: Registries,
  existing: readonly EntitlementGrant[] = [],
): EntitlementGrant[] {
  const facts = eventFacts(event, registries);
  const have = new Set(existing.map((g) => g.id));
  return rules
    .filter((r) => r.event === event.type && r.conditions.every((c) => holds(c, facts)))
    .map((r) => ({
      id: `grant_${event.id}_${r.id}`, ruleId: r.id, eventId: event.id, beneficiaryId: beneficiaryOf(event),
      departmentId: r.departmentId, benefit: r.benefit, grantedAt: event.at,
    }))
    .filter((g) => !have.has(g.id));
}
