import { fieldError, type FieldError } from '../field-errors.ts';
import { isProvinceCode } from './regions.ts';

/** GB 11643-1999 weights: 2^(17-i) mod 11 for positions 1..17. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

/** Check character for the first 17 digits (ISO 7064 MOD 11-2 as used by GB 11643). */
export function residentIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('resident ID body must be 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

export interface ResidentIdParts {
  readonly regionCode: string;
  /** YYYY-MM-DD */
  readonly birthDate: string;
  readonly sequence: string;
  readonly sex: 'male' | 'female';
}

export function isValidCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  return d <= days;
}

export interface ResidentIdOptions {
  /** Birth dates after this (YYYY-MM-DD) are rejected; pass today's date from the caller's clock. */
  readonly latestBirthDate?: string;
}

/**
 * Validate an 18-character resident identity number (GB 11643-1999): structure, region (province),
 * birth date, and the MOD 11-2 check character. Lower-case 'x' is refused: the standard prints 'X'.
 */
export function validateResidentId(
  id: string,
  options: ResidentIdOptions = {},
  field = 'residentId',
): { ok: true; value: ResidentIdParts } | { ok: false; errors: FieldError[] } {
  const fail = (code: string, zh: string, en: string) => ({ ok: false as const, errors: [fieldError(field, code, zh, en)] });
  if (typeof id !== 'string' || !/^\d{17}[\dX]$/.test(id)) {
    return fail('RESIDENT_ID_FORMAT', '身份证号码应为18位，前17位为数字，末位为数字或大写X', 'A resident ID has 18 characters: 17 digits, then a digit or capital X');
  }
  if (!isProvinceCode(id.slice(0, 2))) {
    return fail('RESIDENT_ID_REGION', '身份证号码的地区代码不存在', 'The region code of this resident ID does not exist');
  }
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const birthDate = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  if (y < 1800 || !isValidCalendarDate(y, m, d) || (options.latestBirthDate !== undefined && birthDate > options.latestBirthDate)) {
    return fail('RESIDENT_ID_BIRTH_DATE', '身份证号码中的出生日期无效', 'The birth date inside this resident ID is not a valid date');
  }
  if (residentIdCheckChar(id.slice(0, 17)) !== id[17]) {
    return fail('RESIDENT_ID_CHECKSUM', '身份证号码校验位不正确，请核对号码', 'The check character of this resident ID is wrong; check the number for typos');
  }
  return {
    ok: true,
    value: { regionCode: id.slice(0, 6), birthDate, sequence: id.slice(14, 17), sex: Number(id[16]) % 2 === 1 ? 'male' : 'female' },
  };
}

/** Build a valid number; the sequence's last digit encodes sex (odd male, even female). */
export function makeResidentId(regionCode: string, birthDate: string, sequence: number): string {
  if (!/^\d{6}$/.test(regionCode)) throw new RangeError('region code must be 6 digits');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) throw new RangeError('birth date must be YYYY-MM-DD');
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 999) throw new RangeError('sequence must be 0..999');
  const body = regionCode + birthDate.replaceAll('-', '') + String(sequence).padStart(3, '0');
  return body + residentIdCheckChar(body);
}
