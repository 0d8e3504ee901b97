import { FrameRangeBuilder, countFrames, frameSetHas, rangeCount } from './frames.ts';
import type { FrameRange } from './frames.ts';

export type TaskKind = 'chunk' | 'preview';

/**
 * A job's task graph, computed on demand: tasks 0..chunkCount-1 are chunks of `chunkSize` frames in
 * frame order, task `chunkCount` is the preview that depends on every chunk. Nothing is materialised
 * per task, so a million-frame job costs one prefix array over its ranges.
 */
export interface ChunkPlan {
  readonly frames: readonly FrameRange[];
  readonly frameCount: number;
  readonly chunkSize: number;
  readonly chunkCount: number;
  /** Chunks plus the preview task. */
  readonly taskCount: number;
  readonly previewIndex: number;
  taskKind(index: number): TaskKind;
  /** The frames of chunk `index` as compact runs; the preview task's frames are the whole set. */
  taskFrames(index: number): FrameRange[];
  /** The chunk that renders `frame`, or -1 when the frame is not in the job's set. */
  chunkOfFrame(frame: number): number;
}

export function planChunks(frames: readonly FrameRange[], chunkSize: number): ChunkPlan {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunk size must be a positive integer, got ${chunkSize}`);
  if (frames.length === 0) throw new RangeError('a job needs at least one frame');
  const framesBefore = new Float64Array(frames.length);
  let acc = 0;
  frames.forEach((r, k) => {
    framesBefore[k] = acc;
    acc += rangeCount(r);
  });
  const frameCount = countFrames(frames);
  const chunkCount = Math.ceil(frameCount / chunkSize);
  const frozen = Object.freeze(frames.map((r) => Object.freeze({ ...r })));

  const rangeIndexOf = (offset: number): number => {
    let lo = 0;
    let hi = frames.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (framesBefore[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };

  const chunkFrames = (index: number): FrameRange[] => {
    let offset = index * chunkSize;
    let left = Math.min(chunkSize, frameCount - offset);
    const out = new FrameRangeBuilder();
    let k = rangeIndexOf(offset);
    while (left > 0) {
      const r = frames[k]!;
      const skip = offset - framesBefore[k]!;
      const take = Math.min(left, rangeCount(r) - skip);
      const start = r.start + skip * r.step;
      const end = start + (take - 1) * r.step;
      out.addRange(take === 1 ? { start, end: start, step: 1 } : { start, end, step: r.step });
      left -= take;
      offset += take;
      k++;
    }
    return out.build();
  };

  const chunkOfFrame = (frame: number): number => {
    if (!frameSetHas(frames, frame)) return -1;
    let lo = 0;
    let hi = frames.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (frames[mid]!.start <= frame) lo = mid;
      else hi = mid - 1;
    }
    const r = frames[lo]!;
    return Math.floor((framesBefore[lo]! + (frame - r.start) / r.step) / chunkSize);
  };

  return {
    frames: frozen,
    frameCount,
    chunkSize,
    chunkCount,
    taskCount: chunkCount + 1,
    previewIndex: chunkCount,
    taskKind: (index) => (index === chunkCount ? 'preview' : 'chunk'),
    taskFrames(index) {
      if (!Number.isInteger(index) || index < 0 || index > chunkCount) throw new RangeError(`task index ${index} outside 0..${chunkCount}`);
      return index === chunkCount ? [...frozen] : chunkFrames(index);
    },
    chunkOfFrame,
  };
}

/** Task ids are `<jobId>.<index>`, e.g. `job_x1.17`; the preview is the last index. */
export function taskIdOf(jobId: string, index: number): string {
  return `${jobId}.${index}`;
}

export function parseTaskId(taskId: string): { jobId: string; index: number } | null {
  const dot = taskId.lastIndexOf('.');
  if (dot <= 0) return null;
  const tail = taskId.slice(dot + 1);
  if (!/^(0|[1-9][0-9]{0,8})$/.test(tail)) return null;
  return { jobId: taskId.slice(0, dot), index: Number(tail) };
}
