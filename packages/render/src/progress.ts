import { frameFromFileName } from './output.ts';

/** What the agent learns from one line of renderer output. */
export type RenderEvent =
  | { readonly kind: 'frame-start'; readonly frame: number }
  | { readonly kind: 'progress'; readonly frame: number; readonly fraction: number }
  | { readonly kind: 'saved'; readonly frame: number; readonly savedFile: string }
  | { readonly kind: 'skipped'; readonly frame: number; readonly savedFile: string }
  | { readonly kind: 'frame-time'; readonly frame: number; readonly seconds: number }
  | { readonly kind: 'scene-error'; readonly message: string }
  | { readonly kind: 'render-error'; readonly message: string };

export interface OutputParser {
  /** Feed one line (without its newline); returns the events it carries, usually none or one. */
  push(line: string): RenderEvent[];
  /** Called once the program has exited with code 0: the events only its exit can confirm. */
  end?(): RenderEvent[];
}

/**
 * Lines that mean the scene itself cannot be loaded: retrying elsewhere cannot help, so the job fails
 * with the renderer's own message.
 */
export const BLENDER_SCENE_ERRORS = [
  /^Error: Cannot read file '.*'/,
  /^Error: File format is not supported/,
  /^Error: Failed to read blend file/,
  /^Error: Unable to (?:open|read) /,
] as const satisfies readonly RegExp[];

export const POVRAY_SCENE_ERRORS = [/Parse Error:/, /^Fatal error in parser/, /^Possible Parse Error:/] as const satisfies readonly RegExp[];

