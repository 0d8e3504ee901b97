import { parseFrameRanges, planChunks } from '../src/index.ts';
import type { ChunkPlan } from '../src/index.ts';

/** A clock the test moves by hand (`c.t += ms`). */
export function clock(start = 1_000_000) {
  return {
    t: start,
    now() {
      return this.t;
    },
  };
}

export function plan(frames: string, chunk: number): ChunkPlan {
  return planChunks(parseFrameRanges(frames), chunk);
}
