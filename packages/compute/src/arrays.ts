/**
 * Job arrays as Slurm writes them (`--array`): `0-999%50`, `0-15:4`, `1,3,5`, `1-3,10-12:2%4`. One
 * record stands for every index; the dispatcher makes tasks only as the cap lets them run, so an array
 * of 100,000 indices never becomes 100,000 rows planned one by one.
 */

/** The largest array the network takes (Slurm's default MaxArraySize is 1001; sites raise it). */
export const ARRAY_MAX_TASKS = 100_000;
/** Indices are at most this (Slurm: MaxArraySize − 1 with the largest setting). */
export const ARRAY_MAX_INDEX = 4_000_000;

export interface ArraySpec {
  /** The indices in the order given, without duplicates. */
  indices: number[];
  /** At most this many tasks run at once; null = no cap of the submitter's own. */
  cap: number | null;
}

/** Why a spec cannot be read, phrased for the field that carried it. */
export class ArraySpecError extends Error {}

/** Reads an `--array` value; throws ArraySpecError saying what is wrong. */
export function parseArraySpec(spec: string): ArraySpec {
  const text = spec.trim();
  if (!text) throw new ArraySpecError('an array needs indices, such as 0-99, 1,3,5 or 0-15:4 (optionally %N to run at most N at once)');
  const [body = '', capText, extra] = text.split('%');
  if (extra !== undefined) throw new ArraySpecError('at most one %N cap');
  let cap: number | null = null;
  if (capText !== undefined) {
    if (!/^\d+$/.test(capText)) throw new ArraySpecError(`the cap after % must be a whole number, not "${capText}"`);
    cap = Number(capText);
    if (cap < 1) throw new ArraySpecError('the cap after % must be at least 1 (a cap of 0 would never run a task)');
  }
  const seen = new Set<number>();
  const indices: number[] = [];
  for (const part of body.split(',')) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part);
    if (!m) throw new ArraySpecError(`"${part}" is not an index, a range A-B or a stepped range A-B:S`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    const step = m[3] === undefined ? 1 : Number(m[3]);
    if (to < from) throw new ArraySpecError(`the range ${part} runs backwards; write ${to}-${from}`);
    if (step < 1) throw new ArraySpecError(`the step in ${part} must be at least 1`);
    if (to > ARRAY_MAX_INDEX) throw new ArraySpecError(`indices go up to ${ARRAY_MAX_INDEX}`);
    if (Math.floor((to - from) / step) + 1 + indices.length > ARRAY_MAX_TASKS) {
      throw new ArraySpecError(`at most ${ARRAY_MAX_TASKS.toLocaleString('en')} tasks in one array`);
    }
    for (let i = from; i <= to; i += step) {
      if (!seen.has(i)) seen.add(i), indices.push(i);
    }
  }
  return { indices, cap };
}

/** The variables each task of an array finds in its environment (Slurm's names, and ours). */
export function arrayTaskEnv(jobId: string, index: number, array: ArrayBounds): Record<string, string> {
  return {
    SHUZHI_ARRAY_TASK_ID: String(index),
    SHUZHI_ARRAY_JOB_ID: jobId,
    SLURM_ARRAY_TASK_ID: String(index),
    SLURM_ARRAY_TASK_COUNT: String(array.size),
    SLURM_ARRAY_TASK_MIN: String(array.min),
    SLURM_ARRAY_TASK_MAX: String(array.max),
  };
}

/** How many indices an array has and its smallest and largest (what each task's env tells it). */
export interface ArrayBounds {
  size: number;
  min: number;
  max: number;
}

export function arrayBounds(spec: ArraySpec): ArrayBounds {
  let min = Infinity;
  let max = -Infinity;
  for (const i of spec.indices) (min = Math.min(min, i)), (max = Math.max(max, i));
  return { size: spec.indices.length, min, max };
}
