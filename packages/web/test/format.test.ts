import { describe, expect, it } from 'vitest';
import {
  formatCarbonG,
  formatCarbonKg,
  formatClock,
  formatDateTime,
  formatEnergyKWh,
  formatFen,
  formatPercent,
  formatPflops,
  shanghaiLocalToIso,
} from '../src/format.ts';

const nbsp = '\u00a0';

describe('formatFen', () => {
  it('shows integer fen as yuan with two decimals', () => {
    expect(formatFen(0)).toBe('¥0.00');
    expect(formatFen(1)).toBe('¥0.01');
    expect(formatFen(10)).toBe('¥0.10');
    expect(formatFen(123456)).toBe('¥1,234.56');
    expect(formatFen(100000000)).toBe('¥1,000,000.00');
  });
  it('keeps the sign and never drifts by binary fractions', () => {
    expect(formatFen(-250)).toBe('-¥2.50');
    // 0.29 * 100 is 28.999999999999996 in floating point; fen arithmetic must not show ¥0.28.
    expect(formatFen(0.29 * 100)).toBe('¥0.29');
  });
  it('rounds fractional fen to the nearest fen', () => {
    expect(formatFen(35.6)).toBe('¥0.36');
  });
  it('shows a dash for non-numbers', () => {
    expect(formatFen(Number.NaN)).toBe('—');
  });
});

describe('times in Asia/Shanghai', () => {
  it('shifts UTC by eight hours regardless of the machine time zone', () => {
    expect(formatDateTime('2024-05-01T00:00:00Z')).toBe('2024-05-01 08:00');
    expect(formatDateTime('2024-05-01T16:30:15Z', true)).toBe('2024-05-02 00:30:15');
    expect(formatClock('2023-12-31T23:59:59Z')).toBe('07:59:59');
  });
  it('reads offsets in the input', () => {
    expect(formatDateTime('2024-05-01T08:00:00+08:00')).toBe('2024-05-01 08:00');
  });
  it('shows a dash for missing or broken times', () => {
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime('not a time')).toBe('—');
  });
  it('reads a datetime-local value as Beijing time', () => {
    expect(shanghaiLocalToIso('2024-05-01T08:00')).toBe('2024-05-01T00:00:00.000Z');
    expect(shanghaiLocalToIso('2024-01-01T00:30')).toBe('2023-12-31T16:30:00.000Z');
    expect(shanghaiLocalToIso('yesterday')).toBeNull();
  });
  it('round-trips a datetime-local value through display', () => {
    const iso = shanghaiLocalToIso('2025-02-28T23:45');
    expect(iso).not.toBeNull();
    expect(formatDateTime(iso)).toBe('2025-02-28 23:45');
  });
});

describe('energy and carbon', () => {
  it('switches kWh to MWh and GWh', () => {
    expect(formatEnergyKWh(12.34, 'en')).toBe(`12.3${nbsp}kWh`);
    expect(formatEnergyKWh(2500, 'en')).toBe(`2.5${nbsp}MWh`);
    expect(formatEnergyKWh(3_200_000, 'en')).toBe(`3.2${nbsp}GWh`);
  });
  it('switches grams to kg and tonnes', () => {
    expect(formatCarbonG(640, 'en')).toBe(`640${nbsp}g`);
    expect(formatCarbonG(12_500, 'en')).toBe(`12.5${nbsp}kg`);
    expect(formatCarbonG(4_200_000, 'en')).toBe(`4.2${nbsp}t`);
    expect(formatCarbonKg(1500, 'en')).toBe(`1.5${nbsp}t`);
  });
  it('shows shares as percentages', () => {
    expect(formatPercent(0.834, 'en')).toBe('83.4%');
    expect(formatPercent(1, 'zh-CN')).toBe('100%');
  });
});

describe('small and large figures', () => {
  it('keeps two significant digits below 1 instead of rounding to zero', () => {
    expect(formatEnergyKWh(0.0042, 'en')).toBe(`0.0042${nbsp}kWh`);
    expect(formatCarbonG(0.5, 'en')).toBe(`0.5${nbsp}g`);
    expect(formatEnergyKWh(0, 'en')).toBe(`0${nbsp}kWh`);
  });
  it('drops decimals from large PFLOPS figures so wall tiles stay short', () => {
    expect(formatPflops(14372.7, 'en')).toBe(`14,373${nbsp}PFLOPS`);
    expect(formatPflops(327.66, 'en')).toBe(`327.7${nbsp}PFLOPS`);
    expect(formatPflops(4.5678, 'en')).toBe(`4.57${nbsp}PFLOPS`);
  });
});
