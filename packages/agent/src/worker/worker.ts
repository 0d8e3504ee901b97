import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import {
  Work,
  WorkKind,
  workerIdOfCredential,
  type WorkFence,
  type WorkLog,
  type WorkResult,
  type WorkerRunner,
  type WorkerSyncRequest,
  type WorkerSyncResponse,
} from '@shuzhi/schema';
import type { Sandbox, SpawnSpec } from '../sandbox/types.ts';
import { LeaseLost, TaskFailure, TaskStopped, WorkerError } from './errors.ts';
import { hostPathOf, removeTaskDir } from './files.ts';
import { heartbeatWait, retryWait, type Random } from './pacing.ts';
import type { ExecOptions, ExecResult, TaskContext, TaskRunner } from './runner.ts';
import { TaskApi } from './task-api.ts';

export interface WorkerOptions {
  /** API base URL. */
  server: string;
  /** `szw.<workerId>.<secret>`, issued when an operator enrolled this worker; it names the worker. */
  credential: string;
  /** Tasks run at once. */
  slots: number;
  tags?: string[];
  /** Scratch space: one directory per attempt under `tasks/`, caches (scenes) beside it. */
  workDir: string;
  /** One runner per kind of work; the worker announces the union of what they provide. */
  runners: readonly TaskRunner<any>[];
  /** Where every program of every task runs. */
  sandbox: Sandbox;
  /** How long the server may hold an idle poll (default 25 s). */
  waitMs?: number;
  log?: (msg: string) => void;
  /** How long past its own wait a sync may go unanswered before the worker gives up on it (default 30 s). */
  syncTimeoutMs?: number;
  /**
   * Waits of the sync loop after a failed call (a ceiling of 0.5 s doubling to 10 s, each wait drawn
   * from the ceiling's upper half: pacing.ts retryWait) and after a refused credential (30 s).
   */
  backoff?: { firstMs?: number; maxMs?: number; unauthorisedMs?: number };
  /** Draws in [0, 1) for the heartbeat phase and the retry jitter (default Math.random; tests pass a seeded one). */
  random?: Random;
}

/** What the worker finished (ok or not), newest last; for tests and the CLI. */
export interface FinishedTask {
  kind: WorkKind;
  taskId: string;
  attempt: number;
  ok: boolean;
  failure?: { code: string; message: string };
}

interface LocalTask {
  readonly work: Work;
  readonly key: string;
  readonly fence: WorkFence;
  readonly dir: string;
  progress: number | undefined;
  logs: WorkLog[];
  logChars: number;
  droppedChars: number;
  result: WorkResult | null;
  readonly ctl: AbortController;
  readonly procs: Set<ChildProcess>;
  done: Promise<void>;
  /** Set when the server preempts the task: its processes got SIGTERM and are killed at `killAt`. */
  preempt: { reason: string; graceMs: number; timer: NodeJS.Timeout | null } | null;
}

/** Log text sent per sync over all tasks, in characters; a task keeps at most four times this. */
const MAX_LOG_CHARS_PER_SYNC = 200_000;
const MAX_LOG_ENTRIES_PER_TASK = 200;
const MAX_LOG_ENTRY = 64 * 1024;
/** What one sync carried of a task's logs: its last entry, and the dropped characters its note reported. */
interface SentLogs {
  last: WorkLog | null;
  dropped: number;
}
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;
/** How long past its own wait a sync may take before the worker gives up on it. */
const SYNC_TIMEOUT_MS = 30_000;
const MAX_FINISHED = 1000;
const EMPTY: WorkerSyncResponse = { assignments: [], cancel: [], refused: [], preempt: [], nextPollMs: 0 };

const keyOf = (f: { kind: string; taskId: string }) => `${f.kind}:${f.taskId}`;

/** The platform's default task lease (SHUZHI_LEASE_MS), for a worker with nothing running. */
const DEFAULT_LEASE_MS = 30_000;

/**
 * How often a worker reports its running tasks: a third of the shortest lease among them, so two
 * heartbeats may be lost before a lease runs out. The lease is the server's (SHUZHI_LEASE_MS, handed
 * out with each task), not capped here: a longer lease is how a farm of many nodes asks for fewer heartbeats.
 */
