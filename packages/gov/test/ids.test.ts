import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CREDIT_CODE_CHARSET, makeCreditCode, makeResidentId, validateCreditCode, validateResidentId } from '../src/index.ts';

test('resident IDs printed as examples in GB 11643-1999 validate', () => {
  const a = validateResidentId('11010519491231002X');
  assert.ok(a.ok);
  assert.equal(a.value.birthDate, '1949-12-31');
  assert.equal(a.value.sex, 'female');
  const b = validateResidentId('440524188001010014');
  assert.ok(b.ok);
  assert.equal(b.value.sex, 'male');
});

test('a credit code printed as an example of GB 32100-2015 validates', () => {
  const r = validateCreditCode('91350100M000100Y43');
  assert.ok(r.ok);
  assert.equal(r.value.regionCode, '350100');
});

test('resident ID errors name the field and explain in zh and en', () => {
  const cases: [string, string][] = [
    ['1101051949123100', 'RESIDENT_ID_FORMAT'],
    ['11010519491231002x', 'RESIDENT_ID_FORMAT'],
    ['99010519491231002X', 'RESIDENT_ID_REGION'],
    ['110105194902300021', 'RESIDENT_ID_BIRTH_DATE'],
    ['110105194912310021', 'RESIDENT_ID_CHECKSUM'],
  ];
  for (const [id, code] of cases) {
    const r = validateResidentId(id, {}, 'applicant.residentId');
    assert.equal(r.ok, false, id);
    if (r.ok) continue;
    assert.equal(r.errors[0]!.code, code, id);
    assert.equal(r.errors[0]!.field, 'applicant.residentId');
    assert.match(r.errors[0]!.message.zh, /[\u4e00-\u9fff]/);
    assert.match(r.errors[0]!.message.en, /[a-z]/);
  }
});

test('a birth date after the caller-supplied latest date is refused', () => {
  const id = makeResidentId('650102', '2030-01-01', 11);
  assert.equal(validateResidentId(id).ok, true);
  assert.equal(validateResidentId(id, { latestBirthDate: '2025-06-01' }).ok, false);
});

const regionArb = fc.constantFrom('650102', '650103', '650502', '110105', '440524', '310101');
const dateArb = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2025-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

test('generated resident IDs round-trip through validation', () => {
  fc.assert(fc.property(regionArb, dateArb, fc.integer({ min: 0, max: 999 }), (region, date, seq) => {
    const r = validateResidentId(makeResidentId(region, date, seq));
    assert.ok(r.ok);
    assert.equal(r.value.regionCode, region);
    assert.equal(r.value.birthDate, date);
    assert.equal(r.value.sex, seq % 2 === 1 ? 'male' : 'female');
  }));
});

test('changing any one character of a resident ID makes it invalid', () => {
  fc.assert(fc.property(regionArb, dateArb, fc.integer({ min: 0, max: 999 }), fc.nat(17), fc.integer({ min: 1, max: 10 }), (region, date, seq, pos, delta) => {
    const id = makeResidentId(region, date, seq);
    const alphabet = pos === 17 ? '0123456789X' : '0123456789';
    const current = alphabet.indexOf(id[pos]!);
    const replacement = alphabet[(current + delta) % alphabet.length]!;
    fc.pre(replacement !== id[pos]);
    assert.equal(validateResidentId(id.slice(0, pos) + replacement + id.slice(pos + 1)).ok, false);
  }));
});

const orgBodyArb = fc.array(fc.constantFrom(...CREDIT_CODE_CHARSET), { minLength: 8, maxLength: 8 }).map((a) => a.join(''));

test('generated credit codes round-trip and any single substitution is caught', () => {
  fc.assert(fc.property(regionArb, orgBodyArb, fc.nat(17), fc.integer({ min: 1, max: 30 }), (region, body, pos, delta) => {
    const code = makeCreditCode('9', '1', region, body);
    const r = validateCreditCode(code);
    assert.ok(r.ok);
    assert.equal(r.value.regionCode, region);
    const current = CREDIT_CODE_CHARSET.indexOf(code[pos]!);
    const changed = code.slice(0, pos) + CREDIT_CODE_CHARSET[(current + delta) % 31] + code.slice(pos + 1);
    assert.equal(validateCreditCode(changed).ok, false);
  }));
});

test('credit codes with letters outside the GB 32100 set are refused with a format error', () => {
  for (const code of ['91350100M000100Y4I', '91350100M000100Y4', 'I1350100M000100Y43']) {
    const r = validateCreditCode(code);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.errors[0]!.code, 'CREDIT_CODE_FORMAT');
  }
});
