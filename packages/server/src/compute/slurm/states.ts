/** What a Slurm job state means for us. */
export type JobPhase = 'waiting' | 'running' | 'done' | 'lost';

/**
 * Slurm job states (squeue/sacct, first word: sacct prints `CANCELLED by 0`) and what they mean for a task.
 * `lost`: the job died with its node or was taken away; the host requeues the task as a new attempt
 * (we submit with --no-requeue so Slurm never reruns an attempt behind the host's back).
 */
export const SLURM_STATES = {
  PENDING: 'waiting',
  REQUEUED: 'waiting',
  REQUEUE_FED: 'waiting',
  REQUEUE_HOLD: 'waiting',
  RESV_DEL_HOLD: 'waiting',
  CONFIGURING: 'running',
  RUNNING: 'running',
  COMPLETING: 'running',
  RESIZING: 'running',
  SIGNALING: 'running',
  STAGE_OUT: 'running',
  SUSPENDED: 'running',
  STOPPED: 'running',
  COMPLETED: 'done',
  FAILED: 'done',
  CANCELLED: 'done',
  TIMEOUT: 'done',
  OUT_OF_MEMORY: 'done',
  DEADLINE: 'done',
  SPECIAL_EXIT: 'done',
  NODE_FAIL: 'lost',
  BOOT_FAIL: 'lost',
  PREEMPTED: 'lost',
  REVOKED: 'lost',
} as const satisfies Record<string, JobPhase>;

export type SlurmState = keyof typeof SLURM_STATES;
type DoneState = { [K in SlurmState]: (typeof SLURM_STATES)[K] extends 'done' ? K : never }[SlurmState];

/** Why a finished job did not succeed, in words for the task's error field. */
export const DONE_STATE_ERRORS = {
  COMPLETED: undefined,
  FAILED: undefined,
  CANCELLED: 'cancelled inside Slurm',
  TIMEOUT: 'reached its Slurm time limit',
  OUT_OF_MEMORY: 'ran out of memory',
  DEADLINE: 'missed its Slurm deadline',
  SPECIAL_EXIT: 'ended with Slurm special exit',
} as const satisfies Record<DoneState, string | undefined>;

/** Unknown states (a newer Slurm) count as waiting: never finish or lose a task on a guess. */
export function phaseOf(state: string): JobPhase {
  const word = state.trim().split(/\s+/)[0]?.toUpperCase() ?? '';
  return word in SLURM_STATES ? SLURM_STATES[word as SlurmState] : 'waiting';
}

export function stateWord(state: string): string {
  return state.trim().split(/\s+/)[0]?.toUpperCase() ?? '';
}
