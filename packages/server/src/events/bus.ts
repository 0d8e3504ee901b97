import type { ServerEvent } from '@shuzhi/schema';
import type { Tx } from '../db/client.ts';
import { events } from '../db/schema.ts';

export interface EventInput {
  kind: string;
  entity: string;
  entityId: string;
  tenantId?: string | null;
  actor?: string | null;
  data?: Record<string, unknown>;
}

export type PublishedEvent = ServerEvent & { tenantId: string | null };
type Listener = (e: PublishedEvent) => void;

/**
 * Carries events to the other server processes sharing the database (replicas/relay.ts): a stored event
 * is announced inside its own transaction (so only if it commits), a transient one at once.
 */
export interface BusRelay {
  inTransaction(tx: Tx, e: PublishedEvent): Promise<void>;
  transient(e: PublishedEvent): void;
}

/**
 * Events are written to the append-only table inside the caller's transaction and fanned out to
 * live listeners (SSE) only after that transaction commits, so nobody sees a change that rolled back.
 */
export class EventBus {
  private listeners = new Set<Listener>();
  /** Set when several replicas share one PostgreSQL; null on PGlite (one process). */
  relay: BusRelay | null = null;

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Ephemeral events (live figures) that are not state changes and are not stored. */
  publishTransient(kind: string, data: Record<string, unknown>, tenantId: string | null = null): void {
    const e = { id: 0, at: new Date().toISOString(), kind, entity: 'live', entityId: kind, data, tenantId };
    this.fanOut(e);
    this.relay?.transient(e);
  }

  /** An event another replica published: to this process's live listeners only. */
  deliver(e: PublishedEvent): void {
    this.fanOut(e);
  }

  async record(tx: Tx, pending: PublishedEvent[], e: EventInput): Promise<void> {
    const [row] = await tx
      .insert(events)
      .values({
        kind: e.kind,
        entity: e.entity,
        entityId: e.entityId,
        tenantId: e.tenantId ?? null,
        actor: e.actor ?? null,
        data: e.data ?? {},
      })
      .returning({ id: events.id, at: events.at });
    const published: PublishedEvent = {
      id: row!.id,
      at: row!.at.toISOString(),
      kind: e.kind,
      entity: e.entity,
      entityId: e.entityId,
      data: e.data ?? {},
      tenantId: e.tenantId ?? null,
    };
    pending.push(published);
    if (this.relay) await this.relay.inTransaction(tx, published);
  }

  publish(pending: PublishedEvent[]): void {
    for (const e of pending) this.fanOut(e);
  }

  private fanOut(e: PublishedEvent) {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A broken listener (closed stream) must not stop the others.
      }
    }
  }
}