export function heartbeatInterval(leasesMs: readonly number[]): number {
  // Nothing running: the platform's default lease.
  const lease = leasesMs.length ? Math.min(...leasesMs) : DEFAULT_LEASE_MS;
  return Math.max(200, Math.floor(lease / 3));
}
/**
 * The one worker runtime: compute tasks and render chunks alike. One long-poll sync loop
 * (`POST /api/workers/{id}/sync`) renews leases with progress and logs, reports completions (kept
 * until the server has seen them), takes work into free slots and stops what the server cancels.
 * Each piece of work goes to the runner of its kind, which runs its programs through the sandbox in
 * a directory of the attempt's own.
 */
export class Worker {
  readonly id: string;
  /** Tasks this worker finished (ok or not), for tests and the CLI. */
  readonly finished: FinishedTask[] = [];
  private readonly tasks = new Map<string, LocalTask>();
  private readonly runnerFor = new Map<WorkKind, TaskRunner<any>>();
  private readonly provides: WorkerRunner[];
  private readonly base: string;
  private readonly log: (msg: string) => void;
  private stopped = false;
  private stopping: Promise<void> | null = null;
  private wakeLoop: (() => void) | null = null;
  private inflight: { ctl: AbortController; waiting: boolean; nudged: boolean } | null = null;
  private loopDone: Promise<void> | null = null;
  private rr = 0;
  /** The farm put this node to sleep: it asks for no work, holding one long poll open until woken. */
  asleep = false;
  private unauthorisedLoggedAt = 0;
  /**
   * When the next heartbeat is due (epoch ms): drawn at a random phase of the interval when a task
   * began or after a failed call, the one after timed from it, else an interval (less up to 2%) after
   * the last sync that reported running tasks (pacing.ts).
   */
  private beatDue = 0;
  /** The wait drawn for the phased first heartbeat, until that heartbeat went (null: none pending). */
  private firstBeatMs: number | null = null;
  /** The last call failed: the next one that reports running tasks times the heartbeats afresh. */
  private afterFailure = false;
  /** Set while the server refuses this worker's credential (401/403). */
  unauthorised: WorkerError | null = null;

  constructor(private readonly opts: WorkerOptions) {
    const id = workerIdOfCredential(opts.credential);
    if (!id) {
      throw new WorkerError(
        'WORKER_CREDENTIAL_INVALID',
        'the worker credential is not of the form szw.<workerId>.<secret>; use the one printed when an operator enrolled this worker (POST /api/workers)',
      );
    }
    this.id = id;
    if (!Number.isInteger(opts.slots) || opts.slots < 1 || opts.slots > 1024) {
      throw new WorkerError('WORKER_CONFIG_INVALID', `slots must be a whole number 1–1024, got ${opts.slots}`);
    }
    const provides = new Set<WorkerRunner>();
    for (const r of opts.runners) {
      if (this.runnerFor.has(r.kind)) throw new WorkerError('WORKER_CONFIG_INVALID', `two runners for ${r.kind} work`);
      this.runnerFor.set(r.kind, r);
      for (const p of r.provides) provides.add(p);
    }
    if (provides.size === 0) throw new WorkerError('WORKER_CONFIG_INVALID', 'the worker has no runners: it could take no work');
    this.provides = [...provides];
    this.base = opts.server.replace(/\/+$/, '');
    this.log = opts.log ?? ((m) => process.stderr.write(`[worker ${this.id}] ${m}\n`));
  }

  /** What the worker announces it can run. */
  get runners(): readonly WorkerRunner[] {
    return this.provides;
  }

  get runningCount(): number {
    let n = 0;
    for (const t of this.tasks.values()) if (t.result === null) n++;
    return n;
  }

  start(): void {
    if (this.loopDone || this.stopped) return;
    this.loopDone = this.loop();
  }

  /**
   * Stops polling and the running tasks. Then, unless `kill`, one last sync says the worker is
   * leaving (what it had not finished goes back to the queue at once) and reports what it had
   * finished. With `kill` it is a crash as far as the server can tell: it hears nothing more.
   */
  stop(opts: { kill?: boolean } = {}): Promise<void> {
    this.stopping ??= this.shutdown(opts.kill ?? false);
    return this.stopping;
  }

