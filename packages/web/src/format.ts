import type { Lang } from './i18n/lang.ts';

/** Every time on screen is read by people in the region, so it is shown in Beijing time whatever the browser says. */
export const DISPLAY_TIME_ZONE = 'Asia/Shanghai';

const NBSP = '\u00a0';

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Integer fen → "¥1,234.56". Works on the integer so no binary fraction ever shows up as a cent off.
 * Non-integer input (a rate such as 35.5 fen/kWh) is rounded to the nearest fen first.
 */
export function formatFen(fen: number): string {
  if (!Number.isFinite(fen)) return '—';
  const whole = Math.round(fen);
  const sign = whole < 0 ? '-' : '';
  const abs = Math.abs(whole);
  const yuan = Math.floor(abs / 100);
  const cents = abs % 100;
  return `${sign}¥${groupThousands(String(yuan))}.${String(cents).padStart(2, '0')}`;
}

interface ShanghaiParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

const partsFormatter = new Intl.DateTimeFormat('en-GB', {
  timeZone: DISPLAY_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** Year, month, day, hour, minute, second of an instant in Beijing time, as 2-digit strings (4 for the year). */
export function shanghaiParts(at: Date): ShanghaiParts {
  const out: Record<string, string> = {};
  for (const p of partsFormatter.formatToParts(at)) out[p.type] = p.value;
  return {
    year: out.year ?? '',
    month: out.month ?? '',
    day: out.day ?? '',
    hour: out.hour ?? '',
    minute: out.minute ?? '',
    second: out.second ?? '',
  };
}

function toDate(at: string | number | Date): Date | null {
  const d = at instanceof Date ? at : new Date(at);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "2024-05-01 08:00" in Beijing time; the same shape in both languages so columns line up. */
export function formatDateTime(at: string | number | Date | null | undefined, withSeconds = false): string {
  if (at === null || at === undefined) return '—';
  const d = toDate(at);
  if (!d) return '—';
  const p = shanghaiParts(d);
  const time = withSeconds ? `${p.hour}:${p.minute}:${p.second}` : `${p.hour}:${p.minute}`;
  return `${p.year}-${p.month}-${p.day} ${time}`;
}

/** "08:00:15" in Beijing time, for log lines and the header clock. */
export function formatClock(at: string | number | Date): string {
  const d = toDate(at);
  if (!d) return '—';
  const p = shanghaiParts(d);
  return `${p.hour}:${p.minute}:${p.second}`;
}

/** "05-01 08:00" in Beijing time, for chart axes. */
export function formatShortTime(at: string | number | Date): string {
  const d = toDate(at);
  if (!d) return '—';
  const p = shanghaiParts(d);
  return `${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/**
 * A `datetime-local` input value ("2024-05-01T08:00"), read as Beijing time, → UTC ISO string.
 * China has had no daylight saving since 1991, so the offset is a constant +08:00.
 */
export function shanghaiLocalToIso(local: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!m) return null;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}+08:00`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * Below 1, two significant digits instead of fixed decimals: a short job's 0.0006 unit-hours or
 * 0.004 kWh reads as what it is rather than as a misleading 0.
 */
export function formatNumber(value: number, lang: Lang, maxFractionDigits = 1): string {
  if (!Number.isFinite(value)) return '—';
  const small = value !== 0 && Math.abs(value) < 1;
  const opts: Intl.NumberFormatOptions = small
    ? { maximumSignificantDigits: 2 }
    : { maximumFractionDigits: maxFractionDigits, minimumFractionDigits: 0 };
  return new Intl.NumberFormat(lang, opts).format(value);
}

/** kWh in, the unit chosen so the figure stays readable: kWh below 1 MWh, then MWh, then GWh. */
export function formatEnergyKWh(kWh: number, lang: Lang = 'zh-CN'): string {
  if (!Number.isFinite(kWh)) return '—';
  const abs = Math.abs(kWh);
  if (abs >= 1_000_000) return `${formatNumber(kWh / 1_000_000, lang, 2)}${NBSP}GWh`;
  if (abs >= 1_000) return `${formatNumber(kWh / 1_000, lang, 2)}${NBSP}MWh`;
  return `${formatNumber(kWh, lang, abs < 10 ? 2 : 1)}${NBSP}kWh`;
}

/** Grams of CO2 in: g for a small job's share, then kg, then tonnes. */
export function formatCarbonG(grams: number, lang: Lang = 'zh-CN'): string {
  if (!Number.isFinite(grams)) return '—';
  const abs = Math.abs(grams);
  if (abs >= 1_000_000) return `${formatNumber(grams / 1_000_000, lang, 2)}${NBSP}t`;
  if (abs >= 1_000) return `${formatNumber(grams / 1_000, lang, 1)}${NBSP}kg`;
  return `${formatNumber(grams, lang, 0)}${NBSP}g`;
}

export function formatCarbonKg(kg: number, lang: Lang = 'zh-CN'): string {
  return formatCarbonG(kg * 1000, lang);
}

/** A 0–1 share as "83.4%". */
export function formatPercent(share: number, lang: Lang = 'zh-CN', digits = 1): string {
  if (!Number.isFinite(share)) return '—';
  return `${formatNumber(share * 100, lang, digits)}%`;
}

export function formatPflops(pflops: number, lang: Lang = 'zh-CN'): string {
  if (!Number.isFinite(pflops)) return '—';
  const digits = pflops < 10 ? 2 : pflops < 1000 ? 1 : 0;
  return `${formatNumber(pflops, lang, digits)}${NBSP}PFLOPS`;
}

export function formatKW(kW: number, lang: Lang = 'zh-CN'): string {
  if (!Number.isFinite(kW)) return '—';
  if (Math.abs(kW) >= 1000) return `${formatNumber(kW / 1000, lang, 2)}${NBSP}MW`;
  return `${formatNumber(kW, lang, 0)}${NBSP}kW`;
}
