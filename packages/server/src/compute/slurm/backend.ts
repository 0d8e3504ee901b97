import type { SacctRow, SqueueJob } from './parse.ts';

/** One sbatch submission, independent of how it reaches Slurm. */
export interface JobSpec {
  name: string;
  /** `shuzhi:<taskId>:<attempt>`: finds the job again after a restart or an ambiguous sbatch failure. */
  comment: string;
  partition?: string;
  nodes: number;
  ntasks: number;
  cpusPerTask: number;
  gpus: number;
  /** GRES type of the GPUs (`--gres=gpu:<type>:<gpus>`), when the job asked for a model. */
  gresType?: string;
  timeMinutes: number;
  /** The job's own directory (its working directory), owned by the user it runs as. */
  workDir: string;
  /** Output file patterns (`%a` is the array index). */
  stdout: string;
  stderr: string;
  arraySize?: number;
  /** The batch script, already written to `scriptPath` (readable by the server only). */
  scriptPath: string;
  /**
   * The unprivileged user and group the job runs as, when the server (root) submits for them (CLI:
   * `sbatch --uid --gid`). Over slurmrestd the job runs as the token's user instead.
   */
  runAs?: { uid: number; gid: number };
}

/** The four things the executor asks of Slurm. The CLI backend implements it; slurmrestd could too. */
export interface SlurmBackend {
  submit(spec: JobSpec): Promise<string>;
  /** Every job the controller knows (also finished ones it still remembers). */
  jobs(): Promise<SqueueJob[]>;
  /** Accounting records of these raw job ids (array pieces by their own ids). */
  accounting(jobIds: string[]): Promise<SacctRow[]>;
  /** Cancels a job (all pieces of an array). Unknown or finished jobs are not an error. */
  cancel(jobId: string): Promise<void>;
  /**
   * Stops a running job and puts it back in Slurm's queue, held (`scontrol requeuehold`): Slurm sends
   * SIGTERM, waits the cluster's KillWait, then SIGKILL; the job keeps its id. Backends without it
   * (slurmrestd 0.0.38 has no requeue) preempt by cancelling.
   */
  requeueHold?(jobId: string): Promise<void>;
  /** Lets a held, requeued job run again as the attempt `comment` names (`scontrol release`). */
  release?(jobId: string, comment: string): Promise<void>;
  /** Pauses a running job in place (SIGSTOP; it keeps its processes and memory) and continues it. */
  suspend?(jobId: string): Promise<void>;
  resume?(jobId: string): Promise<void>;
}
