import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { workers } from '../workers/db-schema.ts';
import { LAST_SEEN_LAG_MS } from '../workers/registry.ts';
import type { PlatformMetrics } from './metrics.ts';

/** The figures of the platform's own parts (the worker protocol); modules, compute included, add theirs. */
export function registerPlatformMetrics(m: PlatformMetrics, parts: { db: Db; leaseMs: number }): void {
  const { db } = parts;
  m.gauge('shuzhi_workers', 'Enrolled workers: active (not revoked), revoked, and seen within a lease period and the minute last-seen may be stored late', ['state'], async () => {
    // last_seen_at is written up to LAST_SEEN_LAG_MS after a sync (registry.ts): a worker seen within
    // the lease may show an older value by that much, so the window is widened by it.
    const since = new Date(Date.now() - parts.leaseMs - LAST_SEEN_LAG_MS);
    const [r] = await db
      .select({
        active: sql<number>`count(*) filter (where ${workers.revokedAt} is null)::int`,
        revoked: sql<number>`count(*) filter (where ${workers.revokedAt} is not null)::int`,
        seen: sql<number>`count(*) filter (where ${workers.revokedAt} is null and ${workers.lastSeenAt} >= ${since})::int`,
      })
      .from(workers);
    return [
      { labels: { state: 'active' }, value: r?.active ?? 0 },
      { labels: { state: 'revoked' }, value: r?.revoked ?? 0 },
      { labels: { state: 'seen' }, value: r?.seen ?? 0 },
    ];
  });
}
