import { z } from 'zod';
import { RenderJobTypeDoc } from '@shuzhi/schema';
import { JobSpecInvalidError } from './errors.ts';
import { FramesInvalidError } from './errors.ts';
import { parseFrameRanges, lastFrame, firstFrame } from './frames.ts';
import type { FrameRange } from './frames.ts';
import { planChunks } from './chunks.ts';
import { DEPENDENCY_MODES } from './dispatch/deps.ts';
import type { ChunkPlan } from './chunks.ts';
import { typedJobIssues } from './typed-job.ts';

export const RENDERERS = ['blender', 'povray'] as const;
export type Renderer = (typeof RENDERERS)[number];
export const OUTPUT_FORMATS = ['png', 'exr', 'jpg'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** What each renderer can do; the schema and the command builders both read this table. */
export const RENDERER_CAPS = {
  blender: { formats: ['png', 'exr', 'jpg'], sceneExtensions: ['.blend'], maxFrame: 1_048_574, samples: true, needsResolution: false },
  povray: { formats: ['png'], sceneExtensions: ['.pov'], maxFrame: 9_999_999, samples: false, needsResolution: true },
} as const satisfies Record<
  Renderer,
  {
    formats: readonly OutputFormat[];
    sceneExtensions: readonly string[];
    maxFrame: number;
    samples: boolean;
    needsResolution: boolean;
  }
>;

export const MAX_CHUNK_SIZE = 10_000;

const tagSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'tags are lower-case letters, digits, . _ - (max 63)');
/** A named limit (a licence such as houdini-license): lower-case letters, digits, . _ - like a tag. */
export const limitNameSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'limit names are lower-case letters, digits, . _ - (max 63)');

const sharedPathSchema = z
  .string()
  .min(2)
  .max(4096)
  .refine((p) => p.startsWith('/'), 'a shared-storage path must be absolute')
  .refine((p) => !p.split('/').includes('..'), "a shared-storage path must not contain '..'")
  .refine((p) => !/[\u0000-\u001f]/.test(p), 'a shared-storage path must not contain control characters');

export const sceneRefSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('upload'),
    uploadId: z.string().regex(/^upl_[A-Za-z0-9_-]{1,64}$/, 'upload ids look like upl_…'),
    fileName: z.string().min(1).max(255).regex(/^[^/\\\u0000-\u001f]+$/, 'a file name, not a path'),
  }),
  z.object({ kind: z.literal('shared'), path: sharedPathSchema }),
  /** Content-addressed: the files of a stored manifest (see assets.ts), `main` being the one to render. */
  z.object({
    kind: z.literal('manifest'),
    manifest: z.string().regex(/^[0-9a-f]{64}$/, 'a manifest id (the SHA-256 the farm answered)'),
    main: z.string().min(1).max(1024),
  }),
]);
export type SceneRef = z.infer<typeof sceneRefSchema>;

/** The file a renderer opens, as the scene reference names it (its extension says which renderer). */
export function sceneFileOf(scene: SceneRef): string {
  return scene.kind === 'shared' ? scene.path : scene.kind === 'upload' ? scene.fileName : scene.main;
}

