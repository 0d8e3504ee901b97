import { link, lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  CommandInvalidError,
  classifyRun,
  countFrames,
  ffmpegPreviewCommand,
  ffmpegThumbnailCommand,
  frameFileName,
  frameGlob,
  framesToRender,
  imageLooksComplete,
  iterateFrames,
  parseFrameRanges,
  sceneFileOf,
} from '@shuzhi/render';
import type { Argv, RenderEvent } from '@shuzhi/render';
import type { RenderExecutable, RenderRenderer, RenderSteps, RenderWork, WorkResult, WorkerRunner } from '@shuzhi/schema';
import { LeaseLost, TaskFailure, TaskStopped, WorkerError } from '../errors.ts';
import { BlobCache } from '../blob-cache.ts';
import { emptyBlobCounters, fetchBlob } from '../peer-fetch.ts';
import { PeerServer, type PeerServeOptions } from '../peer-server.ts';
import { readTaskOutput, removeTaskDir, unlinkTaskOutput, writeNewFile } from '../files.ts';
import type { ExecOptions, TaskContext, TaskRunner } from '../runner.ts';
import { blenderRenderer, povrayRenderer, type RendererPlugin } from './renderers.ts';
import { fetchUpstream, fourAtATime, inTaskView, makeTaskOwnedDir, tailParser } from './typed-steps.ts';

export interface RenderRunnerOptions {
  /** Renderers this worker offers (default blender and povray). */
  renderers?: readonly RenderRenderer[];
  /** ffmpeg for thumbnails and previews (default true). Without it the worker takes no preview tasks. */
  ffmpeg?: boolean;
  /** Programs, by name on the sandbox's PATH or by absolute path (tests point them at a fake renderer). */
  blenderPath?: string;
  povrayPath?: string;
  ffmpegPath?: string;
  /** Render threads for Blender (`-t`); absent = every core. */
  threads?: number;
  /** A thumbnail per frame (default true, when ffmpeg is offered). */
  thumbnails?: boolean;
  /** Extra environment for the renderer processes. */
  env?: Record<string, string>;
  /** Jobs whose scene stays cached in the work directory once no task of theirs runs (default 8). */
  cachedScenes?: number;
  /** Size cap of the blob cache shared by manifest scenes, in bytes (default 10 GiB; least recently used go first). */
  blobCacheBytes?: number;
  /** Serve the blob cache to other nodes of the farm (with the server's grants) on this address; absent = do not serve. */
  peer?: PeerServeOptions;
}

const SAFE_ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;

/**
 * Render chunks and previews: the port of the render node onto the worker runtime. A chunk renders
 * its missing frames with a renderer plug-in, publishes each frame the moment the renderer reports
 * it saved (the server never replaces a published frame), makes a thumbnail per frame with ffmpeg,
 * and reports progress parsed from the renderer's output. A preview fetches the published frames
 * and encodes them with ffmpeg. Every program runs in the sandbox with no network and the scene
 * read-only; every file a program names is checked before the worker reads it (see files.ts).
 */
export class RenderRunner implements TaskRunner<RenderWork> {
  readonly kind = 'render' as const;
  readonly provides: readonly WorkerRunner[];
  private readonly plugins = new Map<RenderRenderer, RendererPlugin>();
  private readonly ffmpeg: boolean;
  private readonly ffmpegProgram: string;
  /** Scene download per job, shared by the tasks of that job on this worker. */
  private readonly scenes = new Map<string, { file: Promise<string>; owner: TaskContext }>();
  private readonly sceneUse = new Map<string, { running: number; lastUsed: number; dir: string }>();
  /** Scene directories being removed; a new download for that job waits for it. */
  private readonly evicting = new Map<string, Promise<void>>();
  /** Blobs of manifest scenes, in `<workDir>/blobs` (made at the first task: the work dir comes with it). */
  private blobCache: BlobCache | null = null;
  /** Serves the blob cache to peers (started with the cache, when `peer` is set). */
  private peerServer: Promise<PeerServer | null> | null = null;
  /** Where this node's blobs came from: the store or peers. */
  readonly blobSources = emptyBlobCounters();

  constructor(private readonly opts: RenderRunnerOptions = {}) {
    const renderers = opts.renderers ?? ['blender', 'povray'];
    for (const r of renderers) {
      this.plugins.set(r, r === 'blender' ? blenderRenderer({ ...(opts.blenderPath ? { path: opts.blenderPath } : {}), ...(opts.threads ? { threads: opts.threads } : {}) }) : povrayRenderer(opts.povrayPath ? { path: opts.povrayPath } : {}));
    }
    this.ffmpeg = opts.ffmpeg ?? true;
    this.ffmpegProgram = opts.ffmpegPath ?? 'ffmpeg';
    if (this.plugins.size === 0 && !this.ffmpeg) throw new WorkerError('WORKER_CONFIG_INVALID', 'a render runner needs a renderer or ffmpeg');
    this.provides = [...this.plugins.keys(), ...(this.ffmpeg ? (['ffmpeg'] as const) : [])];
  }

