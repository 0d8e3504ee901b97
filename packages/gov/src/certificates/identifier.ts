/**
 * Certificate identifier, following the structure reported for GB/T 36904-2018 (电子证照 标识) in an
 * implementation write-up — UNVERIFIED against the standard text (domain sheet §7.1):
 *
 *   type code (4) + issuing organisation's unified social credit code (18) + serial (10 digits)
 *   + version (2 digits) + check character (ISO 7064 MOD 37,36)             = 35 characters
 *
 * The field widths of type code, serial and version are our choice until the standard is checked; everything
 * about the format lives in this module so it can be corrected in one place.
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
}

export function makeCertificateId(parts: CertificateIdParts): string {
  if (!/^[0-9A-Z]{4}$/.test(parts.typeCode)) throw new CertificateFormatError('type code must be 4 digits or capitals', { typeCode: parts.typeCode });
  if (!validateCreditCode(parts.issuerCode).ok) throw new CertificateFormatError('issuer code must be a valid unified social credit code', { issuerCode: parts.issuerCode });
  if (!Number.isInteger(parts.serial) || parts.serial < 0 || parts.serial > 9_999_999_999) throw new CertificateFormatError('serial must be 0..9999999999', { serial: parts.serial });
  if (!Number.isInteger(parts.version) || parts.version < 1 || parts.version > 99) throw new CertificateFormatError('version must be 1..99', { version: parts.version });
  const body = parts.typeCode + parts.issuerCode + String(parts.serial).padStart(10, '0') + String(parts.version).padStart(2, '0');
  return body + iso7064Mod37_36Check(body);
}

export function parseCertificateId(id: string): CertificateIdParts {
  if (!/^[0-9A-Z]{35}$/.test(id)) throw new CertificateFormatError('a certificate identifier has 35 digits or capitals', { id });
  if (iso7064Mod37_36Check(id.slice(0, 34)) !== id[34]) throw new CertificateFormatError('certificate identifier check character is wrong', { id });
  const issuerCode = id.slice(4, 22);
  if (!validateCreditCode(issuerCode).ok) throw new CertificateFormatError('certificate identifier holds an invalid issuer code', { id });
  return { typeCode: id.slice(0, 4), issuerCode, serial: Number(id.slice(22, 32)), version: Number(id.slice(32, 34)) };
}
