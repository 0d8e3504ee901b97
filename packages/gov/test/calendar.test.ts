import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addCalendarDays, CalendarOutOfRangeError, createWorkingCalendar, escalationLevel, holidayYears, shanghaiMidnight, slaDueAt } from '../src/index.ts';

const cal = createWorkingCalendar();
const at = (iso: string) => Date.parse(iso);

test('adjusted working days and holidays of the 2025 notice are honoured', () => {
  assert.equal(cal.isWorkingDay('2025-01-26'), true, 'Sunday made a working day');
  assert.equal(cal.isWorkingDay('2025-02-08'), true, 'Saturday made a working day');
  assert.equal(cal.isWorkingDay('2025-01-28'), false, 'New year’s eve is a holiday since the 2024 revision');
  assert.equal(cal.isWorkingDay('2025-10-08'), false, 'National Day and Mid-Autumn merged to 8 days');
  assert.equal(cal.isWorkingDay('2025-03-04'), true);
  assert.equal(cal.isWorkingDay('2025-03-08'), false);
});

test('2025 has 248 working days (365 − 104 weekend days − 18 weekday holidays + 5 adjusted Saturdays/Sundays)', () => {
  // The range starts after 2024-12-31, which is outside the table, so count from 2025-01-01 and add it by hand.
  const total = cal.workingDaysBetween('2025-01-01', '2025-12-31') + (cal.isWorkingDay('2025-01-01') ? 1 : 0);
  assert.equal(total, 248);
});

test('working days across the Spring Festival skip the whole holiday', () => {
  assert.equal(cal.addWorkingDays('2025-01-27', 1), '2025-02-05');
  assert.equal(cal.addWorkingDays('2025-01-24', 1), '2025-01-26', 'the adjusted Sunday counts');
});

test('dates outside the holiday table are refused rather than guessed', () => {
  assert.throws(() => cal.isWorkingDay('2031-05-01'), CalendarOutOfRangeError);
  assert.equal(cal.yearStatus(2027), 'provisional');
  assert.equal(cal.yearStatus(2025), 'official');
});

test('the SLA due time is midnight after the n-th working day, in Shanghai time', () => {
  const due = slaDueAt(at('2025-01-27T10:00:00+08:00'), 1, cal);
  assert.equal(due, at('2025-02-06T00:00:00+08:00'));
  assert.equal(slaDueAt(at('2025-03-03T23:30:00+08:00'), 0, cal), at('2025-03-04T00:00:00+08:00'));
  // 2025-03-02 16:30 UTC is already Monday 03-03 in Shanghai.
  assert.equal(slaDueAt(at('2025-03-02T16:30:00Z'), 1, cal), at('2025-03-05T00:00:00+08:00'));
});

test('escalation: due soon on the last day, overdue after, supervisor three working days late', () => {
  const due = slaDueAt(at('2025-01-27T10:00:00+08:00'), 1, cal); // last day 2025-02-05
  assert.equal(escalationLevel(due, at('2025-02-04T12:00:00+08:00'), cal), 'none');
  assert.equal(escalationLevel(due, at('2025-02-05T12:00:00+08:00'), cal), 'due_soon');
  assert.equal(escalationLevel(due, at('2025-02-06T09:00:00+08:00'), cal), 'overdue');
  assert.equal(escalationLevel(due, at('2025-02-07T09:00:00+08:00'), cal), 'overdue');
  // 02-06 Thu, 02-07 Fri, 02-08 the adjusted Saturday: three working days late.
  assert.equal(escalationLevel(due, at('2025-02-08T09:00:00+08:00'), cal), 'supervisor');
});

const dayArb = fc.integer({ min: 0, max: 365 * 2 + 200 }).map((n) => addCalendarDays('2025-01-01', n));

test('adding n working days lands on a working day exactly n working days later', () => {
  fc.assert(fc.property(dayArb, fc.integer({ min: 0, max: 40 }), (d, n) => {
    const end = cal.addWorkingDays(d, n);
    assert.equal(cal.workingDaysBetween(d, end), n);
    if (n > 0) assert.equal(cal.isWorkingDay(end), true);
    assert.ok(end >= d);
  }));
});

test('every listed holiday and adjusted working day lies in its own year, and each year is listed once', () => {
  const years = holidayYears.map((y) => y.year);
  assert.equal(new Set(years).size, years.length);
  for (const y of holidayYears) {
    for (const [from, to] of y.holidays) { assert.ok(from <= to); assert.equal(from.slice(0, 4), String(y.year)); }
    for (const w of y.workdays) {
      const weekday = new Date(shanghaiMidnight(w) + 8 * 3_600_000).getUTCDay();
      assert.ok(weekday === 0 || weekday === 6, `${w} is a weekend day turned working day`);
    }
  }
});
