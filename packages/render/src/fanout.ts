/**
 * Where a render node fetches a scene blob from when many nodes start one job: the asset store, or
 * a node of the same farm that already holds that blob for the same tenant. The store seeds at most
 * `seeds` nodes per blob (its live transfers plus the holders it made); every holder serves at most
 * `perHolder` nodes at once, and a node that finished serves the next wave, so the nodes holding a
 * blob grow geometrically while the store reads it about `seeds` times whatever the number of
 * nodes. A node whose peer failed (refused, cut off, bytes of the wrong hash) is sent to the store
 * next: a fall-back always makes progress. Pure: time comes in as an argument, nothing is read or sent.
 */
export interface FanoutOptions {
  /** Nodes the store serves a blob to (live transfers plus holders it made) before peers take over. */
  seeds: number;
  /** Transfers one holder serves at once. */
  perHolder: number;
  /** How long an assignment nobody reported on counts as live (a node that died mid-transfer). */
  assignmentMs: number;
  /** How long a node told to wait waits before it asks again. */
  retryMs: number;
}

export type FanoutSource = { from: 'store' } | { from: 'peer'; node: string; url: string } | { from: 'wait'; retryMs: number };

/** What the asking node says once a transfer ended. */
export interface FanoutReport {
  ok: boolean;
  /** Where this node serves the blob from now on (absent: it does not serve peers). */
  serveUrl?: string;
}

interface Holder {
  url: string;
  serving: number;
}

interface Assignment {
  from: 'store' | string;
  expiresAt: number;
}

interface BlobState {
  holders: Map<string, Holder>;
  /** Holders with room, by how many they serve now (0 … perHolder-1): the least loaded is found without a scan of 20,000. */
  room: Set<string>[];
  /** Live transfers by asking node: from the store, or from the holder named. */
  live: Map<string, Assignment>;
  storeLive: number;
  /** Nodes whose last peer failed: their next answer is the store. */
  fallBack: Set<string>;
  /** Expired assignments are swept at most once a second per blob, not on every ask of 20,000 nodes. */
  nextSweep: number;
}

export interface FanoutCounters {
  store: number;
  peer: number;
  waits: number;
  /** Peer transfers that failed, each followed by a fetch from the store. */
  peerFailures: number;
}

const keyOf = (tenantId: string, sha256: string) => `${tenantId}\u0000${sha256}`;

export class BlobFanout {
  private readonly blobs = new Map<string, BlobState>();
  readonly counters: FanoutCounters = { store: 0, peer: 0, waits: 0, peerFailures: 0 };

  constructor(readonly opts: FanoutOptions) {
    if (!(opts.seeds >= 1) || !(opts.perHolder >= 1)) throw new RangeError('seeds and perHolder must be at least 1');
  }

  private state(tenantId: string, sha256: string): BlobState {
    const key = keyOf(tenantId, sha256);
    let s = this.blobs.get(key);
    if (!s) {
      s = { holders: new Map(), room: Array.from({ length: this.opts.perHolder }, () => new Set<string>()), live: new Map(), storeLive: 0, fallBack: new Set(), nextSweep: 0 };
      this.blobs.set(key, s);
    }
    return s;
  }

  /** Where `node` fetches the blob now. A node asking again while its earlier transfer is live gives that one up. */
  source(tenantId: string, sha256: string, node: string, now: number): FanoutSource {
    const s = this.state(tenantId, sha256);
    this.expire(s, now);
    this.end(s, node);
    const expiresAt = now + this.opts.assignmentMs;
    if (s.fallBack.delete(node)) return this.fromStore(s, node, expiresAt);
    const peer = this.leastLoaded(s, node);
    if (peer) {
      const h = s.holders.get(peer)!;
      this.setServing(s, peer, h, h.serving + 1);
      s.live.set(node, { from: peer, expiresAt });
      this.counters.peer++;
      return { from: 'peer', node: peer, url: h.url };
    }
    if (s.storeLive + s.holders.size < this.opts.seeds) return this.fromStore(s, node, expiresAt);
    this.counters.waits++;
    return { from: 'wait', retryMs: this.opts.retryMs };
  }

  /**
   * A transfer ended. Success makes the node a holder (when it serves peers); a failed peer transfer
   * drops that peer as a holder of the blob and sends the node to the store next. Answers where the
   * transfer was from (null: nothing was live for the node, e.g. it expired).
   */
  report(tenantId: string, sha256: string, node: string, r: FanoutReport, now: number): { from: 'store' | 'peer' | null } {
    const s = this.state(tenantId, sha256);
    this.expire(s, now);
    const a = s.live.get(node);
    this.end(s, node);
    if (r.ok) {
      const h = s.holders.get(node);
      if (h && r.serveUrl) h.url = r.serveUrl;
      else if (r.serveUrl) {
        s.holders.set(node, { url: r.serveUrl, serving: 0 });
        s.room[0]!.add(node);
      }
    } else if (a && a.from !== 'store') {
      this.counters.peerFailures++;
      const h = s.holders.get(a.from);
      if (h) {
        s.room[h.serving]?.delete(a.from);
        s.holders.delete(a.from);
      }
      s.fallBack.add(node);
    }
    return { from: a ? (a.from === 'store' ? 'store' : 'peer') : null };
  }

  /** Nodes holding a blob for a tenant (tests and the bench read it). */
  holders(tenantId: string, sha256: string): string[] {
    return [...(this.blobs.get(keyOf(tenantId, sha256))?.holders.keys() ?? [])];
  }

  private fromStore(s: BlobState, node: string, expiresAt: number): FanoutSource {
    s.storeLive++;
    s.live.set(node, { from: 'store', expiresAt });
    this.counters.store++;
    return { from: 'store' };
  }

  private end(s: BlobState, node: string): void {
    const a = s.live.get(node);
    if (!a) return;
    s.live.delete(node);
    if (a.from === 'store') s.storeLive--;
    else {
      const h = s.holders.get(a.from);
      if (h) this.setServing(s, a.from, h, h.serving - 1);
    }
  }

  private setServing(s: BlobState, node: string, h: Holder, serving: number): void {
    s.room[h.serving]?.delete(node);
    h.serving = serving;
    if (serving < this.opts.perHolder) s.room[serving]!.add(node);
  }

  /** A holder other than `asker` with room, serving the fewest now. */
  private leastLoaded(s: BlobState, asker: string): string | null {
    for (const level of s.room) {
      for (const n of level) if (n !== asker) return n;
    }
    return null;
  }

  private expire(s: BlobState, now: number): void {
    if (now < s.nextSweep) return;
    s.nextSweep = now + Math.min(1000, this.opts.assignmentMs);
    for (const [node, a] of s.live) if (a.expiresAt <= now) this.end(s, node);
  }
}
