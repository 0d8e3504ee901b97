import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Work, WorkFence, WorkerIsolation, WorkerSyncRequest } from '@shuzhi/schema';
import type { Sandbox, SpawnSpec } from '../src/index.ts';

/** The fake Blender/ffmpeg of the render tests (see its header). */
export const FAKE_RENDERER = fileURLToPath(new URL('../../server/test/render-fake-renderer.mjs', import.meta.url));

export const CREDENTIAL = 'szw.wrk_test1.abcdefghijklmnopqrstuvwxyz012345';
export const WORKER_ID = 'wrk_test1';

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `shuzhi-${prefix}-`));
}

/**
 * A sandbox for unit tests that isolates nothing: programs run as the test's own user, in their
 * directory, in a process group of their own. It records what it was asked to run, so tests can
 * check that every program of a task went through the sandbox.
 */
export function directSandbox(opts: { isolation?: WorkerIsolation } = {}): Sandbox & { spawned: SpawnSpec[]; prepared: string[] } {
  const spawned: SpawnSpec[] = [];
  const prepared: string[] = [];
  return {
    isolation: opts.isolation ?? 'none',
    description: 'test sandbox: programs run directly, no isolation',
    spawned,
    prepared,
    async prepareWorkDir(dir: string) {
      prepared.push(dir);
      await mkdir(dir, { recursive: true, mode: 0o700 });
    },
    spawn(spec: SpawnSpec) {
      spawned.push(spec);
      return spawn(spec.argv[0]!, spec.argv.slice(1), { cwd: spec.workDir, env: { ...spec.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    },
  };
}

export const limits = { cpuSeconds: 600, memoryMB: 1024, processes: 64 };

export function shellWork(taskId: string, command: string, over: Partial<Extract<Work, { kind: 'shell' }>> = {}): Work {
  return { kind: 'shell', taskId, attempt: 1, jobId: 'job_t', command, env: {}, units: 1, leaseMs: 3000, limits, ...over };
}

export function renderWork(taskId: string, over: Partial<Extract<Work, { kind: 'render' }>> = {}): Work {
  return {
    kind: 'render',
    taskId,
    attempt: 1,
    jobId: 'rjob_t',
    index: 0,
    part: 'chunk',
    frames: '1-4',
    done: [],
    renderer: 'blender',
    scene: { kind: 'upload', uploadId: 'upl_1', fileName: 'scene.blend' },
    outputFormat: 'png',
    padWidth: 4,
    overrides: {},
    animation: { firstFrame: 1, lastFrame: 4 },
    fps: 24,
    thumbnailWidth: 64,
    leaseMs: 3000,
    limits,
    ...over,
  };
}

/**
 * A test sandbox that, like bubblewrap, shows each task its directory at another path: `view`, a
 * symbolic link pointed at the task's directory when it is prepared (one task at a time).
 */
export function viewSandbox(view: string): Sandbox & { taskDir: string; spawned: SpawnSpec[] } {
  const spawned: SpawnSpec[] = [];
  return {
    isolation: 'none',
    description: `test sandbox: the task directory appears at ${view}`,
    taskDir: view,
    spawned,
    async prepareWorkDir(dir: string) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await rm(view, { force: true });
      await symlink(dir, view);
    },
    spawn(spec: SpawnSpec) {
      spawned.push(spec);
      return spawn(spec.argv[0]!, spec.argv.slice(1), { cwd: view, env: { ...spec.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    },
  };
}

type SyncBody = WorkerSyncRequest & { free: number };

/**
 * A stand-in for the server's worker endpoints, for driving one worker through the protocol:
 * leases with fences, long polls, 409 on stale reports and on task calls without the lease.
 */
export class FakeServer {
  url = '';
  readonly syncs: SyncBody[] = [];
  readonly completed: (WorkFence & { result: { ok: boolean; exitCode?: number | null; failure?: { code: string; message: string } }; logs: { stream: string; text: string }[] })[] = [];
  readonly logs: { taskId: string; stream: string; text: string }[] = [];
  readonly frames = new Map<string, Map<number, Buffer>>();
  readonly thumbs = new Map<string, Set<number>>();
  readonly previews = new Map<string, Buffer>();
  readonly scenes = new Map<string, Buffer>();
  readonly taskCalls: { method: string; path: string; attempt: number }[] = [];
  /** Fences leased and not yet reported finished. */
  readonly leases = new Map<string, Work>();
  readonly queue: Work[] = [];
  readonly cancelNext: (WorkFence & { reason?: string })[] = [];
  /** Answer every sync and task call with this status (401, 403, 500) while set. */
  failWith: number | null = null;
  /** Take syncs and never answer them. */
  hang = false;
  /** Task calls to answer 409 (lease lost) although the lease is held. */
  revokeUploads = false;
  private server: Server | null = null;
  private waiters = new Set<() => void>();

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const w of this.waiters) w();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }

  /** Queues work; a parked long poll takes it at once. */
  offer(...work: Work[]): void {
    this.queue.push(...work);
    for (const w of this.waiters) w();
  }

  private key(f: { kind: string; taskId: string; attempt: number }) {
    return `${f.kind}:${f.taskId}:${f.attempt}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url!, this.url);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const json = (status: number, value: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (req.headers.authorization !== `Bearer ${CREDENTIAL}`) return json(401, { code: 'UNAUTHENTICATED' });
    if (this.failWith) return json(this.failWith, { code: 'FAIL', detail: 'told to fail' });
    const sync = /^\/api\/workers\/([^/]+)\/sync$/.exec(url.pathname);
    if (sync && req.method === 'POST') {
      if (sync[1] !== WORKER_ID) return json(403, { code: 'FORBIDDEN' });
      if (this.hang) {
        this.syncs.push(JSON.parse(body.toString()) as SyncBody);
        return;
      }
      return this.sync(JSON.parse(body.toString()) as SyncBody, req, json);
    }
    const task = /^\/api\/workers\/([^/]+)\/tasks\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (task) {
      const attempt = Number(url.searchParams.get('attempt'));
      const taskId = decodeURIComponent(task[2]!);
      const rest = task[3]!;
      this.taskCalls.push({ method: req.method!, path: rest, attempt });
      const work = [...this.leases.values()].find((w) => w.taskId === taskId && w.attempt === attempt);
      if (!work || work.kind !== 'render' || (this.revokeUploads && req.method === 'PUT')) return json(409, { code: 'LEASE_LOST' });
      const frames = this.frames.get(work.jobId) ?? new Map<number, Buffer>();
      this.frames.set(work.jobId, frames);
      if (req.method === 'GET' && rest === 'scene') {
        const scene = this.scenes.get(work.jobId);
        if (!scene) return json(404, { code: 'NOT_FOUND' });
        return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(scene);
      }
      if (req.method === 'GET' && rest === 'published') return json(200, { frames: [...frames.keys()].sort((a, b) => a - b) });
      const frame = /^frames\/(\d+)(\/thumb)?$/.exec(rest);
      if (frame && req.method === 'GET' && !frame[2]) {
        const bytes = frames.get(Number(frame[1]));
        return bytes ? void res.writeHead(200).end(bytes) : json(404, { code: 'NOT_FOUND' });
      }
      if (frame && req.method === 'PUT' && !frame[2]) {
        const f = Number(frame[1]);
        const stored = !frames.has(f);
        if (stored) frames.set(f, body);
        return json(200, { stored, frame: f });
      }
      if (frame && req.method === 'PUT') {
        const set = this.thumbs.get(work.jobId) ?? new Set<number>();
        set.add(Number(frame[1]));
        this.thumbs.set(work.jobId, set);
        return json(200, { stored: true });
      }
      if (rest === 'preview' && req.method === 'PUT') {
        this.previews.set(work.jobId, body);
        return json(200, { stored: true });
      }
    }
    return json(404, { code: 'NOT_FOUND' });
  }

  private async sync(b: SyncBody, req: IncomingMessage, json: (s: number, v: unknown) => void): Promise<void> {
    this.syncs.push(b);
    const running = b.running ?? [];
    const completed = b.completed ?? [];
    const reports = [...running, ...completed];
    const stale = reports.filter((f) => !this.leases.has(this.key(f)));
    for (const r of reports) for (const l of r.logs ?? []) this.logs.push({ taskId: r.taskId, ...l });
    if (reports.length > 0 && stale.length === reports.length) return json(409, { code: 'STALE_REPORT' });
    for (const c of completed) {
      if (!this.leases.has(this.key(c))) continue;
      this.leases.delete(this.key(c));
      this.completed.push(c as (typeof this.completed)[number]);
    }
    if (b.leaving) {
      for (const [k, w] of this.leases) if (!completed.some((c) => this.key(c) === k)) this.leases.delete(k), this.queue.unshift(w);
    }
    const cancel = this.cancelNext.splice(0);
    for (const c of cancel) this.leases.delete(this.key(c));
    let assignments: Work[] = [];
    const take = () => {
      assignments = this.queue.splice(0, b.free);
      for (const w of assignments) this.leases.set(this.key(w), w);
    };
    take();
    if (assignments.length === 0 && (b.waitMs ?? 0) > 0 && !b.leaving && cancel.length === 0) {
      // Park the poll until work arrives, the wait ends, or the worker hangs up.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, b.waitMs);
        this.waiters.add(done);
        req.socket.once('close', done);
      });
      if (req.socket.destroyed) return;
      take();
    }
    json(200, { assignments, cancel, refused: stale.map(({ kind, taskId, attempt }) => ({ kind, taskId, attempt })), nextPollMs: 100 });
  }
}

export async function waitFor<T>(what: string, fn: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A seeded generator (a linear congruential one) of draws in [0, 1): the same draws every run. */
export function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}
