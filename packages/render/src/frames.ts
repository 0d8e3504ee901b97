import { FramesInvalidError } from './errors.ts';

/**
 * An arithmetic run of frames: start, start+step, …, end. `end` is always a frame of the run and a
 * single frame has step 1, so two equal sets of runs compare equal field by field.
 */
export interface FrameRange {
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

export interface FrameLimits {
  /** Highest frame number accepted. */
  readonly maxFrame: number;
  /** Most frames a set may hold after merging. */
  readonly maxFrames: number;
  /** Most comma-separated items; keeps normalisation (quadratic in the worst case) cheap. */
  readonly maxRanges: number;
  /** Longest input string. */
  readonly maxLength: number;
}

export const DEFAULT_FRAME_LIMITS = {
  maxFrame: 9_999_999,
  maxFrames: 10_000_000,
  maxRanges: 10_000,
  maxLength: 100_000,
} as const satisfies FrameLimits;

export function rangeCount(r: FrameRange): number {
  return (r.end - r.start) / r.step + 1;
}

export function countFrames(ranges: readonly FrameRange[]): number {
  let n = 0;
  for (const r of ranges) n += rangeCount(r);
  return n;
}

/** Builds a canonical range: end snapped down onto the step, single frames with step 1. */
export function makeRange(start: number, end: number, step = 1): FrameRange {
  const last = start + Math.floor((end - start) / step) * step;
  return last === start ? { start, end: start, step: 1 } : { start, end: last, step };
}

function containsFrame(r: FrameRange, frame: number): boolean {
  return frame >= r.start && frame <= r.end && (frame - r.start) % r.step === 0;
}

/** True when every frame of `inner` is a frame of `outer`. */
function containsRange(outer: FrameRange, inner: FrameRange): boolean {
  if (inner.start < outer.start || inner.end > outer.end) return false;
  if (outer.step === 1) return true;
  if ((inner.start - outer.start) % outer.step !== 0) return false;
  return inner.start === inner.end || inner.step % outer.step === 0;
}

function firstAfter(r: FrameRange, x: number): number | null {
  if (x < r.start) return r.start;
  const f = r.start + (Math.floor((x - r.start) / r.step) + 1) * r.step;
  return f <= r.end ? f : null;
}

function lastBefore(r: FrameRange, x: number): number | null {
  if (x > r.end) return r.end;
  if (x <= r.start) return null;
  return r.start + Math.floor((x - 1 - r.start) / r.step) * r.step;
}

/** Joins b onto a when b continues a's progression (b.start > a.end). */
function tryAppend(a: FrameRange, b: FrameRange): FrameRange | null {
  const aSingle = a.start === a.end;
  const bSingle = b.start === b.end;
  if (!aSingle && !bSingle) {
    return a.step === b.step && b.start - a.end === a.step ? { start: a.start, end: b.end, step: a.step } : null;
  }
  if (aSingle && !bSingle) return b.start - a.start === b.step ? { start: a.start, end: b.end, step: b.step } : null;
  if (!aSingle && bSingle) return b.start - a.end === a.step ? { start: a.start, end: b.start, step: a.step } : null;
  return b.start - a.start === 1 ? { start: a.start, end: b.start, step: 1 } : null;
}

function compareRanges(a: FrameRange, b: FrameRange): number {
  return a.start - b.start || a.step - b.step || b.end - a.end;
}

function insertSorted(pending: FrameRange[], from: number, r: FrameRange): void {
  let lo = from;
  let hi = pending.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareRanges(pending[mid]!, r) <= 0) lo = mid + 1;
    else hi = mid;
  }
  pending.splice(lo, 0, r);
}

/**
 * Sorts and merges runs into ascending runs whose [start, end] intervals do not overlap, so iterating
 * them yields every frame once in ascending order. Overlaps are resolved exactly (containment, same
 * progression, trimming around a step-1 run); two differently stepped runs that interleave cannot be
 * written compactly and are refused with reason `overlap`.
 */
