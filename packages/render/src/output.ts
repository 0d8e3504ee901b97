import type { OutputFormat } from './job-spec.ts';
import type { FrameRange } from './frames.ts';
import { missingFrames } from './frames.ts';

/**
 * Output layout of one job directory (the agent owns all I/O; these are only names):
 *
 *   <jobDir>/f_0001.png …             finished frames, one width of padding for the whole job
 *   <jobDir>/thumbs/f_0001.jpg …       one thumbnail per finished frame
 *   <jobDir>/preview.mp4               the preview task's result
 *   <jobDir>/.partial/<task>.a<n>/     scratch directory of one attempt
 *
 * No-overwrite protocol for chunks (a retry never clobbers a finished frame, and a zombie run whose
 * lease expired cannot corrupt the frames of the run that replaced it):
 *  1. Before starting, the agent computes `framesToRender(chunk, exists)`: frames already present in
 *     <jobDir> are skipped; if none are missing the chunk completes at once.
 *  2. The renderer writes into the attempt's own scratch directory (`attemptDir`), never into <jobDir>.
 *  3. On each `Saved:` event the agent publishes the frame with link(scratch, final) — atomic, and it
 *     fails with EEXIST instead of replacing an existing frame (rename would replace) — then unlinks the
 *     scratch file. EEXIST means another attempt already delivered that frame: keep it, drop ours.
 *  4. Thumbnails and the preview go to a `.partial` name first and are renamed into place.
 *  5. Completion is reported with the lease's fencing token; a stale attempt gets LEASE_STALE and stops.
 *  The scratch directory is removed when the attempt ends, whatever the outcome.
 */
export const FRAME_FILE_PREFIX = 'f_';

export const FORMAT_EXTENSIONS = { png: 'png', exr: 'exr', jpg: 'jpg' } as const satisfies Record<OutputFormat, string>;

export function padFrame(frame: number, width: number): string {
  return String(frame).padStart(width, '0');
}

function join(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

export function frameFileName(frame: number, padWidth: number, format: OutputFormat): string {
  return `${FRAME_FILE_PREFIX}${padFrame(frame, padWidth)}.${FORMAT_EXTENSIONS[format]}`;
}

export function framePath(jobDir: string, frame: number, padWidth: number, format: OutputFormat): string {
  return join(jobDir, frameFileName(frame, padWidth, format));
}

export function thumbnailPath(jobDir: string, frame: number, padWidth: number): string {
  return join(join(jobDir, 'thumbs'), `${FRAME_FILE_PREFIX}${padFrame(frame, padWidth)}.jpg`);
}

export function previewPath(jobDir: string): string {
  return join(jobDir, 'preview.mp4');
}

/** The scratch name of a file being produced; renamed onto `finalPath` when complete. */
export function partialPath(finalPath: string): string {
  const slash = finalPath.lastIndexOf('/');
  const dot = finalPath.lastIndexOf('.');
  return dot > slash ? `${finalPath.slice(0, dot)}.partial${finalPath.slice(dot)}` : `${finalPath}.partial`;
}

/** Scratch directory unique to (task, attempt): two attempts of one task never share files. */
export function attemptDir(jobDir: string, taskId: string, attempt: number): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(taskId)) throw new RangeError(`task id ${JSON.stringify(taskId)} is not file-name safe`);
  return join(join(jobDir, '.partial'), `${taskId}.a${attempt}`);
}

/** Glob matching exactly the job's finished frames (scratch dirs and thumbs live in subfolders). */
export function frameGlob(jobDir: string, format: OutputFormat): string {
  return join(jobDir, `${FRAME_FILE_PREFIX}*.${FORMAT_EXTENSIONS[format]}`);
}

/** Step 1 of the protocol: the chunk's frames not yet published. */
export function framesToRender(chunk: readonly FrameRange[], isPublished: (frame: number) => boolean): FrameRange[] {
  return missingFrames(chunk, isPublished);
}

/** Frame number encoded in a file name: the last run of digits (`/x/f_0012.png` → 12, `pov_07.png` → 7). */
export function frameFromFileName(path: string): number | null {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const m = /(\d+)(?!.*\d)/.exec(base);
  return m ? Number(m[1]) : null;
}
