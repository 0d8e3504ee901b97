/** Public verification: the stored record (or a presented text) against the issuer key and the revocation state. */
import { eq } from 'drizzle-orm';
import { parseCertificateId, verifyCertificateText, type SignedCertificate } from '@shuzhi/gov';
import type { GovVerification } from '@shuzhi/schema';
import { govCertificates } from '../db-schema.ts';
import type { GovDeps } from '../deps.ts';
import { publicKeys } from '../issuer.ts';
import { maskName } from '../reads.ts';

export async function verifyCertificate(d: GovDeps, certificateId: string, presented?: string): Promise<GovVerification> {
  const checkedAt = new Date(d.clock.now()).toISOString();
  const none = { certificateId, name: null, issuer: null, holderName: null, issuedAt: null, keyId: null, checkedAt };
  // Not an identifier this library issues (either form): no database read at all.
  try {
    parseCertificateId(certificateId);
  } catch {
    return { result: 'not_found', ...none };
  }
  const [row] = await d.db.select().from(govCertificates).where(eq(govCertificates.id, certificateId));
  const text = presented ?? row?.text;
  if (!text) return { result: 'not_found', ...none };
  let parsed: SignedCertificate | null = null;
  try {
    parsed = JSON.parse(text) as SignedCertificate;
  } catch {
    parsed = null;
  }
  const keys = await publicKeys(d.db);
  const key = keys.get(parsed?.proof?.keyId ?? '') ?? keys.get(d.key.keyId)!;
  let result: GovVerification['result'] = verifyCertificateText(text, key.key, (id) => id === certificateId && row?.status === 'revoked');
  // A presented certificate that is not the one asked about, or that this library never issued, is not valid here.
  if (result !== 'tampered' && (!row || parsed?.body.id !== certificateId)) result = 'tampered';
  const body = parsed?.body;
  return {
    result,
    certificateId,
    name: body?.name && typeof body.name.zh === 'string' ? body.name : null,
    issuer: typeof body?.issuer?.name === 'string' ? body.issuer.name : null,
    holderName: typeof body?.holder?.name === 'string' ? maskName(body.holder.name) : null,
    issuedAt: typeof body?.issuedAt === 'string' ? body.issuedAt : null,
    keyId: typeof parsed?.proof?.keyId === 'string' ? parsed.proof.keyId : null,
    checkedAt,
  };
}