export function normalizeRanges(input: readonly FrameRange[]): FrameRange[] {
  const pending = [...input].sort(compareRanges);
  const out: FrameRange[] = [];
  const append = (r: FrameRange): void => {
    out.push(r);
    // A join can make the run before it joinable too (`268,270,272-274x2` → `268-274x2`): keep
    // joining backwards, or formatting the result and parsing it again would give another text.
    while (out.length >= 2) {
      const joined = tryAppend(out[out.length - 2]!, out[out.length - 1]!);
      if (!joined) break;
      out.splice(out.length - 2, 2, joined);
    }
  };
  let i = 0;
  while (i < pending.length) {
    const next = pending[i]!;
    const cur = out[out.length - 1];
    if (!cur || next.start > cur.end) {
      append(next);
      i++;
      continue;
    }
    if (containsRange(cur, next)) {
      i++;
    } else if (containsRange(next, cur)) {
      out.pop();
    } else if (
      cur.start !== cur.end &&
      next.start !== next.end &&
      cur.step === next.step &&
      (next.start - cur.start) % cur.step === 0
    ) {
      out[out.length - 1] = { start: cur.start, end: Math.max(cur.end, next.end), step: cur.step };
      i++;
    } else if (cur.step === 1) {
      i++;
      const f = firstAfter(next, cur.end);
      if (f !== null) insertSorted(pending, i, { start: f, end: next.end, step: f === next.end ? 1 : next.step });
    } else if (next.step === 1) {
      // Split the stepped run around the step-1 run; the tail goes back into the queue.
      out.pop();
      const headEnd = lastBefore(cur, next.start);
      const tailStart = firstAfter(cur, next.end);
      if (headEnd !== null) append(makeRange(cur.start, headEnd, cur.step));
      if (tailStart !== null) insertSorted(pending, i + 1, makeRange(tailStart, cur.end, cur.step));
    } else {
      throw new FramesInvalidError(
        'overlap',
        `Frame ranges ${formatRange(cur)} and ${formatRange(next)} interleave with different steps; list them as separate, non-overlapping ranges.`,
        null,
        { ranges: [formatRange(cur), formatRange(next)] },
      );
    }
  }
  return out;
}

export function formatRange(r: FrameRange): string {
  if (r.start === r.end) return String(r.start);
  return r.step === 1 ? `${r.start}-${r.end}` : `${r.start}-${r.end}x${r.step}`;
}

