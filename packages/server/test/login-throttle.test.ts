import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoginThrottle } from '../src/auth/throttle.ts';
import { AppError } from '../src/errors.ts';

/** The throttle's arithmetic on a fake clock; edge-auth/edge-proxy tests drive it over HTTP. */
const setup = (extra: Partial<ConstructorParameters<typeof LoginThrottle>[0]> = {}) => {
  let now = 1_000_000;
  const th = new LoginThrottle({ perAccount: 3, perAddress: 10, lockMs: 1000, now: () => now, ...extra });
  return { th, tick: (ms: number) => (now += ms) };
};
const refused = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  assert.fail('expected LOGIN_THROTTLED');
};

test('locks after the budget, doubles per further failure, caps at the window, forgets after a quiet window', () => {
  const { th, tick } = setup();
  for (let i = 0; i < 3; i++) th.attempt('alice', null)(false);
  assert.equal(refused(() => th.attempt('ALICE ', null)).headers?.['retry-after'], '1', 'username as typed, case-folded');
  tick(1001);
  th.attempt('alice', null)(false);
  assert.equal(refused(() => th.attempt('alice', null)).headers?.['retry-after'], '2');
  for (let lock = 2000; lock < 15 * 60_000; lock *= 2) {
    tick(lock + 1);
    th.attempt('alice', null)(false);
  }
  assert.equal(refused(() => th.attempt('alice', null)).headers?.['retry-after'], String(15 * 60), 'capped at 15 min');
  tick(15 * 60_000 + 15 * 60_000 + 2);
  th.attempt('alice', null)(false); // forgotten: this is failure 1 of a new count
  th.attempt('alice', null)(false);
  th.attempt('alice', null)(true);
});

test('attempts in flight count: a burst gets no more than the budget checked', () => {
  const { th } = setup();
  const admitted = [];
  let throttled = 0;
  for (let i = 0; i < 50; i++) {
    try {
      admitted.push(th.attempt('bob', '192.0.2.1'));
    } catch {
      throttled++;
    }
  }
  assert.equal(admitted.length, 3);
  assert.equal(throttled, 47);
  for (const done of admitted) done(false);
  assert.equal(refused(() => th.attempt('bob', '192.0.2.1')).code, 'LOGIN_THROTTLED');
});

test('an unanswered attempt (null) counts nothing; a success resets the account, not the address', () => {
  const { th } = setup();
  th.attempt('carol', '192.0.2.2')(null);
  th.attempt('carol', '192.0.2.2')(false);
  th.attempt('carol', '192.0.2.2')(false);
  th.attempt('carol', '192.0.2.2')(true);
  th.attempt('carol', '192.0.2.2')(false);
  th.attempt('carol', '192.0.2.2')(false);
  th.attempt('carol', '192.0.2.2')(true); // 2 < 3 after the reset
  for (let i = 0; i < 6; i++) th.attempt(`spray-${i}`, '192.0.2.2')(false);
  // 4 + 6 = 10 failures from the address, in spite of the successes between them
  assert.match(refused(() => th.attempt('dave', '192.0.2.2')).message, /from your address/);
  th.attempt('dave', '192.0.2.3')(true);
});

test('memory stays bounded under a flood of made-up usernames', () => {
  const { th } = setup({ maxEntries: 100 });
  for (let i = 0; i < 10_000; i++) th.attempt(`user-${i}`, null)(false);
  const size = (th as unknown as { accounts: Map<string, unknown> }).accounts.size;
  assert.ok(size <= 100, String(size));
});
