import { TransitionInvalidError } from './errors.ts';

export const TASK_STATES = ['queued', 'active', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];
export type TaskEvent = 'assign' | 'complete' | 'fail-retry' | 'fail-hard' | 'expire' | 'pause' | 'resume' | 'cancel' | 'requeue';

/**
 * Task life cycle. `fail-retry` vs `fail-hard` is chosen by the failure policy; `expire` is a lost
 * lease. Pausing or cancelling an active task revokes its lease (the agent gets a cancellation).
 */
export const TASK_TRANSITIONS = {
  queued: { assign: 'active', pause: 'paused', cancel: 'cancelled' },
  active: { complete: 'completed', 'fail-retry': 'queued', 'fail-hard': 'failed', expire: 'queued', pause: 'paused', cancel: 'cancelled' },
  paused: { resume: 'queued', cancel: 'cancelled' },
  completed: { requeue: 'queued' },
  failed: { requeue: 'queued' },
  cancelled: { requeue: 'queued' },
} as const satisfies Record<TaskState, Partial<Record<TaskEvent, TaskState>>>;

export const JOB_STATES = ['queued', 'active', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
export type JobEvent = 'start' | 'pause' | 'resume' | 'complete' | 'fail' | 'cancel' | 'requeue';

/**
 * Job life cycle. A paused job hands out no new tasks but lets running ones finish, so it can
 * complete while paused. `requeue` re-opens a finished job (failed/cancelled tasks go back to the queue).
 */
export const JOB_TRANSITIONS = {
  queued: { start: 'active', pause: 'paused', fail: 'failed', cancel: 'cancelled' },
  active: { complete: 'completed', pause: 'paused', fail: 'failed', cancel: 'cancelled' },
  paused: { resume: 'active', complete: 'completed', fail: 'failed', cancel: 'cancelled' },
  completed: { requeue: 'queued' },
  failed: { requeue: 'queued' },
  cancelled: { requeue: 'queued' },
} as const satisfies Record<JobState, Partial<Record<JobEvent, JobState>>>;

export const FINAL_JOB_STATES = new Set<JobState>(['completed', 'failed', 'cancelled']);

export function taskTransition(from: TaskState, event: TaskEvent): TaskState | null {
  const row: Partial<Record<TaskEvent, TaskState>> = TASK_TRANSITIONS[from];
  return row[event] ?? null;
}

export function jobTransition(from: JobState, event: JobEvent): JobState | null {
  const row: Partial<Record<JobEvent, JobState>> = JOB_TRANSITIONS[from];
  return row[event] ?? null;
}

export function nextTaskState(id: string, from: TaskState, event: TaskEvent): TaskState {
  const to = taskTransition(from, event);
  if (to === null) throw new TransitionInvalidError('task', id, from, event);
  return to;
}

export function nextJobState(id: string, from: JobState, event: JobEvent): JobState {
  const to = jobTransition(from, event);
  if (to === null) throw new TransitionInvalidError('job', id, from, event);
  return to;
}

/** Task states packed into a Uint8Array: one byte per task keeps a million-task job at 1 MB. */
export const TASK_STATE_CODE = {
  queued: 0,
  active: 1,
  paused: 2,
  completed: 3,
  failed: 4,
  cancelled: 5,
} as const satisfies Record<TaskState, number>;

export function taskStateFromCode(code: number): TaskState {
  const s = TASK_STATES[code];
  if (s === undefined) throw new RangeError(`unknown task state code ${code}`);
  return s;
}
