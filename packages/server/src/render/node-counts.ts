import type { NodeState } from './state.ts';

export type NodeStatus = 'idle' | 'busy' | 'offline';

/**
 * The farm's nodes by status (idle, busy, offline), kept as counters so the operator's overview reads
 * three numbers instead of walking 20,000 nodes under load. Every change of a node's inputs (seen,
 * in or out of a sync, a task taken or given back, left) calls `update`; going silent is the only
 * change time makes, and `sweep` (the farm's timer) finds it: nodes wait in last-seen order and a
 * sweep stops at the first one seen within the shortest lease (SHUZHI_LEASE_MS). Each node is judged
 * on its own lease (NodeState.leaseMs: the one it heartbeats on), which a big farm makes longer than
 * the shortest; a sweep also walks past the nodes between the two, which only a farm whose nodes
 * heartbeat less often than the shortest lease has (over 30,000 nodes at the defaults).
 */
export class NodeCounts {
  private readonly counts: Record<NodeStatus, number> = { idle: 0, busy: 0, offline: 0 };
  private readonly status = new Map<NodeState, NodeStatus>();
  /** Nodes seen within their lease (or not yet swept), oldest sighting first. */
  private readonly recent = new Map<string, NodeState>();
  /** Nodes the sweep found silent for longer than their lease; a sighting clears it. */
  private readonly silent = new Set<NodeState>();

  /** The shortest lease a node may have (no node is silent for longer than its lease before this). */
  constructor(private readonly shortestLeaseMs: () => number) {}

  /** A node's status: the rule the views and these counters share. */
  statusOf(n: NodeState, now: number): NodeStatus {
    if (n.left || (n.inSync === 0 && now - n.lastSeen > n.leaseMs)) return 'offline';
    return n.tasks.size ? 'busy' : 'idle';
  }

  /** The node was seen now (a sync began or ended). */
  seen(n: NodeState): void {
    this.silent.delete(n);
    this.recent.delete(n.id);
    this.recent.set(n.id, n);
    this.update(n);
  }

  /** Re-counts one node after its inputs changed. */
  update(n: NodeState): void {
    const next: NodeStatus = n.left || (this.silent.has(n) && n.inSync === 0) ? 'offline' : n.tasks.size ? 'busy' : 'idle';
    const prev = this.status.get(n);
    if (prev === next) return;
    if (prev) this.counts[prev]--;
    this.counts[next]++;
    this.status.set(n, next);
  }

  /**
   * Marks the nodes silent for longer than their lease; cost grows with how many were silent for longer
   * than the shortest lease, not with the farm.
   */
  sweep(now: number): void {
    const cutoff = now - this.shortestLeaseMs();
    for (const [id, n] of this.recent) {
      if (n.lastSeen >= cutoff) break;
      if (now - n.lastSeen <= n.leaseMs) continue;
      this.recent.delete(id);
      this.silent.add(n);
      this.update(n);
    }
  }

  /** Forgets every node (the farm is rebuilt from the database). */
  clear(): void {
    this.status.clear();
    this.recent.clear();
    this.silent.clear();
    this.counts.idle = this.counts.busy = this.counts.offline = 0;
  }

  get(): { total: number; idle: number; busy: number; offline: number } {
    const { idle, busy, offline } = this.counts;
    return { total: idle + busy + offline, idle, busy, offline };
  }
}
