import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../log.ts';

/** The one singleton role replicas compete for. */
export const LEADER = 'leader';

/** A write made by a replica that no longer holds the lease it was elected with (fencing). */
export class LeadershipLostError extends AppError {
  constructor(holder: string, epoch: number) {
    super(
      'LEADERSHIP_LOST',
      503,
      `This server (${holder}) is no longer the leader (its lease of epoch ${epoch} ended or was taken over); the write was refused. Retry: another replica now leads.`,
      { headers: { 'retry-after': '2' } },
    );
  }
}

export interface LeaderInfo {
  holder: string;
  /** Where the leader answers other replicas (SHUZHI_REPLICA_URL); null until it listens. */
  url: string | null;
  epoch: number;
}

export interface LeadershipOptions {
  /** Lease length. The holder renews every third of it and gives up after 80 % without a renewal. */
  ttlMs: number;
  /** This replica's internal URL, once known (it listens after the election starts). */
  url: () => string | null;
  log: Logger;
}

const rowsOf = <T>(r: unknown): T[] => ((r as { rows?: T[] }).rows ?? (r as T[]));

/**
 * Leader election through PostgreSQL: a lease row (`leadership`), taken with one conditional upsert when
 * it is free or expired (database time, so replicas' clocks do not matter) and renewed by its holder.
 * Each change of holder increments `epoch`, the fencing token: the leader's state-changing transactions
 * check `fence()` — holder and epoch unchanged and the lease unexpired, under a share lock so a takeover
 * waits for them — and a deposed leader's writes fail with LEADERSHIP_LOST.
 *
 * A leader that cannot renew within 80 % of the TTL (measured on its own monotonic clock from before the
 * last successful renewal) demotes itself before anyone else may take the lease.
 */
export class Leadership {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private epoch: number | null = null;
  private validUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private promotion: Promise<void> | null = null;
  /** The leader as last read (this replica included). */
  current: LeaderInfo | null = null;
  /** Called once when this replica wins the lease; the lease is renewed meanwhile. */
  onPromoted: (epoch: number) => Promise<void> = async () => undefined;
  /** Called once when this replica loses the lease it held; it never competes again. */
  onDemoted: (why: string) => void = () => undefined;

  constructor(
    private readonly db: Db,
    private readonly opts: LeadershipOptions,
  ) {}

  get ttlMs(): number {
    return this.opts.ttlMs;
  }

  /** Holds the lease now (and is not past its own safety margin). */
  isLeader(): boolean {
    return this.epoch !== null && performance.now() < this.validUntil;
  }

  get fencingEpoch(): number | null {
    return this.epoch;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.round();
    const every = Math.max(200, Math.floor(this.opts.ttlMs / 3));
    this.timer = setInterval(() => void this.round(), every);
    this.timer.unref();
    this.watchdog = setInterval(() => {
      if (this.epoch !== null && performance.now() >= this.validUntil) this.demote('the lease could not be renewed in time (database unreachable or slow)');
    }, Math.max(100, Math.floor(this.opts.ttlMs / 20)));
    this.watchdog.unref();
    // Won at once (the first replica up): its leader work has started when start() returns.
    await this.promotion;
  }

  /** An extra round now (after this replica learned its URL: the lease row carries it to the others). */
  refresh(): Promise<void> {
    return this.round();
  }

  /** Stops competing; a leader releases its lease so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.watchdog) clearInterval(this.watchdog);
    this.timer = this.watchdog = null;
    await this.running;
    if (this.epoch !== null) {
      const epoch = this.epoch;
      this.epoch = null;
      await this.db
        .execute(sql`update leadership set expires_at = now() - interval '1 second' where name = ${LEADER} and holder = ${this.id} and epoch = ${epoch}`)
        .catch((err: unknown) => this.opts.log.warn({ err: (err as Error).message }, 'could not release the leader lease; another replica takes over when it expires'));
    }
  }

  /** Inside a state-changing transaction of leader-only work: refuses it unless this replica still leads. */
  async fence(tx: Tx): Promise<void> {
    const epoch = this.epoch;
    if (epoch === null) throw new LeadershipLostError(this.id, 0);
    const rows = rowsOf<{ ok: number }>(
      await tx.execute(
        sql`select 1 as ok from leadership where name = ${LEADER} and holder = ${this.id} and epoch = ${epoch} and expires_at > now() for share`,
      ),
    );
    if (rows.length === 0) {
      this.demote(`a fenced write found the lease of epoch ${epoch} gone`);
      throw new LeadershipLostError(this.id, epoch);
    }
  }

  private round(): Promise<void> {
    if (this.running || this.stopped) return this.running ?? Promise.resolve();
    this.running = this.tryAcquire()
      .catch((err: unknown) => this.opts.log.warn({ err: (err as Error).message }, 'leader election: the database did not answer; retrying'))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async tryAcquire(): Promise<void> {
    const t0 = performance.now();
    const ttl = `${this.opts.ttlMs} milliseconds`;
    const url = this.opts.url();
    const won = rowsOf<{ epoch: string | number }>(
      await this.db.execute(sql`
        insert into leadership (name, holder, url, epoch, expires_at, acquired_at)
        values (${LEADER}, ${this.id}, ${url}, 1, now() + ${ttl}::interval, now())
        on conflict (name) do update set
          holder = excluded.holder,
          url = excluded.url,
          epoch = case when leadership.holder = excluded.holder then leadership.epoch else leadership.epoch + 1 end,
          acquired_at = case when leadership.holder = excluded.holder then leadership.acquired_at else now() end,
          expires_at = excluded.expires_at
        where leadership.holder = excluded.holder or leadership.expires_at < now()
        returning epoch`),
    );
    if (this.stopped) return;
    if (won.length) {
      const epoch = Number(won[0]!.epoch);
      if (this.epoch !== null && this.epoch !== epoch) {
        // Cannot happen while holder ids are unique per process; treat it as a loss rather than guess.
        this.demote(`the lease epoch moved from ${this.epoch} to ${epoch}`);
        return;
      }
      this.validUntil = t0 + this.opts.ttlMs * 0.8;
      this.current = { holder: this.id, url, epoch };
      if (this.epoch === null) {
        this.epoch = epoch;
        this.opts.log.info({ replica: this.id, epoch }, 'this replica is now the leader');
        // Not awaited: renewals must go on while the leader's work starts (recovery can take a while).
        this.promotion = this.onPromoted(epoch);
      }
      return;
    }
    if (this.epoch !== null) {
      this.demote('another replica holds the lease');
      return;
    }
    const [row] = rowsOf<{ holder: string; url: string | null; epoch: string | number; live: boolean }>(
      await this.db.execute(sql`select holder, url, epoch, expires_at > now() as live from leadership where name = ${LEADER}`),
    );
    const next = row && row.live ? { holder: row.holder, url: row.url, epoch: Number(row.epoch) } : null;
    if (next?.holder !== this.current?.holder || next?.url !== this.current?.url) {
      this.opts.log.info({ leader: next?.holder ?? null, url: next?.url ?? null }, next ? 'following the leader' : 'no leader at the moment');
    }
    this.current = next;
  }

  private demote(why: string): void {
    if (this.epoch === null) return;
    const epoch = this.epoch;
    this.epoch = null;
    this.current = null;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.watchdog) clearInterval(this.watchdog);
    this.timer = this.watchdog = null;
    this.opts.log.error({ replica: this.id, epoch, why }, 'this replica lost the leadership; its leader-only work stops now');
    this.onDemoted(why);
  }
}
