import { eq, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.ts';
import { events } from '../db/schema.ts';
import type { BusRelay, EventBus, PublishedEvent } from '../events/bus.ts';
import type { Logger } from '../log.ts';

/** The PostgreSQL NOTIFY channel every replica listens on. */
export const EVENTS_CHANNEL = 'shuzhi_events';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; keep clear of it. */
const MAX_PAYLOAD = 7800;

type Wire = { o: string; e: PublishedEvent } | { o: string; id: number };

/**
 * Live events between replicas: each stored event is announced with `pg_notify` inside the transaction
 * that writes it (PostgreSQL delivers it only on commit, in commit order), each transient one (live
 * figures) at once. Every replica LISTENs on a dedicated connection and hands the events it did not
 * originate to its own SSE clients. An event too large for a notification travels as its id and is
 * read back from the events table; a transient one that large is not relayed (logged once).
 *
 * Events published while a replica's listening connection is down (it reconnects with a growing pause)
 * do not reach that replica's live clients; the events table keeps them all.
 */
export class EventRelay implements BusRelay {
  private client: import('pg').Client | null = null;
  private stopped = false;
  private retryMs = 500;
  private chain: Promise<void> = Promise.resolve();
  private warnedLarge = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Events received from other replicas (tests and the bench read it). */
  received = 0;

  constructor(
    private readonly url: string,
    readonly origin: string,
    private readonly bus: EventBus,
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  async inTransaction(tx: Tx, e: PublishedEvent): Promise<void> {
    await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${this.encode(e, true)!})`);
  }

  transient(e: PublishedEvent): void {
    const payload = this.encode(e, false);
    if (payload === null) return;
    void this.db.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${payload})`).catch((err: unknown) => {
      this.log.debug({ err: (err as Error).message, kind: e.kind }, 'a live figure was not relayed to the other replicas');
    });
  }

  private encode(e: PublishedEvent, stored: boolean): string | null {
    const full = JSON.stringify({ o: this.origin, e } satisfies Wire);
    if (Buffer.byteLength(full) <= MAX_PAYLOAD) return full;
    if (stored) return JSON.stringify({ o: this.origin, id: e.id } satisfies Wire);
    if (!this.warnedLarge) {
      this.warnedLarge = true;
      this.log.warn({ kind: e.kind, bytes: Buffer.byteLength(full) }, 'a live figure is too large for a PostgreSQL notification; other replicas do not get it');
    }
    return null;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
    await this.chain;
  }

  private async connect(): Promise<void> {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (n) => {
      if (n.channel !== EVENTS_CHANNEL || !n.payload) return;
      const payload = n.payload;
      // One at a time, so events reach listeners in commit order even when one must be read back.
      this.chain = this.chain.then(() => this.handle(payload)).catch((err: unknown) => {
        this.log.warn({ err: (err as Error).message }, 'a relayed event could not be delivered');
      });
    });
    client.on('error', (err) => {
      this.log.warn({ err: err.message }, 'event relay: the listening connection failed; reconnecting');
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    await client.connect();
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    this.client = client;
    this.retryMs = 500;
  }

  private reconnect(old: import('pg').Client): void {
    if (this.stopped || this.client !== old) return;
    this.client = null;
    void old.end().catch(() => undefined);
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 10_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.stopped) return;
      this.connect().catch((err: unknown) => {
        this.log.warn({ err: (err as Error).message, retryMs: this.retryMs }, 'event relay: cannot listen yet');
        const dummy = { end: async () => undefined } as unknown as import('pg').Client;
        this.client = dummy;
        this.reconnect(dummy);
      });
    }, wait);
    this.reconnectTimer.unref();
  }

  private async handle(payload: string): Promise<void> {
    const w = JSON.parse(payload) as Wire;
    if (w.o === this.origin) return;
    let e: PublishedEvent | null = 'e' in w ? w.e : null;
    if (!e && 'id' in w) {
      const [row] = await this.db.select().from(events).where(eq(events.id, w.id));
      if (!row) return;
      e = { id: row.id, at: row.at.toISOString(), kind: row.kind, entity: row.entity, entityId: row.entityId, data: row.data, tenantId: row.tenantId };
    }
    if (!e) return;
    this.received++;
    this.bus.deliver(e);
  }
}
