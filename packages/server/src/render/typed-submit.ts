import { MAX_CHUNK_SIZE, countFrames, parseFrameRanges, resolveParams } from '@shuzhi/render';
import type { RenderJobTypeDoc, RenderJobSubmit } from '@shuzhi/schema';
import { errors } from '../errors.ts';
import type { JobTypes } from './job-types.ts';
import type { FarmState } from './state.ts';

type SpecInput = Omit<RenderJobSubmit, 'tenantId'> & { typeDoc?: RenderJobTypeDoc };

const BLENDER_FORMAT = { PNG: 'png', JPEG: 'jpg', OPEN_EXR: 'exr' } as const;

/**
 * A submission in the job spec's terms once its type is known. A scene type (blender, povray) runs
 * on the node's renderer plug-in: its parameters, checked against the type, become the spec's
 * overrides. Any other type — shipped or the studio's own — runs as data: the spec carries the type
 * as it is now, its frames default to the first upstream job's, and a `once` step is one task.
 */
export async function withJobType(types: JobTypes, state: FarmState, tenantId: string, input: SpecInput): Promise<SpecInput> {
  const name = input.type ?? input.renderer;
  if (!name) return input;
  const doc = await types.find(tenantId, name);
  if (!doc) throw errors.validation([{ path: 'type', message: `no job type ${name} (render types lists the shipped ones and your studio's own)` }]);
  if (name === 'blender' || name === 'povray') {
    if (input.renderer && input.renderer !== name) throw errors.validation([{ path: 'renderer', message: `type ${name} renders with ${name}, not ${input.renderer}` }]);
    return { ...input, type: name, renderer: name, ...sceneParams(doc, input) };
  }
  if (input.renderer) throw errors.validation([{ path: 'renderer', message: `${name} reads upstream frames; it takes no renderer` }]);
  const params = input.params ?? {};
  resolveParams(doc, params);
  const after = input.after ?? [];
  after.forEach((a, i) => {
    const up = state.jobs.get(a.job);
    // A job of another tenant is refused later (FarmJobs.upstreamWait), in the same words as unknown ones.
    if (up && up.tenantId === tenantId && up.spec.outputFormat !== 'png') {
      throw errors.validation([{ path: `after.${i}.job`, message: `${doc.name} reads PNG frames; ${a.job} writes ${up.spec.outputFormat}` }]);
    }
  });
  const first = after[0] ? state.jobs.get(after[0].job) : undefined;
  const frames = input.frames ?? (first?.tenantId === tenantId ? first.spec.frames : undefined);
  if (!frames) throw errors.validation([{ path: 'frames', message: `give the frames, or --after a job of yours whose frames ${doc.name} reads` }]);
  const once = doc.steps.some((s) => s.chunking.kind === 'once');
  let chunkSize = input.chunkSize;
  if (once) {
    let count: number;
    try {
      count = countFrames(parseFrameRanges(frames));
    } catch {
      return { ...input, params, typeDoc: doc, frames }; // the spec's own check names the frames
    }
    if (count > MAX_CHUNK_SIZE) throw errors.validation([{ path: 'frames', message: `${doc.name} reads all frames in one task: at most ${MAX_CHUNK_SIZE}` }]);
    chunkSize = count;
  } else {
    const step = doc.steps[0]!;
    chunkSize ??= step.chunking.kind === 'frames' ? step.chunking.framesPerChunk : undefined;
  }
  return { ...input, type: doc.name, params, typeDoc: doc, frames, ...(chunkSize !== undefined ? { chunkSize } : {}) };
}

/** A scene type's parameters as the renderer plug-in's overrides; only the ones given replace the spec's. */
function sceneParams(doc: RenderJobTypeDoc, input: SpecInput): Partial<SpecInput> {
  const given = input.params ?? {};
  if (Object.keys(given).length === 0) return {};
  const v = resolveParams(doc, given);
  const num = (k: string) => (given[k] !== undefined ? Number(v[k]) : undefined);
  const o = { ...input.overrides };
  const out: Partial<SpecInput> = { params: given };
  if (doc.name === 'blender') {
    if (given.samples !== undefined) o.samples = num('samples');
    if (given.format !== undefined) out.outputFormat = BLENDER_FORMAT[v.format as keyof typeof BLENDER_FORMAT];
  } else {
    if (given.width !== undefined) o.resolutionX = num('width');
    if (given.height !== undefined) o.resolutionY = num('height');
    if (given.first !== undefined || given.last !== undefined) out.animation = { firstFrame: Number(v.first), lastFrame: Number(v.last) };
  }
  return { ...out, overrides: o };
}
