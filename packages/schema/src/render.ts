import { z } from 'zod';
import { Text } from './common.ts';

/**
 * Render farm API contracts. The server validates a job spec in depth with @shuzhi/render
 * (frame syntax, renderer capabilities); these schemas give the shape for the web, the CLI and OpenAPI.
 */

export const RenderRenderer = z.enum(['blender', 'povray']);
export type RenderRenderer = z.infer<typeof RenderRenderer>;
export const RenderOutputFormat = z.enum(['png', 'exr', 'jpg']);
export const RenderJobState = z.enum(['queued', 'active', 'paused', 'completed', 'failed', 'cancelled']);
export type RenderJobState = z.infer<typeof RenderJobState>;
export const RenderTaskState = RenderJobState;
export type RenderTaskState = z.infer<typeof RenderTaskState>;
export const RenderAction = z.enum(['pause', 'resume', 'cancel', 'requeue']);
export type RenderAction = z.infer<typeof RenderAction>;

/**
 * Which controls a job or a task allows in each state (jobs and tasks share it). The render engine's
 * transition tables are the rule; its tests check that this table says the same.
 */
export const RENDER_ACTIONS = {
  queued: ['pause', 'cancel'],
  active: ['pause', 'cancel'],
  paused: ['resume', 'cancel'],
  completed: ['requeue'],
  failed: ['requeue'],
  cancelled: ['requeue'],
} as const satisfies Record<RenderJobState, readonly RenderAction[]>;

export const RenderSceneRef = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('upload'), uploadId: Text(80), fileName: Text(255).min(1) }),
  z.object({ kind: z.literal('shared'), path: Text(4096).min(2) }),
  /** A stored manifest (POST /api/render/manifests) and the path in it of the file to render. */
  z.object({ kind: z.literal('manifest'), manifest: Text(64), main: Text(1024).min(1) }),
]);
export type RenderSceneRef = z.infer<typeof RenderSceneRef>;

export const RenderDependencyMode = z.enum(['job', 'frame']);

export const RenderDependency = z.object({ job: z.string(), mode: RenderDependencyMode });

export const RenderJobSubmit = z.object({
  name: Text(200).min(1).optional(),
  /**
   * The job type (GET /api/render/job-types): a shipped one or the studio's own. Absent, it follows
   * `renderer`. A type whose inputs are upstream frames (composite, ffmpeg-encode) takes no scene: its
   * inputs are the jobs of `after`, in the order the type lists its inputs.
   */
  type: Text(40).min(1).optional(),
  /** Values of the type's parameters; each is checked against the type (a 400 names the field). */
  params: z.record(Text(40), z.union([z.number(), Text(32)])).optional(),
  scene: RenderSceneRef.optional(),
  /** Absent for a typed job: the first upstream job's frames. */
  frames: Text(100_000).min(1).optional(),
  chunkSize: z.number().int().min(1).max(10_000).optional(),
  renderer: RenderRenderer.optional(),
  outputFormat: RenderOutputFormat.optional(),
  overrides: z
    .object({
      resolutionX: z.number().int().optional(),
      resolutionY: z.number().int().optional(),
      samples: z.number().int().optional(),
    })
    .optional(),
  animation: z.object({ firstFrame: z.number().int(), lastFrame: z.number().int() }).optional(),
  priority: z.number().int().min(0).max(100).optional(),
  tags: z.array(Text(63)).max(16).optional(),
  fps: z.number().int().min(1).max(120).optional(),
  thumbnailWidth: z.number().int().optional(),
  /** Upstream jobs of the same tenant: `frame` (default) — frame n after their frame n; `job` — after the whole job. */
  after: z.array(z.object({ job: Text(80), mode: RenderDependencyMode.optional() })).max(16).optional(),
  /** Named limits (licences, e.g. houdini-license) each running task holds one unit of. */
  limits: z.array(Text(63)).max(8).optional(),
  /** At most this many tasks of the job run at once. */
  maxNodes: z.number().int().min(1).max(100_000).optional(),
  /** When the frames are wanted (ISO 8601); sleeping nodes are woken in time for it. */
  deadline: z.string().datetime({ offset: true }).optional(),
  /** Operators submit for a tenant; a tenant's own jobs are always its own. */
  tenantId: Text(64).optional(),
});
export type RenderJobSubmit = z.infer<typeof RenderJobSubmit>;

export const RenderTaskCounts = z.object({
  queued: z.number().int(),
  active: z.number().int(),
  paused: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
});

export const RenderUsage = z.object({
  nodeHours: z.number(),
  energyKWh: z.number(),
  greenKWh: z.number(),
  carbonG: z.number(),
  costFen: z.number().int(),
});

