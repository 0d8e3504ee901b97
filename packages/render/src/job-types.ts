import { RenderJobTypeDoc, paramProblem } from '@shuzhi/schema';
import type { RenderJobTypeDoc as JobTypeDoc } from '@shuzhi/schema';
import { CommandInvalidError, JobTypeInvalidError } from './errors.ts';
import type { SpecIssue } from './errors.ts';
import type { FrameRange } from './frames.ts';
import { iterateFrames } from './frames.ts';
import type { Argv } from './commands.ts';
import { padFrame } from './output.ts';
import type { Renderer } from './job-spec.ts';

/** The shipped type each of the two original job kinds runs as (job-types/*.json). */
export const JOB_TYPE_OF_RENDERER = { blender: 'blender', povray: 'povray' } as const satisfies Record<Renderer, string>;

const PLACEHOLDER = /\{([A-Za-z]+)(?::([a-z][a-z0-9-]*))?\}/g;
const PER_FRAME = new Set(['frame', 'framePadded']);
const PER_RUN = new Set(['frameStart', 'frameEnd']);

/**
 * Validates a job type: its shape (the schema), then what the schema cannot say — every placeholder
 * names a declared input or parameter, frame placeholders only where there are frames, defaults within
 * their bounds, names unique. Throws JobTypeInvalidError naming each bad field.
 */
export function parseJobType(input: unknown): JobTypeDoc {
  const res = RenderJobTypeDoc.safeParse(input);
  if (!res.success) throw new JobTypeInvalidError(res.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
  const doc = res.data;
  const issues: SpecIssue[] = [];
  const unique = (what: 'parameters' | 'inputs' | 'steps', names: string[]) =>
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) issues.push({ path: `${what}.${i}.name`, message: `${n} is named twice` });
    });
  unique('parameters', doc.parameters.map((p) => p.name));
  unique('inputs', doc.inputs.map((p) => p.name));
  unique('steps', doc.steps.map((p) => p.name));
  doc.parameters.forEach((p, i) => {
    if (p.type === 'int' && (p.min > p.max || p.default < p.min || p.default > p.max)) {
      issues.push({ path: `parameters.${i}.default`, message: `the default ${p.default} must lie within ${p.min}..${p.max}` });
    }
    if (p.type === 'enum' && !p.values.includes(p.default)) issues.push({ path: `parameters.${i}.default`, message: `the default must be one of ${p.values.join(', ')}` });
  });
  const params = new Set(doc.parameters.map((p) => p.name));
  const inputs = new Set(doc.inputs.map((p) => p.name));
  doc.steps.forEach((step, s) => {
    const perFrame = step.chunking.kind === 'frames' && step.chunking.framesPerChunk === 1;
    const templates = [...step.args.map((a, k) => [`steps.${s}.args.${k}`, a] as const), ...step.outputs.map((o, k) => [`steps.${s}.outputs.${k}`, o] as const)];
    for (const [path, text] of templates) {
      for (const m of text.matchAll(PLACEHOLDER)) {
        const [whole, key, arg] = m;
        const problem =
          key === 'input' ? (arg && inputs.has(arg) ? null : `${whole} names no declared input`)
          : key === 'param' ? (arg && params.has(arg) ? null : `${whole} names no declared parameter`)
          : arg !== undefined ? `${whole}: only input and param take a name`
          : key === 'outputDir' ? null
          : PER_FRAME.has(key!) ? (perFrame ? null : `${whole} needs chunking of 1 frame per chunk`)
          : PER_RUN.has(key!) ? (step.chunking.kind === 'frames' ? null : `${whole} needs frame chunking, not once`)
          : `unknown placeholder ${whole}`;
        if (problem) issues.push({ path, message: problem });
      }
    }
  });
  if (issues.length) throw new JobTypeInvalidError(issues);
  return doc;
}

export interface StepContext {
  /** The job's values; a missing one takes the type's default. */
  readonly params: Readonly<Record<string, number | string>>;
  /** Absolute paths, per declared input. */
  readonly inputs: Readonly<Record<string, string>>;
  readonly outputDir: string;
  /** The task's frames (ignored by a `once` step). */
  readonly frames: readonly FrameRange[];
  /** Digits of {framePadded}. */
  readonly padWidth: number;
}

function absolute(what: string, path: string): string {
  // A relative or dash-led path could be read by the program as an option.
  if (!path.startsWith('/') || /[\u0000-\u001f]/.test(path)) throw new CommandInvalidError(`${what} must be an absolute path`, { what });
  return path.replace(/\/+$/, '') || '/';
}

/** The values of the job's parameters, checked against the type (bounds, enum values). */
export function resolveParams(doc: JobTypeDoc, given: Readonly<Record<string, number | string>>): Record<string, string> {
  const out: Record<string, string> = {};
  const issues: SpecIssue[] = [];
  for (const name of Object.keys(given)) if (!doc.parameters.some((p) => p.name === name)) issues.push({ path: `params.${name}`, message: `${doc.name} has no parameter ${name}` });
  for (const p of doc.parameters) {
    const v = given[p.name] ?? p.default;
    const problem = paramProblem(p, v);
    if (problem) issues.push({ path: `params.${p.name}`, message: problem });
    else out[p.name] = String(v);
  }
  if (issues.length) throw new JobTypeInvalidError(issues);
  return out;
}

/**
 * The command lines of one task of a step: one per frame for a 1-frame-per-chunk step, one per run of
 * frames for a chunked step ({frameStart}..{frameEnd}), one for a `once` step. argv[0] is the step's
 * executable; the node maps it to its own program.
 */
export function expandStep(doc: JobTypeDoc, stepName: string, ctx: StepContext): Argv[] {
  const step = doc.steps.find((s) => s.name === stepName);
  if (!step) throw new CommandInvalidError(`job type ${doc.name} has no step ${stepName}`, { step: stepName });
  const params = resolveParams(doc, ctx.params);
  const inputs: Record<string, string> = {};
  for (const i of doc.inputs) {
    const path = ctx.inputs[i.name];
    if (path === undefined) throw new CommandInvalidError(`input ${i.name} of ${doc.name} is not given`, { input: i.name });
    inputs[i.name] = absolute(`input ${i.name}`, path);
  }
  const outputDir = absolute('output directory', ctx.outputDir);
  const fill = (vars: Record<string, string>): Argv =>
    [step.executable, ...step.args.map((a) => a.replace(PLACEHOLDER, (_w, key: string, arg?: string) => (key === 'input' ? inputs[arg!]! : key === 'param' ? params[arg!]! : vars[key]!)))];
  const base = { outputDir };
  if (step.chunking.kind === 'once') return [fill(base)];
  if (ctx.frames.length === 0) throw new CommandInvalidError('no frames to render', {});
  if (step.chunking.framesPerChunk === 1) {
    return [...iterateFrames(ctx.frames)].map((f) => fill({ ...base, frame: String(f), framePadded: padFrame(f, ctx.padWidth) }));
  }
  return ctx.frames.flatMap((r) => {
    // A stepped run is no {frameStart}..{frameEnd} range: its frames go one by one.
    const runs = r.step === 1 ? [[r.start, r.end]] : [...iterateFrames([r])].map((f) => [f, f]);
    return runs.map(([a, b]) => fill({ ...base, frameStart: String(a), frameEnd: String(b) }));
  });
}
