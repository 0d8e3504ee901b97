import { sign, verify, type KeyObject } from 'node:crypto';
import type { DataContractProof, DataContractTerms } from '@shuzhi/schema';

/**
 * The bytes a contract's signature covers: its terms as JSON with every object's keys sorted, so the
 * same terms read back from a database or re-serialised by another client verify.
 */
export function contractSigningInput(terms: DataContractTerms): Buffer {
  return Buffer.from(canonicalJson(terms), 'utf8');
}

export function signContract(terms: DataContractTerms, privateKey: KeyObject, keyId: string): DataContractProof {
  return { alg: 'Ed25519', keyId, signature: sign(null, contractSigningInput(terms), privateKey).toString('base64') };
}

/** `tampered` for any change to the terms, a signature that is not one, or a key of another kind. */
export function verifyContract(terms: DataContractTerms, proof: DataContractProof, publicKey: KeyObject): 'valid' | 'tampered' {
  try {
    return verify(null, contractSigningInput(terms), publicKey, Buffer.from(proof.signature, 'base64')) ? 'valid' : 'tampered';
  } catch {
    return 'tampered';
  }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
