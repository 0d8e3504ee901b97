import { z } from 'zod';
import { Text } from './common.ts';

/**
 * A render job type as data, in the spirit of Flamenco's job compilers and Open Job Description
 * templates: typed parameters, named inputs, and steps whose commands are argv templates. A studio
 * uploads its own (POST /api/render/job-types) without any change to the server.
 */

/** Programs a step may run: what render nodes declare they have (WorkerRunner, less the shell). */
export const RenderExecutable = z.enum(['blender', 'povray', 'ffmpeg']);
export type RenderExecutable = z.infer<typeof RenderExecutable>;

const Name = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lower-case letters, digits and -, starting with a letter (max 40)');

export const RenderJobTypeParameter = z.discriminatedUnion('type', [
  z.object({ name: Name, type: z.literal('int'), default: z.number().int(), min: z.number().int(), max: z.number().int() }).strict(),
  z.object({ name: Name, type: z.enum(['enum']), values: z.array(z.string().regex(/^[A-Za-z0-9_.]{1,32}$/, 'enum values are letters, digits, _ and .')).min(1).max(32), default: z.string() }).strict(),
]);
export type RenderJobTypeParameter = z.infer<typeof RenderJobTypeParameter>;

/** Why a value does not fit a parameter, or null: the one check the server (resolveParams) and the web form make. */
export function paramProblem(p: RenderJobTypeParameter, v: unknown): string | null {
  if (p.type === 'int') return typeof v === 'number' && Number.isInteger(v) && v >= p.min && v <= p.max ? null : `a whole number within ${p.min}..${p.max}`;
  return p.values.includes(String(v)) ? null : `one of ${p.values.join(', ')}`;
}

export const RenderJobTypeInput = z
  .object({
    name: Name,
    /** `scene`: the job's scene file; `frames`: the frame directory of an upstream job (`after`). */
    kind: z.enum(['scene', 'frames']),
    /** For a scene: the file endings it accepts. */
    extensions: z.array(z.string().regex(/^\.[a-z0-9]{1,16}$/, 'an ending like .blend')).max(8).optional(),
  })
  .strict();

export const RenderJobTypeStep = z
  .object({
    name: Name,
    executable: RenderExecutable,
    /**
     * argv after the executable. Placeholders — {frame}, {framePadded}, {frameStart}, {frameEnd},
     * {outputDir}, {input:NAME}, {param:NAME} — are replaced inside the one element they are in; no
     * value is ever split into several arguments, and no shell ever reads the result.
     */
    args: z.array(Text(2000)).min(1).max(200),
    /** `frames`: chunks of the job's frames (framesPerChunk a default); `once`: one task for the whole job. */
    chunking: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('frames'), framesPerChunk: z.number().int().min(1).max(10_000) }).strict(),
      z.object({ kind: z.literal('once') }).strict(),
    ]),
    /** What the step writes under {outputDir}, as templates of the same placeholders (for the checks and the UI). */
    outputs: z.array(Text(400)).min(1).max(8),
  })
  .strict();

export const RenderJobTypeDoc = z
  .object({
    name: Name,
    title: z.object({ en: Text(120).min(1), zh: Text(120).min(1) }).strict(),
    parameters: z.array(RenderJobTypeParameter).max(32).default([]),
    inputs: z.array(RenderJobTypeInput).min(1).max(8),
    steps: z.array(RenderJobTypeStep).min(1).max(8),
  })
  .strict();
export type RenderJobTypeDoc = z.infer<typeof RenderJobTypeDoc>;
export type RenderJobTypeDocInput = z.input<typeof RenderJobTypeDoc>;

export const RenderJobType = RenderJobTypeDoc.extend({
  /** `shipped` with the farm, or a studio's own. */
  origin: z.enum(['shipped', 'tenant']),
  tenantId: z.string().nullable(),
});
export type RenderJobType = z.infer<typeof RenderJobType>;
