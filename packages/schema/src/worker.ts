import { z } from 'zod';
import { isoTime, Text } from './common.ts';
import { RenderOutputFormat, RenderRenderer, RenderSceneRef } from './render.ts';
import { RenderExecutable } from './render-job-type.ts';

/**
 * The one worker protocol. Compute agents and render nodes are the same runtime: a worker enrolled
 * by an operator for one site, holding its own credential, that long-polls
 * `POST /api/workers/{id}/sync` and runs what it is leased through pluggable task runners.
 */

/** What a worker can run. `shell` takes compute tasks; a renderer takes render chunks; `ffmpeg` previews. */
export const WorkerRunner = z.enum(['shell', 'blender', 'povray', 'ffmpeg']);
export type WorkerRunner = z.infer<typeof WorkerRunner>;

/** The kind of work a task is: it names the module that leased it. */
export const WorkKind = z.enum(['shell', 'render']);
export type WorkKind = z.infer<typeof WorkKind>;

/** How a worker isolates tenant code: a real sandbox, or none (such a worker takes no tenant work). */
export const WorkerIsolation = z.enum(['bubblewrap', 'none']);
export type WorkerIsolation = z.infer<typeof WorkerIsolation>;

/** A fencing token: (task, attempt) of one kind of work. Reports for an older attempt are refused. */
export const WorkFence = z.object({
  kind: WorkKind,
  taskId: Text(200).min(1),
  attempt: z.number().int().nonnegative(),
});
export type WorkFence = z.infer<typeof WorkFence>;

export const WorkLog = z.object({
  stream: z.enum(['stdout', 'stderr']),
  text: z.string().max(1_000_000),
});
export type WorkLog = z.infer<typeof WorkLog>;

/** Why a run failed. `scene-load` tells the render failure policy the scene itself is bad. */
export const WorkFailureCode = z.enum([
  'exit-code',
  'start-failed',
  'killed',
  'sandbox-unavailable',
  'output-outside-work-dir',
  'render-error',
  'scene-load',
  // Stopped by a preemption (SIGTERM, then SIGKILL after the grace): requeued, not failed.
  'preempted',
]);
export type WorkFailureCode = z.infer<typeof WorkFailureCode>;

export const WorkResult = z.object({
  ok: z.boolean(),
  /** The process's exit code; null when no process exited (it could not start, or was killed). */
  exitCode: z.number().int().nullable().default(null),
  failure: z.object({ code: WorkFailureCode, message: z.string().max(4000) }).optional(),
});
export type WorkResult = z.input<typeof WorkResult>;

export const WorkerSyncRequest = z.object({
  slots: z.number().int().min(1).max(1024),
  tags: z.array(Text(64).min(1)).max(64).default([]),
  runners: z.array(WorkerRunner).max(8).default(['shell']),
  isolation: WorkerIsolation.default('none'),
  /** Free slots the worker can take work into now. */
  free: z.number().int().min(0).max(1024),
  /** Tasks still running here: renews their leases; progress 0..1 of the whole task. */
  running: z
    .array(WorkFence.extend({ progress: z.number().min(0).max(1).optional(), logs: z.array(WorkLog).max(1000).default([]) }))
    .max(1024)
    .default([]),
  completed: z
    .array(WorkFence.extend({ result: WorkResult, logs: z.array(WorkLog).max(1000).default([]) }))
    .max(1024)
    .default([]),
  /** The worker is shutting down: what it does not report as completed goes back to the queue now. */
  leaving: z.boolean().default(false),
  /** Ask the server to hold the call until work arrives (long poll). */
  waitMs: z.number().int().min(0).max(30_000).default(25_000),
});
export type WorkerSyncRequest = z.input<typeof WorkerSyncRequest>;

/** Limits a sandbox enforces on one task. */
export const TaskLimits = z.object({
  cpuSeconds: z.number().int().positive(),
  memoryMB: z.number().int().positive(),
  processes: z.number().int().positive(),
});
export type TaskLimits = z.infer<typeof TaskLimits>;

export const ShellWork = z.object({
  kind: z.literal('shell'),
  taskId: z.string(),
  attempt: z.number().int(),
  jobId: z.string(),
  command: z.string(),
  /** The job's environment, secrets included: only the worker holding this lease ever sees it. */
  env: z.record(z.string(), z.string()),
  units: z.number().int(),
  leaseMs: z.number().int(),
  limits: TaskLimits,
  /**
   * A checkpointing job: the worker gives it $SHUZHI_CHECKPOINT_DIR, filled with the checkpoint the job
   * left last time (`restore`: its archive's SHA-256 and size, fetched from the server), and sends the
   * directory back when the task is preempted.
   */
  checkpoint: z.object({ restore: z.object({ sha256: z.string(), bytes: z.number().int() }).nullable() }).optional(),
});
export type ShellWork = z.infer<typeof ShellWork>;

