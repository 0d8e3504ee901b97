import { CommandInvalidError, LeaseStaleError, countFrames, formatFrameRanges, iterateFrames, makesVideo, nodeTags, parseTaskId, planTypedTask } from '@shuzhi/render';
import type { Assignment } from '@shuzhi/render';
import type { RenderSteps, RenderWork } from '@shuzhi/schema';
import { storableText } from '@shuzhi/schema';
import type { WorkerIdentity } from '../workers/registry.ts';
import { heartbeatMsOf, nextPollAfter, type SourceSync, type SourceSyncResult } from '../workers/source.ts';
import { RENDER_TASK_LIMITS } from '../workers/limits.ts';
import type { BatchWriter } from './persist.ts';
import type { Cancel, FarmState, JobMeta, NodeState } from './state.ts';
import type { Throughput } from './throughput.ts';

type Fence = { taskId: string; attempt: number };
type Logs = readonly { stream: 'stdout' | 'stderr'; text: string }[];

/** The farm's part of a worker's sync, in the failure policy's terms. */
interface SyncAnswer {
  assignments: RenderWork[];
  cancel: Cancel[];
  refused: Fence[];
  nextPollMs: number;
  accepted: number;
  sleep?: boolean;
}
interface SyncBody {
  siteId: string;
  slots: number;
  free: number;
  tags: string[];
  running: (Fence & { progress?: number | undefined; logs: Logs })[];
  completed: (Fence & { ok: boolean; failure?: { kind: 'render-error' | 'scene-load'; message: string } | undefined; logs: Logs })[];
  leaving: boolean;
  waitMs: number;
}

export interface NodeSyncOptions {
  /** Check that a chunk's frames were uploaded before accepting its completion. */
  verifyFrames: boolean;
  /** Whether the node sleeps now (power.ts): it gets no work, and its poll is held until it is woken. */
  asleep?: (nodeId: string) => boolean;
}

/**
 * The node protocol: a worker's sync (heartbeats, completions, new work, long polls) against the
 * dispatcher, and the wakeups and revocations the dispatcher hands back to parked polls.
 */
export class NodeSync {
  private readonly waiters = new Map<string, () => void>();
  /** Nodes refused new work while the database was behind (BatchWriter.admitsWork): woken when it catches up. */
  private readonly heldForWrites = new Set<string>();
  /** Counters for the bench and the metrics. */
  readonly counters = { assigned: 0, heartbeats: 0, completed: 0, syncs: 0 };

  constructor(
    private readonly state: FarmState,
    private readonly writer: BatchWriter,
    private readonly throughput: Throughput,
    private readonly opts: NodeSyncOptions,
  ) {
    writer.onCaughtUp = () => {
      for (const id of this.heldForWrites) this.waiters.get(id)?.();
      this.heldForWrites.clear();
    };
  }

  /** Answers every parked poll (the farm stops). */
  releaseAll(): void {
    for (const w of this.waiters.values()) w();
    this.waiters.clear();
  }

  /** The render part of a worker's sync on the one worker protocol. */
  async syncWorker(w: WorkerIdentity, req: SourceSync, signal?: AbortSignal): Promise<SourceSyncResult> {
    const body: SyncBody = {
      siteId: w.siteId,
      slots: Math.min(256, req.slots),
      // A node takes the jobs whose programs it declared (a `program:` tag each).
      tags: nodeTags(req.tags.slice(0, 32), req.runners),
      free: Math.min(256, req.free),
      running: req.running.map((r) => ({ taskId: r.taskId, attempt: r.attempt, progress: r.progress, logs: r.logs })),
      completed: req.completed.map((r) => ({
        taskId: r.taskId,
        attempt: r.attempt,
        ok: r.result.ok,
        ...(r.result.failure ? { failure: toPolicyFailure(r.result.failure) } : {}),
        logs: r.logs,
      })),
      leaving: req.leaving,
      waitMs: req.waitMs,
    };
    const res = await this.sync(w.workerId, body, signal);
    const render = (f: Fence) => ({ kind: 'render' as const, taskId: f.taskId, attempt: f.attempt });
    return {
      assignments: res.assignments,
      cancel: res.cancel.map((c) => ({ ...render(c), reason: c.reason })),
      refused: res.refused.map(render),
      accepted: res.accepted,
      nextPollMs: res.nextPollMs,
      ...(res.sleep ? { sleep: true } : {}),
    };
  }

