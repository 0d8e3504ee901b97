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
   * Each attempt gets `<workRoot>/<taskId>.<attempt>`: its batch script, job id and output files. On a real
   * cluster this must be a file system the compute nodes share with this server.
   */
  workRoot: string;
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
}

export const DEFAULT_UNITS = {
  cpu: { cpus: 1, gpus: 0 },
  gpu: { cpus: 1, gpus: 1 },
  render: { cpus: 1, gpus: 0 },
} as const satisfies Record<ResourceType, UnitShape>;

export const DEFAULTS = {
  accounting: 'slurmdbd',
  timeHeadroom: 1.5,
  timeSlackMin: 5,
  pollMs: 2000,
  backoff: { initialMs: 1000, maxMs: 60_000 },
  commandTimeoutMs: 30_000,
  vanishGraceMs: 60_000,
  sacctWaitMs: 10_000,
} as const;