/**
 * A task of a job type whose inputs are upstream frames, resolved by the server from the type's
 * templates: argv arrays (never a shell string) naming paths under `root`, the task's directory as
 * the server planned it (the node maps it to its own), the upstream frames to lay out first, and the
 * files the steps must leave — a frame each, or the job's video (frame null).
 */
export const RenderSteps = z.object({
  type: z.string(),
  root: z.string(),
  fetch: z.array(z.object({ input: z.string(), jobId: z.string(), frame: z.number().int(), file: z.string() })),
  run: z.array(z.object({ step: z.string(), program: RenderExecutable, argv: z.array(z.string()).min(1) })),
  outputs: z.array(z.object({ file: z.string(), frame: z.number().int().nullable() })),
  /** For a type with a scene input: the path the argv name the job's scene by; the node puts its copy of the scene there. */
  scene: z.string().optional(),
});
export type RenderSteps = z.infer<typeof RenderSteps>;

export const RenderWork = z.object({
  kind: z.literal('render'),
  taskId: z.string(),
  attempt: z.number().int(),
  jobId: z.string(),
  index: z.number().int(),
  /** A chunk of frames, or the preview made from all published frames. */
  part: z.enum(['chunk', 'preview']),
  /** Frames of this task in frame-range syntax (`1-8`, `1-9x2,20`). */
  frames: z.string(),
  /** Frames of the task already published: never rendered again. */
  done: z.array(z.number().int()),
  /** A scene job's renderer and scene; absent for a job whose inputs are upstream frames (see `steps`). */
  renderer: RenderRenderer.optional(),
  scene: RenderSceneRef.optional(),
  outputFormat: RenderOutputFormat,
  padWidth: z.number().int(),
  overrides: z.object({ resolutionX: z.number().int().optional(), resolutionY: z.number().int().optional(), samples: z.number().int().optional() }),
  animation: z.object({ firstFrame: z.number().int(), lastFrame: z.number().int() }),
  fps: z.number().int(),
  thumbnailWidth: z.number().int(),
  leaseMs: z.number().int(),
  limits: TaskLimits,
  /** A job type run as data: what the node fetches, runs and publishes (see RenderSteps). */
  steps: RenderSteps.optional(),
});
export type RenderWork = z.infer<typeof RenderWork>;

export const Work = z.discriminatedUnion('kind', [ShellWork, RenderWork]);
export type Work = z.infer<typeof Work>;

export const WorkerSyncResponse = z.object({
  assignments: z.array(Work),
  /** Tasks the worker must stop now (cancelled, paused, or the lease was lost). */
  cancel: z.array(WorkFence.extend({ reason: z.string().optional() })),
  /** Fences of reports the server refused as stale. */
  refused: z.array(WorkFence),
  /**
   * Tasks to preempt: SIGTERM to the task's processes, SIGKILL after `graceMs`; a checkpointing task's
   * checkpoint directory then goes to the server before the task reports (failure code `preempted`).
   */
  preempt: z.array(WorkFence.extend({ graceMs: z.number().int().min(0).max(600_000), reason: z.string().optional() })).default([]),
  nextPollMs: z.number().int(),
  /** The farm put this node to sleep: ask for no work (free: 0, a long wait) until an answer without it. */
  sleep: z.boolean().optional(),
});
export type WorkerSyncResponse = z.infer<typeof WorkerSyncResponse>;

// ---------------------------------------------------------------- enrollment

export const WorkerEnrollRequest = z.object({
  siteId: Text(64).min(1),
  /** A name for people (the host name, a rack position). */
  name: Text(64).min(1).regex(/^[^\u0000-\u001f]+$/, 'no control characters'),
});
export type WorkerEnrollRequest = z.infer<typeof WorkerEnrollRequest>;

export const WorkerInfo = z.object({
  id: z.string(),
  name: z.string(),
  siteId: z.string(),
  /** The tenant that owns the site and brought this worker; null for the platform's own workers. */
  ownerTenantId: z.string().nullable(),
  enrolledBy: z.string(),
  enrolledAt: isoTime,
  rotatedAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
  lastSeenAt: isoTime.nullable(),
});
export type WorkerInfo = z.infer<typeof WorkerInfo>;

/** Returned once at enrollment and at each rotation: the credential is never shown again. */
export const WorkerCredential = WorkerInfo.extend({ credential: z.string() });
export type WorkerCredential = z.infer<typeof WorkerCredential>;

/** A worker credential names its worker: `szw.<workerId>.<secret>`. */
export const WORKER_CREDENTIAL_PREFIX = 'szw.';
export function workerIdOfCredential(credential: string): string | null {
  const m = /^szw\.(wrk_[A-Za-z0-9_-]{1,64})\.[A-Za-z0-9_-]{20,}$/.exec(credential);
  return m ? m[1]! : null;
}
