import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shanghaiDate } from '@shuzhi/gov';
import { govApplications } from '../src/gov/db-schema.ts';
import { GovLiveDemo, livePace } from '../src/gov/demo-live.ts';
import { govMetrics } from '../src/gov/metrics-query.ts';
import { startPlatform } from './helpers.ts';
import { as, govOf } from './gov-suite.ts';

const noop = () => undefined;
const silent = { info: noop, warn: noop, error: noop, debug: noop } as never;
const MINUTE = 60_000;
const DAY = 86_400_000;

test("the dashboard's cases today count the cases filed and closed on the current Asia/Shanghai day only", async () => {
  const t = await startPlatform();
  try {
    const gov = govOf(t);
    // Two mornings of demo traffic (10:00–10:30 in Urumqi's official time, UTC+8), a day apart.
    const day1 = Date.parse('2026-11-02T02:00:00Z');
    await new GovLiveDemo(gov.deps, t.p.auth, silent, { seed: 3, maxCases: 1000 }).run(day1, day1 + 30 * MINUTE, MINUTE, livePace(2));
    await new GovLiveDemo(gov.deps, t.p.auth, silent, { seed: 4, maxCases: 1000 }).run(day1 + DAY, day1 + DAY + 30 * MINUTE, MINUTE, livePace(2));
    const rows = await gov.deps.db.select().from(govApplications);
    const onDay = (d: Date | null, date: string) => d !== null && shanghaiDate(d.getTime()) === date;

    for (const [now, date] of [
      [day1 + 3 * 60 * MINUTE, '2026-11-02'],
      // 23:59 Shanghai time on the second day is still that day; 00:00 the next one has nothing yet.
      [Date.parse('2026-11-03T15:59:00Z'), '2026-11-03'],
      [Date.parse('2026-11-03T16:00:00Z'), '2026-11-04'],
    ] as const) {
      const want = { date, cases: rows.filter((r) => onDay(r.submittedAt, date)).length, closedCases: rows.filter((r) => onDay(r.closedAt, date)).length };
      assert.deepEqual((await govMetrics(gov.deps.db, gov.catalogue, now)).today, want);
    }
    const filedDay1 = rows.filter((r) => onDay(r.submittedAt, '2026-11-02')).length;
    assert.ok(filedDay1 > 0 && filedDay1 < rows.length, `cases on both days (${filedDay1} of ${rows.length} on the first)`);

    // The route reads the platform's clock: today is today's date, and none of the November cases fall on it.
    const m = await (await as(t, 'supervisor')).req('GET', '/api/gov/metrics');
    assert.equal(m.status, 200);
    assert.deepEqual(m.body.today, { date: shanghaiDate(Date.now()), cases: 0, closedCases: 0 });
  } finally {
    await t.close();
  }
});
