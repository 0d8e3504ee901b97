/**
 * Certificate identifier, following the structure reported for GB/T 36904-2018 (电子证照 标识) in an
 * implementation write-up — UNVERIFIED against the standard text (domain sheet §7.1):
 *
 *   type code (4) + issuing organisation's unified social credit code (18) + serial
 *   + version (2 digits) + check character (ISO 7064 MOD 37,36)
 *
 * The serial element has two forms (its width is our choice until the standard is checked):
 *   - 10 digits, a per-issuer sequence number: the first identifiers (35 characters), still parsed
 *     and verified;
 *   - 10 digits of sequence followed by a 20-character random part (RFC 4648 base32, A–Z and 2–7:
 *     100 bits), so an identifier cannot be guessed from another one (55 characters). New
 *     certificates carry this form: the public verification endpoint must not be enumerable.
 * Both stay within the identifier's character set (digits and capitals) and its check character.
 * Everything about the format lives in this module so it can be corrected in one place.
 */
import { CertificateFormatError } from '../errors.ts';
import { validateCreditCode } from '../ids/credit-code.ts';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const M = 36;

/** ISO 7064 hybrid system MOD 37,36 over digits and capitals. */
export function iso7064Mod37_36Check(body: string): string {
  let p = M;
  for (const ch of body) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new CertificateFormatError(`'${ch}' is not allowed in a certificate identifier (digits and capitals only)`);
    let s = (p + v) % M;
    if (s === 0) s = M;
    p = (s * 2) % (M + 1);
  }
  return ALPHABET[(M + 1 - p) % M]!;
}

export interface CertificateIdParts {
  typeCode: string;
  issuerCode: string;
  serial: number;
  version: number;
  /** The unguessable part of the serial element (20 base32 characters); absent in the first, 35-character identifiers. */
  random?: string;
}

/** RFC 4648 base32 (capitals and 2–7): every character is one the identifier may hold. */
export const RANDOM_PART_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** 20 base32 characters: 100 random bits. */
export const RANDOM_PART_LENGTH = 20;
export const LEGACY_CERTIFICATE_ID_LENGTH = 35;
export const CERTIFICATE_ID_LENGTH = 35 + RANDOM_PART_LENGTH;

/**
 * The random part from random bytes (at least 13, i.e. 104 bits, of which 100 are used). The caller
 * brings the bytes — a cryptographic source on a server (this engine takes its randomness as input).
 */
export function encodeRandomPart(bytes: Uint8Array): string {
  if (bytes.length * 8 < RANDOM_PART_LENGTH * 5) throw new CertificateFormatError(`the random part needs at least ${Math.ceil((RANDOM_PART_LENGTH * 5) / 8)} random bytes`, { bytes: bytes.length });
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < RANDOM_PART_LENGTH) {
      out += RANDOM_PART_ALPHABET[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
    if (out.length === RANDOM_PART_LENGTH) break;
  }
  return out;
}

export function makeCertificateId(parts: CertificateIdParts): string {
  if (!/^[0-9A-Z]{4}$/.test(parts.typeCode)) throw new CertificateFormatError('type code must be 4 digits or capitals', { typeCode: parts.typeCode });
  if (!validateCreditCode(parts.issuerCode).ok) throw new CertificateFormatError('issuer code must be a valid unified social credit code', { issuerCode: parts.issuerCode });
  if (!Number.isInteger(parts.serial) || parts.serial < 0 || parts.serial > 9_999_999_999) throw new CertificateFormatError('serial must be 0..9999999999', { serial: parts.serial });
  if (!Number.isInteger(parts.version) || parts.version < 1 || parts.version > 99) throw new CertificateFormatError('version must be 1..99', { version: parts.version });
  if (parts.random !== undefined && !RANDOM_RE.test(parts.random)) throw new CertificateFormatError(`the random part is ${RANDOM_PART_LENGTH} base32 characters (A–Z, 2–7)`, { random: parts.random });
  const body = parts.typeCode + parts.issuerCode + String(parts.serial).padStart(10, '0') + (parts.random ?? '') + String(parts.version).padStart(2, '0');
  return body + iso7064Mod37_36Check(body);
}

const RANDOM_RE = new RegExp(`^[A-Z2-7]{${RANDOM_PART_LENGTH}}$`);

export function parseCertificateId(id: string): CertificateIdParts {
  if (typeof id !== 'string' || !/^[0-9A-Z]+$/.test(id) || (id.length !== LEGACY_CERTIFICATE_ID_LENGTH && id.length !== CERTIFICATE_ID_LENGTH)) {
    throw new CertificateFormatError(`a certificate identifier has ${CERTIFICATE_ID_LENGTH} (or, issued before random parts, ${LEGACY_CERTIFICATE_ID_LENGTH}) digits or capitals`, { id });
  }
  const last = id.length - 1;
  if (iso7064Mod37_36Check(id.slice(0, last)) !== id[last]) throw new CertificateFormatError('certificate identifier check character is wrong', { id });
  const issuerCode = id.slice(4, 22);
  if (!validateCreditCode(issuerCode).ok) throw new CertificateFormatError('certificate identifier holds an invalid issuer code', { id });
  if (!/^\d{10}$/.test(id.slice(22, 32)) || !/^\d{2}$/.test(id.slice(last - 2, last))) throw new CertificateFormatError('certificate identifier serial and version are digits', { id });
  const parts: CertificateIdParts = { typeCode: id.slice(0, 4), issuerCode, serial: Number(id.slice(22, 32)), version: Number(id.slice(last - 2, last)) };
  if (id.length === CERTIFICATE_ID_LENGTH) {
    const random = id.slice(32, 32 + RANDOM_PART_LENGTH);
    if (!RANDOM_RE.test(random)) throw new CertificateFormatError(`the random part of a certificate identifier is ${RANDOM_PART_LENGTH} base32 characters (A–Z, 2–7)`, { id });
    parts.random = random;
  }
  return parts;
}
