import type { Work, WorkFence, WorkerSyncRequest, WorkerSyncResponse } from '@shuzhi/schema';
import { AppError } from '../errors.ts';
import type { WorkerIdentity, WorkerRegistry } from './registry.ts';
import { nextPollAfter, type SourceSync, type SourceSyncResult, type WorkSource } from './source.ts';

/** A sync as the route hands it over: parsed, defaults filled in. */
type SyncBody = ReturnType<(typeof WorkerSyncRequest)['parse']>;

const fenceKey = (f: WorkFence) => `${f.kind}:${f.taskId}#${f.attempt}`;

/**
 * The one worker protocol: a worker's sync is split by kind of work among the modules that lease
 * it, and their answers are joined into one. Reports are checked against the caller's own leases
 * by each module; a report of a kind no module serves for this worker is refused.
 */
export class WorkerHub {
  private readonly sources: WorkSource[] = [];
  /**
   * The work each worker was last handed, stamped with the turn its answer went out. A worker that
   * gives up on a call (its own nudge when a task ends, a timeout) never reads that answer, while
   * the leases in it stay taken until they expire: its next sync hands again what it does not report.
   */
  private readonly handed = new Map<string, { turn: number; works: Work[] }[]>();
  private turn = 0;

  constructor(readonly registry: WorkerRegistry) {
    registry.onRevoked = async (workerId) => {
      this.handed.delete(workerId);
      for (const s of this.sources) await s.forget(workerId);
    };
  }

  register(source: WorkSource): void {
    if (this.sources.some((s) => s.kind === source.kind)) throw new Error(`a work source for "${source.kind}" is already registered`);
    this.sources.push(source);
  }

  async sync(w: WorkerIdentity, pathId: string, req: SyncBody, signal?: AbortSignal): Promise<WorkerSyncResponse> {
    if (pathId !== w.workerId) {
      throw new AppError('WORKER_ID_MISMATCH', 403, `This credential belongs to worker ${w.workerId}; it may sync only as itself, not as "${pathId}".`);
    }
    this.registry.touch(w.workerId);
    const arrived = ++this.turn;
    const unread = this.unread(w.workerId, req, arrived);
    const serving: WorkSource[] = [];
    for (const s of this.sources) if (await s.serves(w, req.runners)) serving.push(s);
    const servedKinds = new Set(serving.map((s) => s.kind));

    const refused: WorkFence[] = [];
    for (const r of [...req.running, ...req.completed]) {
      if (!servedKinds.has(r.kind)) refused.push({ kind: r.kind, taskId: r.taskId, attempt: r.attempt });
    }
    const part = (s: WorkSource, over: Partial<SourceSync> = {}): SourceSync => ({
      slots: req.slots,
      tags: req.tags,
      runners: req.runners,
      isolation: req.isolation,
      free: req.free,
      running: req.running.filter((r) => r.kind === s.kind),
      completed: req.completed.filter((r) => r.kind === s.kind),
      leaving: req.leaving,
      waitMs: req.waitMs,
      ...over,
    });

    const results: SourceSyncResult[] = [];
    if (serving.length === 1) {
      results.push(await serving[0]!.sync(w, part(serving[0]!, unread.length ? { free: Math.max(0, req.free - unread.length), waitMs: 0 } : {}), signal));
    } else {
      // First every source takes its reports and hands out what is ready, sharing the free slots.
      let free = Math.max(0, req.free - unread.length);
      for (const s of serving) {
        const r = await s.sync(w, part(s, { free, waitMs: 0 }), signal);
        free = Math.max(0, free - r.assignments.length);
        results.push(r);
      }
      const idle = results.every((r) => r.assignments.length === 0 && r.cancel.length === 0 && !r.preempt?.length) && req.completed.length === 0;
      if (idle && unread.length === 0 && !req.leaving && req.waitMs > 0 && req.free > 0 && serving.length > 1) {
        results.push(...(await this.waitOnAll(w, serving, part, signal)));
      }
    }

    const accepted = results.reduce((n, r) => n + r.accepted, 0);
    for (const r of results) refused.push(...r.refused);
    const reports = req.running.length + req.completed.length;
    if (reports > 0 && accepted === 0 && !req.leaving) {
      // The worker drops those and comes straight back: what it never read is handed then.
      if (unread.length) this.handed.set(w.workerId, [{ turn: 0, works: unread }, ...(this.handed.get(w.workerId) ?? [])]);
      throw new AppError(
        'STALE_REPORT',
        409,
        `Every report in this sync is for an attempt the server no longer accepts (lease lost, task paused or cancelled): ${refused.map(fenceKey).join(', ')}. Drop those tasks.`,
        { errors: refused.map((f) => ({ path: fenceKey(f), message: 'stale attempt' })) },
      );
    }
    const cancel = results.flatMap((r) => r.cancel);
    // A stale running report is also a task to stop: whoever runs it has no lease.
    for (const f of refused) {
      if (req.running.some((r) => r.kind === f.kind && r.taskId === f.taskId && r.attempt === f.attempt) && !cancel.some((c) => fenceKey(c) === fenceKey(f))) {
        cancel.push({ ...f, reason: 'lease-lost' });
      }
    }
    const assignments = [...unread, ...results.flatMap((r) => r.assignments)];
    if (assignments.length && !req.leaving) {
      const list = this.handed.get(w.workerId) ?? [];
      list.push({ turn: ++this.turn, works: assignments });
      this.handed.set(w.workerId, list);
    }
    // A source that handed out work says "now"; with every slot filled, the soonest other wait counts.
    const polls = results.map((r) => r.nextPollMs);
    const nextPollMs = nextPollAfter(assignments.length, req.free, Math.min(...(assignments.length ? polls.filter((ms) => ms > 0) : polls), 10_000));
    const preempt = results.flatMap((r) => r.preempt ?? []);
    const sleep = results.some((r) => r.sleep) && assignments.length === 0;
    return { assignments, cancel, refused: dedupe(refused), preempt, nextPollMs: Number.isFinite(nextPollMs) ? nextPollMs : 5_000, ...(sleep ? { sleep } : {}) };
  }

