import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { prefill, registryNames, registryOfSource, type Consent } from '../src/index.ts';
import { itemWithServices, MONDAY_0900, newbornFamily, registries } from './fixtures.ts';

const everything: Consent = { registries: registryNames, givenAt: MONDAY_0900 };

test('新生儿出生: the child comes from the birth certificate, the parents from the registries; the form asks only the rest', () => {
  const { cert, father } = newbornFamily();
  const { item, services } = itemWithServices('item_newborn');
  const r = prefill({ item, services, applicant: { kind: 'person', residentId: father.residentId }, registries, consent: everything, purpose: 'app_1' });
  const field = (k: string) => r.fields.find((f) => f.key === k)!;
  const childBirth = field('child.birthDate');
  assert.equal(childBirth.status, 'filled');
  assert.ok(childBirth.status === 'filled' && childBirth.value === cert.data.childBirthDate && childBirth.source === 'certificates.birthMedical.childBirthDate');
  const spouseId = field('spouse.residentId');
  assert.ok(spouseId.status === 'filled' && spouseId.value === cert.data.motherResidentId);
  // Nothing holds a bank account or a phone number: those are asked, once each, though several services need them.
  assert.deepEqual([...r.form.fields].sort(), ['contact.phone', 'payee.bankAccount']);
  assert.ok(field('payee.bankAccount').serviceIds.length >= 2);
  // Both parents' ID cards, the marriage certificate, the household register and the birth certificate are fetched.
  assert.deepEqual(r.form.materials, []);
  const ids = r.materials.find((m) => m.materialId === 'mat_parents_id_cards')!;
  assert.equal(ids.status, 'fetched');
  assert.equal(ids.certificateIds.length, 2);
});

test('every read is recorded with the purpose, and nothing is read without consent', () => {
  const { father } = newbornFamily();
  const { item, services } = itemWithServices('item_newborn');
  const consent: Consent = { registries: ['population'], givenAt: MONDAY_0900 };
  const r = prefill({ item, services, applicant: { kind: 'person', residentId: father.residentId }, registries, consent, purpose: 'app_2' });
  assert.ok(r.accesses.length > 0);
  assert.ok(r.accesses.every((a) => a.registry === 'population' && a.purpose === 'app_2' && a.at === MONDAY_0900));
  const child = r.fields.find((f) => f.key === 'child.birthDate')!;
  assert.ok(child.status === 'needed' && child.blockedByConsent.includes('certificates'));
  // Without library consent the parents' ID cards must be uploaded (C) and the case gets an original check.
  assert.equal(r.materials.find((m) => m.materialId === 'mat_parents_id_cards')!.status, 'upload');
});

test('企业信息变更: enterprise fields come from the enterprise registry; platform-generated documents need no upload', () => {
  const enterprise = registries.enterprises[0]!;
  const { item, services } = itemWithServices('item_enterprise_info_change');
  const r = prefill({ item, services, applicant: { kind: 'enterprise', creditCode: enterprise.creditCode, agentResidentId: enterprise.legalRepresentativeResidentId }, registries, consent: everything, purpose: 'app_3' });
  const name = r.fields.find((f) => f.key === 'enterprise.name')!;
  assert.ok(name.status === 'filled' && name.value === enterprise.name);
  assert.deepEqual([...r.form.fields].sort(), ['change.kind', 'change.newValue']);
  assert.equal(r.materials.find((m) => m.materialId === 'mat_shareholder_resolution')!.status, 'generated');
  assert.equal(r.materials.find((m) => m.materialId === 'mat_business_licence')!.status, 'fetched');
});

test('退休: with no only-child certificate in the library the applicant is offered a commitment', () => {
  const holders = new Set(registries.certificates.filter((c) => c.type === 'ONLY_CHILD_CERT').map((c) => c.holderId));
  const insured = registries.socialInsurance.find((s) => !holders.has(s.residentId))!;
  const { item, services } = itemWithServices('item_retirement');
  const r = prefill({ item, services, applicant: { kind: 'person', residentId: insured.residentId }, registries, consent: everything, purpose: 'app_4' });
  assert.equal(r.materials.find((m) => m.materialId === 'mat_only_child_cert')!.status, 'commitment');
  const months = r.fields.find((f) => f.key === 'insurance.contributionMonths')!;
  assert.ok(months.status === 'filled' && months.value === insured.contributionMonths);
});

test('for any applicant and consent, a field is filled only from one of its own sources in a consented registry', () => {
  const { item, services } = itemWithServices('item_newborn');
  const specs = new Map(services.flatMap((s) => s.fields.map((f) => [f.key, f] as const)));
  fc.assert(fc.property(fc.constantFrom(...registries.people), fc.subarray([...registryNames]), (person, consented) => {
    const r = prefill({ item, services, applicant: { kind: 'person', residentId: person.residentId }, registries, consent: { registries: consented, givenAt: 0 }, purpose: 'p' });
    for (const f of r.fields) {
      if (f.status === 'filled') {
        assert.ok(consented.includes(registryOfSource(f.source)));
        assert.ok(services.some((s) => s.fields.some((x) => x.key === f.key && x.sources.includes(f.source))));
      } else {
        assert.ok(r.form.fields.includes(f.key));
      }
    }
    assert.equal(new Set(r.form.fields).size, r.form.fields.length);
    assert.equal(r.fields.length, specs.size);
    for (const a of r.accesses) assert.ok(consented.includes(a.registry));
  }), { numRuns: 60 });
});