  private async shutdown(kill: boolean): Promise<void> {
    this.stopped = true;
    this.inflight?.ctl.abort();
    this.wakeLoop?.();
    const abandoned = [...this.tasks.values()].filter((t) => t.result === null);
    for (const t of abandoned) this.halt(t);
    await this.loopDone;
    for (const t of abandoned) this.tasks.delete(t.key);
    // Their processes are killed; wait for the runners to clean up their directories.
    await Promise.allSettled(abandoned.map((t) => t.done));
    if (kill) return;
    try {
      await this.syncOnce({ leaving: true });
    } catch (err) {
      this.log(`could not tell the server we are leaving: ${(err as Error).message}`);
    }
  }

  private async loop(): Promise<void> {
    const backoff = { firstMs: this.opts.backoff?.firstMs ?? 500, maxMs: this.opts.backoff?.maxMs ?? 10_000 };
    let failures = 0;
    while (!this.stopped) {
      try {
        const { res, again } = await this.syncOnce();
        failures = 0;
        this.afterFailure = false;
        if (this.unauthorised) {
          this.log('the server accepts this worker again');
          this.unauthorised = null;
        }
        if (again) continue;
        let wait = res.nextPollMs;
        // A running task's lease needs a heartbeat every third of it, whatever the server suggests
        // (sooner, at a random phase, after a task began: pacing.ts). With every slot taken, the
        // server's "ask again now" (it just handed out work) has nothing more for this worker: the
        // next call is the heartbeat.
        if (this.runningCount > 0) {
          const beatIn = this.beatDue - Date.now();
          wait = this.freeSlots() === 0 ? beatIn : Math.min(wait, beatIn);
        }
        await this.pause(Math.max(50, wait));
      } catch (err) {
        if (this.stopped) break;
        this.afterFailure = true;
        if (err instanceof WorkerError && err.code === 'WORKER_UNAUTHORISED') {
          // Retrying fast cannot help and would hammer the server: retry slowly, say so once a minute.
          this.unauthorised = err;
          if (Date.now() - this.unauthorisedLoggedAt >= 60_000) {
            this.unauthorisedLoggedAt = Date.now();
            this.log(`${err.message}; retrying every ${Math.round((this.opts.backoff?.unauthorisedMs ?? 30_000) / 1000)} s`);
          }
          await this.pause(this.opts.backoff?.unauthorisedMs ?? 30_000);
          continue;
        }
        const retryMs = retryWait(++failures, backoff, this.opts.random);
        this.log(`sync failed: ${(err as Error).message}; retrying in ${retryMs} ms`);
        await this.pause(retryMs);
      }
    }
  }

  private freeSlots(): number {
    return this.asleep ? 0 : Math.max(0, this.opts.slots - this.runningCount);
  }

  /** The next heartbeat at a random phase of the interval from `now`, the one after timed from it (pacing.ts). */
  private phaseHeartbeats(now: number): void {
    this.firstBeatMs = heartbeatWait(this.heartbeatMs(), { turn: 'first' }, this.opts.random);
    this.beatDue = now + this.firstBeatMs;
  }

