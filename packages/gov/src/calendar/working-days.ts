import { CalendarOutOfRangeError } from '../errors.ts';
import { holidayYears, type HolidayYear } from './holidays.ts';

const DAY_MS = 86_400_000;
/** China has one time zone and no daylight saving: working days are Asia/Shanghai dates, UTC+8. */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

export function shanghaiDate(ms: number): string {
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** Start of the given Shanghai date, as ms epoch. */
export function shanghaiMidnight(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) - SHANGHAI_OFFSET_MS;
}

export function addCalendarDays(date: string, days: number): string {
  return shanghaiDate(shanghaiMidnight(date) + days * DAY_MS);
}

export interface WorkingCalendar {
  readonly firstYear: number;
  readonly lastYear: number;
  isWorkingDay(date: string): boolean;
  /** Status of the year's data, so callers can flag due dates computed on provisional data. */
  yearStatus(year: number): HolidayYear['status'];
  /** The date n working days after `date` (the start day itself does not count). */
  addWorkingDays(date: string, n: number): string;
  /** Working days in (from, to]: 0 when `to` is not after `from`. */
  workingDaysBetween(from: string, to: string): number;
}

export function createWorkingCalendar(years: readonly HolidayYear[] = holidayYears): WorkingCalendar {
  if (years.length === 0) throw new RangeError('a working calendar needs at least one year of holiday data');
  const off = new Set<string>();
  const on = new Set<string>();
  const status = new Map<number, HolidayYear['status']>();
  for (const y of years) {
    status.set(y.year, y.status);
    for (const [from, to] of y.holidays) for (let d = from; d <= to; d = addCalendarDays(d, 1)) off.add(d);
    for (const d of y.workdays) on.add(d);
  }
  const firstYear = Math.min(...status.keys());
  const lastYear = Math.max(...status.keys());

  const isWorkingDay = (date: string): boolean => {
    const year = Number(date.slice(0, 4));
    if (!status.has(year)) throw new CalendarOutOfRangeError(date, firstYear, lastYear);
    if (on.has(date)) return true;
    if (off.has(date)) return false;
    const weekday = new Date(shanghaiMidnight(date) + SHANGHAI_OFFSET_MS).getUTCDay();
    return weekday !== 0 && weekday !== 6;
  };

  return {
    firstYear,
    lastYear,
    isWorkingDay,
    yearStatus(year) {
      const s = status.get(year);
      if (s === undefined) throw new CalendarOutOfRangeError(`${year}`, firstYear, lastYear);
      return s;
    },
    addWorkingDays(date, n) {
      if (!Number.isInteger(n) || n < 0) throw new RangeError('working days must be a non-negative integer');
      let d = date;
      for (let left = n; left > 0; ) {
        d = addCalendarDays(d, 1);
        if (isWorkingDay(d)) left--;
      }
      return d;
    },
    workingDaysBetween(from, to) {
      let count = 0;
      for (let d = addCalendarDays(from, 1); d <= to; d = addCalendarDays(d, 1)) if (isWorkingDay(d)) count++;
      return count;
    },
  };
}

/**
 * SLA deadline: the end of the n-th working day after the day the clock started (returned as the exclusive
 * bound, midnight Shanghai after that day). A 0-day SLA is due by the end of the start day.
 */
export function slaDueAt(startMs: number, workingDays: number, calendar: WorkingCalendar): number {
  const due = calendar.addWorkingDays(shanghaiDate(startMs), workingDays);
  return shanghaiMidnight(addCalendarDays(due, 1));
}

export type EscalationLevel = 'none' | 'due_soon' | 'overdue' | 'supervisor';

/** Working days overdue before a case goes to the supervisor. */
export const SUPERVISOR_AFTER_WORKING_DAYS = 3;

/**
 * Where a running SLA timer stands at `nowMs`: due_soon on the last working day, overdue after the deadline,
 * supervisor once it is SUPERVISOR_AFTER_WORKING_DAYS working days late.
 */
export function escalationLevel(dueAtMs: number, nowMs: number, calendar: WorkingCalendar): EscalationLevel {
  const lastDay = shanghaiDate(dueAtMs - 1);
  const today = shanghaiDate(nowMs);
  if (nowMs < dueAtMs) return today === lastDay ? 'due_soon' : 'none';
  return calendar.workingDaysBetween(lastDay, today) >= SUPERVISOR_AFTER_WORKING_DAYS ? 'supervisor' : 'overdue';
}
