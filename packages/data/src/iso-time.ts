const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** A calendar date such as 2026-01-31 (Date.parse alone would take 2026-02-30 as 2 March). */
export function isIsoDate(v: unknown): v is string {
  return typeof v === 'string' && ISO_DATE.test(v) && realDay(v);
}

/** A date or a date and time in ISO 8601, e.g. 2027-01-01T00:00:00Z. */
export function isIsoDateTime(v: unknown): v is string {
  if (isIsoDate(v)) return true;
  if (typeof v !== 'string') return false;
  const m = ISO_DATE_TIME.exec(v);
  return m !== null && realDay(m[1]!) && !Number.isNaN(Date.parse(v));
}

function realDay(day: string): boolean {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === day;
}

/**
 * An instant: a date (midnight UTC) or a date and time with its zone. A time without a zone would be
 * read in the server's local zone, so the same policy would open at different moments on different hosts.
 */
export function isIsoInstant(v: unknown): v is string {
  return isIsoDate(v) || (isIsoDateTime(v) && /T.*(Z|[+-]\d{2}:\d{2})$/.test(v));
}