  /** A revoked worker: whatever it held goes back to the queue now. */
  forgetWorker(workerId: string): void {
    const node = this.state.nodes.get(workerId);
    if (!node || node.left) return;
    this.leave(node);
    this.waiters.get(workerId)?.();
    this.pump();
  }

  private leave(node: NodeState): void {
    node.left = true;
    this.state.nodeCounts.update(node);
    try {
      for (const t of this.state.engine.removeNode(node.id)) this.state.forgetTask(node, t.taskId);
    } catch {
      // Never registered with the dispatcher: nothing to give back.
    }
  }

  private seeNode(id: string, req: SyncBody): NodeState {
    const n = this.state.nodeState(id, req);
    const changed = n.left || n.slots !== req.slots || n.siteId !== req.siteId || !sameTags(n.tags, req.tags);
    const now = this.state.clock.now();
    const tags = changed ? [...new Set(req.tags)].sort() : n.tags;
    if (changed) {
      n.tags = tags;
      n.slots = req.slots;
      n.siteId = req.siteId;
      n.left = false;
      this.state.engine.registerNode({ id, tags, slots: req.slots });
    }
    n.lastSeen = now;
    this.state.nodeCounts.seen(n);
    // Last-seen reaches the database at most once a minute per node; the live view is in memory.
    if (changed || now - n.persistedAt > 60_000) {
      n.persistedAt = now;
      this.writer.addNode({ id, siteId: n.siteId, tags, slots: n.slots, lastSeenMs: now });
    }
    return n;
  }

  private async sync(nodeId: string, req: SyncBody, signal?: AbortSignal): Promise<SyncAnswer> {
    this.counters.syncs++;
    const node = this.seeNode(nodeId, req);
    node.inSync++;
    try {
      return await this.syncAs(node, req, signal);
    } finally {
      node.inSync--;
      node.lastSeen = this.state.clock.now();
      this.state.nodeCounts.seen(node);
      this.pump();
    }
  }

  private async syncAs(node: NodeState, req: SyncBody, signal?: AbortSignal): Promise<SyncAnswer> {
    const nodeId = node.id;
    const d = this.state.engine;
    const refused: Fence[] = [];
    const cancel = this.takeCancels(nodeId);
    let accepted = 0;
    for (const rep of req.running) {
      try {
        d.heartbeat(nodeId, rep);
        this.counters.heartbeats++;
        accepted++;
        if (rep.progress !== undefined) this.state.progress.set(rep.taskId, rep.progress);
        this.queueLogs(nodeId, rep.taskId, rep.attempt, rep.logs);
      } catch (err) {
        if (!(err instanceof LeaseStaleError)) throw err;
        refused.push({ taskId: rep.taskId, attempt: rep.attempt });
        if (!cancel.some((c) => c.taskId === rep.taskId && c.attempt === rep.attempt)) {
          cancel.push({ taskId: rep.taskId, attempt: rep.attempt, reason: 'lease-lost' });
        }
      }
    }
    for (const rep of req.completed) {
      try {
        this.finish(node, rep);
        accepted++;
      } catch (err) {
        if (!(err instanceof LeaseStaleError)) throw err;
        refused.push({ taskId: rep.taskId, attempt: rep.attempt });
      }
    }
    if (req.leaving) {
      this.leave(node);
      return { assignments: [], cancel, refused, nextPollMs: 0, accepted };
    }
    const reports = req.running.length + req.completed.length;
    // Nothing new for a node whose every report was stale: it must drop those runs first.
    if (reports > 0 && accepted === 0) return { assignments: [], cancel, refused, nextPollMs: 0, accepted };
    if (this.opts.asleep?.(nodeId)) {
      const woken = await this.doze(node, req, cancel, signal);
      if (!woken) return { assignments: [], cancel, refused, nextPollMs: heartbeatMsOf(this.leaseFor(node)), accepted, sleep: true };
    }
    let assignments = this.assignUpTo(node, req.free);
    if (assignments.length === 0 && cancel.length === 0 && req.completed.length === 0 && req.waitMs > 0 && req.free > 0) {
      const deadline = this.state.clock.now() + req.waitMs;
      while (!signal?.aborted && !node.left) {
        const left = deadline - this.state.clock.now();
        if (left <= 0) break;
        await this.waitFor(nodeId, left, signal);
        cancel.push(...this.takeCancels(nodeId));
        if (signal?.aborted || node.left) break;
        assignments = this.assignUpTo(node, req.free);
        if (assignments.length || cancel.length) break;
      }
      if ((signal?.aborted || node.left) && assignments.length) {
        // Nobody is listening for these any more: hand them straight back.
        for (const a of assignments) {
          try {
            this.state.engine.release(nodeId, a);
          } catch {
            /* already gone */
          }
          this.state.forgetTask(node, a.taskId);
        }
        assignments = [];
      }
    }
    return { assignments, cancel, refused, nextPollMs: nextPollAfter(assignments.length, req.free, heartbeatMsOf(this.leaseFor(node))), accepted };
  }

