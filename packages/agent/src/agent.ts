import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Assignment, Fence, SyncRequest, SyncResponse } from '@shuzhi/schema';

export interface AgentOptions {
  server: string;
  token: string;
  siteId: string;
  slots: number;
  tags?: string[];
  id?: string;
  workDir: string;
  /** How long the server may hold an idle poll. */
  waitMs?: number;
  log?: (msg: string) => void;
}

interface LocalTask {
  fence: Fence;
  proc: ChildProcess | null;
  logs: { stream: 'stdout' | 'stderr'; text: string }[];
  exitCode: number | null;
  error?: string;
  leaseMs: number;
}

const MAX_LOG_CHUNK = 64 * 1024;

export class AgentError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The worker agent: one long-poll sync loop that reports progress and completions, takes
 * assignments into free slots and stops what the server cancels. Results are kept until the
 * server has seen them, so a network blip loses nothing.
 */
export class Agent {
  readonly id: string;
  private tasks = new Map<string, LocalTask>();
  private stopped = false;
  private wakeLoop: (() => void) | null = null;
  private inflight: AbortController | null = null;
  private loopDone: Promise<void> | null = null;
  private readonly log: (msg: string) => void;

  constructor(private readonly opts: AgentOptions) {
    this.id = opts.id ?? `${hostname()}-${process.pid}`;
    this.log = opts.log ?? ((m) => process.stderr.write(`[agent ${this.id}] ${m}\n`));
  }

  get runningCount(): number {
    return [...this.tasks.values()].filter((t) => t.exitCode === null).length;
  }

  start(): void {
    this.loopDone = this.loop();
  }

