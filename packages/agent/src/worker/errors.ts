import type { WorkFailureCode } from '@shuzhi/schema';

/** Codes of the worker runtime's own errors (a task's failure has a WorkFailureCode instead). */
export type WorkerErrorCode =
  | 'WORKER_CREDENTIAL_INVALID'
  | 'WORKER_UNAUTHORISED'
  | 'WORKER_SYNC_FAILED'
  | 'WORKER_CONFIG_INVALID'
  | 'LEASE_LOST'
  | 'TASK_STOPPED'
  | 'TASK_API_FAILED';

export class WorkerError extends Error {
  constructor(
    readonly code: WorkerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WorkerError';
  }
}

/**
 * The server took the lease away (a 409 on a task-scoped call, or a cancel in a sync): the run stops
 * and nothing is reported for it.
 */
export class LeaseLost extends WorkerError {
  constructor(message: string) {
    super('LEASE_LOST', message);
    this.name = 'LeaseLost';
  }
}

/** The task was stopped by this worker (cancelled, dropped, the worker is stopping). */
export class TaskStopped extends WorkerError {
  constructor(message = 'the task was stopped') {
    super('TASK_STOPPED', message);
    this.name = 'TaskStopped';
  }
}

/**
 * A run failed for a reason the failure policy must hear about. Runners throw it; the worker turns
 * it into `{ ok: false, failure: { code, message } }`.
 */
export class TaskFailure extends Error {
  constructor(
    readonly code: WorkFailureCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TaskFailure';
  }
}

/** A file a sandboxed program named (a renderer's `Saved: '…'`) is not a regular file inside the attempt's directory. */
export class OutputOutsideWorkDir extends TaskFailure {
  constructor(
    readonly path: string,
    readonly workDir: string,
    reason: string,
  ) {
    super('output-outside-work-dir', `refused output ${JSON.stringify(path)}: ${reason}; only regular files inside the task's directory ${workDir} are read`);
    this.name = 'OutputOutsideWorkDir';
  }
}
