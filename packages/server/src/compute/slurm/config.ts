import type { ResourceType } from '@shuzhi/schema';

/** How one site reaches its Slurm. */
export type SlurmConnection =
  | {
      kind: 'cli';
      /** slurm.conf of a non-default cluster (SLURM_CONF); the default is the machine's own. */
      slurmConf?: string;
      /** Where sbatch, squeue, sacct and scancel are; default: PATH. */
      binDir?: string;
      /** Extra environment for the commands (never passed on to jobs: they get --export=NONE). */
      env?: Record<string, string>;
    }
  | {
      /** slurmrestd (Slurm 22.05, OpenAPI v0.0.38) with JWT auth. */
      kind: 'rest';
      /** Base URL of slurmrestd, e.g. `http://127.0.0.1:6820`. */
      url: string;
      /**
       * The JWT (`scontrol token username=<user>`). Only ever held in memory: sites store the NAME of an
       * environment variable (`restTokenEnv`), never the token, so it is not in the database or any API answer.
       */
      token: string;
      /** The Slurm user the token belongs to (X-SLURM-USER-NAME); jobs run as this user. */
      user: string;
    };

/** What one unit of each resource type asks of Slurm. */
export interface UnitShape {
  cpus: number;
  gpus: number;
}

export interface SlurmSiteConfig {
  siteId: string;
  connection: SlurmConnection;
  partition?: string;
  /**
   * The server's own state per attempt, `<workRoot>/<taskId>.<attempt>`: batch script, Slurm job id, what
   * the host already has. Private to the server (0700); jobs never get a path in it.
   */
  workRoot: string;
  /**
   * Where each attempt's job directory goes, `<jobRoot>/<taskId>.<attempt>`: the job's working directory
   * and its stdout/stderr, owned by the job user (0700). `jobRoot` itself is the server's (0711: jobs
   * can reach their own directory but not list the others). It must be outside the server's data
   * directory, and on a real cluster on a file system the compute nodes share with this server.
   * Default: `/var/spool/shuzhi/slurm/<siteId>` when the server runs as root, else `<workRoot>/jobs`.
   */
  jobRoot?: string;
  /**
   * The Unix user tenant jobs run as; never root. CLI: a root server submits with `sbatch --uid/--gid`
   * of this user (default `shuzhi-job`, which must exist here and on the compute nodes); a server that
   * is not root can only submit as itself (leave it unset). REST: jobs run as the token's user; if set,
   * it must be that user.
   */
  jobUser?: string;
  /** Stop forwarding an output file after this many bytes (a line says so). */
  maxLogBytes?: number;
  /**
   * Where sacct reads finished jobs from: `slurmdbd` (the usual) or `jobcomp` (`sacct -c`, the
   * jobcomp/filetxt log; the test cluster has no database). `none` skips sacct (usage from squeue).
   */
  accounting?: 'slurmdbd' | 'jobcomp' | 'none';
  units?: Partial<Record<ResourceType, UnitShape>>;
  /** Split big CPU asks over nodes of this size; default: one node. */
  cpusPerNode?: number;
  /** Time limit = booked hours × this, plus `timeSlackMin`. */
  timeHeadroom?: number;
  timeSlackMin?: number;
  /** How often to ask squeue while all is well. */
  pollMs?: number;
  /** Backoff after a failed Slurm call (controller down): doubles from `initialMs` up to `maxMs`. */
  backoff?: { initialMs: number; maxMs: number };
  commandTimeoutMs?: number;
  /** A submitted job squeue and sacct both no longer know is lost after this long. */
  vanishGraceMs?: number;
  /** After a job ends, how long to wait for its sacct record before settling for squeue's numbers. */
  sacctWaitMs?: number;
  /**
   * How a cheaper-window pause is done here (the site's `preemption` setting): `requeue` (default),
   * `suspend` in place, or `both` (suspend pauses up to `suspendMaxHours`, requeue longer ones).
   */
  preemption?: 'requeue' | 'suspend' | 'both';
  suspendMaxHours?: number;
}

export const DEFAULT_UNITS = {
  cpu: { cpus: 1, gpus: 0 },
  gpu: { cpus: 1, gpus: 1 },
  render: { cpus: 1, gpus: 0 },
} as const satisfies Record<ResourceType, UnitShape>;

/** The unprivileged user a root server runs Slurm jobs as unless the site names another. */
export const DEFAULT_JOB_USER = 'shuzhi-job';
/** Parent of the default job directories of a root server (one folder per site). */
export const DEFAULT_JOB_SPOOL = '/var/spool/shuzhi/slurm';

export const DEFAULTS = {
  accounting: 'slurmdbd',
  timeHeadroom: 1.5,
  timeSlackMin: 5,
  pollMs: 2000,
  backoff: { initialMs: 1000, maxMs: 60_000 },
  commandTimeoutMs: 30_000,
  vanishGraceMs: 60_000,
  sacctWaitMs: 10_000,
  maxLogBytes: 64 * 1024 * 1024,
  preemption: 'requeue',
  suspendMaxHours: 4,
} as const;
