import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { workers } from '../workers/db-schema.ts';
import type { PlatformMetrics } from './metrics.ts';

/** The figures of the platform's own parts (the worker protocol); modules, compute included, add theirs. */
export function registerPlatformMetrics(m: PlatformMetrics, parts: { db: Db; leaseMs: number }): void {
  const { db } = parts;
  m.gauge('shuzhi_workers', 'Enrolled workers: active (not revoked), revoked, and seen within a lease period', ['state'], async () => {
    const since = new Date(Date.now() - parts.leaseMs);
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
