import type { Fence } from '@shuzhi/schema';

/** A task as an engine runs it: one attempt of one job's work at one site. */
export interface ExecTask extends Fence {
  jobId: string;
  jobName: string;
  siteId: string;
  type: string;
  units: number;
  /** Booked hours: engines with a time limit (Slurm) use it, with headroom. */
  hours: number;
  command: string;
  /**
   * The job's env in plaintext (secrets). From the dispatcher it is a lazy, non-enumerable getter that
   * decrypts on each read: read it where the task is handed to the worker (e.g. writing the batch
   * script), and do not copy it into other objects, files other than that hand-off, or logs. Spreading
   * the task (`{...task}`) drops it.
   */
  env: Record<string, string>;
  /** Divisible jobs may run as an array of `arraySize` pieces (Slurm job arrays). */
  arraySize?: number;
  /** The job's tenant: a tenant's own workers run only its work. */
  tenantId: string;
  /** Higher first; among equals, the earlier `createdAtMs` first. */
  priority: number;
  createdAtMs: number;
  /** Not before this time: its data is being staged to the site. */
  readyAtMs: number;
  /** The accelerator model the job asked for (Slurm: a GRES type), and whether its units stay in one group. */
  accelerator?: string | null;
  oneGroup?: boolean;
  /** The job checkpoints: its task gets SHUZHI_CHECKPOINT_DIR (filled from its last checkpoint). */
  checkpoint?: boolean;
}

export interface ExecLog {
  stream: 'stdout' | 'stderr' | 'system';
  text: string;
}

export interface ExecResult {
  exitCode: number;
  error?: string;
  startedAtMs: number;
  endedAtMs: number;
  /** The attempt's last output, kept with its result in one write (engines that report both at once). */
  logs?: ExecLog[];
  /** What the engine accounted, when it accounts (Slurm's sacct): elapsed seconds and allocated TRES. */
  engineUsage?: { elapsedSec: number; allocTres: Record<string, number> };
}

/**
 * How an engine reports back. Reports carry the fence; the host refuses stale ones and may say so
 * by resolving `false` (an engine may then drop what it holds for that fence).
 */
export interface ExecutorHost {
  /** `by`: the worker that took it, where the engine knows (our agents). */
  started(fence: Fence, atMs: number, by?: string | null): Promise<boolean | void>;
  logs(fence: Fence, logs: ExecLog[]): Promise<boolean | void>;
  finished(fence: Fence, result: ExecResult): Promise<boolean | void>;
  /**
   * The attempt stopped because it was preempted (after SIGTERM and its grace): the host requeues it.
   * Hosts that never preempt (test recorders) leave it out; the engine then reports the attempt lost.
   */
  preemptEnded?(fence: Fence, endedAtMs: number): Promise<boolean | void>;
  /**
   * Engines that pack a preempted attempt's SHUZHI_CHECKPOINT_DIR themselves (Slurm) hand the archive
   * here; it is kept as an agent's upload is (compute/checkpoints.ts), so any site can resume from it.
   */
  saveCheckpoint?(fence: Fence, archive: Buffer): Promise<void>;
  /** The archive a checkpointing attempt resumes from (left by an earlier attempt, anywhere), or null. */
  checkpointOf?(fence: Fence): Promise<Buffer | null>;
  /** The engine lost the task (node died, job vanished): the host requeues it. */
  lost(fence: Fence, reason: string): Promise<boolean | void>;
  /**
   * Where an engine keeps what it must find again after a restart (Slurm: the jobs it requeued and
   * holds for the task's next attempt); hosts without it (test recorders) leave it to memory.
   */
  heldJobs?: HeldJobStore;
}

/** A Slurm job requeued and held when its attempt was preempted; the task's next attempt at the site releases it. */
export interface HeldJob {
  taskId: string;
  slurmJobId: string;
  /** The attempt that was preempted. */
  attempt: number;
  /** Its job directory (the released job writes there again). */
  jobDir: string;
  heldAtMs: number;
}

export interface HeldJobStore {
  list(siteId: string): Promise<HeldJob[]>;
  put(siteId: string, job: HeldJob): Promise<void>;
  drop(siteId: string, taskId: string): Promise<void>;
}

/**
 * An execution engine behind a site: our own agents (pull, long-poll) or Slurm (push, sbatch).
 * Every implementation passes the shared executor suite (test/system/executor-suite.ts).
 */
export interface Executor {
  /** `data`: the data plane, which the dispatcher reaches through its route hook, not per site. */
  readonly engine: 'agent' | 'slurm' | 'data';
  /** True while the engine cannot take new work (its controller does not answer). */
  readonly degraded?: boolean;
  /** Hands one attempt to the engine. Resolves once the engine holds it (queued there), not when it ran. */
  submit(task: ExecTask): Promise<void>;
  /** Stops an attempt wherever it is; a no-op for attempts the engine no longer holds. */
  cancel(fence: Fence): Promise<void>;
  /**
   * Asks a running attempt to stop: SIGTERM, then SIGKILL after `graceMs`. The engine reports its end
   * through the host as usual (`finished` with exit 0 if it completed in the grace, else the host
   * records the preemption). Engines without it have their preempted attempts cancelled at once.
   */
  preempt?(fence: Fence, graceMs: number, reason: string): Promise<void>;
  /**
   * Whether a pause of `pauseMs` may be done by suspending the attempt in place (same processes and
   * memory) rather than preempting it: the site's setting (Slurm's `preemption`). Engines without
   * `suspend` never suspend.
   */
  maySuspend?(pauseMs: number): boolean;
  /** Pauses a running attempt in place, and continues it (Slurm: `scontrol suspend` / `resume`). */
  suspend?(fence: Fence): Promise<void>;
  resume?(fence: Fence): Promise<void>;
  /** After a restart: re-attach to attempts the database says the engine holds. */
  recover(tasks: ExecTask[]): Promise<void>;
  close(): Promise<void>;
}