function parseClock(text: string): number | null {
  // Blender prints mm:ss.xx, or hh:mm:ss.xx past an hour.
  const parts = text.split(':').map(Number);
  if (parts.some((p) => !Number.isFinite(p))) return null;
  return parts.reduce((acc, p) => acc * 60 + p, 0);
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/**
 * Blender 3.x background output, e.g.
 *   `Fra:12 Mem:… | Time:00:00.04 | … | Scene, ViewLayer | Sample 5/16`  (2.9x: `Rendering 5 / 16 samples`)
 *   `Saved: '/out/f_0012.png'`, ` Time: 00:00.16 (Saving: 00:00.12)`, `skipping existing frame "…"`.
 */
export function createBlenderOutputParser(): OutputParser {
  let frame: number | null = null;
  let lastSaved: number | null = null;
  return {
    push(line) {
      const events: RenderEvent[] = [];
      const fra = /^Fra:(-?\d+)\s/.exec(line);
      if (fra) {
        const f = Number(fra[1]);
        if (f !== frame) {
          frame = f;
          events.push({ kind: 'frame-start', frame: f });
        }
        const sample =
          /\|\s*(?:Path Tracing )?Sample (\d+)\s*\/\s*(\d+)/.exec(line) ?? /Rendering (\d+)\s*\/\s*(\d+) samples/.exec(line);
        if (sample) {
          const total = Number(sample[2]);
          if (total > 0) events.push({ kind: 'progress', frame: f, fraction: clamp01(Number(sample[1]) / total) });
        } else if (/\|\s*Finished\s*$/.test(line)) {
          events.push({ kind: 'progress', frame: f, fraction: 1 });
        }
        return events;
      }
      const saved = /^Saved: '(.*)'\s*$/.exec(line) ?? /^Saved: "(.*)"\s*$/.exec(line);
      if (saved) {
        const file = saved[1]!;
        const f = frame ?? frameFromFileName(file);
        if (f !== null) {
          lastSaved = f;
          events.push({ kind: 'saved', frame: f, savedFile: file });
        }
        return events;
      }
      const time = /^\s*Time: ([\d:.]+)/.exec(line);
      if (time && lastSaved !== null) {
        const seconds = parseClock(time[1]!);
        if (seconds !== null) events.push({ kind: 'frame-time', frame: lastSaved, seconds });
        return events;
      }
      const skipped = /skipping existing frame "(.*)"/.exec(line);
      if (skipped) {
        const file = skipped[1]!;
        const f = frameFromFileName(file);
        if (f !== null) events.push({ kind: 'skipped', frame: f, savedFile: file });
        return events;
      }
      const trimmed = line.trim();
      if (BLENDER_SCENE_ERRORS.some((re) => re.test(trimmed))) events.push({ kind: 'scene-error', message: trimmed });
      else if (/^Error: /.test(trimmed) && !/^Error: Not freed memory blocks/.test(trimmed)) {
        events.push({ kind: 'render-error', message: trimmed });
      }
      return events;
    },
  };
}

/**
 * POV-Ray 3.7 with -V (verbose off) prints per frame: `Rendering frame 3 of 5` (position within this
 * process), `  Output file..........out/pov_12.png, 24 bpp PNG`, then a `Render Time:` block. That
 * block does not mean the frame is on disk: under CPU contention POV-Ray prints it while the PNG is
 * still empty (measured on Debian's 3.7), and writes the file before it starts the next frame. So a
 * frame is `saved` when the next one starts, and the last one when the process has exited. Parse
 * errors wrap at 80 columns; the first line carries the message.
 */
export function createPovrayOutputParser(): OutputParser {
  let frame: number | null = null;
  let file: string | null = null;
  /** A frame whose render finished and whose file may still be being written. */
  let rendered: { frame: number; file: string } | null = null;
  const flush = (events: RenderEvent[]) => {
    if (rendered) events.push({ kind: 'saved', frame: rendered.frame, savedFile: rendered.file });
    rendered = null;
  };
  return {
    push(line) {
      const events: RenderEvent[] = [];
      const output = /^\s*Output file\.+(.+?), \d+ bpp/.exec(line);
      if (output) {
        flush(events);
        file = output[1]!;
        const f = frameFromFileName(file);
        if (f !== null && f !== frame) {
          frame = f;
          events.push({ kind: 'frame-start', frame: f });
          events.push({ kind: 'progress', frame: f, fraction: 0 });
        }
        return events;
      }
      if (/^Render Time:/.test(line) && frame !== null && file !== null) {
        events.push({ kind: 'progress', frame, fraction: 1 });
        rendered = { frame, file };
        file = null;
        return events;
      }
      const trimmed = line.trim();
      if (POVRAY_SCENE_ERRORS.some((re) => re.test(trimmed))) events.push({ kind: 'scene-error', message: trimmed });
      else if (/^Render failed/.test(trimmed) || /^Fatal error/.test(trimmed)) events.push({ kind: 'render-error', message: trimmed });
      return events;
    },
    end() {
      const events: RenderEvent[] = [];
      flush(events);
      return events;
    },
  };
}

/** Splits a chunked stream into lines, keeping the unfinished tail for the next chunk. */
export class LineSplitter {
  private tail = '';
  push(chunk: string): string[] {
    const text = this.tail + chunk;
    const lines = text.split(/\r?\n|\r/);
    this.tail = lines.pop() ?? '';
    return lines;
  }
  flush(): string[] {
    const rest = this.tail;
    this.tail = '';
    return rest === '' ? [] : [rest];
  }
}

export type RunVerdict =
  | { readonly outcome: 'ok' }
  | { readonly outcome: 'scene-load'; readonly message: string }
  | { readonly outcome: 'render-error'; readonly message: string };

/**
 * Classifies a finished renderer run from its events and exit code. A scene error wins: it decides
 * that the whole job fails (see the failure policy).
 */
export function classifyRun(events: readonly RenderEvent[], exitCode: number | null): RunVerdict {
  const scene = events.find((e) => e.kind === 'scene-error');
  if (scene && scene.kind === 'scene-error') return { outcome: 'scene-load', message: scene.message };
  const err = events.find((e) => e.kind === 'render-error');
  if (exitCode !== 0) {
    const detail = err && err.kind === 'render-error' ? err.message : `renderer exited with ${exitCode === null ? 'a signal' : `code ${exitCode}`}`;
    return { outcome: 'render-error', message: detail };
  }
  // Exit code 0 alone is not trusted: an error line with no frame saved is still a failed run.
  if (err && err.kind === 'render-error' && !events.some((e) => e.kind === 'saved' || e.kind === 'skipped')) {
    return { outcome: 'render-error', message: err.message };
  }
  return { outcome: 'ok' };
}
