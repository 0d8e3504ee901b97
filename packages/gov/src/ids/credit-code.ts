import { fieldError, type FieldError } from '../field-errors.ts';
import { isProvinceCode } from './regions.ts';

/** GB 32100-2015 character set: digits and capitals without I, O, Z, S, V (31 symbols). */
export const CREDIT_CODE_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** Weights 3^i mod 31 for positions 1..17. */
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** Registration authority codes (position 1) the standard assigns; 'Y' is "other". */
const AUTHORITIES = '123456789ANY';

export function creditCodeCheckChar(first17: string): string {
  if (first17.length !== 17) throw new RangeError('credit code body must be 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = CREDIT_CODE_CHARSET.indexOf(first17[i]!);
    if (v < 0) throw new RangeError(`'${first17[i]}' is not in the GB 32100 character set`);
    sum += v * WEIGHTS[i]!;
  }
  return CREDIT_CODE_CHARSET[(31 - (sum % 31)) % 31]!;
}

/** GB 11714 organisation-code check character for the 8-character body (positions 9..16 of a credit code). */
export function organisationCodeCheckChar(body8: string): string {
  const w = [3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = body8[i]!;
    const v = /\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55;
    sum += v * w[i]!;
  }
  const r = 11 - (sum % 11);
  return r === 10 ? 'X' : r === 11 ? '0' : String(r);
}

export interface CreditCodeParts {
  readonly registrationAuthority: string;
  readonly organisationCategory: string;
  readonly regionCode: string;
  readonly organisationCode: string;
}

/**
 * Validate an 18-character unified social credit code (GB 32100-2015): character set, registration
 * authority, region (province), and the MOD 31 check character. The embedded GB 11714 organisation code
 * is not checked: codes assigned to sole proprietors do not always carry a valid one.
 */
export function validateCreditCode(
  code: string,
  field = 'creditCode',
): { ok: true; value: CreditCodeParts } | { ok: false; errors: FieldError[] } {
  const fail = (c: string, zh: string, en: string) => ({ ok: false as const, errors: [fieldError(field, c, zh, en)] });
  if (typeof code !== 'string' || code.length !== 18 || [...code].some((ch) => !CREDIT_CODE_CHARSET.includes(ch))) {
    return fail('CREDIT_CODE_FORMAT', '统一社会信用代码应为18位，由数字和大写字母（不含I、O、Z、S、V）组成', 'A unified social credit code has 18 characters: digits and capital letters except I, O, Z, S, V');
  }
  if (!AUTHORITIES.includes(code[0]!)) {
    return fail('CREDIT_CODE_AUTHORITY', '统一社会信用代码的登记管理部门代码无效', 'The registration-authority character (first) of this credit code is not assigned');
  }
  if (!/^\d{6}$/.test(code.slice(2, 8)) || !isProvinceCode(code.slice(2, 4))) {
    return fail('CREDIT_CODE_REGION', '统一社会信用代码的行政区划码无效', 'The region code (characters 3–8) of this credit code does not exist');
  }
  if (creditCodeCheckChar(code.slice(0, 17)) !== code[17]) {
    return fail('CREDIT_CODE_CHECKSUM', '统一社会信用代码校验位不正确，请核对代码', 'The check character of this credit code is wrong; check the code for typos');
  }
  return {
    ok: true,
    value: { registrationAuthority: code[0]!, organisationCategory: code[1]!, regionCode: code.slice(2, 8), organisationCode: code.slice(8, 17) },
  };
}

/** Build a valid code; `organisationBody` is 8 digits/capitals, its GB 11714 check is appended. */
export function makeCreditCode(authority: string, category: string, regionCode: string, organisationBody: string): string {
  if (organisationBody.length !== 8 || [...organisationBody].some((c) => !CREDIT_CODE_CHARSET.includes(c))) {
    throw new RangeError('organisation body must be 8 characters from the GB 32100 character set');
  }
  const orgCheck = organisationCodeCheckChar(organisationBody);
  const body = authority + category + regionCode + organisationBody + orgCheck;
  return body + creditCodeCheckChar(body);
}