  /**
   * The farm's lease now, named to the node (its next call comes within a third of it): the node is
   * judged silent on it, or on a longer one while it holds tasks that may carry that.
   */
  private leaseFor(node: NodeState): number {
    const leaseMs = this.state.leaseNow();
    node.leaseMs = node.tasks.size ? Math.max(node.leaseMs, leaseMs) : leaseMs;
    return leaseMs;
  }

  /** A sleeping node's poll waits (whatever its free slots) until it is woken or its wait ends; whether it was woken. */
  private async doze(node: NodeState, req: SyncBody, cancel: Cancel[], signal?: AbortSignal): Promise<boolean> {
    if (req.waitMs > 0 && cancel.length === 0 && req.running.length === 0) await this.waitFor(node.id, req.waitMs, signal);
    cancel.push(...this.takeCancels(node.id));
    return !this.opts.asleep!(node.id);
  }

  /** Answers the node's held poll now (the local wake provider). */
  wake(nodeId: string): void {
    this.waiters.get(nodeId)?.();
  }

  private assignUpTo(node: NodeState, free: number): RenderWork[] {
    const out: RenderWork[] = [];
    // Back-pressure: no new work while the unwritten backlog is over its bound.
    if (free > 0 && !this.writer.admitsWork()) {
      this.heldForWrites.add(node.id);
      return out;
    }
    const leaseMs = this.state.leaseNow();
    for (let i = 0; i < free; i++) {
      const a = this.state.engine.assign(node.id, leaseMs);
      if (!a) break;
      try {
        out.push(this.toAssignment(node, a));
      } catch (err) {
        if (!(err instanceof CommandInvalidError)) throw err;
        // A typed task that cannot be resolved (its type's templates against these frames) fails as a run would.
        this.state.forgetTask(node, a.token.taskId);
        this.writer.addLog({ jobId: a.jobId, idx: a.taskIndex, attempt: a.token.attempt, nodeId: node.id, stream: 'system', text: `render-error: ${err.message}` });
        this.state.engine.fail(node.id, a.token, { kind: 'render-error', message: err.message });
      }
    }
    return out;
  }

