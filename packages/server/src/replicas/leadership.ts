import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
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
  /** The PostgreSQL the replicas share (the lease thread opens its own connection). */
  databaseUrl: string;
  /** This replica's internal URL, once known (it listens after the election starts). */
  url: () => string | null;
  /** The lease is not renewed while the main event loop has not run for this long (default 3 × ttlMs). */
  maxStallMs?: number;
  log: Logger;
}

const rowsOf = <T>(r: unknown): T[] => ((r as { rows?: T[] }).rows ?? (r as T[]));
const LEASE_THREAD = new URL('./lease-thread.mjs', import.meta.url);
const now = () => process.hrtime.bigint();

type FromThread =
  | { type: 'won'; epoch: number; url: string | null }
  | { type: 'round'; current: LeaderInfo | null | undefined }
  | { type: 'lost'; why: string }
  | { type: 'error'; message: string }
  | { type: 'stopped' };

/**
 * Leader election through PostgreSQL: a lease row (`leadership`), taken with one conditional upsert when
 * it is free or expired (database time, so replicas' clocks do not matter) and renewed by its holder.
 * Each change of holder increments `epoch`, the fencing token: the leader's state-changing transactions
 * check `fence()` — holder and epoch unchanged and the lease unexpired, under FOR KEY SHARE: a takeover
 * (SELECT … FOR UPDATE first) waits for them, the holder's renewals (no key change) do not — and a deposed
 * leader's writes fail with LEADERSHIP_LOST.
 *
 * The lease is renewed from a worker thread with its own connection (lease-thread.mjs), so a main event
 * loop busy with thousands of syncs does not lose it; the thread stops renewing when the main loop has
 * not run for `maxStallMs` (a wedged server gives the lease up). The lease counts as held for 80 % of
 * the TTL after the start of the last successful renewal (monotonic clock); past that, or when the thread
 * reports a loss, this replica demotes itself — before anyone else may take the lease.
 */
export class Leadership {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private epoch: number | null = null;
  private readonly slots = new BigInt64Array(new SharedArrayBuffer(3 * 8));
  private thread: Worker | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private roundWaiters: (() => void)[] = [];
  private stoppedWaiter: (() => void) | null = null;
  private promotion: Promise<void> | null = null;
  private lastUrl: string | null = null;
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
    return this.epoch !== null && now() < Atomics.load(this.slots, 0);
  }

  get fencingEpoch(): number | null {
    return this.epoch;
  }

  async start(): Promise<void> {
    Atomics.store(this.slots, 1, now());
    this.heartbeat = setInterval(() => {
      Atomics.store(this.slots, 1, now());
      const url = this.opts.url();
      if (url !== this.lastUrl) {
        this.lastUrl = url;
        this.thread?.postMessage({ type: 'url', url });
      }
    }, 250);
    this.heartbeat.unref();
    this.lastUrl = this.opts.url();
    const first = this.nextRound();
    this.thread = new Worker(LEASE_THREAD, {
      workerData: {
        databaseUrl: this.opts.databaseUrl,
        ttlMs: this.opts.ttlMs,
        holder: this.id,
        name: LEADER,
        url: this.lastUrl,
        maxStallMs: this.opts.maxStallMs ?? this.opts.ttlMs * 3,
        shared: this.slots.buffer,
      },
    });
    this.thread.unref();
    this.thread.on('message', (m: FromThread) => this.onThread(m));
    this.thread.on('error', (err) => {
      this.opts.log.error({ err: err.message }, 'the leader lease thread failed');
      this.demote(`the lease thread failed: ${err.message}`);
    });
    this.watchdog = setInterval(() => {
      if (this.epoch !== null && !this.isLeader()) this.demote('the lease could not be renewed in time (database unreachable or slow)');
    }, Math.max(100, Math.floor(this.opts.ttlMs / 20)));
    this.watchdog.unref();
    await first;
    // Won at once (the first replica up): its leader work has started when start() returns.
    await this.promotion;
  }

  /** An extra round now (after this replica learned its URL: the lease row carries it to the others). */
  refresh(): Promise<void> {
    if (!this.thread) return Promise.resolve();
    const url = this.opts.url();
    if (url !== this.lastUrl) {
      this.lastUrl = url;
      this.thread.postMessage({ type: 'url', url });
    }
    const next = this.nextRound();
    this.thread.postMessage({ type: 'refresh' });
    return next;
  }

  /** Stops renewing without releasing, as a stalled leader would (tests). */
  suspend(): void {
    this.thread?.postMessage({ type: 'suspend' });
  }

  /** Stops competing; a leader releases its lease so another replica takes over at once. */
  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.watchdog) clearInterval(this.watchdog);
    this.heartbeat = this.watchdog = null;
    const t = this.thread;
    this.thread = null;
    this.epoch = null;
    if (!t) return;
    const stopped = new Promise<void>((resolve) => {
      this.stoppedWaiter = resolve;
      t.once('exit', () => resolve());
      setTimeout(resolve, 5000).unref();
    });
    t.postMessage({ type: 'stop', release: true });
    await stopped;
    await t.terminate();
    for (const w of this.roundWaiters.splice(0)) w();
  }

  /** Inside a state-changing transaction of leader-only work: refuses it unless this replica still leads. */
  async fence(tx: Tx): Promise<void> {
    const epoch = this.epoch;
    if (epoch === null) throw new LeadershipLostError(this.id, 0);
    const rows = rowsOf<{ ok: number }>(
      await tx.execute(
        sql`select 1 as ok from leadership where name = ${LEADER} and holder = ${this.id} and epoch = ${epoch} and expires_at > now() for key share`,
      ),
    );
    if (rows.length === 0) {
      this.demote(`a fenced write found the lease of epoch ${epoch} gone`);
      throw new LeadershipLostError(this.id, epoch);
    }
  }

  private nextRound(): Promise<void> {
    return new Promise((resolve) => this.roundWaiters.push(resolve));
  }

  private onThread(m: FromThread): void {
    switch (m.type) {
      case 'won':
        this.epoch = m.epoch;
        this.current = { holder: this.id, url: m.url, epoch: m.epoch };
        this.opts.log.info({ replica: this.id, epoch: m.epoch }, 'this replica is now the leader');
        // Not awaited: renewals go on (in the thread) while the leader's work starts.
        this.promotion = this.onPromoted(m.epoch);
        break;
      case 'round': {
        if (m.current !== undefined) {
          const next = m.current;
          if (this.epoch === null && (next?.holder !== this.current?.holder || next?.url !== this.current?.url)) {
            this.opts.log.info({ leader: next?.holder ?? null, url: next?.url ?? null }, next ? 'following the leader' : 'no leader at the moment');
          }
          this.current = next;
        }
        for (const w of this.roundWaiters.splice(0)) w();
        break;
      }
      case 'lost':
        this.demote(m.why);
        break;
      case 'error':
        this.opts.log.warn({ err: m.message }, 'leader election: the database did not answer; retrying');
        break;
      case 'stopped':
        this.stoppedWaiter?.();
        break;
    }
  }

  private demote(why: string): void {
    if (this.epoch === null) return;
    const epoch = this.epoch;
    this.epoch = null;
    this.current = null;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    // The thread stops renewing; the lease runs out (or is already gone).
    this.thread?.postMessage({ type: 'suspend' });
    this.opts.log.error({ replica: this.id, epoch, why }, 'this replica lost the leadership; its leader-only work stops now');
    this.onDemoted(why);
  }
}
