// The render bench's saturated dispatch rate, timed while work stays queued: a job of enough tasks that every
// node can take one for the whole window, and the window cut from the bench's once-a-second samples of
// the queue. Timed to the job's end instead, the rate is a drain's (the last tasks go to a few nodes while
// the rest ask for nothing), not what the server sustains.

/** The dispatch rate the job is sized for (tasks/s): above one core's ~3,500 at 0.28 ms CPU a task, rounded down. */
export const SIZED_FOR_PER_SEC = 3000;

/** Frames per task of the bench's dispatched job at most (the chunk of the render bench before). */
export const MAX_CHUNK_FRAMES = 10;

export interface JobSizing {
  nodes: number;
  /** Tasks/s the paced phase asks for. */
  paced: number;
  /** How long the paced window runs (s). */
  pacedWindowSec: number;
  /** Seconds of steady dispatch to leave queued at SIZED_FOR_PER_SEC. */
  steadySec: number;
}

/**
 * Tasks the job needs so that the saturated window has `steadySec` seconds at SIZED_FOR_PER_SEC with at
 * least `nodes` tasks still queued at its end: the paced phase's first burst (one task per node) and its
 * window, the saturated phase's first asks (one per node), the steady seconds, and `nodes` left over.
 */
export function tasksForSteadyWindow(s: JobSizing): number {
  return s.nodes + Math.ceil(s.paced * s.pacedWindowSec) + s.nodes + s.steadySec * SIZED_FOR_PER_SEC + s.nodes;
}

/**
 * Frames per task for a job of `frames` frames: MAX_CHUNK_FRAMES, or fewer where the nodes need more tasks
 * (at least 1). The frames stay as given: a frame number is bounded (Blender's 1,048,574), so a bigger
 * farm gets smaller chunks of the same million frames, not more frames.
 */
export function chunkForSteadyWindow(s: JobSizing, frames: number): number {
  return Math.max(1, Math.min(MAX_CHUNK_FRAMES, Math.floor(frames / tasksForSteadyWindow(s))));
}

/** One sample of the saturated phase: when, tasks handed out since it began, tasks queued, server CPU (ms). */
export interface QueueMark {
  atMs: number;
  assigned: number;
  queued: number;
  cpuMs: number;
}

export interface SteadyWindow {
  start: QueueMark;
  end: QueueMark;
  sec: number;
  perSec: number;
  cpuMsPerTask: number;
}

/**
 * The steady part of the saturated phase from its samples (in time order): it opens at the first sample
 * by which every node has been handed a task (the phase's first burst is behind) and ends at the last
 * sample with at least `nodes` tasks still queued (no node could have asked and found nothing). Null when
 * there is no such stretch of two samples or more: the job left too little work for the nodes.
 */
export function steadyWindow(marks: readonly QueueMark[], nodes: number): SteadyWindow | null {
  const first = marks.findIndex((m) => m.assigned >= nodes && m.queued >= nodes);
  if (first < 0) return null;
  let last = first;
  // The queue only shrinks (a task re-queued after its lease expired aside): the first sample below the floor ends it.
  while (last + 1 < marks.length && marks[last + 1]!.queued >= nodes) last++;
  if (last === first) return null;
  const start = marks[first]!;
  const end = marks[last]!;
  const sec = (end.atMs - start.atMs) / 1000;
  const tasks = end.assigned - start.assigned;
  return { start, end, sec, perSec: Math.round(tasks / sec), cpuMsPerTask: Number(((end.cpuMs - start.cpuMs) / Math.max(1, tasks)).toFixed(3)) };
}
