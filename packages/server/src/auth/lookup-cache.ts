/**
 * Credentials looked up in the database, believed for `periodMs` without asking again. A credential in
 * use is looked up again in the background from `aheadPart` of its period on, its calls answered from
 * the cache meanwhile, so a caller polling with it never waits for the database. Why: on PGlite a call
 * that asks the database waits for whatever holds it, and the render farm's batch writer keeps a
 * transaction open over several loop turns (a turn between statements; up to ~1.5 s at 20,000 nodes).
 *
 * A credential revoked here (`drop`) is refused at once: a look-up begun before the drop does not
 * cache it again. One revoked elsewhere (another replica, the database) is refused within the period.
 */
export class LookupCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  /** Bumped by every drop: a look-up begun before one answers its caller but caches nothing. */
  private drops = 0;

  constructor(
    /** Asks the database: the value and when the credential itself expires (ms), or null when it is not valid. */
    private readonly lookUp: (key: string) => Promise<{ value: V; expiresAt: number } | null>,
    private readonly periodMs: number,
    private readonly aheadPart = 0.8,
    private readonly maxEntries = 50_000,
  ) {}

  async get(key: string): Promise<V | null> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) {
      if (!hit.refreshing && now >= hit.refreshFrom) {
        // A failed look-up is tried again by a later call; past `until` calls wait for the database.
        hit.refreshing = this.fetch(key).catch(() => {
          hit.refreshing = null;
        });
      }
      return hit.value;
    }
    if (hit) this.entries.delete(key);
    return this.fetch(key);
  }

  /** Forgets the entries whose value `gone` picks (a revocation, a logout): refused at once here. */
  drop(gone: (value: V, key: string) => boolean): void {
    this.drops++;
    for (const [key, e] of this.entries) if (gone(e.value, key)) this.entries.delete(key);
  }

  private async fetch(key: string): Promise<V | null> {
    const drops = this.drops;
    const found = await this.lookUp(key);
    if (!found || drops !== this.drops) {
      // Not valid; or dropped while this look-up ran, maybe this very key: answered (the call began
      // before the drop) but not cached, so the next call asks the database again.
      this.entries.delete(key);
      return found?.value ?? null;
    }
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const now = Date.now();
    this.entries.set(key, { value: found.value, until: Math.min(now + this.periodMs, found.expiresAt), refreshFrom: now + this.periodMs * this.aheadPart, refreshing: null });
    return found.value;
  }
}

interface Entry<V> {
  value: V;
  /** Believed until then without asking the database. */
  until: number;
  /** From then on a call starts a look-up in the background. */
  refreshFrom: number;
  refreshing: Promise<unknown> | null;
}