  async run(work: RenderWork, ctx: TaskContext): Promise<WorkResult> {
    if (work.steps) await this.typed(work, work.steps, ctx);
    else if (work.part === 'preview') await this.preview(work, ctx);
    else await this.chunk(work, ctx);
    ctx.progress(1);
    return { ok: true, exitCode: 0 };
  }

  /** Programs given by absolute path outside the system directories (which every sandbox shows): the sandbox must let the process read them. */
  private programs(...names: string[]): string[] {
    return names.filter((p) => p.startsWith('/') && !/^\/(usr|bin|sbin|lib|lib32|lib64|libx32)\//.test(p));
  }

  private exec<E>(ctx: TaskContext, argv: Argv, opts: ExecOptions<E> = {}) {
    return ctx.exec(argv, { network: false, ...(this.opts.env ? { env: this.opts.env } : {}), ...opts });
  }

  // ---------------------------------------------------------------- chunks

  private async chunk(work: RenderWork, ctx: TaskContext): Promise<void> {
    if (!work.renderer || !work.scene) throw new TaskFailure('render-error', 'a chunk with neither a renderer and scene nor steps to run');
    const plugin = this.plugins.get(work.renderer);
    if (!plugin) throw new TaskFailure('render-error', `this worker has no ${work.renderer} (it renders with ${[...this.plugins.keys()].join(', ') || 'nothing'})`);
    let chunk;
    try {
      chunk = parseFrameRanges(work.frames);
    } catch (err) {
      throw new TaskFailure('render-error', `bad frame range ${JSON.stringify(work.frames)}: ${(err as Error).message}`);
    }
    const done = new Set(work.done);
    const todo = framesToRender(chunk, (f) => done.has(f));
    const total = countFrames(chunk);
    if (todo.length === 0) return;
    const scene = await this.useScene(work, ctx);
    try {
      let commands: Argv[];
      try {
        commands = plugin.commands({ scene, dir: ctx.execDir, work, frames: todo });
      } catch (err) {
        if (err instanceof CommandInvalidError) throw new TaskFailure('render-error', err.message);
        throw err;
      }
      const published = new Set<number>(done);
      let chain: Promise<void> = Promise.resolve();
      let current: AbortController | null = null;
      const onEvent = (e: RenderEvent) => {
        if (e.kind === 'progress') ctx.progress((published.size + e.fraction) / total);
        if (e.kind === 'saved' || e.kind === 'skipped') {
          const frame = e.frame;
          const printed = e.savedFile;
          // The renderer's word is only a path in its view: mapped, and refused outside its directory.
          chain = chain.then(() => this.publishFrame(work, ctx, frame, ctx.hostPath(printed), published, total));
          // A refused file or a lost lease stops the renderer now; the error is awaited below.
          const run = current;
          chain.catch(() => run?.abort());
        }
      };
      for (const argv of commands) {
        current = new AbortController();
        const { events, code } = await this.exec(ctx, argv, {
          parser: plugin.parser(),
          onEvent,
          // A manifest scene is a folder (the main file with its textures and libraries): all of it is readable.
          readOnly: [work.scene.kind === 'manifest' ? this.sceneDir(work, ctx) : scene, ...this.programs(plugin.program)],
          signal: current.signal,
        });
        await chain;
        const verdict = classifyRun(events, code);
        if (verdict.outcome === 'scene-load') throw new TaskFailure('scene-load', verdict.message);
        if (verdict.outcome === 'render-error') throw new TaskFailure('render-error', verdict.message);
        // POV-Ray wraps long output paths across lines, so a `Saved` event can be missed: the files
        // the renderer was told to write are the truth (checked like any printed path).
        for (const f of iterateFrames(todo)) {
          if (!published.has(f)) await this.publishFrame(work, ctx, f, plugin.outputFile(ctx.dir, f, work), published, total);
        }
      }
      await chain;
      for (const f of iterateFrames(todo)) {
        if (!published.has(f)) throw new TaskFailure('render-error', `the renderer finished without writing frame ${f}`);
      }
    } finally {
      await this.releaseScene(work);
    }
  }

  /** Publishes the frame in `file` (the worker's path, inside the task directory; checked again here). */
  private async publishFrame(work: RenderWork, ctx: TaskContext, frame: number, file: string, published: Set<number>, total: number): Promise<void> {
    if (ctx.stopped) throw new TaskStopped();
    if (published.has(frame)) return;
    const out = await readTaskOutput(ctx.dir, file);
    if (!out) return;
    if (!imageLooksComplete(out.bytes, work.outputFormat)) {
      throw new TaskFailure('render-error', `frame ${frame}: ${out.rel} is not a whole ${work.outputFormat.toUpperCase()} file (${out.bytes.length} bytes); the renderer had not finished writing it`);
    }
    await ctx.api.putFrame(frame, out.bytes);
    published.add(frame);
    ctx.progress(published.size / total);
    if (this.ffmpeg && this.opts.thumbnails !== false) await this.thumbnail(work, ctx, frame, join(ctx.execDir, out.rel));
    await unlinkTaskOutput(ctx.dir, out.path);
  }

  /** A thumbnail of the frame at `input` (a path in the programs' view). */
  private async thumbnail(work: RenderWork, ctx: TaskContext, frame: number, input: string): Promise<void> {
    const name = `thumb_${frame}.jpg`;
    try {
      const argv = ffmpegThumbnailCommand({ input, output: join(ctx.execDir, name), width: work.thumbnailWidth, ffmpegPath: this.ffmpegProgram });
      const { code } = await this.exec(ctx, argv, { readOnly: this.programs(this.ffmpegProgram) });
      const file = code === 0 ? await readTaskOutput(ctx.dir, name) : null;
      if (file) {
        await ctx.api.putThumb(frame, file.bytes);
        await unlinkTaskOutput(ctx.dir, file.path);
      } else {
        ctx.log('stderr', `thumbnail of frame ${frame} failed (ffmpeg exit ${code})\n`);
      }
    } catch (err) {
      // A lost lease, a stop or a tampered file end the chunk; anything else costs only the thumbnail.
      if (err instanceof LeaseLost || err instanceof TaskStopped || err instanceof TaskFailure) throw err;
      ctx.log('stderr', `thumbnail of frame ${frame} failed: ${(err as Error).message}\n`);
    }
  }

  // ---------------------------------------------------------------- job types as data

  /** The program this worker runs for a step's executable, or null when it has none. */
  private programFor(executable: RenderExecutable): string | null {
    if (executable === 'ffmpeg') return this.ffmpeg ? this.ffmpegProgram : null;
    return this.plugins.get(executable)?.program ?? null;
  }

  /**
   * A task of a typed job (composite, encode, a studio's own), as the server resolved it: the
   * upstream frames laid out under in/<input>/, each command line run in the sandbox like a
   * renderer's, then every declared output published — a frame each (with its thumbnail), or the
   * job's video. A step that exits non-zero or leaves an output missing fails the task.
   */
  private async typed(work: RenderWork, steps: RenderSteps, ctx: TaskContext): Promise<void> {
    if (steps.run.length === 0) return;
    const programs = steps.run.map((r) => {
      const program = this.programFor(r.program);
      if (!program) throw new TaskFailure('render-error', `this worker has no ${r.program} for step ${r.step} of ${steps.type}`);
      return program;
    });
    const inTask = inTaskView(steps.root, ctx.execDir);
    await fetchUpstream(steps.fetch, ctx, (done) => ctx.progress((0.2 * done) / Math.max(1, steps.fetch.length)));
    await makeTaskOwnedDir(ctx.dir, 'out');
    // A type with a scene input: the steps name the scene at steps.scene; this node's copy is the one in its scene cache.
    const scene = steps.scene ? await this.useScene(work, ctx) : null;
    try {
      const view = scene ? (a: string) => inTask(a).replaceAll(steps.scene!, scene) : inTask;
      const sceneReadable = scene ? [work.scene?.kind === 'manifest' ? this.sceneDir(work, ctx) : scene] : [];
      for (const [k, r] of steps.run.entries()) {
        const tail: string[] = [];
        const argv = [programs[k]!, ...r.argv.slice(1).map(view)];
        const { code } = await this.exec(ctx, argv, { readOnly: [...sceneReadable, ...this.programs(programs[k]!)], parser: tailParser(tail) });
        if (code !== 0) throw new TaskFailure('render-error', `step ${r.step} of ${steps.type} exited with ${code}: ${tail.join('\n').trim().slice(-500)}`);
        ctx.progress(0.2 + (0.6 * (k + 1)) / steps.run.length);
      }
    } finally {
      if (scene) await this.releaseScene(work);
    }
    const view = inTask;
    const frames = steps.outputs.filter((o) => o.frame !== null);
    const published = new Set<number>(work.done);
    for (const o of steps.outputs) {
      const file = ctx.hostPath(view(o.file));
      if (o.frame !== null) {
        await this.publishFrame(work, ctx, o.frame, file, published, frames.length);
        if (!published.has(o.frame)) throw new TaskFailure('render-error', `${steps.type} finished without writing ${o.file}`);
        continue;
      }
      const out = await readTaskOutput(ctx.dir, file);
      if (!out) throw new TaskFailure('render-error', `${steps.type} finished without writing ${o.file}`);
      await ctx.api.putPreview(out.bytes);
    }
  }

  // ---------------------------------------------------------------- preview

  private async preview(work: RenderWork, ctx: TaskContext): Promise<void> {
    if (!this.ffmpeg) throw new TaskFailure('render-error', 'this worker has no ffmpeg to make previews with');
    const frames = await ctx.api.published();
    if (frames.length === 0) throw new TaskFailure('render-error', 'no finished frames to make a preview from');
    // Made by the worker in the fresh attempt directory: nothing of the task has run yet.
    const framesDir = join(ctx.dir, 'frames');
    await mkdir(framesDir, { mode: 0o755 });
    await fourAtATime(
      frames,
      ctx,
      async (f) => writeNewFile(join(framesDir, frameFileName(f, work.padWidth, work.outputFormat)), await ctx.api.frame(f)),
      (done) => ctx.progress((0.5 * done) / frames.length),
    );
    const tail: string[] = [];
    const argv = ffmpegPreviewCommand({
      framesGlob: frameGlob(join(ctx.execDir, 'frames'), work.outputFormat),
      output: join(ctx.execDir, 'preview.mp4'),
      fps: work.fps,
      ffmpegPath: this.ffmpegProgram,
    });
    const { code } = await this.exec(ctx, argv, { readOnly: this.programs(this.ffmpegProgram), parser: tailParser(tail) });
    const file = code === 0 ? await readTaskOutput(ctx.dir, 'preview.mp4') : null;
    if (!file) throw new TaskFailure('render-error', `ffmpeg could not make the preview (exit ${code}): ${tail.join('\n').trim().slice(-500)}`);
    ctx.progress(0.9);
    await ctx.api.putPreview(file.bytes);
  }

  // ---------------------------------------------------------------- scenes

  /**
   * The scene file for a task: a shared-storage path this host sees as a plain file anyone may read
   * (no symbolic links on the way), else a copy fetched once per job into `<workDir>/scenes/<jobId>/`.
   */
  private async useScene(work: RenderWork, ctx: TaskContext): Promise<string> {
    if (!work.scene) throw new TaskFailure('render-error', 'this task has no scene');
    if (work.scene.kind === 'shared' && (await isPlainFile(work.scene.path))) return work.scene.path;
    if (!SAFE_ID.test(work.jobId)) throw new TaskFailure('render-error', `job id ${JSON.stringify(work.jobId)} cannot name a directory`);
    const dir = this.sceneDir(work, ctx);
    const use = this.sceneUse.get(work.jobId) ?? { running: 0, lastUsed: 0, dir };
    use.running++;
    use.lastUsed = Date.now();
    this.sceneUse.set(work.jobId, use);
    try {
      for (;;) {
        let entry = this.scenes.get(work.jobId);
        if (!entry) {
          const file = this.fetchScene(work, ctx, dir);
          entry = { file, owner: ctx };
          this.scenes.set(work.jobId, entry);
          const mine = entry;
          file.catch(() => {
            if (this.scenes.get(work.jobId) === mine) this.scenes.delete(work.jobId);
          });
        }
        try {
          return await entry.file;
        } catch (err) {
          // Another task's download stopped with that task: fetch it with our own lease.
          if (entry.owner !== ctx && !ctx.stopped && (err instanceof TaskStopped || err instanceof LeaseLost)) continue;
          if (err instanceof WorkerError && err.code === 'TASK_API_FAILED') throw new TaskFailure('render-error', `could not fetch the scene: ${err.message}`);
          throw err;
        }
      }
    } catch (err) {
      await this.releaseScene(work);
      throw err;
    }
  }

  private sceneDir(work: RenderWork, ctx: TaskContext): string {
    return join(ctx.workDir, 'scenes', work.jobId);
  }

  /** Blobs fetched so far, from the store or peers (each once, whatever the number of jobs listing it). */
  get blobsFetched(): number {
    return this.blobCache?.fetched ?? 0;
  }

  /** The node's blob server for peers, once started (null when not serving). */
  async peer(): Promise<PeerServer | null> {
    return (await this.peerServer) ?? null;
  }

  /** Stops serving peers. */
  async close(): Promise<void> {
    await (await this.peerServer)?.close();
  }

  private startPeer(ctx: TaskContext, dir: string): Promise<PeerServer | null> {
    const opts = this.opts.peer;
    if (!opts) return Promise.resolve(null);
    const server = new PeerServer(opts, dir, ctx.workerId);
    return server.start().then(
      () => server,
      (err: Error) => {
        // A node that cannot listen still renders: it fetches from peers and the store, serving nobody.
        ctx.log('stderr', `[worker: not serving blobs to peers: ${err.message}]\n`);
        return null;
      },
    );
  }

  /**
   * A manifest scene: every file of it from the node's blob cache (fetched once, hash checked),
   * hard-linked into `<dir>/<path>`; returns the main file.
   */
  private async layOutManifest(work: RenderWork & { scene: { kind: 'manifest' } }, ctx: TaskContext, dir: string): Promise<string> {
    const cache = (this.blobCache ??= new BlobCache(join(ctx.workDir, 'blobs'), this.opts.blobCacheBytes ?? 10 * 1024 ** 3));
    const peer = await (this.peerServer ??= this.startPeer(ctx, cache.dir));
    const files = await ctx.api.manifest();
    for (const f of files) {
      const target = join(dir, f.path);
      if (!target.startsWith(`${dir}/`) || f.path.split('/').some((s) => s === '..' || s === '' || s === '.')) {
        throw new TaskFailure('render-error', `the manifest names ${JSON.stringify(f.path)}, outside the scene folder`);
      }
      const blob = await cache.get(f.sha256, (file) => fetchBlob(ctx.api, f.sha256, file, peer, this.blobSources, ctx.signal));
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      await link(blob, target).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    }
    await cache.trim(new Set(files.map((f) => f.sha256)));
    return join(dir, work.scene.main);
  }

  private async fetchScene(work: RenderWork, ctx: TaskContext, dir: string): Promise<string> {
    await this.evicting.get(work.jobId);
    await mkdir(dir, { recursive: true, mode: 0o711 });
    const scene = work.scene!;
    if (scene.kind === 'manifest') return this.layOutManifest(work as RenderWork & { scene: { kind: 'manifest' } }, ctx, dir);
    const file = join(dir, sceneFileName({ ...work, scene }));
    if (await isPlainFile(file)) return file;
    await ctx.api.downloadScene(file);
    return file;
  }

  /** A task of the job ended: forget the scenes of the least recently used jobs with nothing running. */
  private async releaseScene(work: RenderWork): Promise<void> {
    const use = this.sceneUse.get(work.jobId);
    if (!use) return;
    use.running = Math.max(0, use.running - 1);
    use.lastUsed = Date.now();
    const idle = [...this.sceneUse.entries()].filter(([, u]) => u.running === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    const keep = this.opts.cachedScenes ?? 8;
    for (const [jobId, u] of idle.slice(0, Math.max(0, idle.length - keep))) {
      this.sceneUse.delete(jobId);
      this.scenes.delete(jobId);
      const removal = removeTaskDir(u.dir)
        .catch(() => undefined)
        .finally(() => {
          if (this.evicting.get(jobId) === removal) this.evicting.delete(jobId);
        });
      this.evicting.set(jobId, removal);
      await removal;
    }
  }
}

/**
 * A regular file reached without any symbolic link (what the sandbox may safely expose read-only),
 * that any user may read: a sandbox under a root worker binds it as the task's own uid.
 */
async function isPlainFile(path: string): Promise<boolean> {
  if (!path.startsWith('/')) return false;
  try {
    const st = await lstat(path);
    if (!st.isFile() || (await realpath(path)) !== path || !(st.mode & 0o004)) return false;
    for (let d = dirname(path); ; d = dirname(d)) {
      if (!((await stat(d)).mode & 0o001)) return false;
      if (d === dirname(d)) return true;
    }
  } catch {
    return false;
  }
}

/** The scene's own file name (renderers go by its extension), reduced to safe characters. */
export function sceneFileName(work: Pick<RenderWork, 'scene' | 'renderer'> & { scene: NonNullable<RenderWork['scene']> }): string {
  const raw = basename(sceneFileOf(work.scene));
  const ext = /\.[A-Za-z0-9]{1,16}$/.exec(raw)?.[0] ?? (work.renderer === 'blender' ? '.blend' : '.pov');
  const stem = raw
    .slice(0, raw.length - (raw.endsWith(ext) ? ext.length : 0))
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^[.-]+/, '')
    .slice(0, 150);
  return `${stem || 'scene'}${ext}`;
}