/** Canonical text of a normalised set, e.g. `1-240,300`. parseFrameRanges(formatFrameRanges(x)) equals x. */
export function formatFrameRanges(ranges: readonly FrameRange[]): string {
  return ranges.map(formatRange).join(',');
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Parses `1-240,300,10-20x2` (also `1..240`; `x` is the step) into a normalised, compact set of runs.
 * Never expands frames, so a million-frame job costs a few objects. Throws FramesInvalidError.
 */
export function parseFrameRanges(text: string, limits: Partial<FrameLimits> = {}): FrameRange[] {
  const lim: FrameLimits = { ...DEFAULT_FRAME_LIMITS, ...limits };
  if (text.length > lim.maxLength) {
    throw new FramesInvalidError('too-long', `Frame list is ${text.length} characters; at most ${lim.maxLength} are accepted.`);
  }
  let pos = 0;
  const skipSpace = (): void => {
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t')) pos++;
  };
  const readInt = (what: string): number => {
    skipSpace();
    const begin = pos;
    while (pos < text.length && isDigit(text.charCodeAt(pos))) pos++;
    if (pos === begin) {
      const found = pos < text.length ? `'${text[pos]}'` : 'the end';
      throw new FramesInvalidError('syntax', `Expected ${what} at position ${pos + 1} of the frame list but found ${found}.`, pos);
    }
    if (pos - begin > 9) {
      throw new FramesInvalidError('frame-too-large', `Number at position ${begin + 1} is too large (frames go up to ${lim.maxFrame}).`, begin);
    }
    return Number(text.slice(begin, pos));
  };

  if (text.trim() === '') throw new FramesInvalidError('empty', 'Frame list is empty; give frames like 1-240 or 1,5,10-20x2.', 0);
  const raw: FrameRange[] = [];
  for (;;) {
    const itemAt = pos;
    const start = readInt('a frame number');
    let end = start;
    let step = 1;
    skipSpace();
    if (text[pos] === '-' || text.startsWith('..', pos)) {
      pos += text[pos] === '-' ? 1 : 2;
      end = readInt('the last frame of the range');
      skipSpace();
      if (text[pos] === 'x' || text[pos] === 'X') {
        pos++;
        const stepAt = pos;
        step = readInt('a step after x');
        if (step < 1) throw new FramesInvalidError('step', `Step at position ${stepAt + 1} must be at least 1.`, stepAt);
        skipSpace();
      }
    }
    for (const f of [start, end]) {
      if (f > lim.maxFrame) {
        throw new FramesInvalidError('frame-too-large', `Frame ${f} is above the highest allowed frame ${lim.maxFrame}.`, itemAt, { frame: f });
      }
    }
    if (end < start) {
      throw new FramesInvalidError('reversed', `Range ${start}-${end} at position ${itemAt + 1} runs backwards; write it as ${end}-${start}.`, itemAt);
    }
    const r = makeRange(start, end, step);
    raw.push(r);
    if (raw.length > lim.maxRanges) {
      throw new FramesInvalidError('too-many-ranges', `More than ${lim.maxRanges} items in the frame list; merge them into ranges.`, itemAt);
    }
    if (pos >= text.length) break;
    if (text[pos] !== ',') {
      throw new FramesInvalidError('syntax', `Unexpected '${text[pos]}' at position ${pos + 1}; separate items with commas, steps with x (10-20x2).`, pos);
    }
    pos++;
  }
  const ranges = normalizeRanges(raw);
  const count = countFrames(ranges);
  if (count > lim.maxFrames) {
    throw new FramesInvalidError('too-many-frames', `Frame list names ${count} frames; at most ${lim.maxFrames} are accepted.`, null, { count });
  }
  return ranges;
}

/** Frames in order; for chunk-sized sets (the set itself is never expanded by the engine). */
export function* iterateFrames(ranges: readonly FrameRange[]): Generator<number> {
  for (const r of ranges) for (let f = r.start; f <= r.end; f += r.step) yield f;
}

export function firstFrame(ranges: readonly FrameRange[]): number {
  const r = ranges[0];
  if (!r) throw new RangeError('empty frame set');
  return r.start;
}

export function lastFrame(ranges: readonly FrameRange[]): number {
  const r = ranges[ranges.length - 1];
  if (!r) throw new RangeError('empty frame set');
  return r.end;
}

export function frameSetHas(ranges: readonly FrameRange[], frame: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const r = ranges[mid]!;
    if (frame < r.start) hi = mid - 1;
    else if (frame > r.end) lo = mid + 1;
    else return containsFrame(r, frame);
  }
  return false;
}

/** Collects ascending frames into compact runs, e.g. to describe which frames of a chunk are still missing. */
export class FrameRangeBuilder {
  private readonly out: FrameRange[] = [];
  add(frame: number): void {
    const last = this.out[this.out.length - 1];
    if (last && frame <= last.end) throw new RangeError(`frames must ascend: ${frame} after ${last.end}`);
    const joined = last ? tryAppend(last, { start: frame, end: frame, step: 1 }) : null;
    if (joined) this.out[this.out.length - 1] = joined;
    else this.out.push({ start: frame, end: frame, step: 1 });
  }
  addRange(r: FrameRange): void {
    const last = this.out[this.out.length - 1];
    if (last && r.start <= last.end) throw new RangeError(`ranges must ascend: ${r.start} after ${last.end}`);
    const joined = last ? tryAppend(last, r) : null;
    if (joined) this.out[this.out.length - 1] = joined;
    else this.out.push(r);
  }
  build(): FrameRange[] {
    return [...this.out];
  }
}

/** Frames of `ranges` for which `isDone` is false, as compact runs. */
export function missingFrames(ranges: readonly FrameRange[], isDone: (frame: number) => boolean): FrameRange[] {
  const b = new FrameRangeBuilder();
  for (const f of iterateFrames(ranges)) if (!isDone(f)) b.add(f);
  return b.build();
}
