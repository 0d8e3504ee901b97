import { CommandInvalidError } from './errors.ts';
import type { FrameRange } from './frames.ts';
import { iterateFrames } from './frames.ts';
import type { OutputFormat } from './job-spec.ts';
import { FORMAT_EXTENSIONS, FRAME_FILE_PREFIX, padFrame } from './output.ts';

/** argv[0] is the executable; no shell is involved, so no quoting is needed or done. */
export type Argv = readonly string[];

const BLENDER_FORMATS = { png: 'PNG', exr: 'OPEN_EXR', jpg: 'JPEG' } as const satisfies Record<OutputFormat, string>;

export interface RenderOverrides {
  readonly resolutionX?: number | undefined;
  readonly resolutionY?: number | undefined;
  readonly samples?: number | undefined;
}

function requireAbsolute(what: string, path: string): void {
  // A relative or dash-led path could be read by the renderer as an option.
  if (!path.startsWith('/')) throw new CommandInvalidError(`${what} must be an absolute path, got ${JSON.stringify(path)}`, { what, path });
  if (/[\u0000-\u001f]/.test(path)) throw new CommandInvalidError(`${what} contains control characters`, { what });
}

function requireFrames(frames: readonly FrameRange[]): void {
  if (frames.length === 0) throw new CommandInvalidError('no frames to render', {});
}

function positiveInt(what: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new CommandInvalidError(`${what} must be a positive integer, got ${v}`, { what, value: v });
}

/**
 * Python run after the scene loads: Cycles on the CPU with denoising off (Debian's Blender has no
 * OpenImageDenoise and fails with "Build without OpenImageDenoiser" otherwise), never overwrite or
 * leave placeholder files, and the job's overrides. Values are validated integers, never user text.
 */
export function blenderPythonExpr(overrides: RenderOverrides): string {
  positiveInt('resolutionX', overrides.resolutionX);
  positiveInt('resolutionY', overrides.resolutionY);
  positiveInt('samples', overrides.samples);
  const parts = [
    'import bpy',
    's=bpy.context.scene',
    'r=s.render',
    "s.cycles.device='CPU'",
    's.cycles.use_denoising=False',
    'r.use_overwrite=False',
    'r.use_placeholder=False',
    'r.use_file_extension=True',
  ];
  if (overrides.resolutionX !== undefined && overrides.resolutionY !== undefined) {
    parts.push(`r.resolution_x=${overrides.resolutionX}`, `r.resolution_y=${overrides.resolutionY}`, 'r.resolution_percentage=100');
  }
  if (overrides.samples !== undefined) parts.push(`s.cycles.samples=${overrides.samples}`);
  return parts.join('; ');
}

/** Blender's frame arguments: one run → `-s a -e b [-j step] -a`; several → `-f a..b,c,…`. */
export function blenderFrameArgs(frames: readonly FrameRange[]): string[] {
  requireFrames(frames);
  const only = frames[0]!;
  if (frames.length === 1) {
    if (only.start === only.end) return ['-f', String(only.start)];
    return ['-s', String(only.start), '-e', String(only.end), ...(only.step > 1 ? ['-j', String(only.step)] : []), '-a'];
  }
  const items: string[] = [];
  for (const r of frames) {
    if (r.start === r.end) items.push(String(r.start));
    else if (r.step === 1) items.push(`${r.start}..${r.end}`);
    else for (const f of iterateFrames([r])) items.push(String(f));
  }
  return ['-f', items.join(',')];
}

export interface BlenderCommandInput {
  readonly scenePath: string;
  /** Directory the frames are written to (the attempt's scratch directory). */
  readonly outputDir: string;
  readonly padWidth: number;
  readonly format: OutputFormat;
  readonly frames: readonly FrameRange[];
  readonly overrides?: RenderOverrides;
  readonly blenderPath?: string;
  /** Render threads (`-t`); 0 or absent lets Blender use every core. */
  readonly threads?: number;
}

/**
 * `blender -b -noaudio --disable-autoexec <scene> --python-exit-code 3 --python-expr … -E CYCLES -o <dir>/f_#### -F PNG <frames>`.
 *
 * `--disable-autoexec` comes before the scene: Blender applies options in order, and a scene is the
 * tenant's file, so its embedded scripts and Python drivers must never run on a render node. Our own
 * `--python-expr` (validated integers, no user text) still runs.
 */
export function blenderCommand(input: BlenderCommandInput): Argv {
  requireAbsolute('scene path', input.scenePath);
  requireAbsolute('output directory', input.outputDir);
  const dir = input.outputDir.replace(/\/+$/, '');
  return [
    input.blenderPath ?? 'blender',
    '-b',
    '-noaudio',
    '--disable-autoexec',
    input.scenePath,
    '--python-exit-code',
    '3',
    '--python-expr',
    blenderPythonExpr(input.overrides ?? {}),
    '-E',
    'CYCLES',
    ...(input.threads ? ['-t', String(input.threads)] : []),
    '-o',
    `${dir}/${FRAME_FILE_PREFIX}${'#'.repeat(input.padWidth)}`,
    '-F',
    BLENDER_FORMATS[input.format],
    '-x',
    '1',
    ...blenderFrameArgs(input.frames),
  ];
}

