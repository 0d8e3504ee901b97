import type { RenderJobTypeDoc } from '@shuzhi/schema';
import { CommandInvalidError } from './errors.ts';
import { iterateFrames } from './frames.ts';
import type { Argv } from './commands.ts';
import type { OutputFormat } from './job-spec.ts';
import { frameFileName } from './output.ts';
import { expandStep } from './job-types.ts';
import type { StepContext } from './job-types.ts';

/** The published frames of the upstream job an input of kind `frames` names (its `after`). */
export interface UpstreamFrames {
  readonly jobId: string;
  readonly frames: readonly number[];
  readonly padWidth: number;
  readonly format: OutputFormat;
}

/** One upstream frame the node fetches before it runs the step, and the name it gives it in the input's directory. */
export interface FrameFetch {
  readonly input: string;
  readonly jobId: string;
  readonly frame: number;
  readonly file: string;
}

export interface UpstreamTaskPlan {
  readonly argv: Argv[];
  readonly fetch: FrameFetch[];
}

/** The step's values, frames and padding as for expandStep; the inputs and output directory are the task's. */
export interface UpstreamTaskInput extends Pick<StepContext, 'params' | 'frames' | 'padWidth'> {
  /** Per input of the type, the upstream job whose frames it reads. */
  readonly upstream: Readonly<Record<string, UpstreamFrames>>;
  /** The task's directory in the programs' view: inputs land in `<root>/in/<name>`, outputs in `<root>/out`. */
  readonly root: string;
  /** Where the job's scene is, for a type with a scene input. */
  readonly scenePath?: string;
}

/**
 * What a task of a job whose inputs are upstream jobs' frames (no scene) runs: the step's command
 * lines over the task's directory, and the upstream frames to lay out there first — every frame for
 * a `once` step (an encode reads the whole sequence), the task's own frames otherwise (frame n of a
 * composite reads frame n of each input). A frame the upstream job has not published is an error
 * naming it: dispatch releases the task only once its dependency is met, so this is a broken promise,
 * not a wait.
 */
export function planUpstreamTask(doc: RenderJobTypeDoc, stepName: string, input: UpstreamTaskInput): UpstreamTaskPlan {
  const step = doc.steps.find((s) => s.name === stepName);
  if (!step) throw new CommandInvalidError(`job type ${doc.name} has no step ${stepName}`, { step: stepName });
  const root = input.root.replace(/\/+$/, '');
  const inputs: Record<string, string> = {};
  const fetch: FrameFetch[] = [];
  for (const i of doc.inputs) {
    if (i.kind === 'scene') {
      if (!input.scenePath) throw new CommandInvalidError(`input ${i.name} of ${doc.name} is a scene, and the job has none`, { input: i.name });
      inputs[i.name] = input.scenePath;
      continue;
    }
    const up = input.upstream[i.name];
    if (!up) throw new CommandInvalidError(`input ${i.name} of ${doc.name} names no upstream job`, { input: i.name });
    const published = new Set(up.frames);
    const wanted = step.chunking.kind === 'once' ? [...published].sort((a, b) => a - b) : [...iterateFrames(input.frames)];
    if (wanted.length === 0) throw new CommandInvalidError(`upstream job ${up.jobId} has no published frames for input ${i.name}`, { input: i.name });
    for (const frame of wanted) {
      if (!published.has(frame)) throw new CommandInvalidError(`upstream job ${up.jobId} has not published frame ${frame} for input ${i.name}`, { input: i.name, frame });
      fetch.push({ input: i.name, jobId: up.jobId, frame, file: frameFileName(frame, up.padWidth, up.format) });
    }
    inputs[i.name] = `${root}/in/${i.name}`;
  }
  const argv = expandStep(doc, stepName, { params: input.params, inputs, outputDir: `${root}/out`, frames: input.frames, padWidth: input.padWidth });
  return { argv, fetch };
}