export const renderJobSpecSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    /** The job type's name; absent, the renderer's own type (JOB_TYPE_OF_RENDERER). */
    type: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'a job type name (render types lists them)').optional(),
    /** Values of the type's parameters (checked against typeDoc by resolveParams). */
    params: z.record(z.string(), z.union([z.number(), z.string().max(32)])).default({}),
    /**
     * The type a job without a renderer runs, as it was when the job was submitted (the server puts
     * it here; a studio changing its type later does not change a job already queued).
     */
    typeDoc: RenderJobTypeDoc.optional(),
    /** A renderer job's scene; a typed job's inputs are the frames of its `after` jobs. */
    scene: sceneRefSchema.optional(),
    frames: z.string().min(1).max(100_000),
    chunkSize: z.number().int().min(1).max(MAX_CHUNK_SIZE).default(10),
    renderer: z.enum(RENDERERS).optional(),
    outputFormat: z.enum(OUTPUT_FORMATS).default('png'),
    overrides: z
      .object({
        resolutionX: z.number().int().min(16).max(16_384).optional(),
        resolutionY: z.number().int().min(16).max(16_384).optional(),
        samples: z.number().int().min(1).max(65_536).optional(),
      })
      .strict()
      .default({}),
    /** POV-Ray's `clock` runs 0→1 from firstFrame to lastFrame; defaults to the frame set's bounds. */
    animation: z.object({ firstFrame: z.number().int().min(0), lastFrame: z.number().int().min(0) }).strict().optional(),
    priority: z.number().int().min(0).max(100).default(50),
    tags: z.array(tagSchema).max(16).default([]),
    fps: z.number().int().min(1).max(120).default(24),
    thumbnailWidth: z.number().int().min(16).max(1024).default(160),
    /**
     * Jobs this one runs after: `frame` (the default) — frame n after frame n of that job, as a
     * composite or an encode of its frames; `job` — after the whole job completed.
     */
    after: z
      .array(
        z
          .object({
            job: z.string().regex(/^rjob_[A-Za-z0-9_-]{1,64}$/, 'render job ids look like rjob_…'),
            mode: z.enum(DEPENDENCY_MODES).default('frame'),
          })
          .strict(),
      )
      .max(16)
      .default([])
      .refine((deps) => new Set(deps.map((d) => d.job)).size === deps.length, 'each upstream job once'),
    /** Named limits (licences) each running task of the job holds one unit of; see dispatch/limits.ts. */
    limits: z.array(limitNameSchema).max(8).default([]).refine((l) => new Set(l).size === l.length, 'each limit once'),
    /** At most this many tasks of the job run at once (node slots held). */
    maxNodes: z.number().int().min(1).max(100_000).optional(),
    /** When the frames are wanted (ISO 8601): sleeping nodes are woken in time for it (sleep.ts). */
    deadline: z.string().datetime({ offset: true }).optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (!spec.renderer) {
      checkTypedJob(spec, ctx);
      return;
    }
    if (!spec.scene) {
      ctx.addIssue({ code: 'custom', path: ['scene'], message: `a ${spec.renderer} job needs a scene` });
      return;
    }
    const caps = RENDERER_CAPS[spec.renderer];
    if (!(caps.formats as readonly string[]).includes(spec.outputFormat)) {
      ctx.addIssue({
        code: 'custom',
        path: ['outputFormat'],
        message: `${spec.renderer} writes ${caps.formats.join('/')}, not ${spec.outputFormat}`,
      });
    }
    const sceneName = sceneFileOf(spec.scene);
    if (!caps.sceneExtensions.some((ext) => sceneName.toLowerCase().endsWith(ext))) {
      ctx.addIssue({
        code: 'custom',
        path: ['scene'],
        message: `${spec.renderer} scenes end in ${caps.sceneExtensions.join(' or ')}`,
      });
    }
    const { resolutionX, resolutionY, samples } = spec.overrides;
    if ((resolutionX === undefined) !== (resolutionY === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['overrides'], message: 'give both resolutionX and resolutionY, or neither' });
    }
    if (caps.needsResolution && resolutionX === undefined) {
      ctx.addIssue({ code: 'custom', path: ['overrides', 'resolutionX'], message: `${spec.renderer} needs overrides.resolutionX and resolutionY` });
    }
    if (!caps.samples && samples !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['overrides', 'samples'], message: `${spec.renderer} has no sample count to override` });
    }
    if (spec.animation && spec.animation.lastFrame < spec.animation.firstFrame) {
      ctx.addIssue({ code: 'custom', path: ['animation'], message: 'animation.lastFrame is before animation.firstFrame' });
    }
    try {
      const ranges = parseFrameRanges(spec.frames, { maxFrame: caps.maxFrame });
      if (spec.animation && (firstFrame(ranges) < spec.animation.firstFrame || lastFrame(ranges) > spec.animation.lastFrame)) {
        ctx.addIssue({ code: 'custom', path: ['animation'], message: 'frames must lie within animation.firstFrame..lastFrame' });
      }
    } catch (err) {
      if (!(err instanceof FramesInvalidError)) throw err;
      ctx.addIssue({ code: 'custom', path: ['frames'], message: `${err.message} [${err.code}/${err.reason}]` });
    }
  });

