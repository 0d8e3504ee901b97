import { DISPLAY_TIME_ZONE, formatDateTime, shanghaiParts } from '../format.ts';
import type { Lang } from './lang.ts';

export type LocaleSupport = (locale: string) => boolean;

const intlSupports: LocaleSupport = (locale) => Intl.DateTimeFormat.supportedLocalesOf([locale]).length > 0;

/**
 * The Intl locale for a language, or null when this runtime's ICU lacks it. Browsers differ here: a build
 * may ship Uyghur as `ug-CN`, only as `ug`, or not at all (Chromium trims ICU to its UI languages).
 */
export function intlLocale(lang: Lang, supports: LocaleSupport = intlSupports): string | null {
  const wanted = lang === 'ug' ? ['ug-CN', 'ug'] : [lang];
  return wanted.find(supports) ?? null;
}

/**
 * CLDR 48's Uyghur month names (cldr-dates-full main/ug/ca-gregorian.json, months.format.wide; the
 * abbreviated ones are the same), for a runtime whose ICU lacks Uyghur: Chromium's does (Chromium 156:
 * `Intl.DateTimeFormat.supportedLocalesOf(['ug'])` is empty). Sources in i18n/ug-glossary.md.
 */
const UG_MONTHS = ['يانۋار', 'فېۋرال', 'مارت', 'ئاپرېل', 'ماي', 'ئىيۇن', 'ئىيۇل', 'ئاۋغۇست', 'سېنتەبىر', 'ئۆكتەبىر', 'نويابىر', 'دېكابىر'] as const;

/** CLDR's Uyghur medium date pattern "d-MMM، y", from numeric parts. */
const ugDay = (year: string, month: string, day: string): string => `${Number(day)}-${UG_MONTHS[Number(month) - 1] ?? month}، ${year}`;

/**
 * A date and time in Beijing time, worded for the language ("2025年6月1日 08:00", "Jun 1, 2025, 08:00",
 * "1-ئىيۇن، 2025، 08:00"). Uyghur without locale data is built from CLDR's pattern and names above; any other
 * language without it gets the numeric "2025-06-01 08:00" rather than another language's month names.
 */
export function formatDateFor(at: string | number | Date, lang: Lang, supports?: LocaleSupport): string {
  const locale = intlLocale(lang, supports);
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) return formatDateTime(at);
  if (!locale && lang === 'ug') {
    const p = shanghaiParts(d);
    return `${ugDay(p.year, p.month, p.day)}، ${p.hour}:${p.minute}`;
  }
  if (!locale) return formatDateTime(at);
  return new Intl.DateTimeFormat(locale, { timeZone: DISPLAY_TIME_ZONE, dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23' }).format(d);
}

/** A count grouped for the language; Latin digits when the locale is missing, as the region's forms print them. */
export function formatCountFor(n: number, lang: Lang, supports?: LocaleSupport): string {
  return new Intl.NumberFormat(intlLocale(lang, supports) ?? 'en', { maximumFractionDigits: 0 }).format(n);
}

/** A calendar day ("2025-06-01", no time of day) worded for the language; as given if it is no such day. */
export function formatDayFor(day: string, lang: Lang, supports?: LocaleSupport): string {
  const locale = intlLocale(lang, supports);
  const d = new Date(`${day}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(d.getTime())) return day;
  if (!locale) return lang === 'ug' ? ugDay(day.slice(0, 4), day.slice(5, 7), day.slice(8, 10)) : day;
  return new Intl.DateTimeFormat(locale, { timeZone: 'UTC', dateStyle: 'medium' }).format(d);
}