export const RenderJob = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  /** The renderer of a scene job; null for a job whose inputs are upstream frames. */
  renderer: RenderRenderer.nullable(),
  /** The job type it runs (blender, povray, composite, ffmpeg-encode, or the studio's own). */
  type: z.string(),
  frames: z.string(),
  frameCount: z.number().int(),
  chunkSize: z.number().int(),
  taskCount: z.number().int(),
  outputFormat: RenderOutputFormat,
  priority: z.number().int(),
  tags: z.array(z.string()),
  state: RenderJobState,
  failureMessage: z.string().nullable(),
  counts: RenderTaskCounts,
  framesDone: z.number().int(),
  hasPreview: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  usage: RenderUsage.nullable(),
  /** Why a queued job is not handed out yet (billing admission: the studio cannot pay), else null. */
  waiting: z.string().nullable(),
  /** The jobs this one runs after, and the tenant's jobs that run after this one. */
  dependsOn: z.array(RenderDependency),
  dependants: z.array(RenderDependency),
  /** Why the job cannot go on while an upstream failed or was cancelled, e.g. "upstream job rjob_… frame 12 failed". */
  heldReason: z.string().nullable(),
});
export type RenderJob = z.infer<typeof RenderJob>;

export const RenderTask = z.object({
  index: z.number().int(),
  taskId: z.string(),
  kind: z.enum(['chunk', 'preview']),
  frames: z.string(),
  state: RenderTaskState,
  attempt: z.number().int(),
  nodeId: z.string().nullable(),
  failedOn: z.array(z.string()),
  progress: z.number().nullable(),
});
export type RenderTask = z.infer<typeof RenderTask>;

export const RenderJobDetail = RenderJob.extend({
  spec: z.record(z.string(), z.unknown()),
  blocklist: z.array(z.object({ nodeId: z.string(), until: z.string() })),
  tasks: z.array(RenderTask),
  tasksTotal: z.number().int(),
});
export type RenderJobDetail = z.infer<typeof RenderJobDetail>;

export const RenderFrame = z.object({ frame: z.number().int(), nodeId: z.string().nullable(), bytes: z.number().int(), hasThumb: z.boolean() });
export type RenderFrame = z.infer<typeof RenderFrame>;

export const RenderLogLine = z.object({
  seq: z.number().int(),
  index: z.number().int(),
  attempt: z.number().int(),
  nodeId: z.string().nullable(),
  stream: z.enum(['stdout', 'stderr', 'system']),
  text: z.string(),
  at: z.string(),
});
export type RenderLogLine = z.infer<typeof RenderLogLine>;

export const RenderNodeInfo = z.object({
  id: z.string(),
  siteId: z.string(),
  tags: z.array(z.string()),
  slots: z.number().int(),
  state: z.enum(['idle', 'busy', 'offline']),
  lastSeenAt: z.string().nullable(),
  current: z.array(z.object({ taskId: z.string(), jobId: z.string(), index: z.number().int(), progress: z.number().nullable() })),
  blocklistedIn: z.array(z.object({ jobId: z.string(), until: z.string() })),
});
export type RenderNodeInfo = z.infer<typeof RenderNodeInfo>;

export const RenderFarmOverview = z.object({
  nodes: z.object({ total: z.number().int(), idle: z.number().int(), busy: z.number().int(), offline: z.number().int() }),
  jobs: z.object({ queued: z.number().int(), active: z.number().int(), paused: z.number().int(), completed: z.number().int(), failed: z.number().int(), cancelled: z.number().int() }),
  tasksQueued: z.number().int(),
  tasksActive: z.number().int(),
  /** Tasks finished per minute over the last five minutes. */
  tasksPerMinute: z.number(),
  framesPerMinute: z.number(),
  /** Renderers installed where the server runs (the embedded demo nodes use them). */
  renderersHere: z.object({ blender: z.boolean(), povray: z.boolean(), ffmpeg: z.boolean() }),
});
export type RenderFarmOverview = z.infer<typeof RenderFarmOverview>;

export const RenderUpload = z.object({ uploadId: z.string(), fileName: z.string(), bytes: z.number().int() });
export type RenderUpload = z.infer<typeof RenderUpload>;

// ---------------------------------------------------------------- the render node protocol



/** One file of a scene folder: its path in the folder, SHA-256 (lower-case hex) and size. */
export const RenderManifestFile = z.object({
  path: Text(1024).min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256'),
  size: z.number().int().min(0),
});
export const RenderManifestSubmit = z.object({
  files: z.array(RenderManifestFile).min(1).max(10_000),
  /** Operators store manifests for a tenant; a tenant's are its own. */
  tenantId: Text(64).optional(),
});
export type RenderManifestSubmit = z.infer<typeof RenderManifestSubmit>;
/** The farm's answer to a manifest: its id (for a job's scene) and which blobs this tenant still has to upload. */
export const RenderManifestAnswer = z.object({
  manifest: z.string(),
  files: z.number().int(),
  blobs: z.number().int(),
  /** Hashes the farm does not hold for this tenant: upload each with PUT /api/render/blobs/{sha256}. */
  missing: z.array(z.string()),
  missingBytes: z.number().int(),
});
export type RenderManifestAnswer = z.infer<typeof RenderManifestAnswer>;
export const RenderBlobStored = z.object({ sha256: z.string(), size: z.number().int(), stored: z.boolean() });
