import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ITEM_NAMES_UG } from '@shuzhi/gov/ug';
import { dictionaries, type MessageKey } from '../src/i18n/dictionaries.ts';
import { GEO_NAMES_UG } from '../src/charts/geo/names.ts';

/**
 * The Uyghur glossary is the record of where each term comes from; these tests hold the strings the app
 * uses to it, so a term changed in one place and not the other fails here.
 */
// jsdom gives import.meta.url an http: scheme; the test file's own path is in `__filename`'s place.
const glossary = readFileSync(join(dirname(import.meta.filename), '../src/i18n/ug-glossary.md'), 'utf8');

interface Row {
  refs: string[];
  term: string;
  status: string;
  line: string;
}

/** Every table row whose first cell names where the term is used (`ug:`, `item:`, `geo:`, `intl:`). */
function rows(): Row[] {
  return glossary
    .split('\n')
    .filter((l) => /^\| (ug|item|geo|intl):/.test(l))
    .map((line) => {
      const cells = line.split('|').slice(1, -1).map((c) => c.trim());
      // The items' table has no English column: the term is the third cell from the end either way.
      return { refs: cells[0]!.split(/,\s*/), term: cells[cells.length - 3]!, status: cells[cells.length - 2]!, line };
    });
}

const on = new Date(Date.UTC(2025, 5, 1, 4)); // Sunday 1 June 2025, noon in Beijing
const weekdayDate: Record<string, number> = { sun: 1, mon: 2, tue: 3, wed: 4, thu: 5, fri: 6, sat: 7 };

/** The string the app shows for a reference; Intl's for `intl:` ones (CLDR's data through ICU). */
function resolve(ref: string): string | undefined {
  const [kind, ...rest] = ref.split(':');
  const name = rest.join(':');
  switch (kind) {
    case 'ug':
      return dictionaries.ug[name as MessageKey];
    case 'item':
      return ITEM_NAMES_UG[name];
    case 'geo':
      return GEO_NAMES_UG[name];
    case 'intl': {
      const [what, arg = ''] = name.split(':');
      if (what === 'language' || what === 'region') return new Intl.DisplayNames(['ug'], { type: what }).of(arg);
      if (what === 'month') return new Intl.DateTimeFormat('ug', { month: 'long', timeZone: 'UTC' }).format(Date.UTC(2025, Number(arg) - 1, 15));
      if (what === 'weekday') return new Intl.DateTimeFormat('ug', { weekday: 'long', timeZone: 'UTC' }).format(Date.UTC(2025, 5, weekdayDate[arg]!, 12));
      if (what === 'date') return new Intl.DateTimeFormat('ug', { dateStyle: 'medium', timeZone: 'Asia/Shanghai' }).format(on);
      if (what === 'number') return new Intl.NumberFormat('ug').format(1234567.5);
      return undefined;
    }
    default:
      return undefined;
  }
}

describe('Uyghur glossary', () => {
  const all = rows();

  it('has a row for each kind of use and marks every row sourced or needs review', () => {
    for (const kind of ['ug:', 'item:', 'geo:', 'intl:']) expect(all.some((r) => r.refs[0]!.startsWith(kind))).toBe(true);
    expect(all.filter((r) => r.status !== 'sourced' && r.status !== 'needs review').map((r) => r.line)).toEqual([]);
  });

  it('every sourced row names its source file and the message it took', () => {
    const bare = all.filter((r) => r.status === 'sourced' && !/(\.mo|\.json|ug_CN)\b.*(→|\.)/.test(r.line));
    expect(bare.map((r) => r.line)).toEqual([]);
  });

  it('each term appears in every string its row says uses it', () => {
    const drift = all.flatMap((r) => r.refs.filter((ref) => !(resolve(ref) ?? '').includes(r.term)).map((ref) => `${ref}: glossary «${r.term}», app «${resolve(ref)}»`));
    expect(drift).toEqual([]);
  });

  it('covers every map name and every item the app has in Uyghur', () => {
    const refs = new Set(all.flatMap((r) => r.refs));
    expect(Object.keys(GEO_NAMES_UG).filter((n) => !refs.has(`geo:${n}`))).toEqual([]);
    expect(Object.keys(ITEM_NAMES_UG).filter((id) => !refs.has(`item:${id}`))).toEqual([]);
  });

  it('fails on a term the app does not use (the check can fail)', () => {
    expect((resolve('ug:auth.logout') ?? '').includes('چېكىنىش')).toBe(false);
    expect(resolve('ug:no.such.key')).toBeUndefined();
  });
});
