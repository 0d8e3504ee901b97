import type { DirtyRows } from './dirty-rows.ts';
import type { JobRec, NodeRec } from './records.ts';

/**
 * Nodes a job will not use for a while (they failed it too often). The entries live on the records
 * (job.blocklist, node.blockedIn) so a node blocked nowhere costs assign nothing; this is their rule.
 */
export class Blocklist {
  constructor(private readonly dirty: DirtyRows) {}

  /** Whether the job refuses the node now; an entry whose time is up is forgiven on the way. */
  blocks(job: JobRec, node: NodeRec, now: number): boolean {
    const until = job.blocklist.get(node.id);
    if (until === undefined) return false;
    if (until > now) return true;
    // Forgiven: the node starts over with this job.
    job.blocklist.delete(node.id);
    job.nodeFailures.delete(node.id);
    node.blockedIn.delete(job);
    this.dirty.job(job);
    return false;
  }

  /** Blocks the node for the job until `until`; false when it already was. */
  add(job: JobRec, node: NodeRec, until: number): boolean {
    if (job.blocklist.has(node.id)) return false;
    this.put(job, node, until);
    this.dirty.job(job);
    return true;
  }

  /** An entry read back from a persisted row. */
  put(job: JobRec, node: NodeRec, until: number): void {
    job.blocklist.set(node.id, until);
    node.blockedIn.add(job);
  }

  /** Forgets every entry of the job (a requeue starts it over). */
  clear(job: JobRec, nodeOf: (id: string) => NodeRec | undefined): void {
    for (const nodeId of job.blocklist.keys()) nodeOf(nodeId)?.blockedIn.delete(job);
    job.blocklist.clear();
  }
}
