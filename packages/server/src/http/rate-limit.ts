import { clientAddress } from './client-address.ts';
import type { Context } from 'hono';
import { AppError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { problemResponse } from './problem.ts';

export interface RateLimitOptions {
  /** Requests a key may make in a burst; the budget refills at this many per `windowMs`. */
  perWindow: number;
  windowMs: number;
  /** Keys kept; beyond it the ones with a full budget (idle) are forgotten first. */
  maxKeys?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per key (a client address), in memory: anonymous endpoints answer a burst of
 * `perWindow` calls and then `perWindow` per window. Each replica counts for itself.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(private readonly opts: RateLimitOptions) {
    this.maxKeys = opts.maxKeys ?? 50_000;
    this.now = opts.now ?? Date.now;
  }

  /** Takes one call from the key's budget: 0 when admitted, else the milliseconds until the next one is. */
  take(key: string): number {
    const now = this.now();
    const rate = this.opts.perWindow / this.opts.windowMs;
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) this.prune(now, rate);
      b = { tokens: this.opts.perWindow, at: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.opts.perWindow, b.tokens + (now - b.at) * rate);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate));
  }

  private prune(now: number, rate: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + (now - b.at) * rate >= this.opts.perWindow) this.buckets.delete(k);
    // Still full of busy keys: forget the oldest half rather than grow without bound.
    if (this.buckets.size >= this.maxKeys) {
      let drop = this.buckets.size >> 1;
      for (const k of this.buckets.keys()) {
        if (drop-- <= 0) break;
        this.buckets.delete(k);
      }
    }
  }
}

/**
 * The client's address as rate limits key it: the socket peer, or behind a configured trusted proxy
 * the address that proxy forwarded (SHUZHI_TRUSTED_PROXIES); X-Forwarded-For from anyone else is not believed.
 */
export function peerAddress(c: Context): string {
  return clientAddress(c as never) ?? 'unknown';
}

/** A 429 problem with Retry-After (whole seconds). */
export function rateLimited(c: Context, log: Logger, waitMs: number, what: string): Response {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  const res = problemResponse(c, new AppError('RATE_LIMITED', 429, `Too many ${what} from your address: try again in ${seconds} s.`), log);
  res.headers.set('retry-after', String(seconds));
  return res;
}
