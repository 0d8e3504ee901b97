import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entitlementRulesSeed, grantEntitlements, makeResidentId, type LifeEvent } from '../src/index.ts';
import { MONDAY_0900, newbornFamily, registries } from './fixtures.ts';

test('a registered birth grants entitlements without an application, once', () => {
  const { cert, mother, father } = newbornFamily();
  const child = makeResidentId('650102', String(cert.data.childBirthDate), 1);
  const event: LifeEvent = { id: 'evt_1', type: 'birth_registered', at: MONDAY_0900, childResidentId: child, motherResidentId: mother.residentId, fatherResidentId: father.residentId };
  const grants = grantEntitlements(event, entitlementRulesSeed, registries);
  const rules = grants.map((g) => g.ruleId);
  assert.ok(rules.includes('ent_newborn_medical_insurance'));
  assert.ok(rules.includes('ent_xj_newborn_social_security_card'));
  assert.equal(rules.includes('ent_maternity_allowance'), registries.socialInsurance.some((s) => s.residentId === mother.residentId));
  assert.ok(grants.every((g) => g.beneficiaryId === child && g.grantedAt === MONDAY_0900));
  assert.deepEqual(grantEntitlements(event, entitlementRulesSeed, registries, grants), [], 'replaying the event grants nothing new');
});

test('conditions decide: a child registered outside Xinjiang gets no Xinjiang grant; an uninsured mother no allowance', () => {
  const event: LifeEvent = { id: 'evt_2', type: 'birth_registered', at: 0, childResidentId: makeResidentId('110105', '2025-05-01', 2), motherResidentId: makeResidentId('110105', '1995-01-01', 4) };
  const rules = grantEntitlements(event, entitlementRulesSeed, registries).map((g) => g.ruleId);
  assert.deepEqual(rules, ['ent_newborn_medical_insurance']);
});