  private heartbeatMs(): number {
    return heartbeatInterval([...this.tasks.values()].filter((t) => t.result === null).map((t) => t.work.leaseMs));
  }

  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((res) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        if (self.wakeLoop === done) self.wakeLoop = null;
        res();
      }
      this.wakeLoop = done;
    });
  }

  /** Something to report: end the pause, or the idle long poll parked at the server, now. */
  private nudge(): void {
    if (this.inflight?.waiting) {
      this.inflight.nudged = true;
      this.inflight.ctl.abort();
    }
    this.wakeLoop?.();
  }

  /**
   * One sync call. Exposed for tests that drive the protocol step by step. `again` says there is
   * more to do at once (work arrived, or a completion is still waiting to be reported).
   */
  async syncOnce(opts: { leaving?: boolean; waitMs?: number } = {}): Promise<{ res: WorkerSyncResponse; again: boolean }> {
    const leaving = opts.leaving ?? false;
    const running: NonNullable<WorkerSyncRequest['running']> = [];
    const completed: NonNullable<WorkerSyncRequest['completed']> = [];
    const sent = new Map<LocalTask, SentLogs>();
    let budget = MAX_LOG_CHARS_PER_SYNC;
    const all = [...this.tasks.values()];
    // Round robin, so one chatty task cannot starve the others' logs.
    const offset = all.length ? this.rr++ % all.length : 0;
    for (let i = 0; i < all.length; i++) {
      const t = all[(i + offset) % all.length]!;
      const logs: WorkLog[] = [];
      if (t.droppedChars > 0) logs.push({ stream: 'stderr', text: `[worker: ${t.droppedChars} characters of earlier output dropped]\n` });
      let n = 0;
      while (n < t.logs.length && logs.length < MAX_LOG_ENTRIES_PER_TASK && budget >= t.logs[n]!.text.length) {
        budget -= t.logs[n]!.text.length;
        logs.push(t.logs[n]!);
        n++;
      }
      sent.set(t, { last: n > 0 ? t.logs[n - 1]! : null, dropped: t.droppedChars });
      // A finished task whose output did not all fit this time is reported as running until it has.
      if (t.result !== null && n === t.logs.length) completed.push({ ...t.fence, result: t.result, logs });
      else running.push({ ...t.fence, ...(t.progress !== undefined ? { progress: t.progress } : {}), logs });
    }
    const free = leaving ? 0 : this.freeSlots();
    // Park at the server only with nothing finished to tell it (a finished task whose output did not
    // fit this time counts: the rest goes in the next call, at once).
    const idle = !leaving && (free > 0 || this.asleep) && all.every((t) => t.result === null);
    // This call renews the running tasks' leases: the next heartbeat is an interval from now, unless
    // a task that began is still waiting for its phased first one.
    const now = Date.now();
    // After a failed call a fleet comes back together (a restarted server): its heartbeats are then
    // phased again as after a task began, so they do not stay bunched at the moments the retries came.
    if (running.length && this.afterFailure) this.phaseHeartbeats(now);
    else if (running.length && !(this.firstBeatMs !== null && now < this.beatDue)) {
      const first = this.firstBeatMs;
      this.beatDue = now + heartbeatWait(this.heartbeatMs(), first === null ? { turn: 'steady' } : { turn: 'second', firstWaitMs: first }, this.opts.random);
      this.firstBeatMs = null;
    }
    const body: WorkerSyncRequest = {
      slots: this.opts.slots,
      tags: this.opts.tags ?? [],
      runners: this.provides,
      isolation: this.opts.sandbox.isolation,
      free,
      running,
      completed,
      leaving,
      waitMs: opts.waitMs ?? (idle ? (running.length ? Math.max(0, this.beatDue - now) : (this.opts.waitMs ?? 25_000)) : 0),
    };
    const ctl = new AbortController();
    const inflight = { ctl, waiting: idle && !this.stopped, nudged: false };
    this.inflight = inflight;
    // A server that accepts the call and never answers must not hang the worker: give up well after the wait.
    const timer = setTimeout(() => ctl.abort(), (body.waitMs ?? 0) + (leaving ? 10_000 : (this.opts.syncTimeoutMs ?? SYNC_TIMEOUT_MS)));
    try {
      let response: Response;
      try {
        response = await fetch(`${this.base}/api/workers/${encodeURIComponent(this.id)}/sync`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.credential}` },
          body: JSON.stringify(body),
          signal: ctl.signal,
        });
      } catch (err) {
        // Our own nudge: a task finished while the idle poll was parked. Report it straight away.
        if (inflight.nudged && !this.stopped) return { res: EMPTY, again: true };
        const why = ctl.signal.aborted && !this.stopped ? 'no answer in time' : (err as Error).message;
        throw new WorkerError('WORKER_SYNC_FAILED', `could not reach ${this.base}: ${why}`, { cause: err });
      } finally {
        this.inflight = null;
      }
      return await this.handleResponse(response, { running, completed, sent, leaving });
    } finally {
      clearTimeout(timer);
    }
  }

  private async handleResponse(
    response: Response,
    { running, completed, sent, leaving }: { running: WorkFence[]; completed: WorkFence[]; sent: Map<LocalTask, SentLogs>; leaving: boolean },
  ): Promise<{ res: WorkerSyncResponse; again: boolean }> {
    if (response.status === 409) {
      // Every report was stale: those leases are gone, the runs belong to someone else now.
      const text = await response.text().catch(() => '');
      const reported = [...running, ...completed];
      if (reported.length) this.log(`the server refused every report as stale; dropping ${reported.map((f) => `${f.taskId}#${f.attempt}`).join(', ')}`);
      else this.log(`the server answered 409 to a sync without reports: ${text.slice(0, 200)}`);
      for (const f of reported) this.drop(f);
      return { res: EMPTY, again: reported.length > 0 };
    }
    if (response.status === 401 || response.status === 403) {
      const text = (await response.text().catch(() => '')).slice(0, 300);
      throw new WorkerError(
        'WORKER_UNAUTHORISED',
        `the server refused worker ${this.id}'s credential (${response.status}: ${text}); it may be revoked or rotated — an operator can enroll the worker again or rotate its credential`,
      );
    }
    if (!response.ok) {
      throw new WorkerError('WORKER_SYNC_FAILED', `the server answered ${response.status}: ${(await response.text().catch(() => '')).slice(0, 300)}`);
    }
    let json: unknown;
    try {
      json = await response.json();
    } catch (err) {
      throw new WorkerError('WORKER_SYNC_FAILED', `the server's answer could not be read: ${(err as Error).message}`, { cause: err });
    }
    const res = this.parseResponse(json);
    const woken = this.asleep && !res.sleep;
    if (Boolean(res.sleep) !== this.asleep) {
      this.asleep = Boolean(res.sleep);
      this.log(this.asleep ? 'the farm put this node to sleep: asking for no work until it is woken' : 'woken by the farm: asking for work again');
    }
    // What the server has seen is forgotten: completed tasks entirely, running tasks' sent logs.
    for (const c of completed) {
      const t = this.tasks.get(keyOf(c));
      if (t && t.fence.attempt === c.attempt) this.tasks.delete(t.key);
    }
    // Output that came while the call was under way may have pushed the oldest entries out (addLog),
    // so what was sent is found by identity, not by count: a count removed entries never sent.
    for (const [t, s] of sent) {
      const upTo = s.last ? t.logs.indexOf(s.last) : -1;
      for (const l of t.logs.splice(0, upTo + 1)) t.logChars -= l.text.length;
      t.droppedChars -= s.dropped;
    }
    for (const f of [...res.cancel, ...res.refused]) this.drop(f);
    for (const p of res.preempt) this.preempt(p, p.graceMs, p.reason ?? 'preempted');
    const started = leaving || this.stopped ? [] : res.assignments;
    for (const w of started) this.begin(w);
    // Nodes handed work in the same moment must not heartbeat together: the first heartbeat comes
    // at a random point of the interval (pacing.ts), not at once.
    if (started.length) this.phaseHeartbeats(Date.now());
    let pending = false;
    for (const t of this.tasks.values()) if (t.result !== null) pending = true;
    // Work arrived: ask again at once only while slots are still free (there may be more for them).
    return { res, again: woken || (started.length > 0 && this.freeSlots() > 0) || completed.length > 0 || pending };
  }

  private parseResponse(json: unknown): WorkerSyncResponse {
    const raw = (json ?? {}) as Partial<Record<keyof WorkerSyncResponse, unknown>>;
    const fences = (v: unknown) => (Array.isArray(v) ? v : []).filter((f): f is WorkFence & { reason?: string } => WorkKind.safeParse(f?.kind).success && typeof f?.taskId === 'string' && Number.isInteger(f?.attempt));
    const assignments: Work[] = [];
    for (const a of Array.isArray(raw.assignments) ? raw.assignments : []) {
      const parsed = Work.safeParse(a);
      if (parsed.success) assignments.push(parsed.data);
      else this.refuseMalformed(a, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    }
    return {
      assignments,
      cancel: fences(raw.cancel),
      refused: fences(raw.refused),
      preempt: fences(raw.preempt).map((f) => {
        const graceMs = (f as { graceMs?: unknown }).graceMs;
        return { ...f, graceMs: typeof graceMs === 'number' && graceMs >= 0 ? Math.min(graceMs, 600_000) : 0 };
      }),
      nextPollMs: typeof raw.nextPollMs === 'number' && raw.nextPollMs >= 0 ? Math.min(raw.nextPollMs, 60_000) : 1000,
      ...(raw.sleep === true ? { sleep: true } : {}),
    };
  }

  /** Work this worker cannot even read: fail it at once when it names a task, so it is not left leased. */
  private refuseMalformed(a: unknown, why: string): void {
    const f = a as Partial<WorkFence> | null;
    const kind = WorkKind.safeParse(f?.kind);
    if (!kind.success || typeof f?.taskId !== 'string' || !Number.isInteger(f.attempt)) {
      this.log(`ignored an assignment that names no task: ${why}`);
      return;
    }
    const fence: WorkFence = { kind: kind.data, taskId: f.taskId, attempt: f.attempt! };
    if (this.tasks.has(keyOf(fence))) return;
    this.log(`task ${fence.taskId} attempt ${fence.attempt}: malformed work (${why})`);
    const t = this.newTask({ kind: fence.kind, taskId: fence.taskId, attempt: fence.attempt, leaseMs: 15_000 } as Work, '');
    this.settle(t, { ok: false, exitCode: null, failure: { code: 'start-failed', message: `the worker could not read this work: ${why}`.slice(0, 3900) } });
  }

  private newTask(work: Work, dir: string): LocalTask {
    const t: LocalTask = {
      work,
      key: keyOf(work),
      fence: { kind: work.kind, taskId: work.taskId, attempt: work.attempt },
      dir,
      progress: undefined,
      logs: [],
      logChars: 0,
      droppedChars: 0,
      result: null,
      ctl: new AbortController(),
      procs: new Set(),
      done: Promise.resolve(),
      preempt: null,
    };
    this.tasks.set(t.key, t);
    return t;
  }

  private settle(t: LocalTask, result: WorkResult): void {
    if (this.tasks.get(t.key) !== t || t.ctl.signal.aborted) return;
    t.result = result;
    t.progress = result.ok ? 1 : t.progress;
    this.finished.push({ ...t.fence, ok: result.ok, ...(result.failure ? { failure: result.failure } : {}) });
    if (this.finished.length > MAX_FINISHED) this.finished.splice(0, this.finished.length - MAX_FINISHED);
    this.log(`task ${t.fence.taskId} attempt ${t.fence.attempt}: ${result.ok ? 'done' : `failed (${result.failure?.code ?? 'exit-code'}: ${result.failure?.message ?? `exit ${result.exitCode}`})`}`);
    this.nudge();
  }

  /** Stops a task and forgets it: nothing is reported for it any more. */
  private drop(f: { kind: string; taskId: string; attempt: number }): void {
    const t = this.tasks.get(keyOf(f));
    if (!t || t.fence.attempt !== f.attempt) return;
    this.halt(t);
    this.tasks.delete(t.key);
  }

  private halt(t: LocalTask): void {
    t.ctl.abort();
    if (t.preempt?.timer) clearTimeout(t.preempt.timer);
    for (const p of t.procs) killGroup(p);
  }

  /**
   * Preemption: SIGTERM to every process of the task (the job may write its checkpoint), SIGKILL to
   * what is left once the grace is over. The runner then finishes the attempt as usual (sending the
   * checkpoint back) and reports it `preempted`.
   */
  private preempt(f: WorkFence, graceMs: number, reason: string): void {
    const t = this.tasks.get(keyOf(f));
    if (!t || t.fence.attempt !== f.attempt || t.result !== null || t.preempt) return;
    this.log(`task ${f.taskId} attempt ${f.attempt}: preempted (${reason}); SIGTERM, SIGKILL in ${Math.round(graceMs / 1000)} s`);
    t.preempt = { reason, graceMs, timer: null };
    for (const p of t.procs) terminateTree(p);
    t.preempt.timer = setTimeout(() => {
      for (const p of t.procs) killGroup(p);
    }, graceMs);
    t.preempt.timer.unref?.();
  }

  private addLog(t: LocalTask, stream: 'stdout' | 'stderr', text: string): void {
    for (let i = 0; i < text.length; i += MAX_LOG_ENTRY) {
      const piece = text.slice(i, i + MAX_LOG_ENTRY);
      t.logs.push({ stream, text: piece });
      t.logChars += piece.length;
    }
    // Keep the newest output when a program is chatty and the server is slow to take it.
    while (t.logChars > 4 * MAX_LOG_CHARS_PER_SYNC && t.logs.length > 1) {
      const old = t.logs.shift()!;
      t.logChars -= old.text.length;
      t.droppedChars += old.text.length;
    }
  }

  // ---------------------------------------------------------------- running work

  private begin(work: Work): void {
    const existing = this.tasks.get(keyOf(work));
    if (existing) {
      if (existing.fence.attempt >= work.attempt) return;
      // A newer attempt of a task we still hold: the old lease is gone.
      this.drop(existing.fence);
    }
    const dir = SAFE_NAME.test(work.taskId) ? join(resolve(this.opts.workDir), 'tasks', `${work.taskId}-${work.attempt}`) : '';
    const t = this.newTask(work, dir);
    this.log(`task ${work.taskId} attempt ${work.attempt}: ${work.kind}${work.kind === 'render' ? ` ${work.part} ${work.frames}` : ''}`);
    t.done = this.execute(t);
  }

  private async execute(t: LocalTask): Promise<void> {
    const { work } = t;
    let result: WorkResult | null = null;
    let prepared = false;
    try {
      const runner = this.runnerFor.get(work.kind);
      if (!runner) throw new TaskFailure('start-failed', `this worker has no runner for ${work.kind} work (it runs ${this.provides.join(', ')})`);
      if (!t.dir) throw new TaskFailure('start-failed', `task id ${JSON.stringify(work.taskId)} cannot name a directory`);
      await mkdir(join(resolve(this.opts.workDir), 'tasks'), { recursive: true, mode: 0o711 });
      await removeTaskDir(t.dir); // a leftover of a crashed run
      try {
        prepared = true;
        await this.opts.sandbox.prepareWorkDir(t.dir);
      } catch (err) {
        throw new TaskFailure('sandbox-unavailable', `the sandbox could not prepare the task directory: ${(err as Error).message}`, { cause: err });
      }
      result = await runner.run(work, this.context(t));
    } catch (err) {
      if (err instanceof LeaseLost || err instanceof TaskStopped || t.ctl.signal.aborted) {
        if (err instanceof LeaseLost) this.log(`task ${work.taskId} attempt ${work.attempt}: ${err.message}; stopping it`);
        result = null;
      } else if (err instanceof TaskFailure) {
        result = { ok: false, exitCode: null, failure: { code: err.code, message: err.message.slice(0, 3900) } };
      } else {
        const code = work.kind === 'render' ? 'render-error' : 'start-failed';
        result = { ok: false, exitCode: null, failure: { code, message: (err as Error).message.slice(0, 3900) } };
      }
    } finally {
      if (t.preempt?.timer) clearTimeout(t.preempt.timer);
      for (const p of t.procs) killGroup(p);
      if (prepared) {
        await removeTaskDir(t.dir).catch((err: unknown) => this.log(`could not remove ${t.dir}: ${(err as Error).message}`));
      }
    }
    if (result === null || t.ctl.signal.aborted) {
      // Lease lost or stopped: nothing to report, and nothing more to renew.
      if (this.tasks.get(t.key) === t) this.tasks.delete(t.key);
      t.ctl.abort();
      return;
    }
    this.settle(t, result);
  }

  private context(t: LocalTask): TaskContext {
    const api = new TaskApi({
      server: this.base,
      credential: this.opts.credential,
      workerId: this.id,
      taskId: t.work.taskId,
      attempt: t.work.attempt,
      signal: t.ctl.signal,
      random: this.opts.random,
    });
    const execDir = this.execDirOf(t.dir);
    return {
      workerId: this.id,
      dir: t.dir,
      execDir,
      hostPath: (printed) => hostPathOf(t.dir, execDir, printed),
      workDir: resolve(this.opts.workDir),
      signal: t.ctl.signal,
      get stopped() {
        return t.ctl.signal.aborted;
      },
      get preempted() {
        return t.preempt ? { reason: t.preempt.reason } : null;
      },
      log: (stream, text) => this.addLog(t, stream, text),
      progress: (fraction) => {
        if (Number.isFinite(fraction)) t.progress = Math.min(1, Math.max(0, fraction));
      },
      exec: (argv, opts) => this.exec(t, argv, opts),
      api,
    };
  }

  /** Where the sandbox shows a task its directory (bubblewrap: /task); otherwise its host path. */
  private execDirOf(dir: string): string {
    const taskDir = this.opts.sandbox.taskDir;
    return taskDir && taskDir.startsWith('/') ? taskDir : dir;
  }

  private exec<E>(t: LocalTask, argv: readonly string[], opts: ExecOptions<E> = {}): Promise<ExecResult<E>> {
    return new Promise((resolvePromise, reject) => {
      if (t.ctl.signal.aborted) return reject(new TaskStopped());
      if (argv.length === 0 || !argv[0]) return reject(new TaskFailure('start-failed', 'no program to run'));
      const spec: SpawnSpec = {
        argv,
        workDir: t.dir,
        env: { PATH: DEFAULT_PATH, HOME: this.execDirOf(t.dir), LANG: 'C.UTF-8', ...opts.env },
        limits: t.work.limits,
        readOnly: opts.readOnly ?? [],
        network: opts.network ?? false,
      };
      let proc: ChildProcess;
      try {
        proc = this.opts.sandbox.spawn(spec);
      } catch (err) {
        return reject(new TaskFailure('sandbox-unavailable', `the sandbox could not start ${argv[0]}: ${(err as Error).message}`, { cause: err }));
      }
      t.procs.add(proc);
      const events: E[] = [];
      let aborted = false;
      let settled = false;
      let handlerError: unknown = null;
      let startError: Error | null = null;
      const onAbort = () => {
        aborted = true;
        killGroup(proc);
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.signal?.aborted) onAbort();
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        t.procs.delete(proc);
        opts.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const emit = (parsed: readonly E[]) => {
        for (const e of parsed) {
          events.push(e);
          opts.onEvent?.(e);
        }
      };
      const feed = (stream: 'stdout' | 'stderr') => {
        const decoder = new StringDecoder('utf8');
        let tail = '';
        const lines = (text: string, end: boolean) => {
          if (!opts.parser) return;
          const parts = (tail + text).split(/\r?\n|\r/);
          tail = end ? '' : (parts.pop() ?? '');
          for (const line of parts) {
            if (end && line === '') continue;
            try {
              emit(opts.parser.push(line));
            } catch (err) {
              // A runner's handler failed: stop the program, and reject with that error once it is gone.
              handlerError ??= err;
              killGroup(proc);
            }
          }
        };
        const out = proc[stream];
        if (!out) return;
        out.on('data', (chunk: Buffer) => {
          const text = decoder.write(chunk);
          if (!opts.quiet) this.addLog(t, stream, text);
          lines(text, false);
        });
        out.on('end', () => {
          const rest = decoder.end();
          if (rest && !opts.quiet) this.addLog(t, stream, rest);
          lines(rest, true);
        });
      };
      feed('stdout');
      feed('stderr');
      proc.on('error', (err) => {
        startError = err;
        if (proc.pid === undefined) finish(() => reject(new TaskFailure('start-failed', `could not start ${argv[0]}: ${err.message}`, { cause: err })));
      });
      // Whatever the program left behind in its process group dies with it; while preempted, at the
      // end of the grace (a job's handler may still be writing its checkpoint).
      proc.on('exit', () => {
        if (!t.preempt) killGroup(proc);
      });
      if (t.preempt) terminateTree(proc);
      proc.on('close', (code, signal) => {
        finish(() => {
          if (t.ctl.signal.aborted) reject(new TaskStopped());
          else if (handlerError) reject(handlerError);
          else if (startError && code === null && signal === null) reject(new TaskFailure('start-failed', `could not start ${argv[0]}: ${startError.message}`));
          else {
            try {
              if (code === 0 && !aborted) emit(opts.parser?.end?.() ?? []);
            } catch (err) {
              reject(err);
              return;
            }
            resolvePromise({ code, signal, events, aborted });
          }
        });
      });
    });
  }
}

