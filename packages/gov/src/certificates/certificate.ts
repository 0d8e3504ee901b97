/**
 * Issued e-certificates: the structured record is the source of truth; an Ed25519 signature (node:crypto,
 * keys passed in) over its canonical JSON makes tampering detectable. SM2/SM3 e-seals are expected in
 * production (unverified clauses) and would replace the algorithm here, behind the same functions.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { CertificateFormatError } from '../errors.ts';
import { canonicalJson } from './canonical-json.ts';
import { parseCertificateId } from './identifier.ts';

export interface CertificateBody {
  /** GB/T 36904-style identifier (identifier.ts). */
  readonly id: string;
  readonly type: string;
  readonly name: { readonly zh: string; readonly en: string };
  readonly issuer: { readonly departmentId: string; readonly code: string; readonly name: string };
  readonly holder: { readonly kind: 'person' | 'enterprise'; readonly id: string; readonly name: string };
  /** UTC ISO timestamps. */
  readonly issuedAt: string;
  readonly validFrom: string;
  readonly validUntil?: string;
  readonly data: Readonly<Record<string, string | number | boolean>>;
  /** A subset of GB/T 36903 metadata: what case produced it and under which item and service. */
  readonly metadata: { readonly itemId: string; readonly serviceId: string; readonly applicationId: string; readonly version: number };
}

export interface SignedCertificate {
  readonly body: CertificateBody;
  readonly proof: { readonly alg: 'Ed25519'; readonly keyId: string; readonly signature: string };
}

export type VerificationResult = 'valid' | 'tampered' | 'revoked';

const encoder = new TextEncoder();

/** The signature covers the key id and algorithm too, so neither can be swapped without detection. */
function signingInput(body: unknown, alg: unknown, keyId: unknown): Uint8Array {
  return encoder.encode(canonicalJson({ alg, body, keyId }));
}

export function signCertificate(body: CertificateBody, privateKey: KeyObject, keyId: string): SignedCertificate {
  parseCertificateId(body.id);
  const signature = sign(null, signingInput(body, 'Ed25519', keyId), privateKey).toString('base64url');
  return { body, proof: { alg: 'Ed25519', keyId, signature } };
}

/** The bytes to store, send or put behind a QR code. */
export function serializeCertificate(cert: SignedCertificate): string {
  return canonicalJson(cert);
}

function strictSignature(text: unknown): Buffer | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // base64url tolerates non-zero padding bits; refuse them so every signature has one spelling.
  return bytes.length === 64 && bytes.toString('base64url') === text ? bytes : undefined;
}

/**
 * 'tampered' when the signature does not match the body (any change to body or signature), 'revoked' when
 * the signature holds but the certificate was revoked, 'valid' otherwise. A forged certificate is reported
 * as tampered even if its id is on the revocation list.
 */
export function verifyCertificate(
  cert: SignedCertificate,
  publicKey: KeyObject,
  revoked?: ReadonlySet<string> | ((id: string) => boolean),
): VerificationResult {
  let message: Uint8Array;
  try {
    message = signingInput(cert.body, cert.proof?.alg, cert.proof?.keyId);
  } catch {
    return 'tampered';
  }
  const signature = strictSignature(cert.proof?.signature);
  if (!signature || cert.proof.alg !== 'Ed25519' || !verify(null, message, publicKey, signature)) return 'tampered';
  const isRevoked = revoked === undefined ? false : typeof revoked === 'function' ? revoked(cert.body.id) : revoked.has(cert.body.id);
  return isRevoked ? 'revoked' : 'valid';
}

/** Verify stored or scanned bytes: anything that is not the canonical form of a signed certificate is tampered. */
export function verifyCertificateText(
  text: string,
  publicKey: KeyObject,
  revoked?: ReadonlySet<string> | ((id: string) => boolean),
): VerificationResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
    if (canonicalJson(parsed) !== text) return 'tampered';
  } catch {
    return 'tampered';
  }
  if (typeof parsed !== 'object' || parsed === null || !('body' in parsed) || !('proof' in parsed)) return 'tampered';
  const p = parsed as { body: unknown; proof: unknown };
  if (typeof p.body !== 'object' || p.body === null || typeof p.proof !== 'object' || p.proof === null) return 'tampered';
  return verifyCertificate(parsed as SignedCertificate, publicKey, revoked);
}

/** The QR code on a printout points here; the page needs no login (OpenCRVS #9238). */
export function verificationUrl(baseUrl: string, certificateId: string): string {
  if (!/^https?:\/\//.test(baseUrl)) throw new CertificateFormatError('verification base URL must be http(s)', { baseUrl });
  return `${baseUrl.replace(/\/+$/, '')}/verify/${encodeURIComponent(certificateId)}`;
}
