import { describe, expect, it } from 'vitest';
import { dictionaries, translate } from '../src/i18n/dictionaries.ts';
import { Langs } from '../src/i18n/lang.ts';
import { navGroups } from '../src/nav.ts';

describe('dictionaries', () => {
  const zhKeys = Object.keys(dictionaries['zh-CN']).sort();

  it.each(Langs.filter((l) => l !== 'zh-CN' && l !== 'ug'))('%s has exactly the zh-CN keys', (lang) => {
    const keys = Object.keys(dictionaries[lang]).sort();
    expect(keys.filter((k) => !zhKeys.includes(k))).toEqual([]);
    expect(zhKeys.filter((k) => !keys.includes(k))).toEqual([]);
  });

  it('ug has no key zh-CN lacks, and every key the citizen app, the kiosk and the certificate check show', () => {
    const keys = Object.keys(dictionaries.ug);
    expect(keys.filter((k) => !zhKeys.includes(k))).toEqual([]);
    // The doors' own words and the gov texts their pages use (ApplyForm, ApplicationDetail, the app's pages).
    const doorPrefixes = ['door.', 'kiosk.', 'gov.app.', 'gov.apply.', 'gov.registry.', 'gov.material.', 'gov.status.', 'gov.task.', 'gov.escalation.', 'gov.channel.', 'gov.cert.', 'gov.detail.', 'gov.data.', 'gov.notes.', 'gov.kiosk.', 'gov.verify.', 'auth.', 'lang.', 'error.'];
    const doorKeys = zhKeys.filter((k) => doorPrefixes.some((p) => k.startsWith(p)) && k !== 'auth.subtitle' && k !== 'auth.demoHint');
    expect(doorKeys.length).toBeGreaterThan(100);
    expect(doorKeys.filter((k) => !keys.includes(k))).toEqual([]);
  });

  it.each(Langs)('%s has no empty messages', (lang) => {
    const empty = Object.entries(dictionaries[lang]).filter(([, v]) => (v ?? '').trim() === '');
    expect(empty).toEqual([]);
  });

  it('uses the same placeholders in every language', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const lang of Langs) {
      for (const key of zhKeys as (keyof (typeof dictionaries)['zh-CN'])[]) {
        const text = dictionaries[lang][key];
        if (text === undefined) continue; // ug's fallback to zh-CN, checked above
        expect([lang, key, placeholders(text)]).toEqual([
          lang,
          key,
          placeholders(dictionaries['zh-CN'][key]!),
        ]);
      }
    }
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('en', 'jobs.total', { n: 7 })).toBe('7 in total');
    expect(translate('zh-CN', 'jobs.total', { n: 7 })).toBe('共 7 个');
    expect(translate('en', 'jobs.total', {})).toBe('{n} in total');
  });

  it('has a label for every nav group and item', () => {
    for (const g of navGroups) {
      for (const lang of Langs) {
        expect(translate(lang, g.label)).toBeTruthy();
        for (const i of g.items) expect(translate(lang, i.label)).toBeTruthy();
      }
    }
  });
});