  /** Stops polling; with `kill`, also stops running tasks (a crash as far as the server can tell). */
  async stop(opts: { kill?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.inflight?.abort();
    this.wakeLoop?.();
    const abandoned = [...this.tasks.values()].filter((t) => t.exitCode === null);
    for (const t of abandoned) this.kill(t);
    await this.loopDone;
    if (opts.kill) return;
    // Say goodbye, so work handed to us in a poll we just abandoned is requeued at once; what we
    // killed is not reported as failed (it was not the job's fault) but left to be requeued.
    for (const t of abandoned) this.tasks.delete(t.fence.taskId);
    try {
      await this.syncOnce({ leaving: true });
    } catch (err) {
      this.log(`could not tell the server we are leaving: ${(err as Error).message}`);
    }
  }

  private async loop(): Promise<void> {
    let backoff = 500;
    while (!this.stopped) {
      try {
        const { res, hadWork } = await this.syncOnce();
        backoff = 500;
        if (hadWork) continue;
        await this.pause(this.runningCount > 0 ? this.heartbeatMs() : res.nextPollMs);
      } catch (err) {
        if (this.stopped) break;
        this.log(`sync failed: ${(err as Error).message}; retrying in ${backoff} ms`);
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  private heartbeatMs(): number {
    const lease = Math.min(...[...this.tasks.values()].map((t) => t.leaseMs), 15_000);
    return Math.max(200, Math.floor(lease / 3));
  }

  private pause(ms: number): Promise<void> {
    return new Promise((res) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        res();
      }
      this.wakeLoop = () => {
        this.wakeLoop = null;
        done();
      };
    });
  }

  /** One sync call. Exposed for tests that drive the protocol step by step. */
  async syncOnce(opts: { leaving?: boolean } = {}): Promise<{ res: SyncResponse; hadWork: boolean }> {
    const running: SyncRequest['running'] = [];
    const completed: SyncRequest['completed'] = [];
    const sent = new Map<string, number>();
    for (const [id, t] of this.tasks) {
      const logs = t.logs.slice();
      sent.set(id, logs.length);
      if (t.exitCode === null) running.push({ ...t.fence, logs });
      else completed.push({ ...t.fence, exitCode: t.exitCode, logs, ...(t.error ? { error: t.error } : {}) });
    }
    const free = opts.leaving ? 0 : Math.max(0, this.opts.slots - this.runningCount);
    const body: SyncRequest = {
      leaving: opts.leaving ?? false,
      siteId: this.opts.siteId,
      slots: this.opts.slots,
      tags: this.opts.tags ?? [],
      free,
      running,
      completed,
      waitMs: running.length || completed.length || free === 0 ? 0 : (this.opts.waitMs ?? 25_000),
    };
    this.inflight = new AbortController();
    let response: Response;
    try {
      response = await fetch(`${this.opts.server.replace(/\/$/, '')}/api/agents/${encodeURIComponent(this.id)}/sync`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.token}` },
        body: JSON.stringify(body),
        signal: this.inflight.signal,
      });
    } finally {
      this.inflight = null;
    }
    if (response.status === 409) {
      // Every report was stale: our leases are gone, so what we hold is someone else's now.
      for (const f of [...running, ...completed]) this.drop(f.taskId);
      return { res: { assignments: [], cancel: [], refused: [], nextPollMs: 0 }, hadWork: true };
    }
    if (!response.ok) {
      const text = await response.text();
      if (response.status === 401 || response.status === 403) {
        throw new AgentError('AGENT_UNAUTHORISED', `server refused the agent (${response.status}): ${text}`);
      }
      throw new AgentError('AGENT_SYNC_FAILED', `server answered ${response.status}: ${text}`);
    }
    const res = (await response.json()) as SyncResponse;
    // What the server has seen is forgotten: completed tasks entirely, running tasks' sent logs.
    for (const c of completed) this.tasks.delete(c.taskId);
    for (const [id, n] of sent) this.tasks.get(id)?.logs.splice(0, n);
    for (const f of [...res.cancel, ...res.refused]) {
      const t = this.tasks.get(f.taskId);
      if (t && t.fence.attempt === f.attempt) this.drop(f.taskId);
    }
    for (const a of res.assignments) this.run(a);
    return { res, hadWork: res.assignments.length > 0 || completed.length > 0 };
  }

  private drop(taskId: string) {
    const t = this.tasks.get(taskId);
    if (!t) return;
    this.kill(t);
    this.tasks.delete(taskId);
  }

  private kill(t: LocalTask) {
    if (t.proc && t.exitCode === null && t.proc.pid) {
      try {
        process.kill(-t.proc.pid, 'SIGKILL');
      } catch {
        t.proc.kill('SIGKILL');
      }
    }
  }

  private run(a: Assignment) {
    const dir = join(this.opts.workDir, `${a.taskId}-${a.attempt}`);
    const t: LocalTask = { fence: { taskId: a.taskId, attempt: a.attempt }, proc: null, logs: [], exitCode: null, leaseMs: a.leaseMs };
    this.tasks.set(a.taskId, t);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      t.exitCode = 127;
      t.error = `could not create work directory ${dir}: ${(err as Error).message}`;
      this.wakeLoop?.();
      return;
    }
    const proc = spawn('/bin/sh', ['-c', a.command], {
      cwd: dir,
      detached: true,
      env: {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        HOME: dir,
        LANG: 'C.UTF-8',
        ...a.env,
        SHUZHI_JOB_ID: a.jobId,
        SHUZHI_TASK_ID: a.taskId,
        SHUZHI_ATTEMPT: String(a.attempt),
        SHUZHI_UNITS: String(a.units),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.proc = proc;
    const capture = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      for (let i = 0; i < text.length; i += MAX_LOG_CHUNK) t.logs.push({ stream, text: text.slice(i, i + MAX_LOG_CHUNK) });
    };
    proc.stdout.on('data', capture('stdout'));
    proc.stderr.on('data', capture('stderr'));
    proc.on('error', (err) => {
      t.exitCode = 127;
      t.error = `could not start the command: ${err.message}`;
      this.wakeLoop?.();
    });
    proc.on('close', (code, signal) => {
      t.exitCode = code ?? 128;
      if (signal) t.error = `killed by ${signal}`;
      this.wakeLoop?.();
    });
    this.log(`started ${a.taskId} attempt ${a.attempt} in ${dir}`);
  }
}