  /**
   * Work handed to this worker in answers that went out before this sync arrived, which the sync
   * does not report and whose lease the worker still holds: the worker never read that answer.
   * Answers still being written (a call the worker gave up on, finishing now) wait for the next sync.
   */
  private unread(workerId: string, req: SyncBody, arrived: number): Work[] {
    const list = this.handed.get(workerId);
    if (!list) return [];
    const before = list.filter((h) => h.turn < arrived);
    const later = list.filter((h) => h.turn >= arrived);
    if (later.length) this.handed.set(workerId, later);
    else this.handed.delete(workerId);
    if (req.leaving) return [];
    const reported = new Set([...req.running, ...req.completed].map(fenceKey));
    const out: Work[] = [];
    for (const h of before) {
      for (const work of h.works) {
        if (reported.has(fenceKey(work))) continue;
        if (this.sources.find((s) => s.kind === work.kind)?.holds(workerId, work)) out.push(work);
      }
    }
    return out;
  }

  /** An idle worker of several kinds waits on all; the first that has work answers, the others let go. */
  private async waitOnAll(
    w: WorkerIdentity,
    serving: WorkSource[],
    part: (s: WorkSource, over?: Partial<SourceSync>) => SourceSync,
    signal?: AbortSignal,
  ): Promise<SourceSyncResult[]> {
    const ctl = new AbortController();
    const stop = () => ctl.abort();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      return await Promise.all(
        serving.map(async (s) => {
          const r = await s.sync(w, part(s, { running: [], completed: [] }), ctl.signal);
          if (r.assignments.length || r.cancel.length) ctl.abort();
          return { ...r, accepted: 0 };
        }),
      );
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }
}

function dedupe(fences: WorkFence[]): WorkFence[] {
  const seen = new Set<string>();
  return fences.filter((f) => (seen.has(fenceKey(f)) ? false : (seen.add(fenceKey(f)), true)));
}
