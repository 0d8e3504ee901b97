import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AlarmBook, METHANE_LIMITS, alarmState, nextCut, resolveSensor } from '../src/index.ts';
import type { MethaneCut } from '../src/index.ts';

const t1 = resolveSensor({ id: 'ch4T1', position: 'T1' });
const t2 = resolveSensor({ id: 'ch4T2', position: 'T2' });

function run(sensor: typeof t1, readings: (number | null)[]): boolean[] {
  let cut: MethaneCut | undefined;
  return readings.map((pct, at) => {
    cut = nextCut(sensor, pct === null ? { pct: null, ok: false } : { pct, ok: true }, cut, at);
    return cut !== undefined;
  });
}

test('T1: cut at 1.5 %, latched between 1.0 and 1.5 %, restored only below 1.0 %', () => {
  assert.deepEqual(run(t1, [0.5, 1.2, 1.49, 1.5, 1.2, 1.0, 0.99, 1.2]), [false, false, false, true, true, true, false, false]);
});

test('T2 (return airway) cuts already at 1.0 %; a lost sensor cuts until it reads low again', () => {
  assert.deepEqual(run(t2, [0.9, 1.0, 0.95]), [false, true, false]);
  assert.deepEqual(run(t1, [0.3, null, 0.3]), [false, true, false]);
  assert.deepEqual(run(t1, [0.3, null, 1.2, 0.9]), [false, true, true, false]);
});

test('property: never cut below the restore limit, always cut at or above the cut limit', () => {
  fc.assert(
    fc.property(fc.constantFrom('shearer', 'T1', 'T2'), fc.array(fc.double({ min: 0, max: 3, noNaN: true }), { maxLength: 40 }), (pos, readings) => {
      const sensor = resolveSensor({ id: 's', position: pos });
      const states = run(sensor, readings);
      readings.forEach((pct, i) => {
        if (pct < METHANE_LIMITS[pos].restorePct) assert.equal(states[i], false);
        if (pct >= METHANE_LIMITS[pos].cutPct) assert.equal(states[i], true);
      });
    }),
  );
});

test('alarms: active → silence only; cleared → acknowledge with user and comment → history', () => {
  const book = new AlarmBook('f');
  const raised = book.condition('CH4_HIGH', 'ch4T1', true, 'high', 1)!;
  assert.equal(raised.type, 'raised');
  assert.equal(book.condition('CH4_HIGH', 'ch4T1', true, 'high', 2), null, 'no duplicate while active');
  const id = raised.alarm.id;
  assert.throws(() => book.acknowledge(id, 'u', 'c', 3), { code: 'MINE_ALARM_STILL_ACTIVE' });
  assert.equal(alarmState(book.silence(id, 3).alarm), 'active-silenced');
  assert.throws(() => book.silence(id, 3), { code: 'MINE_COMMAND_NOT_ALLOWED' });
  assert.equal(alarmState(book.condition('CH4_HIGH', 'ch4T1', false, '', 4)!.alarm), 'cleared-unacknowledged');
  const ack = book.acknowledge(id, 'op-li', 'ventilation fixed', 5);
  assert.deepEqual(ack.alarm.acknowledged, { user: 'op-li', at: 5, comment: 'ventilation fixed' });
  assert.equal(alarmState(ack.alarm), 'history');
  assert.throws(() => book.acknowledge(id, 'u', 'c', 6), { code: 'MINE_ALARM_ALREADY_ACKNOWLEDGED' });
  assert.throws(() => book.acknowledge('nope', 'u', 'c', 6), { code: 'MINE_ALARM_NOT_FOUND' });
  assert.deepEqual(book.open(), []);
  assert.equal(book.history().length, 1);
  // the cause comes back: a new alarm, the old one stays in history
  const again = book.condition('CH4_HIGH', 'ch4T1', true, 'high', 7)!;
  assert.notEqual(again.alarm.id, id);
  const ev = book.event('SEQUENCE_ABORTED', 'f', 'aborted', 8);
  assert.equal(alarmState(ev.alarm), 'cleared-unacknowledged', 'event alarms can be acknowledged at once');
});
