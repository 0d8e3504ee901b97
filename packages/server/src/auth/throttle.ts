import { AppError } from '../errors.ts';

export interface ThrottleOptions {
  /** Wrong passwords per account within `windowMs` before it is locked. */
  perAccount: number;
  /** Wrong passwords per client address (any accounts) within `windowMs` before it is locked. */
  perAddress: number;
  /** The first lock; each further failure doubles it, up to `maxLockMs`. */
  lockMs: number;
  windowMs?: number;
  maxLockMs?: number;
  /** Entries kept per kind; the oldest are forgotten beyond it (a flood of made-up usernames). */
  maxEntries?: number;
  now?: () => number;
}

interface Strikes {
  failures: number;
  /** Attempts admitted and not yet reported. */
  inflight: number;
  lastFailureAt: number;
  lockedUntil: number;
}

const WINDOW_MS = 15 * 60_000;

/**
 * Login throttling, in memory: counts wrong passwords per account (username as typed, lower-cased,
 * whether or not it exists, so the answer does not tell which usernames exist) and per client
 * address. Past the budget a key is locked; every failure after that doubles the lock. Failures are
 * forgotten after a quiet window; a successful login forgets the account's (never the address's).
 *
 * Each replica holds its own counters: behind a load balancer an attacker gets the budget once per
 * replica, and a restart forgets them. That still turns thousands of guesses a second into a
 * handful an hour per account.
 */
export class LoginThrottle {
  private readonly accounts = new Map<string, Strikes>();
  private readonly addresses = new Map<string, Strikes>();
  private readonly windowMs: number;
  private readonly maxLockMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly opts: ThrottleOptions) {
    this.windowMs = opts.windowMs ?? WINDOW_MS;
    this.maxLockMs = opts.maxLockMs ?? WINDOW_MS;
    this.maxEntries = opts.maxEntries ?? 100_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Admits one login attempt or throws LOGIN_THROTTLED (429 with Retry-After). Attempts still being
   * checked count against the budget, so firing fifty at once buys no more guesses than one by one.
   * The caller reports the outcome through the returned function, exactly once: true (the password
   * was right), false (wrong), or null (no answer, e.g. the database failed: nothing is counted).
   */
  attempt(username: string, address: string | null): (ok: boolean | null) => void {
    const now = this.now();
    const keys: [Map<string, Strikes>, string, number][] = [[this.accounts, accountKey(username), this.opts.perAccount]];
    if (address) keys.push([this.addresses, address, this.opts.perAddress]);
    for (const [map, key, budget] of keys) {
      const s = this.current(map, key, now);
      if (!s) continue;
      // Past the budget, one attempt at a time once the lock is over; within it, attempts in flight
      // count as the failures they may turn out to be.
      const crowded = s.failures >= budget ? s.inflight > 0 : s.failures + s.inflight >= budget;
      const wait = s.lockedUntil > now ? s.lockedUntil - now : crowded ? 1000 : 0;
      if (wait > 0) {
        const seconds = Math.ceil(wait / 1000);
        throw new AppError(
          'LOGIN_THROTTLED',
          429,
          `Too many wrong passwords ${map === this.accounts ? 'for this account' : 'from your address'}: try again in ${seconds} s. Each further wrong password makes the wait longer.`,
          { headers: { 'retry-after': String(seconds) } },
        );
      }
    }
    const held = keys.map(([map, key]) => {
      const s = this.current(map, key, now) ?? this.add(map, key, now);
      s.inflight++;
      return s;
    });
    let reported = false;
    return (ok) => {
      if (reported) return;
      reported = true;
      const at = this.now();
      for (const s of held) s.inflight = Math.max(0, s.inflight - 1);
      if (ok === null) return;
      if (ok) {
        // The account's count starts again; never the address's: one good account must not launder a spray.
        const account = held[0]!;
        account.failures = 0;
        account.lockedUntil = 0;
        if (account.inflight === 0) this.accounts.delete(keys[0]![1]);
        return;
      }
      keys.forEach(([map, key, budget], i) => this.strike(map, key, held[i]!, budget, at));
    };
  }

  private current(map: Map<string, Strikes>, key: string, now: number): Strikes | null {
    const s = map.get(key);
    if (!s) return null;
    if (s.inflight === 0 && this.stale(s, now)) {
      map.delete(key);
      return null;
    }
    return s;
  }

  /** Forgotten once a whole window has passed since the last failure and the end of any lock. */
  private stale(s: Strikes, now: number): boolean {
    return now - Math.max(s.lastFailureAt, s.lockedUntil) > this.windowMs;
  }

  private add(map: Map<string, Strikes>, key: string, now: number): Strikes {
    if (map.size >= this.maxEntries) this.prune(map, now);
    const s: Strikes = { failures: 0, inflight: 0, lastFailureAt: now, lockedUntil: 0 };
    map.set(key, s);
    return s;
  }

  private strike(map: Map<string, Strikes>, key: string, s: Strikes, budget: number, now: number): void {
    if (s.inflight === 0 && s.failures > 0 && this.stale(s, now)) s.failures = 0;
    map.delete(key); // re-inserted last: the Map's order is then least recently failed first
    map.set(key, s);
    s.failures++;
    s.lastFailureAt = now;
    if (s.failures < budget) return;
    const lock = Math.min(this.opts.lockMs * 2 ** Math.min(s.failures - budget, 30), this.maxLockMs);
    s.lockedUntil = Math.max(s.lockedUntil, now + lock);
  }

  private prune(map: Map<string, Strikes>, now: number): void {
    for (const [k, s] of map) if (s.inflight === 0 && this.stale(s, now)) map.delete(k);
    // Still full: forget the least recently failing keys.
    for (const [k, s] of map) {
      if (map.size < this.maxEntries) break;
      if (s.inflight === 0) map.delete(k);
    }
  }
}

const accountKey = (username: string) => username.trim().toLowerCase();
