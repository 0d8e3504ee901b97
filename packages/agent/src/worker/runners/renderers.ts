import {
  blenderCommand,
  blenderOutputFile,
  createBlenderOutputParser,
  createPovrayOutputParser,
  povrayCommands,
  povrayOutputFile,
} from '@shuzhi/render';
import type { Argv, FrameRange, OutputParser } from '@shuzhi/render';
import type { RenderRenderer, RenderWork } from '@shuzhi/schema';

export interface RendererInput {
  /** The scene file, readable (read-only) in the sandbox. */
  scene: string;
  /** The attempt's directory: the renderer writes its frames here and nowhere else. */
  dir: string;
  work: RenderWork;
  /** The frames still to render. */
  frames: readonly FrameRange[];
}

/** A renderer plug-in: its command lines, how to read its output, and where it writes a frame. */
export interface RendererPlugin {
  readonly name: RenderRenderer;
  /** The program, when configured as an absolute path (the sandbox is told it may read it). */
  readonly program: string;
  commands(input: RendererInput): Argv[];
  parser(): OutputParser;
  /** The file the renderer writes for `frame` in `dir` (checked like any printed path before it is read). */
  outputFile(dir: string, frame: number, work: RenderWork): string;
}

/** Blender 3.x, Cycles on the CPU, scripts in the scene never run (`--disable-autoexec`). */
export function blenderRenderer(opts: { path?: string; threads?: number } = {}): RendererPlugin {
  return {
    name: 'blender',
    program: opts.path ?? 'blender',
    commands: ({ scene, dir, work, frames }) => [
      blenderCommand({
        scenePath: scene,
        outputDir: dir,
        padWidth: work.padWidth,
        format: work.outputFormat,
        frames,
        overrides: work.overrides,
        ...(opts.path ? { blenderPath: opts.path } : {}),
        ...(opts.threads ? { threads: opts.threads } : {}),
      }),
    ],
    parser: createBlenderOutputParser,
    outputFile: (dir, frame, work) => blenderOutputFile(dir, frame, work.padWidth, work.outputFormat),
  };
}

/** POV-Ray 3.7: one process per run of frames, PNG out, the clock over the job's whole animation. */
export function povrayRenderer(opts: { path?: string } = {}): RendererPlugin {
  return {
    name: 'povray',
    program: opts.path ?? 'povray',
    commands: ({ scene, dir, work, frames }) =>
      povrayCommands({
        scenePath: scene,
        outputDir: dir,
        frames,
        width: work.overrides.resolutionX ?? 320,
        height: work.overrides.resolutionY ?? 180,
        animation: work.animation,
        ...(opts.path ? { povrayPath: opts.path } : {}),
      }),
    parser: createPovrayOutputParser,
    outputFile: (dir, frame, work) => povrayOutputFile(dir, frame, work.animation),
  };
}
