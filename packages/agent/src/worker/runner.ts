import type { Work, WorkKind, WorkResult, WorkerRunner } from '@shuzhi/schema';
import type { TaskApi } from './task-api.ts';

/** Reads a program's output line by line and says what it means (a renderer's progress, its saved files). */
export interface LineParser<E> {
  push(line: string): E[];
  /** Events only a clean exit (code 0) confirms, taken once the program is gone. */
  end?(): E[];
}

export interface ExecOptions<E = never> {
  /** Parses stdout and stderr line by line; every event is collected and handed to onEvent. */
  parser?: LineParser<E>;
  onEvent?: (event: E) => void;
  /** Extra environment on top of the task's base (PATH, HOME = the task directory, LANG). */
  env?: Readonly<Record<string, string>>;
  /** Host paths the process may read besides its own directory (a cached scene). */
  readOnly?: readonly string[];
  /** Network access: shell tasks have it, renderers do not (the worker fetches and uploads for them). */
  network?: boolean;
  /** Kills this process (not the task) when aborted; exec then resolves with `aborted: true`. */
  signal?: AbortSignal;
  /** Keep the process's output out of the task log (default: every byte goes to the log). */
  quiet?: boolean;
}

export interface ExecResult<E = never> {
  /** Exit code, or null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  events: E[];
  /** The process was ended through ExecOptions.signal. */
  aborted: boolean;
}

/**
 * What a runner gets for one attempt of one task. It never spawns anything itself: `exec` runs every
 * program through the worker's sandbox, in the attempt's directory, under the task's limits.
 */
export interface TaskContext {
  readonly workerId: string;
  /** The attempt's own directory as the worker sees it (prepared by the sandbox, removed when the run ends). */
  readonly dir: string;
  /**
   * The same directory as the programs run by `exec` see it: their cwd and HOME (bubblewrap mounts
   * it at /task). Command lines name files with this path; the worker reads them under `dir`.
   */
  readonly execDir: string;
  /**
   * The worker's path of a file a program named (absolute in its view, or relative to its cwd).
   * Throws OutputOutsideWorkDir when the path is not inside the task's directory.
   */
  hostPath(printed: string): string;
  /** The worker's scratch root, for caches that outlive one attempt (one scene per job). */
  readonly workDir: string;
  /** Aborted when the task must stop (cancelled, lease lost, worker stopping). */
  readonly signal: AbortSignal;
  readonly stopped: boolean;
  /** Set once the server preempted the task (its processes got SIGTERM): the run ends as `preempted`. */
  readonly preempted: { reason: string } | null;
  log(stream: 'stdout' | 'stderr', text: string): void;
  /** Progress of the whole task, 0..1; sent with the next heartbeat. */
  progress(fraction: number): void;
  /**
   * Runs one program in the sandbox. Rejects with TaskStopped when the task is stopped meanwhile,
   * and with TaskFailure('start-failed' | 'sandbox-unavailable') when it cannot start.
   */
  exec<E = never>(argv: readonly string[], opts?: ExecOptions<E>): Promise<ExecResult<E>>;
  /** The task-scoped server calls, fenced by this attempt's lease. */
  readonly api: TaskApi;
}

/**
 * Runs one kind of work. `run` resolves with the task's result; it throws TaskFailure for a failed
 * run (the worker reports its code), LeaseLost or TaskStopped when there is nothing to report.
 */
export interface TaskRunner<W extends Work = Work> {
  readonly kind: W['kind'] & WorkKind;
  /** What this runner lets the worker take on, announced in every sync. */
  readonly provides: readonly WorkerRunner[];
  run(work: W, ctx: TaskContext): Promise<WorkResult>;
}
