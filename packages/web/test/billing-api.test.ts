import { describe, expect, test } from 'vitest';
import { yuanToFen } from '../src/modules/billing/api.ts';
import { en, zh } from '../src/modules/billing/messages.ts';

describe('billing web helpers', () => {
  test('yuan typed by a person becomes whole fen, never a float', () => {
    expect(yuanToFen('12.34')).toBe(1234);
    expect(yuanToFen('0.1')).toBe(10);
    expect(yuanToFen(' 5 ')).toBe(500);
    expect(yuanToFen('0.29')).toBe(29);
  });

  test('amounts that are not positive with at most two decimals are refused', () => {
    for (const bad of ['', '0', '0.00', '-1', '1.234', 'abc', '1e3']) expect(yuanToFen(bad)).toBeNull();
  });

  test('every message exists in both languages, module-prefixed', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    for (const k of Object.keys(zh)) expect(k.startsWith('billing.')).toBe(true);
  });
});
