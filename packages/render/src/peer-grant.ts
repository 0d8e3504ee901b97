import { createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { SHA256_RE } from './assets.ts';

/**
 * A peer grant: the farm's leave for one node to fetch one blob from one other node, for one
 * tenant's job, once, before it expires. The server signs it (Ed25519) when it answers a node's ask
 * for a blob of a task that node holds the lease of; the serving node checks it with the farm's
 * public key. Knowing a hash gives nothing: without a grant naming it, a peer serves no bytes.
 */
export interface PeerGrant {
  /** The blob. */
  sha256: string;
  /** The tenant whose job needs it: the serving node must hold the blob for that tenant. */
  tenant: string;
  /** The node that may fetch. */
  to: string;
  /** The node that serves. */
  from: string;
  /** Expiry, ms since the epoch. */
  exp: number;
  /** Random: a serving node honours each grant once. */
  id: string;
}

export function signPeerGrant(key: KeyObject, g: Omit<PeerGrant, 'id'>): string {
  const payload = Buffer.from(JSON.stringify({ ...g, id: randomBytes(12).toString('base64url') }));
  return `${payload.toString('base64url')}.${sign(null, payload, key).toString('base64url')}`;
}

/** The farm's public key as it travels to nodes (SPKI DER, base64). */
export function exportGrantKey(key: KeyObject): string {
  return createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64');
}

export function importGrantKey(b64: string): KeyObject {
  return createPublicKey({ key: Buffer.from(b64, 'base64'), type: 'spki', format: 'der' });
}

export type GrantCheck = { ok: true; grant: PeerGrant } | { ok: false; status: 401 | 403; why: string };

/**
 * Checks a grant presented to node `self` for blob `sha256` at `now`: signed by the farm, naming this
 * node, this blob, a tenant this node holds the blob for, not expired. Single use is the caller's
 * (it keeps the ids it honoured).
 */
export function checkPeerGrant(key: KeyObject | null, token: string | undefined, want: { self: string; sha256: string; tenants: ReadonlySet<string> | undefined }, now: number): GrantCheck {
  if (!token) return { ok: false, status: 401, why: 'no grant: ask the server for this blob, it names a source and signs a grant' };
  if (!key) return { ok: false, status: 401, why: 'this node has no farm key yet' };
  const [p, s, extra] = token.split('.');
  if (!p || !s || extra !== undefined) return { ok: false, status: 401, why: 'malformed grant' };
  const payload = Buffer.from(p, 'base64url');
  if (!verify(null, payload, key, Buffer.from(s, 'base64url'))) return { ok: false, status: 401, why: 'the grant is not signed by this farm' };
  let g: PeerGrant;
  try {
    g = JSON.parse(payload.toString('utf8')) as PeerGrant;
  } catch {
    return { ok: false, status: 401, why: 'malformed grant' };
  }
  if (typeof g.exp !== 'number' || !(g.exp > now)) return { ok: false, status: 403, why: 'the grant has expired' };
  if (g.from !== want.self) return { ok: false, status: 403, why: 'the grant names another serving node' };
  if (g.sha256 !== want.sha256 || !SHA256_RE.test(g.sha256)) return { ok: false, status: 403, why: 'the grant names another blob' };
  if (!want.tenants?.has(g.tenant)) return { ok: false, status: 403, why: "this node does not hold the blob for the grant's tenant" };
  if (typeof g.to !== 'string' || typeof g.id !== 'string') return { ok: false, status: 401, why: 'malformed grant' };
  return { ok: true, grant: g };
}