/**
 * SIGTERM to a task's processes. Unsandboxed they are the process group; inside bubblewrap they are
 * the descendants of the bwrap process in a session of their own, signalled one by one (bwrap itself
 * is spared: its death would SIGKILL the sandbox at once, leaving no grace).
 */
function terminateTree(p: ChildProcess): void {
  if (!p.pid) return;
  const targets = descendantsOf(p.pid);
  if (!targets.some((d) => d.comm === 'bwrap') && processName(p.pid) !== 'bwrap') {
    try {
      process.kill(-p.pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
  for (const d of targets) {
    if (d.comm === 'bwrap') continue;
    try {
      process.kill(d.pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
}

function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Every process under `root`, from /proc (Linux: where the worker and its sandbox run). */
function descendantsOf(root: number): { pid: number; comm: string }[] {
  const children = new Map<number, { pid: number; comm: string }[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  for (const e of entries) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so split at the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push({ pid: Number(e), comm });
    children.set(ppid, list);
  }
  const out: { pid: number; comm: string }[] = [];
  const todo = [root];
  while (todo.length) {
    for (const c of children.get(todo.pop()!) ?? []) {
      out.push(c);
      todo.push(c.pid);
    }
  }
  return out;
}

/** Kills a task's process and its whole process group (the sandbox starts each in its own). */
function killGroup(p: ChildProcess): void {
  if (!p.pid) return;
  try {
    process.kill(-p.pid, 'SIGKILL');
  } catch {
    // no such group any more
  }
  if (p.exitCode === null && p.signalCode === null) {
    try {
      p.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
