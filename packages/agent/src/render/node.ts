import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import {
  LineSplitter,
  attemptDir,
  blenderCommand,
  blenderOutputFile,
  classifyRun,
  countFrames,
  createBlenderOutputParser,
  createPovrayOutputParser,
  ffmpegPreviewCommand,
  ffmpegThumbnailCommand,
  frameFileName,
  frameGlob,
  framesToRender,
  iterateFrames,
  parseFrameRanges,
  povrayCommands,
  povrayOutputFile,
} from '@shuzhi/render';
import type { Argv, FrameRange, OutputParser, RenderEvent } from '@shuzhi/render';
import type { RenderAssignment, RenderNodeSyncRequest, RenderNodeSyncResponse } from '@shuzhi/schema';

export interface RenderNodeOptions {
  server: string;
  token: string;
  siteId: string;
  id?: string;
  slots?: number;
  tags?: string[];
  /** Scratch space: scene cache and one directory per attempt. */
  workDir: string;
  /** How long the server may hold an idle poll. */
  waitMs?: number;
  blenderPath?: string;
  povrayPath?: string;
  ffmpegPath?: string;
  /** Render threads for Blender (`-t`); absent = every core. */
  threads?: number;
  /** Make a thumbnail per frame with ffmpeg (default true). */
  thumbnails?: boolean;
  /** Rewrites each command line before it runs; the unit tests point it at a fake renderer. */
  wrapCommand?: (argv: Argv) => string[];
  /** Extra environment for the renderer processes. */
  env?: Record<string, string>;
  log?: (msg: string) => void;
}

/** Why a run failed, in the failure policy's terms. */
class RunFailure extends Error {
  constructor(
    readonly kind: 'render-error' | 'scene-load',
    message: string,
  ) {
    super(message);
  }
}

/** The server took the lease away while the run was going; stop and report nothing. */
class LeaseLost extends Error {}

interface LocalTask {
  readonly a: RenderAssignment;
  progress: number;
  logs: { stream: 'stdout' | 'stderr'; text: string }[];
  logBytes: number;
  result: { ok: true } | { ok: false; failure: { kind: 'render-error' | 'scene-load'; message: string } } | null;
  readonly procs: Set<ChildProcess>;
  stopped: boolean;
}

const MAX_LOG_BYTES_PER_SYNC = 200_000;

/**
 * A render node: long-polls `POST /api/render/nodes/:id/sync`, renders chunks with Blender or
 * POV-Ray into a scratch directory of its own per attempt, publishes each frame the moment the
 * renderer reports it saved (`PUT /api/render/jobs/:id/frames/:frame`, which never replaces a
 * finished frame), makes a thumbnail per frame and the preview video with ffmpeg, and reports
 * progress parsed from the renderer's output with every heartbeat.
 */
export class RenderNode {
  readonly id: string;
  private readonly tasks = new Map<string, LocalTask>();
  private readonly scenes = new Map<string, Promise<string>>();
  private stopped = false;
  private wakeLoop: (() => void) | null = null;
  private inflight: { ctl: AbortController; waiting: boolean } | null = null;
  private loopDone: Promise<void> | null = null;
  private readonly log: (msg: string) => void;
  private readonly base: string;
  /** Tasks this node finished (ok or not), for tests and the CLI. */
  readonly finished: { taskId: string; attempt: number; ok: boolean }[] = [];

  constructor(private readonly opts: RenderNodeOptions) {
    this.id = opts.id ?? `render-${hostname()}-${process.pid}`;
    this.log = opts.log ?? ((m) => process.stderr.write(`[render node ${this.id}] ${m}\n`));
    this.base = opts.server.replace(/\/$/, '');
  }

  get slots(): number {
    return this.opts.slots ?? 1;
  }

  get runningCount(): number {
    let n = 0;
    for (const t of this.tasks.values()) if (t.result === null) n++;
    return n;
  }

  start(): void {
    this.loopDone = this.loop();
  }

