import { BlockList, isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { Env } from './context.ts';

/**
 * Who is on the other end of a request. The socket peer is the truth; `X-Forwarded-*` headers are
 * anyone's to write, so they are believed only when the peer itself is one of the reverse proxies
 * named in SHUZHI_TRUSTED_PROXIES — and then only as far back as the chain stays trusted.
 */
export class ProxyTrust {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(entries: readonly string[] = []) {
    for (const e of entries) addEntry(this.list, e);
    this.empty = entries.length === 0;
  }

  static parse(csv: string): ProxyTrust {
    return new ProxyTrust(parseProxyList(csv));
  }

  trusts(address: string | null | undefined): boolean {
    if (this.empty || !address) return false;
    const a = normalise(address);
    const family = isIP(a);
    if (!family) return false;
    return this.list.check(a, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** `10.0.0.1, 10.1.0.0/16, ::1` → entries; throws with a message naming the bad entry. */
export function parseProxyList(csv: string): string[] {
  const entries = csv.split(',').map((s) => s.trim()).filter(Boolean);
  const probe = new BlockList();
  for (const e of entries) addEntry(probe, e);
  return entries;
}

function addEntry(list: BlockList, entry: string): void {
  const [addr, bits, extra] = entry.split('/');
  const a = normalise(addr ?? '');
  const family = isIP(a);
  if (!family || extra !== undefined) throw new Error(`"${entry}" is not an IP address or CIDR (e.g. 10.0.0.5 or 10.0.0.0/8)`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) {
    list.addAddress(a, type);
    return;
  }
  const prefix = Number(bits);
  if (!/^\d+$/.test(bits) || prefix > (family === 4 ? 32 : 128)) throw new Error(`"${entry}" has a bad prefix length`);
  list.addSubnet(a, prefix, type);
}

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack socket) → `127.0.0.1`; `[::1]` → `::1`. */
function normalise(address: string): string {
  let a = address.trim();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return mapped ? mapped[1]! : a;
}

type Ctx = Context<Env>;

/** The socket peer, or null outside a Node server (e.g. `app.request` in a unit test). */
export function peerAddress(c: Ctx): string | null {
  try {
    const a = getConnInfo(c).remote.address;
    return a ? normalise(a) : null;
  } catch {
    return null;
  }
}

/** Set for every request by the app (createApp); absent in a bare router, where nothing is trusted. */
function trustOf(c: Ctx): ProxyTrust | null {
  return (c.get('proxies') as ProxyTrust | undefined) ?? null;
}

/**
 * The client's address: the socket peer, unless the peer is a trusted proxy, in which case the
 * X-Forwarded-For chain is walked from the right past trusted proxies to the first address that is
 * not one (a client cannot smuggle an address in by prepending it).
 */
export function clientAddress(c: Ctx): string | null {
  const peer = peerAddress(c);
  const trust = trustOf(c);
  if (!peer || !trust?.trusts(peer)) return peer;
  const hops = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((s) => normalise(s))
    .filter((s) => isIP(s) !== 0);
  let addr = peer;
  while (trust.trusts(addr) && hops.length) addr = hops.pop()!;
  return addr;
}

/** The first value of a forwarded header set by a trusted proxy that is the socket peer, else null. */
function forwarded(c: Ctx, name: string): string | null {
  const trust = trustOf(c);
  if (!trust?.trusts(peerAddress(c))) return null;
  const v = c.req.header(name);
  return v ? v.split(',')[0]!.trim().toLowerCase() || null : null;
}

/** True when the browser spoke HTTPS: to us directly, or to a trusted proxy that says so. */
export function isHttps(c: Ctx): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  return forwarded(c, 'x-forwarded-proto') === 'https';
}

/** The origin the browser addressed (scheme://host[:port]), from Host or a trusted X-Forwarded-Host. */
export function requestOrigin(c: Ctx): string | null {
  const host = forwarded(c, 'x-forwarded-host') ?? c.req.header('host') ?? null;
  if (!host) return null;
  try {
    return new URL(`${isHttps(c) ? 'https' : 'http'}://${host}`).origin;
  } catch {
    return null;
  }
}