  private toAssignment(node: NodeState, a: Assignment): RenderWork {
    const m = this.state.jobs.get(a.jobId)!;
    const taskId = a.token.taskId;
    this.counters.assigned++;
    this.state.startedAt.set(taskId, this.state.clock.now());
    this.state.progress.set(taskId, 0);
    node.tasks.add(taskId);
    node.leaseMs = Math.max(node.leaseMs, a.leaseMs);
    this.state.nodeCounts.update(node);
    const done: number[] = [];
    if (a.kind === 'chunk' && m.published.size) for (const f of iterateFrames(a.frames)) if (m.published.has(f)) done.push(f);
    const o = m.spec.overrides;
    const steps = this.stepsOf(m, a);
    return {
      kind: 'render',
      taskId,
      attempt: a.token.attempt,
      jobId: a.jobId,
      index: a.taskIndex,
      part: a.kind,
      frames: a.kind === 'preview' ? m.spec.frames : formatFrameRanges(a.frames),
      done,
      ...(m.spec.renderer ? { renderer: m.spec.renderer } : {}),
      ...(m.spec.scene ? { scene: m.spec.scene } : {}),
      ...(steps ? { steps } : {}),
      outputFormat: m.spec.outputFormat,
      padWidth: m.plan.padWidth,
      overrides: {
        ...(o.resolutionX !== undefined ? { resolutionX: o.resolutionX } : {}),
        ...(o.resolutionY !== undefined ? { resolutionY: o.resolutionY } : {}),
        ...(o.samples !== undefined ? { samples: o.samples } : {}),
      },
      animation: { ...m.plan.animation },
      fps: m.spec.fps,
      thumbnailWidth: m.spec.thumbnailWidth,
      leaseMs: a.leaseMs,
      limits: RENDER_TASK_LIMITS,
    };
  }

  /**
   * A typed job's task as data: its chunk's commands over the upstream frames published so far
   * (dispatch released it only once they were). An encode's preview task has nothing left to do.
   */
  private stepsOf(m: JobMeta, a: Assignment): RenderSteps | null {
    const doc = m.spec.typeDoc;
    if (m.spec.renderer || !doc) return null;
    if (a.kind === 'preview') return makesVideo(m.spec) ? { type: doc.name, root: '', fetch: [], run: [], outputs: [] } : null;
    const upstream = m.spec.after.map((d) => {
      const up = this.state.jobs.get(d.job);
      if (!up) throw new CommandInvalidError(`upstream job ${d.job} is gone`, { job: d.job });
      return { jobId: up.id, frames: [...up.published], padWidth: up.plan.padWidth, format: up.spec.outputFormat };
    });
    return planTypedTask(doc, { params: m.spec.params, frames: a.frames, padWidth: m.plan.padWidth, upstream, scene: m.spec.scene !== undefined });
  }

  private finish(node: NodeState, rep: SyncBody['completed'][number]): void {
    const d = this.state.engine;
    const ref = parseTaskId(rep.taskId);
    const m = ref ? this.state.jobs.get(ref.jobId) : undefined;
    if (!ref || !m) throw new LeaseStaleError(rep.taskId, rep.attempt, 'unknown task');
    const token = { taskId: rep.taskId, attempt: rep.attempt };
    // Checked first, so a stale report changes nothing (not even the logs).
    const info = d.taskInfo(m.id, ref.index);
    if (info.state !== 'active' || info.attempt !== rep.attempt || info.nodeId !== node.id) {
      throw new LeaseStaleError(rep.taskId, rep.attempt, 'task is not leased to this node');
    }
    this.queueLogs(node.id, rep.taskId, rep.attempt, rep.logs);
    const now = this.state.clock.now();
    const started = this.state.startedAt.get(rep.taskId);
    if (started !== undefined) m.nodeMs += Math.max(0, now - started);
    // The node's message is renderer output (data, not input): made storable, never refused.
    let failure = rep.ok ? null : rep.failure ? { kind: rep.failure.kind, message: storableText(rep.failure.message) } : { kind: 'render-error' as const, message: 'the node reported a failure without a message' };
    if (!failure && this.opts.verifyFrames) {
      // Trust, but verify: a chunk is done only when all its frames are on the server.
      if (ref.index === m.plan.previewIndex || makesVideo(m.spec)) {
        if (!m.hasPreview) failure = { kind: 'render-error', message: 'preview task reported success but no preview was uploaded' };
      } else {
        const frames = m.plan.taskFrames(ref.index);
        const missing: number[] = [];
        for (const f of iterateFrames(frames)) if (!m.published.has(f)) missing.push(f);
        if (missing.length) {
          failure = { kind: 'render-error', message: `chunk reported success but ${missing.length} frame(s) were not uploaded (first: ${missing[0]})` };
        }
      }
    }
    this.state.forgetTask(node, rep.taskId);
    if (!failure) {
      d.complete(node.id, token);
      this.counters.completed++;
      this.throughput.count(now, ref.index === m.plan.previewIndex ? 0 : countFrames(m.plan.taskFrames(ref.index)));
      return;
    }
    this.writer.addLog({ jobId: m.id, idx: ref.index, attempt: rep.attempt, nodeId: node.id, stream: 'system', text: `${failure.kind}: ${failure.message}` });
    const res = d.fail(node.id, token, failure);
    if (res.nodeBlocklisted) {
      this.writer.addLog({ jobId: m.id, idx: ref.index, attempt: rep.attempt, nodeId: node.id, stream: 'system', text: `node ${node.id} is blocklisted for this job` });
    }
  }

