import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { dataKeys } from './db-schema.ts';

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
}

/**
 * The Ed25519 key contracts are signed with: generated at first start and kept in the database (as gov
 * keeps its issuer key), so every replica and restart signs with the same key and old contracts keep
 * verifying. The private key is only ever handed to signContract (never logged or served).
 */
export async function loadOrCreateSigningKey(db: Db): Promise<SigningKey> {
  const active = () => db.select().from(dataKeys).where(eq(dataKeys.active, true)).orderBy(dataKeys.createdAt, dataKeys.keyId).limit(1);
  const [existing] = await active();
  if (existing) return toKey(existing.keyId, existing.privateKeyPem, existing.publicKeyPem);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const keyId = `data-ed25519-${createHash('sha256').update(publicKeyPem).digest('hex').slice(0, 16)}`;
  await db.insert(dataKeys).values({ keyId, publicKeyPem, privateKeyPem, active: true }).onConflictDoNothing();
  // Two servers starting at once may both insert; whichever row is read back is the one both use.
  const [row] = await active();
  return toKey(row!.keyId, row!.privateKeyPem, row!.publicKeyPem);
}

function toKey(keyId: string, privatePem: string, publicPem: string): SigningKey {
  return { keyId, privateKey: createPrivateKey(privatePem), publicKey: createPublicKey(publicPem), publicKeyPem: publicPem };
}

/** The public key a contract names, also one no longer active, so older contracts still verify. */
export async function publicKeyOf(db: Db, keyId: string): Promise<{ key: KeyObject; pem: string } | null> {
  const [row] = await db.select({ pem: dataKeys.publicKeyPem }).from(dataKeys).where(eq(dataKeys.keyId, keyId));
  return row ? { key: createPublicKey(row.pem), pem: row.pem } : null;
}