  /** Stops polling; with `kill`, a crash: renderers die and the server hears nothing. */
  async stop(opts: { kill?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.inflight?.ctl.abort();
    this.wakeLoop?.();
    for (const t of this.tasks.values()) this.halt(t);
    await this.loopDone;
    if (opts.kill) return;
    this.tasks.clear();
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
        const { res, again } = await this.syncOnce();
        backoff = 500;
        if (again) continue;
        await this.pause(res.nextPollMs);
      } catch (err) {
        if (this.stopped) break;
        this.log(`sync failed: ${(err as Error).message}; retrying in ${backoff} ms`);
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  private heartbeatMs(): number {
    let lease = 15_000;
    for (const t of this.tasks.values()) lease = Math.min(lease, t.a.leaseMs);
    return Math.max(200, Math.floor(lease / 3));
  }

  private pause(ms: number): Promise<void> {
    return new Promise((res) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(t);
        self.wakeLoop = null;
        res();
      }
      this.wakeLoop = done;
    });
  }

  /** Something to report: end the pause or the idle long poll now. */
  private nudge(): void {
    if (this.inflight?.waiting) this.inflight.ctl.abort();
    this.wakeLoop?.();
  }

  /** One sync call. Exposed for tests that drive the protocol step by step. */
  async syncOnce(opts: { leaving?: boolean } = {}): Promise<{ res: RenderNodeSyncResponse; again: boolean }> {
    const running: NonNullable<RenderNodeSyncRequest['running']> = [];
    const completed: NonNullable<RenderNodeSyncRequest['completed']> = [];
    const sent = new Map<string, number>();
    let budget = MAX_LOG_BYTES_PER_SYNC;
    for (const [taskId, t] of this.tasks) {
      const logs: { stream: 'stdout' | 'stderr'; text: string }[] = [];
      for (const l of t.logs) {
        if (budget - l.text.length < 0 || logs.length >= 100) break;
        budget -= l.text.length;
        logs.push(l);
      }
      sent.set(taskId, logs.length);
      const fence = { taskId, attempt: t.a.attempt };
      if (t.result === null) running.push({ ...fence, progress: Math.min(1, Math.max(0, t.progress)), logs });
      else completed.push({ ...fence, ...t.result, logs });
    }
    const leaving = opts.leaving ?? false;
    const free = leaving ? 0 : Math.max(0, this.slots - this.runningCount);
    const waiting = !leaving && completed.length === 0 && free > 0;
    const body: RenderNodeSyncRequest = {
      siteId: this.opts.siteId,
      slots: this.slots,
      tags: this.opts.tags ?? [],
      free,
      running,
      completed,
      leaving,
      waitMs: waiting ? (running.length ? this.heartbeatMs() : (this.opts.waitMs ?? 25_000)) : 0,
    };
    const ctl = new AbortController();
    this.inflight = { ctl, waiting: waiting && !leaving };
    let response: Response;
    try {
      response = await fetch(`${this.base}/api/render/nodes/${encodeURIComponent(this.id)}/sync`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.token}` },
        body: JSON.stringify(body),
        signal: ctl.signal,
      });
    } catch (err) {
      // Our own nudge: a task finished while the idle poll was parked. Report it straight away.
      if (ctl.signal.aborted && !this.stopped) return { res: { assignments: [], cancel: [], refused: [], nextPollMs: 0 }, again: true };
      throw err;
    } finally {
      this.inflight = null;
    }
    if (response.status === 409) {
      // Every report was stale: those runs belong to someone else now.
      await response.text();
      for (const f of [...running, ...completed]) this.drop(f.taskId);
      return { res: { assignments: [], cancel: [], refused: [], nextPollMs: 0 }, again: true };
    }
    if (!response.ok) throw new Error(`server answered ${response.status}: ${await response.text()}`);
    const res = (await response.json()) as RenderNodeSyncResponse;
    for (const c of completed) this.tasks.delete(c.taskId);
    for (const [taskId, n] of sent) {
      const t = this.tasks.get(taskId);
      if (t) {
        for (const l of t.logs.splice(0, n)) t.logBytes -= l.text.length;
      }
    }
    for (const f of [...res.cancel, ...res.refused]) {
      const t = this.tasks.get(f.taskId);
      if (t && t.a.attempt === f.attempt) this.drop(f.taskId);
    }
    if (!leaving && !this.stopped) for (const a of res.assignments) this.run(a);
    return { res, again: res.assignments.length > 0 || completed.length > 0 };
  }

  private drop(taskId: string): void {
    const t = this.tasks.get(taskId);
    if (!t) return;
    this.halt(t);
    this.tasks.delete(taskId);
  }

  private halt(t: LocalTask): void {
    t.stopped = true;
    for (const p of t.procs) {
      if (p.exitCode !== null || !p.pid) continue;
      try {
        process.kill(-p.pid, 'SIGKILL');
      } catch {
        p.kill('SIGKILL');
      }
    }
  }

  private addLog(t: LocalTask, stream: 'stdout' | 'stderr', text: string): void {
    // Keep the newest output when a renderer is chatty and the server is slow to take it.
    t.logs.push({ stream, text });
    t.logBytes += text.length;
    while (t.logBytes > 4 * MAX_LOG_BYTES_PER_SYNC && t.logs.length > 1) t.logBytes -= t.logs.shift()!.text.length;
  }

  private run(a: RenderAssignment): void {
    if (this.tasks.has(a.taskId)) return;
    const t: LocalTask = { a, progress: 0, logs: [], logBytes: 0, result: null, procs: new Set(), stopped: false };
    this.tasks.set(a.taskId, t);
    this.log(`task ${a.taskId} attempt ${a.attempt}: ${a.kind} ${a.frames}`);
    const dir = attemptDir(join(this.opts.workDir, a.jobId), a.taskId, a.attempt);
    void (async () => {
      try {
        await mkdir(dir, { recursive: true });
        if (a.kind === 'chunk') await this.renderChunk(t, dir);
        else await this.makePreview(t, dir);
        t.result = { ok: true };
      } catch (err) {
        if (err instanceof LeaseLost || t.stopped) {
          this.drop(a.taskId);
          return;
        }
        const kind = err instanceof RunFailure ? err.kind : 'render-error';
        t.result = { ok: false, failure: { kind, message: (err as Error).message.slice(0, 3900) } };
      } finally {
        await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      }
      if (this.tasks.get(a.taskId) === t) {
        this.finished.push({ taskId: a.taskId, attempt: a.attempt, ok: t.result?.ok ?? false });
        this.log(`task ${a.taskId} attempt ${a.attempt}: ${t.result?.ok ? 'done' : `failed (${t.result && !t.result.ok ? t.result.failure.message : ''})`}`);
        this.nudge();
      }
    })();
  }

  // ---------------------------------------------------------------- chunks

  private async renderChunk(t: LocalTask, dir: string): Promise<void> {
    const a = t.a;
    const chunk = parseFrameRanges(a.frames);
    const done = new Set(a.done);
    const todo = framesToRender(chunk, (f) => done.has(f));
    const total = countFrames(chunk);
    if (todo.length === 0) return;
    const scene = await this.scenePath(a);
    const commands: Argv[] =
      a.renderer === 'blender'
        ? [
            blenderCommand({
              scenePath: scene,
              outputDir: dir,
              padWidth: a.padWidth,
              format: a.outputFormat,
              frames: todo,
              overrides: a.overrides,
              ...(this.opts.blenderPath ? { blenderPath: this.opts.blenderPath } : {}),
              ...(this.opts.threads ? { threads: this.opts.threads } : {}),
            }),
          ]
        : povrayCommands({
            scenePath: scene,
            outputDir: dir,
            frames: todo,
            width: a.overrides.resolutionX ?? 320,
            height: a.overrides.resolutionY ?? 180,
            animation: a.animation,
            ...(this.opts.povrayPath ? { povrayPath: this.opts.povrayPath } : {}),
          });
    const published = new Set<number>(done);
    let chain: Promise<void> = Promise.resolve();
    const onEvent = (e: RenderEvent) => {
      if (e.kind === 'progress') t.progress = (published.size + e.fraction) / total;
      if (e.kind === 'saved' || e.kind === 'skipped') {
        const file = e.savedFile.startsWith('/') ? e.savedFile : join(dir, e.savedFile);
        chain = chain.then(() => this.publishFrame(t, e.frame, file, dir, published, total));
        // Handled here so a lost lease mid-render stops the renderer; awaited again below.
        chain.catch((err: unknown) => {
          if (err instanceof LeaseLost) this.halt(t);
        });
      }
    };
    for (const argv of commands) {
      const parser = a.renderer === 'blender' ? createBlenderOutputParser() : createPovrayOutputParser();
      const { events, code } = await this.exec(t, argv, parser, onEvent);
      await chain;
      const verdict = classifyRun(events, code);
      if (verdict.outcome === 'scene-load') throw new RunFailure('scene-load', verdict.message);
      if (verdict.outcome === 'render-error') throw new RunFailure('render-error', verdict.message);
      // POV-Ray wraps long output paths across lines, so a `Saved` event can be missed; the files
      // themselves are the truth.
      for (const f of iterateFrames(todo)) {
        if (published.has(f)) continue;
        const file = a.renderer === 'blender' ? blenderOutputFile(dir, f, a.padWidth, a.outputFormat) : povrayOutputFile(dir, f, a.animation);
        if (existsSync(file)) await this.publishFrame(t, f, file, dir, published, total);
      }
    }
    await chain;
    for (const f of iterateFrames(todo)) {
      if (!published.has(f)) throw new RunFailure('render-error', `the renderer finished without writing frame ${f}`);
    }
  }

  private async publishFrame(t: LocalTask, frame: number, file: string, dir: string, published: Set<number>, total: number): Promise<void> {
    if (t.stopped || published.has(frame) || !existsSync(file)) return;
    const a = t.a;
    await this.put(t, `/api/render/jobs/${a.jobId}/frames/${frame}`, await readFile(file));
    published.add(frame);
    t.progress = published.size / total;
    if (this.opts.thumbnails !== false) {
      const thumb = join(dir, `thumb_${frame}.jpg`);
      try {
        const { code } = await this.exec(t, ffmpegThumbnailCommand({ input: file, output: thumb, width: a.thumbnailWidth, ...(this.opts.ffmpegPath ? { ffmpegPath: this.opts.ffmpegPath } : {}) }), null, () => undefined);
        if (code === 0 && existsSync(thumb)) await this.put(t, `/api/render/jobs/${a.jobId}/frames/${frame}/thumb`, await readFile(thumb));
        else this.addLog(t, 'stderr', `thumbnail of frame ${frame} failed (ffmpeg exit ${code})\n`);
      } catch (err) {
        if (err instanceof LeaseLost) throw err;
        this.addLog(t, 'stderr', `thumbnail of frame ${frame} failed: ${(err as Error).message}\n`);
      }
      await unlink(thumb).catch(() => undefined);
    }
    await unlink(file).catch(() => undefined);
  }

  // ---------------------------------------------------------------- preview

  private async makePreview(t: LocalTask, dir: string): Promise<void> {
    const a = t.a;
    const { frames } = (await this.getJson(`/api/render/jobs/${a.jobId}/published`)) as { frames: number[] };
    if (frames.length === 0) throw new RunFailure('render-error', 'no finished frames to make a preview from');
    const framesDir = join(dir, 'frames');
    await mkdir(framesDir, { recursive: true });
    let next = 0;
    const worker = async () => {
      while (next < frames.length && !t.stopped) {
        const f = frames[next++]!;
        const res = await fetch(`${this.base}/api/render/jobs/${a.jobId}/frames/${f}/file`, { headers: this.auth() });
        if (!res.ok) throw new RunFailure('render-error', `could not fetch frame ${f} for the preview (${res.status})`);
        await writeFile(join(framesDir, frameFileName(f, a.padWidth, a.outputFormat)), Buffer.from(await res.arrayBuffer()));
        t.progress = (0.5 * next) / frames.length;
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const out = join(dir, 'preview.mp4');
    const argv = ffmpegPreviewCommand({
      framesGlob: frameGlob(framesDir, a.outputFormat),
      output: out,
      fps: a.fps,
      ...(this.opts.ffmpegPath ? { ffmpegPath: this.opts.ffmpegPath } : {}),
    });
    const { code } = await this.exec(t, argv, null, () => undefined);
    if (code !== 0 || !existsSync(out)) {
      const tail = t.logs.map((l) => l.text).join('').slice(-500);
      throw new RunFailure('render-error', `ffmpeg could not make the preview (exit ${code}): ${tail.trim()}`);
    }
    t.progress = 0.9;
    await this.put(t, `/api/render/jobs/${a.jobId}/preview`, await readFile(out));
    t.progress = 1;
  }

  // ---------------------------------------------------------------- plumbing

  private auth(): Record<string, string> {
    return { authorization: `Bearer ${this.opts.token}` };
  }

  private async getJson(path: string): Promise<unknown> {
    const res = await fetch(`${this.base}${path}`, { headers: this.auth() });
    if (!res.ok) throw new RunFailure('render-error', `GET ${path} failed (${res.status}): ${(await res.text()).slice(0, 300)}`);
    return res.json();
  }

  /** A fenced upload; 409 means the lease is gone and the whole run stops. */
  private async put(t: LocalTask, path: string, body: Buffer): Promise<void> {
    const q = `node=${encodeURIComponent(this.id)}&taskId=${encodeURIComponent(t.a.taskId)}&attempt=${t.a.attempt}`;
    const res = await fetch(`${this.base}${path}?${q}`, {
      method: 'PUT',
      headers: { ...this.auth(), 'content-type': 'application/octet-stream' },
      body,
    });
    if (res.status === 409) {
      await res.text();
      throw new LeaseLost(`lease of ${t.a.taskId} attempt ${t.a.attempt} is gone`);
    }
    if (!res.ok) throw new RunFailure('render-error', `upload ${path} failed (${res.status}): ${(await res.text()).slice(0, 300)}`);
    await res.arrayBuffer();
  }

  /** The scene on shared storage when this node can see it, else a copy fetched once per job. */
  private scenePath(a: RenderAssignment): Promise<string> {
    if (a.scene.kind === 'shared' && existsSync(a.scene.path)) return Promise.resolve(a.scene.path);
    let p = this.scenes.get(a.jobId);
    if (!p) {
      const name = a.scene.kind === 'upload' ? a.scene.fileName : basename(a.scene.path);
      p = (async () => {
        const res = await fetch(`${this.base}/api/render/jobs/${a.jobId}/scene`, { headers: this.auth() });
        if (!res.ok) throw new RunFailure('render-error', `could not fetch the scene (${res.status}): ${(await res.text()).slice(0, 300)}`);
        const dir = join(this.opts.workDir, a.jobId, 'scene');
        await mkdir(dir, { recursive: true });
        const file = join(dir, name);
        await writeFile(file, Buffer.from(await res.arrayBuffer()));
        return file;
      })();
      p.catch(() => this.scenes.delete(a.jobId));
      this.scenes.set(a.jobId, p);
    }
    return p;
  }

  private exec(
    t: LocalTask,
    argv: Argv,
    parser: OutputParser | null,
    onEvent: (e: RenderEvent) => void,
  ): Promise<{ events: RenderEvent[]; code: number | null }> {
    const cmd = this.opts.wrapCommand ? this.opts.wrapCommand(argv) : [...argv];
    return new Promise((resolve, reject) => {
      if (t.stopped) return reject(new LeaseLost('stopped'));
      const events: RenderEvent[] = [];
      const proc = spawn(cmd[0]!, cmd.slice(1), {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: this.opts.workDir, LANG: 'C.UTF-8', ...this.opts.env },
      });
      t.procs.add(proc);
      const feed = (stream: 'stdout' | 'stderr') => {
        const split = new LineSplitter();
        const onLines = (lines: string[]) => {
          if (!parser) return;
          for (const line of lines) {
            for (const e of parser.push(line)) {
              events.push(e);
              onEvent(e);
            }
          }
        };
        proc[stream]!.on('data', (chunk: Buffer) => {
          const text = chunk.toString('utf8');
          this.addLog(t, stream, text);
          onLines(split.push(text));
        });
        proc[stream]!.on('end', () => onLines(split.flush()));
      };
      feed('stdout');
      feed('stderr');
      proc.on('error', (err) => {
        t.procs.delete(proc);
        reject(new RunFailure('render-error', `could not start ${cmd[0]}: ${err.message}`));
      });
      proc.on('close', (code) => {
        t.procs.delete(proc);
        if (t.stopped) reject(new LeaseLost('stopped'));
        else resolve({ events, code });
      });
    });
  }
}

export type { FrameRange };
