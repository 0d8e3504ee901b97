import type { ChildProcess } from 'node:child_process';
import type { TaskLimits, WorkerIsolation } from '@shuzhi/schema';

/** One process to run for a task, as the sandbox sees it. */
export interface SpawnSpec {
  /** Program and arguments; the program is looked up on the sandbox's PATH. */
  argv: readonly string[];
  /** The task's own directory (made by prepareWorkDir): the only writable place it sees, its cwd and its HOME. */
  workDir: string;
  /** All of the task's environment, with PATH, HOME and LANG defaulted; nothing of the worker's. */
  env: Readonly<Record<string, string>>;
  /** CPU seconds and memory are per process (each child gets its own); processes counts threads too. */
  limits: TaskLimits;
  /** Extra host paths the process may read (a scene on shared storage); nothing else of the host's files. */
  readOnly?: readonly string[];
  /** Shell tasks keep the network; renderers get none (the worker fetches and uploads for them). */
  network?: boolean;
}

/**
 * Where tenant code runs. Tenant code never runs as root nor as the worker's own user with a view
 * of its files: a sandbox gives it an unprivileged identity, its own directory and limits.
 */
export interface Sandbox {
  readonly isolation: WorkerIsolation;
  /** One line for the start banner and the logs ("bubblewrap 0.8.0, tasks as uid 80000+slot"). */
  readonly description: string;
  /** Where programs see the task's directory (bubblewrap mounts it at /task); absent: at its host path. */
  readonly taskDir?: string;
  /** Creates the task's directory so that the sandboxed process can write it, and nobody else's. */
  prepareWorkDir(dir: string): Promise<void>;
  /** Starts the process in its own process group with stdio ['ignore', 'pipe', 'pipe']. */
  spawn(spec: SpawnSpec): ChildProcess;
}
