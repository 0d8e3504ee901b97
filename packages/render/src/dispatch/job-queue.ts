import { MinHeap } from '../heap.ts';
import type { Blocklist } from './blocklist.ts';
import { upstreamDone } from './deps.ts';
import { limitsAdmit } from './limits.ts';
import { QUEUED } from './records.ts';
import type { JobRec, NodeRec } from './records.ts';

interface TagQueue {
  readonly tags: readonly string[];
  readonly levels: Map<number, MinHeap<JobRec>>;
  /** Descending. */
  readonly priorities: number[];
}

/**
 * The scheduling order: jobs with work wait in heaps per (required tag set, priority), FIFO by
 * submission. A node looks only at the heads of the queues its tags satisfy, so picking is
 * O(log jobs) plus O(log tasks) for a retry; a head the node may not take (blocklisted, or its task
 * failed there before) falls back to a scan of that one queue.
 */
export class JobQueue {
  private readonly queues = new Map<string, TagQueue>();
  private readonly queuesForSig = new Map<string, TagQueue[]>();

  constructor(private readonly blocklist: Blocklist) {}

  /** A task may go out only when it is queued and its upstream frames are done. */
  private runnable(job: JobRec, index: number): boolean {
    return job.states[index] === QUEUED && (job.upstream.length === 0 || upstreamDone(job, index));
  }

  /** Makes sure the job's (tags, priority) queue exists. */
  register(job: JobRec): TagQueue {
    let q = this.queues.get(job.tagKey);
    if (!q) {
      q = { tags: job.tags, levels: new Map(), priorities: [] };
      this.queues.set(job.tagKey, q);
      this.queuesForSig.clear();
    }
    if (!q.levels.has(job.priority)) {
      q.levels.set(job.priority, new MinHeap<JobRec>((a, b) => a.seq < b.seq));
      q.priorities.push(job.priority);
      q.priorities.sort((a, b) => b - a);
    }
    return q;
  }

  /** Puts a job back in its heap if it has work; whether it has. */
  ready(job: JobRec): boolean {
    if (!this.hasWork(job)) return false;
    if (!job.inReady) {
      this.register(job).levels.get(job.priority)!.push(job);
      job.inReady = true;
    }
    return true;
  }

  /** Makes a queued task reachable: behind the cursor it needs a heap entry, ahead of it none. */
  enqueue(job: JobRec, index: number): void {
    if (index === job.plan.previewIndex) {
      if (job.chunksSettled()) job.retry.push(index);
    } else if (index < job.cursor) {
      job.retry.push(index);
    }
  }

  /** The job and task the node should run next, taken out of the queue; null when there is none for it. */
  pick(node: NodeRec, now: number): { job: JobRec; index: number } | null {
    let best: JobRec | null = null;
    const careful = node.blockedIn.size > 0;
    for (const q of this.matchingQueues(node)) {
      for (const p of q.priorities) {
        if (best && p < best.priority) break;
        const heap = q.levels.get(p)!;
        let cand = this.headWithWork(heap);
        if (cand && ((careful && this.blocklist.blocks(cand, node, now)) || this.taskFor(cand, node, false) === -1)) {
          cand = this.scan(heap, node, now);
        }
        if (!cand) continue;
        if (!best || cand.priority > best.priority || cand.seq < best.seq) best = cand;
        break;
      }
    }
    if (!best) return null;
    const index = this.taskFor(best, node, true);
    return index === -1 ? null : { job: best, index };
  }

  private hasWork(job: JobRec): boolean {
    return dispatchable(job) && this.taskFor(job, null, false) !== -1;
  }

  /** Lowest queued task of the job that this node may run (-1 if none); `take` removes it. */
  private taskFor(job: JobRec, node: NodeRec | null, take: boolean): number {
    const retry = job.retry;
    for (;;) {
      const top = retry.peek();
      if (top === undefined) break;
      if (job.states[top] !== QUEUED) {
        retry.pop();
        continue;
      }
      if ((!node || !job.failedOn.get(top)?.has(node.id)) && this.runnable(job, top)) {
        if (take) retry.pop();
        return top;
      }
      // The head failed on this node before, or waits on its upstream; look further down (rare, small heaps).
      for (let i = 1; i < retry.size; i++) {
        const idx = retry.at(i)!;
        if (this.runnable(job, idx) && !(node && job.failedOn.get(idx)?.has(node.id))) {
          if (take) retry.removeAt(i);
          return idx;
        }
      }
      break;
    }
    const chunks = job.plan.chunkCount;
    while (job.cursor < chunks && job.states[job.cursor] !== QUEUED) job.cursor++;
    while (job.cursor < chunks) {
      const idx = job.cursor;
      if (job.states[idx] === QUEUED && node && job.failedOn.get(idx)?.has(node.id)) {
        // Failed here before (only possible after a restore); leave it to other nodes.
        retry.push(idx);
        job.cursor++;
        continue;
      }
      if (job.states[idx] !== QUEUED) {
        job.cursor++;
        continue;
      }
      // Chunks go out in frame order; one still waiting on its upstream holds back the rest.
      if (!this.runnable(job, idx)) return -1;
      if (take) job.cursor++;
      return idx;
    }
    return -1;
  }

  private matchingQueues(node: NodeRec): TagQueue[] {
    let list = this.queuesForSig.get(node.sig);
    if (!list) {
      list = [...this.queues.values()].filter((q) => q.tags.every((t) => node.tags.has(t)));
      this.queuesForSig.set(node.sig, list);
    }
    return list;
  }

  /** Pops jobs that have nothing to hand out (paused, finished, all tasks out) off the heap. */
  private headWithWork(heap: MinHeap<JobRec>): JobRec | null {
    for (;;) {
      const job = heap.peek();
      if (!job) return null;
      if (this.hasWork(job)) return job;
      heap.pop();
      job.inReady = false;
    }
  }

  private scan(heap: MinHeap<JobRec>, node: NodeRec, now: number): JobRec | null {
    let best: JobRec | null = null;
    for (let i = 0; i < heap.size; i++) {
      const job = heap.at(i)!;
      if (best && job.seq > best.seq) continue;
      if (!dispatchable(job) || this.blocklist.blocks(job, node, now) || this.taskFor(job, node, false) === -1) continue;
      best = job;
    }
    return best;
  }
}

function dispatchable(job: JobRec): boolean {
  return (job.state === 'queued' || job.state === 'active') && (job.limits.length === 0 || limitsAdmit(job));
}
