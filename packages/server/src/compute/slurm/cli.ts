import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { JobSpec, SlurmBackend } from './backend.ts';
import type { SlurmConnection } from './config.ts';
import { SlurmCommandError, SlurmJobUserError } from './errors.ts';
import { SACCT_FIELDS, parseSacct, parseSbatchOutput, parseSqueueJson } from './parse.ts';
import type { SacctRow, SqueueJob } from './parse.ts';

/** Output that means "Slurm is down or slow", not "your request is wrong". */
export const OUTAGE = /unable to contact slurm controller|connect(ion)? (failure|refused)|socket timed out|timed? ?out|zero bytes were transmitted|temporarily unable|backup controller|communication connection failure|slurmctld.*(not responding|down)/i;

export interface CliOptions {
  timeoutMs: number;
  /** sacct source: `-c` reads the jobcomp log instead of slurmdbd. */
  accounting: 'slurmdbd' | 'jobcomp' | 'none';
}

/** Slurm through its commands (sbatch, squeue, sacct, scancel) on this machine. */
export class SlurmCli implements SlurmBackend {
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    private readonly conn: Extract<SlurmConnection, { kind: 'cli' }>,
    private readonly opts: CliOptions,
  ) {
    this.env = {
      ...process.env,
      ...(conn.env ?? {}),
      ...(conn.slurmConf ? { SLURM_CONF: conn.slurmConf } : {}),
      // Epoch seconds instead of local wall-clock text: no time-zone guessing.
      SLURM_TIME_FORMAT: '%s',
    };
  }

  async submit(spec: JobSpec): Promise<string> {
    const uid = process.geteuid?.() ?? process.getuid?.();
    // Tenant code never runs as root: root must name the unprivileged user, which must not be root itself.
    if (spec.runAs?.uid === 0 || (uid === 0 && !spec.runAs)) {
      throw new SlurmJobUserError('SLURM_JOB_USER_ROOT', 'refusing to submit a job that would run as root (uid 0); the job needs an unprivileged user (slurm.jobUser)');
    }
    const args = [
      '--parsable',
      // Root submits for the job user: sbatch reads the script as root, the job runs as this user and group.
      ...(spec.runAs ? [`--uid=${spec.runAs.uid}`, `--gid=${spec.runAs.gid}`] : []),
      `--job-name=${spec.name}`,
      `--comment=${spec.comment}`,
      ...(spec.partition ? [`--partition=${spec.partition}`] : []),
      `--nodes=${spec.nodes}`,
      `--ntasks=${spec.ntasks}`,
      `--cpus-per-task=${spec.cpusPerTask}`,
      ...(spec.gpus > 0 ? [spec.gresType ? `--gres=gpu:${spec.gresType}:${spec.gpus}` : `--gpus=${spec.gpus}`] : []),
      `--time=${spec.timeMinutes}`,
      `--chdir=${spec.workDir}`,
      `--output=${spec.stdout}`,
      `--error=${spec.stderr}`,
      ...(spec.arraySize && spec.arraySize > 1 ? [`--array=0-${spec.arraySize - 1}`] : []),
      // The server's environment (database URL, tokens) must not reach jobs; the script sets what they need.
      '--export=NONE',
      // A retry is the host's decision (a new attempt with a new fence), never Slurm's.
      '--no-requeue',
      spec.scriptPath,
    ];
    return parseSbatchOutput(await this.run('sbatch', args));
  }

  async jobs(): Promise<SqueueJob[]> {
    return parseSqueueJson(await this.run('squeue', ['--json']));
  }

  async accounting(jobIds: string[]): Promise<SacctRow[]> {
    if (jobIds.length === 0 || this.opts.accounting === 'none') return [];
    const args = [
      ...(this.opts.accounting === 'jobcomp' ? ['-c'] : []),
      '--parsable2',
      '--noheader',
      '-o',
      SACCT_FIELDS.join(','),
      '-j',
      jobIds.join(','),
    ];
    return parseSacct(await this.run('sacct', args));
  }

  async cancel(jobId: string): Promise<void> {
    try {
      await this.run('scancel', [jobId]);
    } catch (err) {
      if (err instanceof SlurmCommandError && /invalid job id|already completed|job.*(completed|finished)/i.test(err.output)) return;
      throw err;
    }
  }

  async requeueHold(jobId: string): Promise<void> {
    // Jobs are submitted --no-requeue (Slurm never reruns an attempt on its own); this one is requeued on purpose.
    await this.run('scontrol', ['update', `jobid=${jobId}`, 'Requeue=1']);
    await this.run('scontrol', ['requeuehold', jobId]);
  }

  async release(jobId: string, comment: string): Promise<void> {
    // A requeued job waits out a begin-time delay; the host already decided when it runs.
    await this.run('scontrol', ['update', `jobid=${jobId}`, `Comment=${comment}`, 'StartTime=now', 'Requeue=0']);
    await this.run('scontrol', ['release', jobId]);
  }

  async suspend(jobId: string): Promise<void> {
    await this.run('scontrol', ['suspend', jobId]);
  }

  async resume(jobId: string): Promise<void> {
    await this.run('scontrol', ['resume', jobId]);
  }

  private run(command: string, args: string[]): Promise<string> {
    const file = this.conn.binDir ? join(this.conn.binDir, command) : command;
    return new Promise((resolve, reject) => {
      execFile(file, args, { env: this.env, timeout: this.opts.timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (!error) {
          resolve(stdout);
          return;
        }
        const output = `${stderr}\n${stdout}`.trim() || error.message;
        const timedOut = error.killed === true || (error as { signal?: string }).signal === 'SIGTERM';
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        reject(
          new SlurmCommandError(
            command,
            missing ? `${file} not found (install slurm-client)` : output,
            timedOut || OUTAGE.test(output),
            { cause: error },
          ),
        );
      });
    });
  }
}
