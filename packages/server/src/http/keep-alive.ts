// How long the server keeps a quiet keep-alive connection open (http.Server keepAliveTimeout).
import { heartbeatMsOf } from '../workers/source.ts';

/**
 * What the client's side leaves of the timeout: undici (Node's fetch, the agent's client) gives an idle
 * socket up this long before the timeout the server announces in its `Keep-Alive: timeout=N` header
 * (its keepAliveTimeoutThreshold), so the client, not the server, closes it, and never sends a request
 * on a socket the server is closing (the reset a node would see as ECONNRESET).
 */
export const CLIENT_GIVES_UP_EARLY_MS = 2_000;

/**
 * Room over a worker's longest quiet gap: a late timer on a busy node, the announced timeout rounded
 * down to whole seconds, and the client's early give-up above.
 */
const SLACK_MS = 10_000;

/**
 * The keep-alive timeout for the longest lease a worker may be given (a big render farm hands out longer
 * ones than SHUZHI_LEASE_MS: workers/fleet-lease.ts): longer than the longest quiet gap between a worker's calls (its
 * heartbeat interval, a third of the lease, which is also the longest "call again in" the server names;
 * a parked long poll is a request under way, not a quiet gap) plus SLACK_MS, and at least 30 s. A
 * shorter one (Node's default is 5 s) closes every node's connection between its calls: 20,000 nodes
 * reconnect every interval, and after any pause all at once, into an accept queue the kernel caps at
 * net.core.somaxconn (4,096 here), whose overflow the nodes see as connect timeouts.
 *
 * Safe in production: an idle connection costs one file descriptor and a few kB until it times out;
 * the connections it keeps are those of nodes that call again within the interval anyway, and a
 * browser or a client gone quiet is closed after it as before (a client that vanished without a FIN
 * is not held longer than this either).
 */
export function keepAliveTimeoutMs(leaseMs: number): number {
  return Math.max(30_000, heartbeatMsOf(leaseMs) + SLACK_MS);
}