/** The file Blender writes for `frame` under the pattern built by blenderCommand. */
export function blenderOutputFile(outputDir: string, frame: number, padWidth: number, format: OutputFormat): string {
  return `${outputDir.replace(/\/+$/, '')}/${FRAME_FILE_PREFIX}${padFrame(frame, padWidth)}.${FORMAT_EXTENSIONS[format]}`;
}

export interface PovrayCommandInput {
  readonly scenePath: string;
  readonly outputDir: string;
  readonly frames: readonly FrameRange[];
  readonly width: number;
  readonly height: number;
  /** Frames that map to clock 0 and 1 (the job's whole animation, not the chunk). */
  readonly animation: { readonly firstFrame: number; readonly lastFrame: number };
  readonly povrayPath?: string;
}

/** POV-Ray never pads below the digits of +KFF, and with +KFI = +KFF it writes no frame number at all. */
function povrayFinalFrame(animation: PovrayCommandInput['animation']): number {
  return animation.lastFrame > animation.firstFrame ? animation.lastFrame : animation.firstFrame + 1;
}

/**
 * One POV-Ray process per run (+SF/+EF, +STP for steps). +KI0 +KF1 are explicit: without a
 * povray.conf Debian's POV-Ray 3.7 reports "Final Clock 0.000" and every frame would be identical.
 */
export function povrayCommands(input: PovrayCommandInput): Argv[] {
  requireAbsolute('scene path', input.scenePath);
  requireAbsolute('output directory', input.outputDir);
  requireFrames(input.frames);
  positiveInt('width', input.width);
  positiveInt('height', input.height);
  const { firstFrame } = input.animation;
  const finalFrame = povrayFinalFrame(input.animation);
  const dir = input.outputDir.replace(/\/+$/, '');
  return input.frames.map((r) => {
    if (r.start < firstFrame || r.end > finalFrame) {
      throw new CommandInvalidError(`frames ${r.start}-${r.end} lie outside the animation ${firstFrame}-${input.animation.lastFrame}`, {});
    }
    return [
      input.povrayPath ?? 'povray',
      '-D',
      '-V',
      `+I${input.scenePath}`,
      `+O${dir}/pov_.png`,
      '+FN',
      `+W${input.width}`,
      `+H${input.height}`,
      `+KFI${firstFrame}`,
      `+KFF${finalFrame}`,
      '+KI0',
      '+KF1',
      `+SF${r.start}`,
      `+EF${r.end}`,
      ...(r.step > 1 ? [`+STP${r.step}`] : []),
    ];
  });
}

/** The file POV-Ray writes for `frame`; the agent publishes it under the job's own `f_` name. */
export function povrayOutputFile(outputDir: string, frame: number, animation: PovrayCommandInput['animation']): string {
  const width = String(povrayFinalFrame(animation)).length;
  return `${outputDir.replace(/\/+$/, '')}/pov_${padFrame(frame, width)}.png`;
}

export interface PreviewCommandInput {
  /** Glob of the finished frames (see frameGlob); glob rather than %0Nd so gaps in the set are fine. */
  readonly framesGlob: string;
  readonly output: string;
  readonly fps: number;
  readonly ffmpegPath?: string;
  /** Cap on the preview's width; larger frames are scaled down. */
  readonly maxWidth?: number;
}

/** H.264 / yuv420p needs even dimensions, hence the scale to an even width and an even height. */
export function ffmpegPreviewCommand(input: PreviewCommandInput): Argv {
  requireAbsolute('frames glob', input.framesGlob);
  requireAbsolute('preview output', input.output);
  positiveInt('fps', input.fps);
  const maxWidth = input.maxWidth ?? 1920;
  positiveInt('maxWidth', maxWidth);
  return [
    input.ffmpegPath ?? 'ffmpeg',
    '-y',
    '-hide_banner',
    '-loglevel',
    'error',
    '-framerate',
    String(input.fps),
    '-pattern_type',
    'glob',
    '-i',
    input.framesGlob,
    '-vf',
    `scale='trunc(min(iw,${maxWidth})/2)*2':-2`,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '23',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    input.output,
  ];
}

export interface ThumbnailCommandInput {
  readonly input: string;
  readonly output: string;
  readonly width: number;
  readonly ffmpegPath?: string;
}

/** One scaled frame; `-2` keeps the aspect ratio with an even height. Output format follows the extension. */
export function ffmpegThumbnailCommand(input: ThumbnailCommandInput): Argv {
  requireAbsolute('thumbnail input', input.input);
  requireAbsolute('thumbnail output', input.output);
  positiveInt('width', input.width);
  if (!/\.(jpe?g|png)$/i.test(input.output)) throw new CommandInvalidError('thumbnails are .jpg or .png', { output: input.output });
  const ext = input.output.slice(input.output.lastIndexOf('.') + 1).toLowerCase();
  return [
    input.ffmpegPath ?? 'ffmpeg',
    '-y',
    '-hide_banner',
    '-loglevel',
    'error',
    '-i',
    input.input,
    '-vf',
    `scale=${input.width}:-2`,
    '-frames:v',
    '1',
    // The scratch name ends in .partial.jpg; naming the muxer keeps ffmpeg from guessing.
    '-f',
    'image2',
    '-c:v',
    ext === 'png' ? 'png' : 'mjpeg',
    input.output,
  ];
}
