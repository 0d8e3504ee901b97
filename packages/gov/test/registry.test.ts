import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seedRegistries, validateCreditCode, validateResidentId } from '../src/index.ts';

const registries = seedRegistries();

test('every synthetic resident ID and credit code passes its checksum, and all are unique', () => {
  for (const p of registries.people) assert.ok(validateResidentId(p.residentId, { latestBirthDate: '2025-06-01' }).ok, p.residentId);
  for (const e of registries.enterprises) assert.ok(validateCreditCode(e.creditCode).ok, e.creditCode);
  assert.equal(new Set(registries.people.map((p) => p.residentId)).size, registries.people.length);
  assert.equal(new Set(registries.enterprises.map((e) => e.creditCode)).size, registries.enterprises.length);
});

test('the ID number agrees with the person record it belongs to', () => {
  for (const p of registries.people) {
    const r = validateResidentId(p.residentId);
    assert.ok(r.ok);
    assert.equal(r.value.birthDate, p.birthDate);
    assert.equal(r.value.sex, p.sex);
  }
});

test('every record is flagged fictional and carries an obviously synthetic name', () => {
  const all = [...registries.people, ...registries.households, ...registries.marriages, ...registries.enterprises, ...registries.socialInsurance, ...registries.certificates];
  assert.ok(all.every((r) => r.fictional === true));
  assert.ok(registries.people.every((p) => p.name.startsWith('测试')));
  assert.ok(registries.enterprises.every((e) => e.name.includes('虚构')));
});

test('the same seed gives the same registries; another seed gives others', () => {
  assert.deepEqual(seedRegistries(), registries);
  assert.notDeepEqual(seedRegistries({ seed: 7 }).people.map((p) => p.residentId), registries.people.map((p) => p.residentId));
});

test('registries are linked: households, marriages and certificates point at real people', () => {
  const ids = new Set(registries.people.map((p) => p.residentId));
  for (const h of registries.households) {
    assert.ok(ids.has(h.headResidentId));
    for (const m of h.memberResidentIds) assert.equal(registries.people.find((p) => p.residentId === m)?.householdId, h.id);
  }
  for (const m of registries.marriages) for (const id of m.partyResidentIds) assert.ok(ids.has(id));
  const holders = new Set([...ids, ...registries.enterprises.map((e) => e.creditCode)]);
  for (const c of registries.certificates) assert.ok(holders.has(c.holderId), c.id);
  for (const p of registries.people) assert.ok(registries.certificates.some((c) => c.type === 'ID_CARD' && c.holderId === p.residentId));
  for (const e of registries.enterprises) assert.ok(registries.certificates.some((c) => c.type === 'BUSINESS_LICENCE' && c.holderId === e.creditCode));
});

test('the library holds the certificate kinds the items need', () => {
  const types = new Set(registries.certificates.map((c) => c.type));
  for (const t of ['ID_CARD', 'HOUSEHOLD_REGISTER', 'MARRIAGE_CERT', 'BIRTH_MEDICAL_CERT', 'BUSINESS_LICENCE', 'ROAD_TRANSPORT_PERMIT']) assert.ok(types.has(t), t);
  for (const c of registries.certificates.filter((x) => x.type === 'BIRTH_MEDICAL_CERT')) {
    assert.ok(c.data.childBirthDate! <= '2025-06-01', 'newborns are born before the reference date');
    assert.equal(c.holderId, c.data.motherResidentId);
  }
});
