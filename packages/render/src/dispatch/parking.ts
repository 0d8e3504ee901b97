import type { Blocklist } from './blocklist.ts';
import type { JobRec, NodeRec } from './records.ts';

/**
 * Idle nodes, grouped by tag set, waiting for work. When a job gains work, up to the number of tasks
 * it gained of those whose tags satisfy it are named in drain(); the server answers their long polls.
 */
export class Parking {
  private readonly groups = new Map<string, { tags: Set<string>; nodes: Set<NodeRec> }>();
  private wakeups: string[] = [];

  constructor(private readonly blocklist: Blocklist) {}

  park(node: NodeRec): void {
    if (node.parked) return;
    let group = this.groups.get(node.sig);
    if (!group) this.groups.set(node.sig, (group = { tags: new Set(node.tags), nodes: new Set() }));
    group.nodes.add(node);
    node.parked = true;
  }

  unpark(node: NodeRec): void {
    if (!node.parked) return;
    this.groups.get(node.sig)?.nodes.delete(node);
    node.parked = false;
  }

  wake(job: JobRec, want: number, now: number): void {
    for (const group of this.groups.values()) {
      if (!job.tags.every((t) => group.tags.has(t))) continue;
      for (const node of group.nodes) {
        if (want <= 0) return;
        if (job.blocklist.size && this.blocklist.blocks(job, node, now)) continue;
        group.nodes.delete(node);
        node.parked = false;
        this.wakeups.push(node.id);
        want--;
      }
    }
  }

  /** Parked nodes that now have work, since the last call. */
  drain(): string[] {
    const out = this.wakeups;
    this.wakeups = [];
    return out;
  }

  get size(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.nodes.size;
    return n;
  }
}
