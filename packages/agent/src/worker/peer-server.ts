import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { checkPeerGrant, importGrantKey } from '@shuzhi/render';
import type { KeyObject } from 'node:crypto';

export interface PeerServeOptions {
  /** Address to listen on (default 0.0.0.0). */
  host?: string;
  /** Port (default 7391; 0 = any free port, for tests). */
  port?: number;
  /** The address other nodes reach this one at (default http://<host>:<port>, the machine's hostname when listening on every address). */
  advertise?: string;
}

/** The port a render node serves blobs to its peers on, unless told otherwise. */
export const PEER_PORT = 7391;

/**
 * A render node serving the verified blobs of its cache to other nodes of the farm: `GET
 * /blobs/{sha256}` with `authorization: Grant <grant>`. Only with a grant the server signed naming
 * this node, that blob, a tenant this node fetched the blob for, not expired and not used before;
 * anything else is refused before a byte is read. No tenant code runs here: it only streams files
 * the node itself fetched and hash-checked.
 */
export class PeerServer {
  private server: Server | null = null;
  private key: KeyObject | null = null;
  private keyText = '';
  /** Tenants each blob was fetched for (and so may be served to). */
  private readonly held = new Map<string, Set<string>>();
  /** Grants honoured, until they expire: each serves once. */
  private readonly used = new Map<string, number>();
  /** What this node served, and refused (tests and the bench read them). */
  readonly counters = { served: 0, servedBytes: 0, refused: 0 };
  url = '';

  constructor(
    private readonly opts: PeerServeOptions,
    readonly blobDir: string,
    private readonly self: string,
  ) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? PEER_PORT, this.opts.host ?? '0.0.0.0', () => resolve());
    });
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    const host = this.opts.host ?? '0.0.0.0';
    const reach = host === '0.0.0.0' || host === '::' ? hostname() : host.includes(':') ? `[${host}]` : host;
    this.url = (this.opts.advertise ?? `http://${reach}:${port}`).replace(/\/+$/, '');
    return this.url;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** The blob is in the cache, verified, fetched for this tenant's job. */
  hold(sha256: string, tenant: string): void {
    let t = this.held.get(sha256);
    if (!t) this.held.set(sha256, (t = new Set()));
    t.add(tenant);
  }

  /** The farm's grant key, as the server's last answer carried it. */
  setKey(b64: string): void {
    if (b64 === this.keyText) return;
    this.key = importGrantKey(b64);
    this.keyText = b64;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refuse = (status: number, why: string) => {
      this.counters.refused++;
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(why);
    };
    const m = /^\/blobs\/([0-9a-f]{64})$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !m) return refuse(404, 'GET /blobs/{sha256}');
    const sha256 = m[1]!;
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Grant ') ? auth.slice(6) : undefined;
    const now = Date.now();
    const check = checkPeerGrant(this.key, token, { self: this.self, sha256, tenants: this.held.get(sha256) }, now);
    if (!check.ok) return refuse(check.status, check.why);
    for (const [id, exp] of this.used) if (exp <= now) this.used.delete(id);
    if (this.used.has(check.grant.id)) return refuse(403, 'this grant was used already');
    this.used.set(check.grant.id, check.grant.exp);
    const file = join(this.blobDir, sha256);
    const size = await stat(file).then((s) => s.size).catch(() => null);
    if (size === null) return refuse(404, 'this node no longer holds the blob');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
    const body = createReadStream(file);
    body.on('error', () => res.destroy());
    body.on('end', () => {
      this.counters.served++;
      this.counters.servedBytes += size;
    });
    body.pipe(res);
  }
}