/** Largest frame number of a typed job (it has no renderer to set one). */
const TYPED_MAX_FRAME = 9_999_999;

/** A job without a renderer: its type runs as data, one `after` job per upstream input, in order, and its scene if it has a scene input. */
function checkTypedJob(spec: { typeDoc?: RenderJobTypeDoc | undefined; scene?: SceneRef | undefined; after: readonly unknown[]; frames: string }, ctx: z.RefinementCtx): void {
  const doc = spec.typeDoc;
  if (!doc) {
    ctx.addIssue({ code: 'custom', path: ['renderer'], message: 'give a renderer (blender or povray) or a job type' });
    return;
  }
  for (const i of typedJobIssues(doc)) ctx.addIssue({ code: 'custom', path: i.path.split('.'), message: i.message });
  const sceneInput = doc.inputs.find((i) => i.kind === 'scene');
  if (!sceneInput && spec.scene !== undefined) ctx.addIssue({ code: 'custom', path: ['scene'], message: `${doc.name} reads upstream frames, not a scene` });
  if (sceneInput && spec.scene === undefined) ctx.addIssue({ code: 'custom', path: ['scene'], message: `${doc.name} reads a scene (input ${sceneInput.name}): upload one` });
  if (sceneInput?.extensions?.length && spec.scene !== undefined) {
    const name = sceneFileOf(spec.scene).toLowerCase();
    if (!sceneInput.extensions.some((ext) => name.endsWith(ext))) ctx.addIssue({ code: 'custom', path: ['scene'], message: `${doc.name} scenes end in ${sceneInput.extensions.join(' or ')}` });
  }
  const ups = doc.inputs.filter((i) => i.kind === 'frames');
  if (spec.after.length !== ups.length) {
    ctx.addIssue({ code: 'custom', path: ['after'], message: `${doc.name} reads ${ups.length} upstream job(s) (${ups.map((i) => i.name).join(', ')}, in that order); ${spec.after.length} given` });
  }
  try {
    parseFrameRanges(spec.frames, { maxFrame: TYPED_MAX_FRAME });
  } catch (err) {
    if (!(err instanceof FramesInvalidError)) throw err;
    ctx.addIssue({ code: 'custom', path: ['frames'], message: `${err.message} [${err.code}/${err.reason}]` });
  }
}

export type RenderJobSpecInput = z.input<typeof renderJobSpecSchema>;
export type RenderJobSpec = z.output<typeof renderJobSpecSchema>;

/** Validates a job spec; throws JobSpecInvalidError listing every problem with its field path. */
export function parseRenderJobSpec(input: unknown): RenderJobSpec {
  const res = renderJobSpecSchema.safeParse(input);
  if (res.success) return res.data;
  throw new JobSpecInvalidError(res.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
}

export interface RenderJobPlan extends ChunkPlan {
  readonly spec: RenderJobSpec;
  /** Zero-padding width shared by every file of the job, so lexical order is frame order. */
  readonly padWidth: number;
  readonly animation: { readonly firstFrame: number; readonly lastFrame: number };
}

/** Digits used for frame numbers in file names (Blender's `####` minimum is 4). */
export function padWidthFor(frames: readonly FrameRange[]): number {
  return Math.max(4, String(lastFrame(frames)).length);
}

/** Turns a validated spec into its task graph. */
export function planRenderJob(spec: RenderJobSpec): RenderJobPlan {
  const frames = parseFrameRanges(spec.frames, { maxFrame: spec.renderer ? RENDERER_CAPS[spec.renderer].maxFrame : TYPED_MAX_FRAME });
  const plan = planChunks(frames, spec.chunkSize);
  return {
    ...plan,
    taskKind: plan.taskKind,
    taskFrames: plan.taskFrames,
    spec,
    padWidth: padWidthFor(frames),
    animation: spec.animation ?? { firstFrame: firstFrame(frames), lastFrame: lastFrame(frames) },
  };
}