  private queueLogs(nodeId: string, taskId: string, attempt: number, logs: Logs): void {
    if (!logs.length) return;
    const ref = parseTaskId(taskId);
    if (!ref) return;
    for (const l of logs) this.writer.addLog({ jobId: ref.jobId, idx: ref.index, attempt, nodeId, stream: l.stream, text: l.text });
  }

  private takeCancels(nodeId: string): Cancel[] {
    const list = this.state.pendingCancels.get(nodeId);
    if (!list) return [];
    this.state.pendingCancels.delete(nodeId);
    return list;
  }

  private waitFor(nodeId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        if (this.waiters.get(nodeId) === done) this.waiters.delete(nodeId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      // A node has at most one parked poll; an older one is answered now.
      this.waiters.get(nodeId)?.();
      this.waiters.set(nodeId, done);
    });
  }

  /**
   * Answers parked polls the dispatcher named and hands revocations to their nodes. A wakeup for a
   * node whose poll is gone is passed on to another parked poll, so no work waits for a timeout.
   */
  pump(): void {
    const d = this.state.engine;
    let missed = 0;
    for (const id of d.drainWakeups()) {
      const w = this.waiters.get(id);
      if (w) w();
      else missed++;
    }
    if (missed > 0) {
      // The first `missed` parked polls, without copying all of them (20,000 at a farm's scale) per sync.
      const some: (() => void)[] = [];
      for (const w of this.waiters.values()) {
        if (some.length >= missed) break;
        some.push(w);
      }
      for (const w of some) w();
    }
    for (const r of d.drainRevocations()) {
      const list = this.state.pendingCancels.get(r.nodeId) ?? [];
      list.push({ ...r.token, reason: r.reason });
      this.state.pendingCancels.set(r.nodeId, list);
      const n = this.state.nodes.get(r.nodeId);
      if (n) this.state.forgetTask(n, r.token.taskId);
      this.waiters.get(r.nodeId)?.();
    }
  }
}

/**
 * Whether a node's tags (sorted, without repeats) are the ones it sent, in any order: no allocation on
 * a heartbeat; a repeated tag counts as a change (the caller then sorts the set out).
 */
function sameTags(known: readonly string[], sent: readonly string[]): boolean {
  if (known.length !== sent.length) return false;
  for (let i = 0; i < sent.length; i++) if (!known.includes(sent[i]!) || sent.indexOf(sent[i]!) !== i) return false;
  return true;
}

/**
 * A worker's failure in the render failure policy's two kinds: a bad scene, or anything else (whose
 * code the message keeps, so the log says what went wrong).
 */
function toPolicyFailure(f: { code: string; message: string }): { kind: 'render-error' | 'scene-load'; message: string } {
  if (f.code === 'scene-load' || f.code === 'render-error') return { kind: f.code, message: f.message };
  return { kind: 'render-error', message: `${f.code}: ${f.message}` };
}
