import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import {
  canonicalJson, CertificateFormatError, encodeRandomPart, iso7064Mod37_36Check, makeCertificateId, parseCertificateId, serializeCertificate,
  signCertificate, verificationUrl, verifyCertificate, verifyCertificateText, type CertificateBody,
} from '../src/index.ts';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const ISSUER = '91350100M000100Y43';

const body = (serial = 1): CertificateBody => ({
  id: makeCertificateId({ typeCode: 'JMHK', issuerCode: ISSUER, serial, version: 1 }),
  type: 'HOUSEHOLD_REGISTER',
  name: { zh: '居民户口簿', en: 'Household register' },
  issuer: { departmentId: 'dept_public_security', code: ISSUER, name: '测试公安局（虚构）' },
  holder: { kind: 'person', id: '11010519491231002X', name: '测试居民0001' },
  issuedAt: '2025-03-03T01:00:00.000Z',
  validFrom: '2025-03-03T01:00:00.000Z',
  data: { householdNumber: '650000001', members: 3, newborn: true },
  metadata: { itemId: 'item_newborn', serviceId: 'svc_nb_household_registration', applicationId: 'app_1', version: 1 },
});

test('canonical JSON does not depend on key order and has no whitespace', () => {
  assert.equal(canonicalJson({ b: 1, a: [true, null, 'x'] }), '{"a":[true,null,"x"],"b":1}');
  fc.assert(fc.property(fc.jsonValue(), (v) => {
    const text = canonicalJson(v);
    assert.equal(canonicalJson(JSON.parse(text)), text);
    const reversed = JSON.parse(text, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).reverse()) : x));
    assert.equal(canonicalJson(reversed), text);
  }));
  assert.throws(() => canonicalJson({ a: undefined }), TypeError);
  assert.throws(() => canonicalJson(Number.NaN), TypeError);
});

test('a signed certificate verifies; revoked ones report revoked; the wrong key reports tampered', () => {
  const cert = signCertificate(body(), privateKey, 'key-2025-01');
  assert.equal(verifyCertificate(cert, publicKey), 'valid');
  assert.equal(verifyCertificate(cert, publicKey, new Set([cert.body.id])), 'revoked');
  assert.equal(verifyCertificate(cert, publicKey, (id) => id === 'other'), 'valid');
  assert.equal(verifyCertificate(cert, other.publicKey), 'tampered');
  const edited = { ...cert, body: { ...cert.body, data: { ...cert.body.data, members: 4 } } };
  assert.equal(verifyCertificate(edited, publicKey), 'tampered');
  assert.equal(verifyCertificate(edited, publicKey, new Set([cert.body.id])), 'tampered', 'a forgery is reported as such even when revoked');
  const rekeyed = { ...cert, proof: { ...cert.proof, keyId: 'key-2024-12' } };
  assert.equal(verifyCertificate(rekeyed, publicKey), 'tampered', 'the key id is covered by the signature');
});

test('changing any byte of the stored certificate makes it tampered', () => {
  const bytes = Buffer.from(serializeCertificate(signCertificate(body(), privateKey, 'key-2025-01')), 'utf8');
  assert.equal(verifyCertificateText(bytes.toString('utf8'), publicKey), 'valid');
  const decoder = new TextDecoder('utf-8');
  fc.assert(fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (pos, xor) => {
    const changed = Buffer.from(bytes);
    changed[pos] = changed[pos]! ^ xor;
    assert.equal(verifyCertificateText(decoder.decode(changed), publicKey), 'tampered');
  }), { numRuns: 400 });
});

test('certificate identifiers round-trip and a single changed character is detected', () => {
  fc.assert(fc.property(fc.constantFrom('JMHK', 'CSYX', 'YYZZ', 'DLYS'), fc.integer({ min: 0, max: 9_999_999_999 }), fc.integer({ min: 1, max: 99 }), fc.nat(34), fc.integer({ min: 1, max: 35 }), (typeCode, serial, version, pos, delta) => {
    const id = makeCertificateId({ typeCode, issuerCode: ISSUER, serial, version });
    assert.equal(id.length, 35);
    assert.deepEqual(parseCertificateId(id), { typeCode, issuerCode: ISSUER, serial, version });
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const changed = id.slice(0, pos) + alphabet[(alphabet.indexOf(id[pos]!) + delta) % 36] + id.slice(pos + 1);
    assert.throws(() => parseCertificateId(changed), CertificateFormatError);
  }));
  assert.equal(iso7064Mod37_36Check('').length, 1);
  assert.throws(() => makeCertificateId({ typeCode: 'JMHK', issuerCode: '91350100M000100Y44', serial: 1, version: 1 }), CertificateFormatError);
});

test('identifiers with a random part: 100 bits in base32, round-trip, any single changed character is detected', () => {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  fc.assert(fc.property(fc.uint8Array({ minLength: 13, maxLength: 13 }), fc.integer({ min: 0, max: 9_999_999_999 }), fc.nat(54), fc.integer({ min: 1, max: 35 }), (bytes, serial, pos, delta) => {
    const random = encodeRandomPart(bytes);
    assert.match(random, /^[A-Z2-7]{20}$/);
    const id = makeCertificateId({ typeCode: 'JMHK', issuerCode: ISSUER, serial, version: 1, random });
    assert.equal(id.length, 55);
    assert.deepEqual(parseCertificateId(id), { typeCode: 'JMHK', issuerCode: ISSUER, serial, version: 1, random });
    const changed = id.slice(0, pos) + alphabet[(alphabet.indexOf(id[pos]!) + delta) % 36] + id.slice(pos + 1);
    assert.throws(() => parseCertificateId(changed), CertificateFormatError);
  }));
  // 100 bits: the first 12.5 bytes decide it; different bytes, different parts.
  assert.equal(encodeRandomPart(new Uint8Array(13)), 'AAAAAAAAAAAAAAAAAAAA');
  assert.equal(encodeRandomPart(new Uint8Array(13).fill(255)), '77777777777777777777');
  assert.notEqual(encodeRandomPart(Uint8Array.from([1, ...new Uint8Array(12)])), encodeRandomPart(new Uint8Array(13)));
  assert.throws(() => encodeRandomPart(new Uint8Array(12)), CertificateFormatError);
  assert.throws(() => makeCertificateId({ typeCode: 'JMHK', issuerCode: ISSUER, serial: 1, version: 1, random: 'abc' }), CertificateFormatError);
  // Identifiers issued before random parts keep parsing (and verifying: the signature covers whichever id).
  const legacy = makeCertificateId({ typeCode: 'JMHK', issuerCode: ISSUER, serial: 7, version: 1 });
  assert.deepEqual(parseCertificateId(legacy), { typeCode: 'JMHK', issuerCode: ISSUER, serial: 7, version: 1 });
  assert.equal(verifyCertificate(signCertificate(body(7), privateKey, 'k'), publicKey), 'valid');
  assert.throws(() => parseCertificateId(legacy.slice(0, 34) + 'AAAAAAAAAAAAAAAAAAAA' + legacy[34]), CertificateFormatError);
});

test('the verification URL is built from the identifier', () => {
  const id = body().id;
  assert.equal(verificationUrl('https://gov.example/', id), `https://gov.example/verify/${id}`);
  assert.throws(() => verificationUrl('javascript:alert(1)', id), CertificateFormatError);
});
