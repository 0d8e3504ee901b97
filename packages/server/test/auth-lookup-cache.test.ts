import assert from 'node:assert/strict';
import { after, before, mock, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { TOKEN_CACHE_MS } from '../src/auth/store.ts';
import { startPlatform, type TestPlatform } from './helpers.ts';

// A token (or session) in use is looked up again in the background before its cache entry runs out, so a caller
// polling with it (an operator's overview on a farm whose batch writer keeps PGlite busy) is answered
// from the cache and never waits for the database; a token gone from the database is still refused
// within TOKEN_CACHE_MS, and a revocation here at once. The clock is V8's Date, mocked: no waiting.

let t: TestPlatform;
before(async () => {
  t = await startPlatform();
});
after(async () => {
  mock.timers.reset();
  await t.close();
});

/** Releases of the holds still open: a failed assertion must not leave the database held for the next test. */
const holds = new Set<() => void>();

/** Holds the database (a transaction left open) until the returned function is called. */
async function holdDatabase(): Promise<() => Promise<void>> {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  holds.add(release);
  let began!: () => void;
  const open = new Promise<void>((r) => (began = r));
  const tx = t.p.database.db.transaction(async (tx) => {
    await tx.execute(sql`select 1`);
    began();
    await gate;
  });
  await open;
  return async () => {
    release();
    holds.delete(release);
    await tx;
  };
}

/** Whether `p` settles within a few turns of the event loop (while the database is held, a look-up cannot). */
async function settlesSoon<T>(p: Promise<T>): Promise<boolean> {
  let settled = false;
  void p.finally(() => (settled = true)).catch(() => undefined);
  for (let i = 0; i < 20 && !settled; i++) await new Promise((r) => setImmediate(r));
  return settled;
}

/** Runs `fn` with Date mocked (mock.timers.tick moves it); afterwards the real clock, and no hold left open. */
async function withMockedDate(fn: () => Promise<void>): Promise<void> {
  mock.timers.enable({ apis: ['Date'], now: Date.now() });
  try {
    await fn();
  } finally {
    mock.timers.reset();
    for (const release of holds) release();
    holds.clear();
  }
}

/**
 * Late in its period a cached credential is answered while the database is held, and the look-up that
 * starts behind it renews the entry: past the first period it is still answered without the database.
 */
async function renewedInBackground(call: () => Promise<{ userId: string } | null>, userId: string): Promise<void> {
  mock.timers.tick(Math.ceil(TOKEN_CACHE_MS * 0.9));
  let release = await holdDatabase();
  const late = call();
  assert.equal(await settlesSoon(late), true, 'answered from the cache while the database is busy');
  assert.equal((await late)?.userId, userId);
  await release();
  // Let the background look-up finish (it queued behind the held transaction).
  await t.p.database.db.execute(sql`select 1`);
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  mock.timers.tick(Math.ceil(TOKEN_CACHE_MS * 0.5));
  release = await holdDatabase();
  const renewed = call();
  assert.equal(await settlesSoon(renewed), true, 'renewed in the background, so no wait past the first period');
  assert.equal((await renewed)?.userId, userId);
  await release();
}

test('a token in use stays cached past its period without a call waiting for the database; one gone from the database is refused', async () => {
  const auth = t.p.auth;
  const opId = (await auth.userIdByName('operator'))!;
  const { token, id } = await auth.createToken(opId, 'overview poller');
  await withMockedDate(async () => {
    assert.equal((await auth.byToken(token))?.userId, opId, 'looked up and cached');

    await renewedInBackground(() => auth.byToken(token), opId);

    // Gone from the database (as another replica revokes it): refused once the cache's period ends.
    await t.p.database.db.execute(sql`delete from api_tokens where id = ${id}`);
    mock.timers.tick(TOKEN_CACHE_MS + 1);
    assert.equal(await auth.byToken(token), null);
  });
});

test('a revoked token is refused at once, even while a background look-up of it is under way', async () => {
  const auth = t.p.auth;
  const op = (await auth.byOperatorName())!;
  const { token, id } = await auth.createToken(op.userId, 'revoked poller');
  await withMockedDate(async () => {
    assert.ok(await auth.byToken(token));
    mock.timers.tick(Math.ceil(TOKEN_CACHE_MS * 0.9));
    // The background look-up reads the row before the revocation deletes it (the database is held until then).
    const release = await holdDatabase();
    assert.ok(await auth.byToken(token), 'answered from the cache; a look-up starts');
    const revoking = auth.revokeToken(op, id);
    await release();
    await revoking;
    assert.equal(await auth.byToken(token), null, 'revoked here: refused at once');
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.equal(await auth.byToken(token), null, 'the look-up begun before the revocation did not put it back');
  });
});

test('a session in use is renewed in the background as a token is; logging out ends it at once', async () => {
  const auth = t.p.auth;
  const signedIn = (await auth.login('operator', 'operator-demo'))!;
  await withMockedDate(async () => {
    assert.equal((await auth.bySession(signedIn.session))?.username, 'operator');
    await renewedInBackground(() => auth.bySession(signedIn.session), signedIn.principal.userId);

    await auth.logout(signedIn.session);
    assert.equal(await auth.bySession(signedIn.session), null, 'logged out here: refused at once');
  });
});
