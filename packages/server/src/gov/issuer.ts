import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { CREDIT_CODE_CHARSET, makeCreditCode } from '@shuzhi/gov';
import type { Db } from '../db/client.ts';
import { govKeys } from './db-schema.ts';

/**
 * The issuing office of each department needs a unified social credit code for the certificate identifier.
 * The deployment would configure the real ones; here each department gets a stable, structurally valid,
 * clearly synthetic code derived from its id (authority 1 = 机构编制, region 650100).
 */
export function issuerCodeOf(departmentId: string): string {
  const digest = createHash('sha256').update(departmentId).digest();
  let body = '';
  for (let i = 0; i < 8; i++) body += CREDIT_CODE_CHARSET[digest[i]! % CREDIT_CODE_CHARSET.length];
  return makeCreditCode('1', '1', '650100', body);
}

export function issuerCodes(departmentIds: readonly string[]): Record<string, string> {
  return Object.fromEntries(departmentIds.map((d) => [d, issuerCodeOf(d)]));
}

export interface IssuerKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
}

/**
 * The Ed25519 issuer key: generated at first start and kept in the database, so every instance and every
 * restart signs with the same key. The private key never leaves this module's callers (never logged or served).
 */
export async function loadOrCreateIssuerKey(db: Db): Promise<IssuerKey> {
  const [existing] = await db.select().from(govKeys).where(eq(govKeys.active, true));
  if (existing) return toKey(existing.keyId, existing.privateKeyPem, existing.publicKeyPem);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const keyId = `gov-ed25519-${createHash('sha256').update(publicKeyPem).digest('hex').slice(0, 16)}`;
  await db.insert(govKeys).values({ keyId, publicKeyPem, privateKeyPem, active: true }).onConflictDoNothing();
  const [row] = await db.select().from(govKeys).where(eq(govKeys.active, true));
  return toKey(row!.keyId, row!.privateKeyPem, row!.publicKeyPem);
}

function toKey(keyId: string, privatePem: string, publicPem: string): IssuerKey {
  return { keyId, privateKey: createPrivateKey(privatePem), publicKey: createPublicKey(publicPem), publicKeyPem: publicPem };
}

/** Public keys by id, for verifying certificates signed by an earlier key too. */
export async function publicKeys(db: Db): Promise<Map<string, { pem: string; key: KeyObject; active: boolean }>> {
  const rows = await db.select({ keyId: govKeys.keyId, pem: govKeys.publicKeyPem, active: govKeys.active }).from(govKeys);
  return new Map(rows.map((r) => [r.keyId, { pem: r.pem, key: createPublicKey(r.pem), active: r.active }]));
}
