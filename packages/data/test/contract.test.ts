import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { DataContractTerms } from '@shuzhi/schema';
import { contractSigningInput, signContract, verifyContract } from '../src/index.ts';
import { policy } from './fixtures.ts';

const keys = generateKeyPairSync('ed25519');
const terms: DataContractTerms = {
  contractId: 'dc-1',
  productId: 'dp-1',
  providerTenantId: 't-grid',
  consumerTenantId: 't-bank',
  purpose: 'credit-assessment',
  actions: ['aggregate', 'join'],
  policy: policy({ output: { kind: 'k-anonymity', k: 10 } }),
  feeFenPerUse: 500,
  agreedAt: '2026-12-06T00:00:00.000Z',
  expiresAt: '2027-12-06T00:00:00.000Z',
};

test('a signed contract verifies with the signer key', () => {
  const proof = signContract(terms, keys.privateKey, 'data-key-1');
  assert.equal(proof.alg, 'Ed25519');
  assert.equal(proof.keyId, 'data-key-1');
  assert.equal(verifyContract(terms, proof, keys.publicKey), 'valid');
});

test('any changed field is tampered: fee, the policy k, the consumer', () => {
  const proof = signContract(terms, keys.privateKey, 'data-key-1');
  const changed: DataContractTerms[] = [
    { ...terms, feeFenPerUse: 1 },
    { ...terms, policy: { ...terms.policy, output: { kind: 'k-anonymity', k: 2 } } },
    { ...terms, consumerTenantId: 't-other' },
    { ...terms, actions: ['aggregate', 'join', 'train'] },
  ];
  for (const t of changed) assert.equal(verifyContract(t, proof, keys.publicKey), 'tampered');
  assert.equal(verifyContract(terms, { ...proof, signature: 'bm90IGEgc2lnbmF0dXJl' }, keys.publicKey), 'tampered');
  assert.equal(verifyContract(terms, proof, generateKeyPairSync('ed25519').publicKey), 'tampered');
});

test('the same terms with keys in another order, or read back from JSON, still verify', () => {
  const proof = signContract(terms, keys.privateKey, 'data-key-1');
  const reversed = Object.fromEntries(Object.entries(JSON.parse(JSON.stringify(terms))).reverse()) as DataContractTerms;
  reversed.policy = Object.fromEntries(Object.entries(reversed.policy).reverse()) as DataContractTerms['policy'];
  assert.notEqual(JSON.stringify(reversed), JSON.stringify(terms));
  assert.deepEqual(contractSigningInput(reversed), contractSigningInput(terms));
  assert.equal(verifyContract(reversed, proof, keys.publicKey), 'valid');
});
