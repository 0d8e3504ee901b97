import type { RenderExecutable, RenderJobTypeDoc, RenderSteps } from '@shuzhi/schema';
import type { SpecIssue } from './errors.ts';
import type { FrameRange } from './frames.ts';
import { iterateFrames } from './frames.ts';
import { JOB_TYPE_OF_RENDERER } from './job-types.ts';
import type { RenderJobSpec } from './job-spec.ts';
import { padFrame } from './output.ts';
import { planUpstreamTask } from './upstream-task.ts';
import type { FrameFetch, UpstreamFrames } from './upstream-task.ts';

/**
 * Jobs run as data: a job type whose inputs are upstream jobs' frames (composite, ffmpeg-encode, a
 * studio's own) is resolved here into what a node runs — argv arrays, the frames to fetch, the files
 * to publish. Scene jobs (blender, povray) keep their renderer plug-ins on the node.
 */

/** The task directory in the server's plan; bubblewrap shows every task its directory there, other sandboxes map it. */
export const TASK_ROOT = '/task';

/**
 * Where a typed job's steps find its scene: the planned path `{input:NAME}` of a scene input becomes.
 * The node puts its own copy of the scene there (its scene cache, mounted read-only in the sandbox).
 */
export const SCENE_PATH = '/shuzhi-scene/main';

/** Node tags that say which programs a node has: the dispatcher matches them like any tag. */
export const PROGRAM_TAG = 'program:';

/** The job type a spec runs. */
export function jobTypeName(spec: Pick<RenderJobSpec, 'type' | 'renderer' | 'typeDoc'>): string {
  return spec.typeDoc?.name ?? spec.type ?? JOB_TYPE_OF_RENDERER[spec.renderer!];
}

/** Programs a job's tasks run. */
export function programsOf(spec: Pick<RenderJobSpec, 'renderer' | 'typeDoc'>): RenderExecutable[] {
  if (spec.renderer) return [spec.renderer];
  return [...new Set(spec.typeDoc!.steps.map((s) => s.executable))].sort();
}

/** The tags a job is dispatched with: the studio's own, and the programs it needs. */
export function dispatchTags(spec: Pick<RenderJobSpec, 'renderer' | 'typeDoc' | 'tags'>): string[] {
  return [...spec.tags, ...programsOf(spec).map((p) => `${PROGRAM_TAG}${p}`)];
}

/** The tags a node is matched with: what it declared, and a program tag per program it runs. */
export function nodeTags(tags: readonly string[], runners: readonly string[]): string[] {
  return [...tags.filter((t) => !t.startsWith(PROGRAM_TAG)), ...runners.filter((r) => r !== 'shell').map((r) => `${PROGRAM_TAG}${r}`)];
}

const FRAME_MARK = /\{frame\}|\{framePadded\}|#+/;

/**
 * What a node can run of a type as data, beyond what parseJobType checks: at most one scene input
 * (the job's scene, uploaded as for a scene job) beside any upstream frames inputs, one chunking for
 * all steps, and outputs a node can publish — a frame each, or for a `once` step the job's one video (.mp4).
 */
export function typedJobIssues(doc: RenderJobTypeDoc): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const scenes = doc.inputs.flatMap((i, k) => (i.kind === 'scene' ? [k] : []));
  for (const k of scenes.slice(1)) issues.push({ path: `type.inputs.${k}`, message: `${doc.name} has a scene input already: a job has one scene` });
  const kinds = new Set(doc.steps.map((s) => s.chunking.kind));
  if (kinds.size > 1) issues.push({ path: 'type.steps', message: 'all steps of a type must chunk alike (frames, or once)' });
  const videos = doc.steps.flatMap((s, k) =>
    s.outputs.map((o, j) => ({ o, path: `type.steps.${k}.outputs.${j}`, once: s.chunking.kind === 'once' })).filter((x) => !FRAME_MARK.test(x.o)),
  );
  for (const v of videos) {
    if (!v.once) issues.push({ path: v.path, message: 'an output of a frames step names its frame ({framePadded} or ####)' });
    else if (!v.o.endsWith('.mp4')) issues.push({ path: v.path, message: 'the output of a once step is the job video, a .mp4' });
  }
  if (videos.filter((v) => v.once).length > 1) issues.push({ path: 'type.steps', message: 'a type makes at most one video' });
  return issues;
}

export interface TypedTaskInput {
  readonly params: Readonly<Record<string, number | string>>;
  /** The task's frames; a `once` step's task covers all of the job's. */
  readonly frames: readonly FrameRange[];
  readonly padWidth: number;
  /** Per upstream (`frames`) input of the type, in its order: the upstream job's published frames. */
  readonly upstream: readonly UpstreamFrames[];
  /** Whether the job has a scene (a type with a scene input): its steps name it at SCENE_PATH. */
  readonly scene?: boolean;
}

function fillOutput(template: string, root: string, frame: number | null, padWidth: number): string {
  const out = template.replaceAll('{outputDir}', `${root}/out`);
  if (frame === null) return out;
  return out
    .replaceAll('{framePadded}', padFrame(frame, padWidth))
    .replaceAll('{frame}', String(frame))
    .replace(/#+/g, (h) => padFrame(frame, h.length));
}

/** One task of a typed job: every step's command lines, the upstream frames to fetch first, the outputs to publish. */
export function planTypedTask(doc: RenderJobTypeDoc, input: TypedTaskInput): RenderSteps {
  const upstream = Object.fromEntries(doc.inputs.filter((i) => i.kind === 'frames').map((i, k) => [i.name, input.upstream[k]!]));
  const fetch = new Map<string, FrameFetch>();
  const run: RenderSteps['run'] = [];
  const outputs: RenderSteps['outputs'] = [];
  for (const step of doc.steps) {
    const plan = planUpstreamTask(doc, step.name, { params: input.params, frames: input.frames, padWidth: input.padWidth, upstream, root: TASK_ROOT, ...(input.scene ? { scenePath: SCENE_PATH } : {}) });
    for (const f of plan.fetch) fetch.set(`${f.input}/${f.file}`, f);
    for (const argv of plan.argv) run.push({ step: step.name, program: step.executable, argv: [...argv] });
    for (const o of step.outputs) {
      if (!FRAME_MARK.test(o)) outputs.push({ file: fillOutput(o, TASK_ROOT, null, input.padWidth), frame: null });
      else for (const f of iterateFrames(input.frames)) outputs.push({ file: fillOutput(o, TASK_ROOT, f, input.padWidth), frame: f });
    }
  }
  return { type: doc.name, root: TASK_ROOT, fetch: [...fetch.values()], run, outputs, ...(input.scene ? { scene: SCENE_PATH } : {}) };
}

/** Whether the job's work is one task that makes the job's video (an encode), rather than frames. */
export function makesVideo(spec: Pick<RenderJobSpec, 'typeDoc' | 'renderer'>): boolean {
  return !spec.renderer && !!spec.typeDoc?.steps.some((s) => s.chunking.kind === 'once');
}
