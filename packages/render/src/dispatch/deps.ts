import { iterateFrames } from '../frames.ts';
import { CANCELLED, COMPLETED, FAILED } from './records.ts';
import type { JobRec } from './records.ts';

/**
 * Dependencies between render jobs, as OpenCue has them: `job` — nothing of the dependant starts
 * before the upstream job completed; `frame` — frame n of the dependant starts only after frame n of
 * the upstream completed (a frame the upstream does not render is no constraint). Only a completed
 * upstream frame counts: a failed or cancelled one holds its dependants until it is requeued and done.
 */
export const DEPENDENCY_MODES = ['job', 'frame'] as const;
export type DependencyMode = (typeof DEPENDENCY_MODES)[number];

export interface Dependency {
  readonly upstream: string;
  readonly mode: DependencyMode;
}

export interface UpstreamLink {
  readonly job: JobRec;
  readonly mode: DependencyMode;
}

/** Whether every upstream frame task `index` of `job` needs is done; the dispatcher hands out nothing else. */
export function upstreamDone(job: JobRec, index: number): boolean {
  for (const link of job.upstream) {
    if (link.mode === 'job') {
      if (link.job.state !== 'completed') return false;
      continue;
    }
    const up = link.job;
    let lastChunk = -1;
    for (const f of iterateFrames(job.plan.taskFrames(index))) {
      const c = up.plan.chunkOfFrame(f);
      if (c === -1 || c === lastChunk) continue;
      if (up.states[c] !== COMPLETED) return false;
      lastChunk = c;
    }
  }
  return true;
}

/**
 * Why a job cannot go on, or null: the first upstream that failed or was cancelled (a job, or one of
 * its frames), followed transitively, e.g. "upstream job job_a frame 12 failed".
 */
export function heldReason(job: JobRec, seen: Set<JobRec> = new Set()): string | null {
  if (seen.has(job)) return null;
  seen.add(job);
  for (const { job: up } of job.upstream) {
    const own = stoppedReason(up);
    if (own) return own;
    const inherited = heldReason(up, seen);
    if (inherited) return `upstream job ${up.id} is held (${inherited})`;
  }
  return null;
}

function stoppedReason(up: JobRec): string | null {
  for (const [code, word] of [
    [FAILED, 'failed'],
    [CANCELLED, 'cancelled'],
  ] as const) {
    if (up.counts[code] === 0) continue;
    const index = up.states.indexOf(code);
    // A dependant never waits on the upstream's preview, only on its frames.
    if (index === up.plan.previewIndex) continue;
    const first = up.plan.taskFrames(index)[0]!.start;
    return `upstream job ${up.id} frame ${first} ${word}`;
  }
  if (up.state === 'cancelled') return `upstream job ${up.id} cancelled`;
  if (up.state === 'failed') return `upstream job ${up.id} failed`;
  return null;
}
