import { generateKeyPairSync } from 'node:crypto';
import { BlobFanout, exportGrantKey, signPeerGrant, type PeerGrant } from '@shuzhi/render';
import type { Clock, RenderBlobReport, RenderBlobSource } from '@shuzhi/schema';

export interface PeerBrokerOptions {
  /** Nodes the store serves each blob to before peers take over (the store's transfer slots). */
  seeds: number;
  /** Transfers one node serves at once. */
  perHolder: number;
  /** How long a grant may be presented (default 60 s: the transfer starts at once). */
  grantMs?: number;
}

/**
 * The farm's side of nodes serving each other: it answers a node's ask for a blob of its leased task
 * with a source (the engine's BlobFanout decides) and, for a peer, a grant signed with a key made at
 * start (grants live a minute, so a restart only sends nodes to the store until they report again).
 * The lease and tenant checks are the caller's (NodeFiles.leasedBlob): this sees only checked asks.
 */
export class PeerBroker {
  readonly fanout: BlobFanout;
  /** Bytes nodes reported receiving from peers (the store's own bytes are BlobStore.counters.servedBytes). */
  readonly counters = { peerBytes: 0 };
  readonly grantKey: string;
  private readonly key = generateKeyPairSync('ed25519').privateKey;
  private readonly grantMs: number;

  constructor(
    private readonly clock: Clock,
    opts: PeerBrokerOptions,
  ) {
    this.fanout = new BlobFanout({ seeds: opts.seeds, perHolder: opts.perHolder, assignmentMs: 10 * 60_000, retryMs: 250 });
    this.grantKey = exportGrantKey(this.key);
    this.grantMs = opts.grantMs ?? 60_000;
  }

  source(node: string, tenantId: string, sha256: string): RenderBlobSource {
    const now = this.clock.now();
    const s = this.fanout.source(tenantId, sha256, node, now);
    if (s.from !== 'peer') return { ...s, tenant: tenantId };
    const grant = this.sign({ sha256, tenant: tenantId, to: node, from: s.node, exp: now + this.grantMs });
    return { from: 'peer', tenant: tenantId, node: s.node, url: s.url, grant };
  }

  report(node: string, tenantId: string, sha256: string, r: RenderBlobReport): { grantKey: string } {
    const { from } = this.fanout.report(tenantId, sha256, node, { ok: r.ok, ...(r.serve ? { serveUrl: r.serve } : {}) }, this.clock.now());
    if (r.ok && from === 'peer') this.counters.peerBytes += r.bytes ?? 0;
    return { grantKey: this.grantKey };
  }

  /** Signs a grant with the farm's key (the tests forge ones a peer must refuse). */
  sign(g: Omit<PeerGrant, 'id'>): string {
    return signPeerGrant(this.key, g);
  }
}
