import { fileURLToPath } from 'node:url';
import type { Database } from '../db/client.ts';
import type { EventBus } from '../events/bus.ts';
import type { Logger } from '../log.ts';
import { forwardToLeader, type LeaderRoute } from './forward.ts';
import { Leadership } from './leadership.ts';
import { EventRelay } from './relay.ts';

export const REPLICAS_MIGRATIONS = fileURLToPath(new URL('../../drizzle/replicas', import.meta.url));

export type ReplicaRole = 'follower' | 'promoting' | 'leader' | 'deposed';

/**
 * Several server processes on one PostgreSQL. Every replica serves the API, the web app, SSE and
 * worker syncs; work that must happen once runs on the elected leader only (`onPromoted`); a follower
 * passes leader-only routes to the leader; events reach every replica's live clients through the relay.
 */
export class Replication {
  readonly leadership: Leadership;
  readonly relay: EventRelay;
  role: ReplicaRole = 'follower';
  /** This replica's internal URL (SHUZHI_REPLICA_URL, or derived once it listens). */
  selfUrl: string | null;

  constructor(
    database: Database,
    databaseUrl: string,
    bus: EventBus,
    private readonly log: Logger,
    opts: { ttlMs: number; url: string | undefined },
  ) {
    this.selfUrl = opts.url ?? null;
    this.leadership = new Leadership(database.db, {
      databaseUrl, ttlMs: opts.ttlMs, url: () => this.selfUrl, log });
    this.relay = new EventRelay(databaseUrl, this.leadership.id, bus, database.db, log);
    bus.relay = this.relay;
  }

  get id(): string {
    return this.leadership.id;
  }

  /** Starts listening for events and competing for the lease; `promote` runs when this replica wins. */
  async start(hooks: { promote: (epoch: number) => Promise<void>; demote: (why: string) => void }): Promise<void> {
    await this.relay.start();
    this.leadership.onPromoted = async (epoch) => {
      this.role = 'promoting';
      try {
        await hooks.promote(epoch);
        if (this.leadership.isLeader()) this.role = 'leader';
      } catch (err) {
        this.log.error({ err }, 'starting the leader\'s work failed; this replica gives the lease up');
        this.role = 'deposed';
        await this.leadership.stop();
        hooks.demote(`starting the leader's work failed: ${(err as Error).message}`);
      }
    };
    this.leadership.onDemoted = (why) => {
      this.role = 'deposed';
      hooks.demote(why);
    };
    await this.leadership.start();
  }

  async stop(): Promise<void> {
    await this.leadership.stop();
    await this.relay.stop();
  }

  /** Where a leader-only request goes now. */
  route(): LeaderRoute {
    if (this.role === 'leader' && this.leadership.isLeader()) return { local: true };
    if (this.role === 'promoting') return { local: false, url: null, why: 'this replica is taking over as leader' };
    if (this.role === 'deposed') return { local: false, url: null, why: 'this replica lost the leadership' };
    const cur = this.leadership.current;
    if (!cur) return { local: false, url: null, why: 'no replica holds the leader lease' };
    if (cur.holder === this.id) return { local: false, url: null, why: 'the lease is being renewed' };
    return { local: false, url: cur.url, why: cur.url ? `leader ${cur.holder}` : `leader ${cur.holder} has not published its URL yet` };
  }

  middleware() {
    return forwardToLeader({ route: () => this.route(), replicaId: this.id, retryAfterS: Math.max(1, Math.ceil(this.leadership.ttlMs / 5000)) });
  }
}
