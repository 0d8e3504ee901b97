import { sql } from 'drizzle-orm';
import type { ComputeModule } from '../compute/module.ts';
import type { Db } from '../db/client.ts';
import { tasks } from '../db/schema.ts';
import { workers } from '../workers/db-schema.ts';
import type { PlatformMetrics } from './metrics.ts';

/** The figures of the platform's own parts (compute and the worker protocol); modules add theirs. */
export function registerPlatformMetrics(m: PlatformMetrics, parts: { db: Db; compute: ComputeModule; leaseMs: number }): void {
  const { db, compute } = parts;
  m.gauge('shuzhi_compute_tasks', 'Compute tasks by status (queued is the queue depth)', ['status'], async () => {
    const rows = await db.select({ status: tasks.status, n: sql<number>`count(*)::int` }).from(tasks).groupBy(tasks.status);
    return rows.map((r) => ({ labels: { status: r.status }, value: r.n }));
  });
  m.gauge('shuzhi_compute_agent_leases', 'Compute tasks leased to agent workers now', [], () => [{ value: compute.dispatcher.agents.leasesHeld() }]);
  m.gauge('shuzhi_compute_agents_online', 'Agent workers that synced within a lease period', [], () => [{ value: compute.dispatcher.agents.agentsOnline() }]);
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
