import { describe, expect, it } from 'vitest';
import { DEFAULT_IDLE, idlePhase, parseIdleConfig } from '../src/doors/kiosk/idle.ts';
import { formatCountFor, formatDateFor, formatDayFor, intlLocale } from '../src/i18n/intl.ts';
import { activeTab } from '../src/doors/citizen/door.tsx';
import { doorFor } from '../src/doors/registry.ts';

describe('kiosk idle timer', () => {
  const cfg = { idleMs: 60_000, countdownMs: 10_000 };
  it('stays active until the idle time, then counts down whole seconds, then expires', () => {
    expect(idlePhase(0, cfg)).toEqual({ phase: 'active' });
    expect(idlePhase(59_999, cfg)).toEqual({ phase: 'active' });
    expect(idlePhase(60_000, cfg)).toEqual({ phase: 'warning', secondsLeft: 10 });
    expect(idlePhase(60_001, cfg)).toEqual({ phase: 'warning', secondsLeft: 10 });
    expect(idlePhase(69_001, cfg)).toEqual({ phase: 'warning', secondsLeft: 1 });
    expect(idlePhase(70_000, cfg)).toEqual({ phase: 'expired' });
  });
  it('reads "<idle s>,<countdown s>" and falls back to 60 s + 10 s on anything else', () => {
    expect(parseIdleConfig('2,1')).toEqual({ idleMs: 2000, countdownMs: 1000 });
    expect(parseIdleConfig(' 0.5 , 1.5 ')).toEqual({ idleMs: 500, countdownMs: 1500 });
    for (const bad of [null, undefined, '', '5', '0,3', 'a,b', '-1,2']) expect(parseIdleConfig(bad)).toEqual(DEFAULT_IDLE);
  });
});

describe('dates and numbers per language', () => {
  const at = '2025-06-01T00:30:00Z'; // 08:30 in Beijing
  const none = () => false;
  it('picks ug-CN, else ug, else nothing', () => {
    expect(intlLocale('ug', (l) => l === 'ug-CN' || l === 'ug')).toBe('ug-CN');
    expect(intlLocale('ug', (l) => l === 'ug')).toBe('ug');
    expect(intlLocale('ug', none)).toBeNull();
    expect(intlLocale('zh-CN', () => true)).toBe('zh-CN');
  });
  it('words the date for the language in Beijing time', () => {
    expect(formatDateFor(at, 'zh-CN')).toBe('2025年6月1日 08:30');
    expect(formatDateFor(at, 'en')).toBe('Jun 1, 2025, 08:30');
  });
  it('formats Uyghur with its own month names where the runtime has them (Node has full ICU)', () => {
    const text = formatDateFor(at, 'ug');
    expect(text).toMatch(/[\u0600-\u06ff]/);
    expect(text).toContain('08:30');
  });
  it('without locale data (Chromium has no ug) words Uyghur from CLDR exactly as full ICU does', () => {
    expect(formatDateFor(at, 'ug', none)).toBe('1-ئىيۇن، 2025، 08:30');
    expect(formatDateFor(at, 'ug', none)).toBe(formatDateFor(at, 'ug'));
    for (let m = 1; m <= 12; m++) {
      const day = `2025-${String(m).padStart(2, '0')}-09`;
      expect(formatDayFor(day, 'ug', none)).toBe(formatDayFor(day, 'ug'));
    }
  });
  it('falls back to the numeric Beijing time, never another language, for other languages without locale data', () => {
    expect(formatDateFor(at, 'en', none)).toBe('2025-06-01 08:30');
  });
  it('words a calendar day for the language, whatever the time zone, and leaves anything else as given', () => {
    expect(formatDayFor('2025-06-01', 'zh-CN')).toBe('2025年6月1日');
    expect(formatDayFor('2025-06-01', 'en')).toBe('Jun 1, 2025');
    expect(formatDayFor('2025-06-01', 'ug')).toBe('1-ئىيۇن، 2025');
    expect(formatDayFor('2025-06-01', 'en', none)).toBe('2025-06-01');
    expect(formatDayFor('June 2025', 'en')).toBe('June 2025');
  });
  it('groups counts per language, with Latin digits as the fallback', () => {
    expect(formatCountFor(1234567, 'zh-CN')).toBe('1,234,567');
    expect(formatCountFor(1234567, 'ug', none)).toBe('1,234,567');
    expect(formatCountFor(1234567, 'ug')).toMatch(/^1.234.567$/);
  });
});

describe('doors', () => {
  it('frames the citizen app, the kiosk and everything else in their own door', () => {
    expect(doorFor('/gov/app').id).toBe('citizen');
    expect(doorFor('/gov/app/applications/app_1').id).toBe('citizen');
    expect(doorFor('/gov/kiosk/done/app_1').id).toBe('kiosk');
    // The rest of /gov is the staff workbench's (its layout hands non-staff roles the console frame).
    expect(doorFor('/gov/application').id).toBe('workbench');
    expect(doorFor('/gov').id).toBe('workbench');
    expect(doorFor('/gov/window').id).toBe('window');
    expect(doorFor('/wall').id).toBe('wall');
    expect(doorFor('/compute/jobs').id).toBe('console');
  });
  it('highlights the tab a page belongs to', () => {
    expect(activeTab('/gov/app')).toBe('/gov/app');
    expect(activeTab('/gov/app/apply/item_newborn')).toBe('/gov/app');
    expect(activeTab('/gov/app/applications/app_1')).toBe('/gov/app/applications');
    expect(activeTab('/gov/app/data')).toBe('/gov/app/me');
  });
});
