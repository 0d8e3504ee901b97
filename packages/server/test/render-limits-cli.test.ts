import assert from 'node:assert/strict';
import { test } from 'node:test';
import { windowFlag } from '../src/cli/render-limits.ts';
import { UsageError } from '../src/cli/args.ts';

test('render sleep --window: day names, ranges across the week, daily', () => {
  assert.deepEqual(windowFlag('mon-fri@01:00-07:00'), { days: [1, 2, 3, 4, 5], from: '01:00', to: '07:00' });
  assert.deepEqual(windowFlag('fri-mon@22:00-06:00'), { days: [0, 1, 5, 6], from: '22:00', to: '06:00' });
  assert.deepEqual(windowFlag('sat,sun@00:00-08:00').days, [0, 6]);
  assert.equal(windowFlag('daily@12:00-13:00').days.length, 7);
  assert.throws(() => windowFlag('someday@01:00-02:00'), UsageError);
  assert.throws(() => windowFlag('mon 01:00-02:00'), UsageError);
});
