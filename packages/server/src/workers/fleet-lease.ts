// The lease a farm hands out for its size: short for a small farm (a dead node is noticed fast), longer
// for a big one, so the whole fleet's heartbeats stay within what the server is asked to absorb.

/**
 * The longest lease the farm hands out on its own (120 s: a node heartbeats every 40 s at most). Past
 * it a dead node's task would wait too long to be requeued; a farm so big that even this lease asks for
 * more than its budget (over 40,000 nodes at 1,000 heartbeats/s) needs a faster server or a larger budget.
 */
export const MAX_FLEET_LEASE_MS = 120_000;

export interface FleetLeasePolicy {
  /** SHUZHI_LEASE_MS: the lease of a small farm, and never less. */
  readonly floorMs: number;
  /** SHUZHI_HEARTBEAT_BUDGET: heartbeats a second the whole fleet may ask of the server; 0 = the floor always. */
  readonly heartbeatsPerSec: number;
}

/**
 * The lease for a task handed out while `liveNodes` nodes are live. Each node heartbeats every third of
 * its lease, so N nodes send 3N / lease heartbeats a second; the lease is the shortest that keeps that
 * within the budget (lease ≥ 3N / budget), rounded up to a whole second, between the floor and
 * MAX_FLEET_LEASE_MS (a floor above that maximum wins).
 */
export function fleetLeaseMs(liveNodes: number, p: FleetLeasePolicy): number {
  if (p.heartbeatsPerSec <= 0 || liveNodes <= 0) return p.floorMs;
  const neededMs = Math.ceil((3 * liveNodes) / p.heartbeatsPerSec) * 1000;
  return Math.max(p.floorMs, Math.min(neededMs, MAX_FLEET_LEASE_MS));
}

/** The longest lease `fleetLeaseMs` may hand out under this policy: what every silence judgement must allow. */
export function longestFleetLeaseMs(p: FleetLeasePolicy): number {
  return p.heartbeatsPerSec <= 0 ? p.floorMs : Math.max(p.floorMs, MAX_FLEET_LEASE_MS);
}

/** The policy the settings name (SHUZHI_LEASE_MS, SHUZHI_HEARTBEAT_BUDGET). */
export function fleetLeasePolicyOf(config: { SHUZHI_LEASE_MS: number; SHUZHI_HEARTBEAT_BUDGET: number }): FleetLeasePolicy {
  return { floorMs: config.SHUZHI_LEASE_MS, heartbeatsPerSec: config.SHUZHI_HEARTBEAT_BUDGET };
}

/** The longest lease any worker may have been given under these settings: keep-alive and "seen" windows allow it. */
export function longestLeaseOf(config: { SHUZHI_LEASE_MS: number; SHUZHI_HEARTBEAT_BUDGET: number }): number {
  return longestFleetLeaseMs(fleetLeasePolicyOf(config));
}
