import { chmod, chown, lstat, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CheckpointTooBig, packCheckpoint, unpackCheckpoint } from '@shuzhi/agent';
import type { Fence } from '@shuzhi/schema';
import type { ExecLog, ExecResult, ExecTask, Executor, ExecutorHost } from '../executor.ts';
import type { SlurmBackend } from './backend.ts';
import { SlurmCli } from './cli.ts';
import { SlurmRest } from './rest.ts';
import { DEFAULTS, DEFAULT_JOB_SPOOL } from './config.ts';
import type { SlurmSiteConfig } from './config.ts';
import { SlurmCommandError, SlurmConfigError, SlurmError } from './errors.ts';
import { resolveJobIdentity } from './job-user.ts';
import type { JobIdentity } from './job-user.ts';
import { LogTail } from './logs.ts';
import type { SacctRow, SqueueJob } from './parse.ts';
import { DONE_STATE_ERRORS, phaseOf, stateWord } from './states.ts';
import { batchScript, checkpointDirOf, commentOf, fenceKey, jobDirOf, jobSpecOf, outputNames, workDirOf } from './script.ts';

/** How long a resumed job is given to run again before it is requeued (see stopForPreemption). */
const RESUME_SETTLE_MS = 2000;
/**
 * How long after its stopped run ended a requeued, held job is released at the earliest. The
 * controller shows the job pending once its processes are gone, but the node's step daemon of that run
 * may still be tearing down; a release that reaches the node meanwhile fails to launch (the job ends at
 * once, exit 1, nothing run). Seen in CI under load on Slurm 22.05; a preempted job loses nothing by it.
 */
const RELEASE_SETTLE_MS = 5000;

/** What the executor needs of a logger (pino fits). */
export interface ExecutorLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const silentLog: ExecutorLog = { info() {}, warn() {} };

/** Host reports that keep failing are dropped after this many tries (the host's own lease logic takes over). */
const MAX_REPORT_TRIES = 5;
const MAX_PARALLEL_SUBMITS = 4;
const JOB_ID_FILE = 'slurm-job-id';
const STATE_FILE = 'shuzhi-state.json';
/** A released (requeued) Slurm job keeps the job directory of the attempt that first submitted it. */
const JOB_DIR_FILE = 'job-dir';
/** How long a requeued, held job waits for the task's next attempt to come back to this site. */
const PARKED_MS = 6 * 3_600_000;

interface Tracked {
  task: ExecTask;
  key: string;
  /** The server's private state of this attempt. */
  workDir: string;
  /** The job's own directory (working directory, output files), owned by the job user. */
  jobDir: string;
  pieces: number;
  slurmId: string | null;
  /** An sbatch ran whose outcome we did not see: squeue is asked (by comment) before sbatch runs again. */
  uncertain: boolean;
  submitting: boolean;
  submitFailures: number;
  nextSubmitAt: number;
  /** When the last sbatch returned: a squeue taken before that cannot prove the job absent. */
  lastSubmitEndedAt: number;
  lastSubmitError: string | null;
  started: boolean;
  cancelled: boolean;
  missingSince: number | null;
  doneSince: number | null;
  reportTries: number;
  tails: LogTail[];
  /** Asked to stop for a preemption: requeued held (or cancelled); its end is a preemption, not a result. */
  preempting: boolean;
  /** The requeue (or cancel) of a preempted job still has to reach the controller. */
  stopPending: string | null;
}

/** A preempted attempt's Slurm job, requeued and held: the task's next attempt here releases it. */
interface Parked {
  slurmId: string;
  attempt: number;
  jobDir: string;
  at: number;
}

export interface SlurmExecutorOptions {
  host: ExecutorHost;
  log?: ExecutorLog;
  /** Replaces the CLI (tests, slurmrestd). */
  backend?: SlurmBackend;
  now?: () => number;
}

/** Picks the backend a site's connection settings ask for. */
export function createSlurmBackend(cfg: SlurmSiteConfig): SlurmBackend {
  const opts = { timeoutMs: cfg.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs, accounting: cfg.accounting ?? DEFAULTS.accounting };
  if (cfg.connection.kind === 'rest') {
    try {
      return new SlurmRest(cfg.connection, opts);
    } catch (err) {
      if (err instanceof SlurmConfigError) throw new SlurmConfigError(`site ${cfg.siteId}: ${err.message}`);
      throw err;
    }
  }
  return new SlurmCli(cfg.connection, opts);
}

/**
 * Accounting rows of the runs squeue shows now. A requeued and released job keeps its id, and the
 * accounting of the run that was stopped can be all there is for a while after the new run ended;
 * taken for the new run, it would finish the task with the stopped run's state and exit code. A row
 * that started more than a second (sacct's resolution) before squeue's start of the run is that old run;
 * so is a row that ended by then (within that second) in another state than squeue's: a run released at
 * once can start in the second the stopped one ended, and its accounting may give that run the same start.
 */
export function currentRuns(rows: readonly SacctRow[], records: readonly Pick<SqueueJob, 'jobId' | 'startMs' | 'state'>[]): SacctRow[] {
  const recordOf = new Map(records.map((r) => [r.jobId, r]));
  return rows.filter((row) => {
    const rec = recordOf.get(row.jobIdRaw);
    const start = rec?.startMs;
    if (rec === undefined || start === undefined || start === null || row.startMs === null) return true;
    if (row.startMs <= start - 1000) return false;
    return !(row.endMs !== null && row.endMs <= start + 1000 && stateWord(row.state) !== stateWord(rec.state));
  });
}

/**
 * The Slurm executor: sbatch on submit, one squeue per poll for all attempts, sacct for usage, scancel on
 * cancel. Slurm being down never fails a task: submissions wait in memory and every call backs off
 * exponentially until the controller answers again. Submission is idempotent through the job comment
 * `shuzhi:<taskId>:<attempt>`, so a retried or recovered attempt never runs twice.
 */
export class SlurmExecutor implements Executor {
  readonly engine = 'slurm' as const;
  private readonly tracked = new Map<string, Tracked>();
  private readonly parked = new Map<string, Parked>();
  private parkedLoaded: Promise<void> | null = null;
  private readonly backend: SlurmBackend;
  private readonly host: ExecutorHost;
  private readonly log: ExecutorLog;
  private readonly now: () => number;
  private readonly pollMs: number;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly vanishGraceMs: number;
  private readonly sacctWaitMs: number;
  private readonly maxLogBytes: number;
  private readonly serverUid: number;
  /** Where job directories go (see SlurmSiteConfig.jobRoot). */
  readonly jobRoot: string;
  /** Who jobs run as, once checked; `setupProblem` says why they cannot run yet. */
  private identity: JobIdentity | null = null;
  private setupProblem: SlurmError | null = null;
  private setup: Promise<JobIdentity> | null = null;
  /** The state and job roots exist with their modes (made at the first submission, not by a probe). */
  private rootsMade = false;
  /** Consecutive failed calls to the controller, and when it may be asked again. */
  private outage = { failures: 0, until: 0 };
  /** Whether the controller has answered once: until then the site takes no new work. */
  private answered = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private ticking: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(
    readonly config: SlurmSiteConfig,
    opts: SlurmExecutorOptions,
  ) {
    this.backend = opts.backend ?? createSlurmBackend(config);
    this.host = opts.host;
    this.log = opts.log ?? silentLog;
    this.now = opts.now ?? Date.now;
    this.pollMs = config.pollMs ?? DEFAULTS.pollMs;
    this.backoff = config.backoff ?? DEFAULTS.backoff;
    this.vanishGraceMs = config.vanishGraceMs ?? DEFAULTS.vanishGraceMs;
    this.sacctWaitMs = config.sacctWaitMs ?? DEFAULTS.sacctWaitMs;
    this.maxLogBytes = config.maxLogBytes ?? DEFAULTS.maxLogBytes;
    this.serverUid = process.geteuid?.() ?? process.getuid?.() ?? -1;
    this.jobRoot =
      config.jobRoot ??
      (this.serverUid === 0 ? join(DEFAULT_JOB_SPOOL, config.siteId.replace(/[^A-Za-z0-9_-]/g, '_')) : join(config.workRoot, 'jobs'));
  }

  /**
   * True while the site cannot take work: the controller is failing calls (submissions wait, nothing is
   * failed), or jobs could not run as an unprivileged user (see `problem`).
   */
  get degraded(): boolean {
    return this.setupProblem !== null || this.outage.failures > 0 || !this.answered;
  }

  /** Why jobs cannot be run here at all (job user, job directories), or null. */
  get problem(): string | null {
    return this.setupProblem?.message ?? null;
  }

  /** Checks the job user and directories, then asks the controller whether it answers (squeue); a failed call counts as an outage. */
  async probe(): Promise<{ ok: true } | { ok: false; error: string }> {
    try {
      await this.ready();
    } catch (err) {
      return { ok: false, error: errText(err) };
    }
    try {
      await this.backend.jobs();
      this.controllerOk();
      await this.loadParked();
      return { ok: true };
    } catch (err) {
      this.controllerFailed(err);
      return { ok: false, error: errText(err) };
    }
  }

  async submit(task: ExecTask): Promise<void> {
    if (this.closed) throw new SlurmConfigError('the Slurm executor is closed');
    // A job user that is root or unusable refuses the task here (SlurmJobUserError), before anything runs.
    await this.ready();
    const key = fenceKey(task);
    if (this.tracked.has(key)) return;
    const t = this.track(task);
    if (this.now() >= this.outage.until) await this.trySubmit(t);
    this.wake(this.pollMs);
  }

  async cancel(fence: Fence): Promise<void> {
    const t = this.tracked.get(fenceKey(fence));
    if (!t) return;
    t.cancelled = true;
    await this.tryCancel(t);
    if (this.tracked.has(t.key)) this.wake(0);
  }

  /**
   * Preempts a running attempt the Slurm way: `scontrol requeuehold` (SIGTERM, the cluster's KillWait
   * as the grace, SIGKILL; the job goes back to the queue, held, keeping its id and its checkpoint
   * directory). Once it stopped, its SHUZHI_CHECKPOINT_DIR is packed and kept by the host, and the end
   * is reported as a preemption; the task's next attempt, if placed here, releases the same job.
   * Backends without requeue (slurmrestd) cancel it instead, with the same reporting.
   */
  async preempt(fence: Fence, _graceMs: number, reason: string): Promise<void> {
    const t = this.tracked.get(fenceKey(fence));
    if (!t || t.cancelled || t.preempting) return;
    t.preempting = true;
    if (t.slurmId) await this.stopForPreemption(t, reason);
    this.wake(0);
  }

  /** A pause this long is done in place when the site's `preemption` setting allows it (and the backend can). */
  maySuspend(pauseMs: number): boolean {
    if (!this.backend.suspend || !this.backend.resume) return false;
    const mode = this.config.preemption ?? DEFAULTS.preemption;
    return mode === 'suspend' || (mode === 'both' && pauseMs <= (this.config.suspendMaxHours ?? DEFAULTS.suspendMaxHours) * 3_600_000);
  }

  /** Pauses a running attempt in place (`scontrol suspend`): same processes, same memory, until `resume`. */
  async suspend(fence: Fence): Promise<void> {
    const t = this.tracked.get(fenceKey(fence));
    if (!t?.slurmId || !this.backend.suspend) throw new SlurmConfigError(`Slurm site ${this.config.siteId} cannot suspend this job`);
    await this.backend.suspend(t.slurmId);
    await this.report(t, 'logs', () => this.host.logs(t.task, [sys(`suspended in Slurm (job ${t.slurmId})`)]));
  }

  async resume(fence: Fence): Promise<void> {
    const t = this.tracked.get(fenceKey(fence));
    if (!t?.slurmId || !this.backend.resume) throw new SlurmConfigError(`Slurm site ${this.config.siteId} cannot resume this job`);
    await this.resumeIfSuspended(t.slurmId);
    await this.report(t, 'logs', () => this.host.logs(t.task, [sys(`resumed in Slurm (job ${t.slurmId})`)]));
  }

  async recover(tasks: ExecTask[]): Promise<void> {
    // Jobs that already run are re-attached either way; a problem here is logged and shown on the site.
    await this.ready().catch(() => undefined);
    for (const task of tasks) {
      if (this.tracked.has(fenceKey(task))) continue;
      const t = this.track(task);
      const id = await readFile(join(t.workDir, JOB_ID_FILE), 'utf8').catch(() => '');
      if (/^\d+$/.test(id.trim())) t.slurmId = id.trim();
      else t.uncertain = true; // maybe submitted just before the restart: look for it by comment first
      const released = await readFile(join(t.workDir, JOB_DIR_FILE), 'utf8').catch(() => '');
      if (released.startsWith(`${this.jobRoot}/`)) this.useJobDir(t, released);
      const saved = await readFile(join(t.workDir, STATE_FILE), 'utf8').then((s) => JSON.parse(s) as unknown).catch(() => null);
      if (saved && typeof saved === 'object') {
        const s = saved as { started?: unknown; offsets?: unknown; done?: unknown };
        t.started = s.started === true;
        if (Array.isArray(s.offsets)) t.tails.forEach((tail, i) => (tail.offset = Number((s.offsets as unknown[])[i]) || 0));
        if (Array.isArray(s.done)) t.tails.forEach((tail, i) => (tail.done = (s.done as unknown[])[i] === true));
      }
    }
    this.wake(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
  }

  // ---- internals ----

  /**
   * Who jobs run as (never root), and that the job user can reach the job root; checked until it
   * succeeds once. Creates nothing (a probe must leave no trace on the machine).
   */
  private ready(): Promise<JobIdentity> {
    if (this.identity) return Promise.resolve(this.identity);
    this.setup ??= (async () => {
      const id = await resolveJobIdentity(this.config, this.serverUid);
      await this.checkReach(id);
      return id;
    })().then(
      (id) => {
        this.identity = id;
        this.setupProblem = null;
        this.log.info({ site: this.config.siteId, jobUser: id.name, uid: id.uid, jobRoot: this.jobRoot }, 'Slurm jobs run as an unprivileged user');
        return id;
      },
      (err: unknown) => {
        this.setup = null;
        const problem = err instanceof SlurmError ? err : new SlurmConfigError(`Slurm site ${this.config.siteId}: ${errText(err)}`);
        if (problem.message !== this.setupProblem?.message) this.log.warn({ site: this.config.siteId, err: problem.message }, 'Slurm site cannot run jobs');
        this.setupProblem = problem;
        throw problem;
      },
    );
    return this.setup;
  }

  /** The job user must be able to walk down to its directory; a private parent (the data dir) stops it. */
  private async checkReach(id: JobIdentity): Promise<void> {
    if (!id.switchUser) return;
    // The job root itself is the server's and gets 0711; what exists above it must be open to the job user.
    for (let d = dirname(this.jobRoot); ; d = dirname(d)) {
      const st = await stat(d).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null; // made by the server at the first submission (0711)
        throw err;
      });
      const x = st ? (st.uid === id.uid ? 0o100 : st.gid === id.gid ? 0o010 : 0o001) : 0;
      if (st && (st.mode & x) === 0) {
        throw new SlurmConfigError(
          `Slurm site ${this.config.siteId}: the job user ${id.name} cannot reach the job directories under ${this.jobRoot}: ${d} is closed to it (mode ${(st.mode & 0o7777).toString(8)}); put them outside the server's data directory (slurm.jobDir)`,
        );
      }
      if (d === dirname(d)) break;
    }
  }

  /** The server's state dir private (0700); the job root the server's (0711: jobs reach their own dir, list none). */
  private async makeRoots(id: JobIdentity): Promise<void> {
    if (this.rootsMade) return;
    const site = `Slurm site ${this.config.siteId}`;
    const ownDir = async (dir: string, mode: number, what: string): Promise<void> => {
      await mkdir(dir, { recursive: true, mode });
      const st = await lstat(dir);
      if (st.isSymbolicLink() || !st.isDirectory()) throw new SlurmConfigError(`${site}: the ${what} ${dir} is not a directory`);
      if (this.serverUid >= 0 && st.uid !== this.serverUid) {
        throw new SlurmConfigError(`${site}: the ${what} ${dir} belongs to uid ${st.uid}, not to the server (uid ${this.serverUid})`);
      }
      if ((st.mode & 0o7777) !== mode) await chmod(dir, mode);
    };
    await ownDir(this.config.workRoot, 0o700, 'state directory');
    await ownDir(this.jobRoot, 0o711, 'job directory root');
    await this.checkReach(id);
    this.rootsMade = true;
  }

  /** The job's own directory: created by the server, then handed to the job user (0700). */
  private async prepareJobDir(dir: string, id: JobIdentity): Promise<void> {
    await mkdir(dir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    const st = await lstat(dir);
    if (st.isSymbolicLink() || !st.isDirectory()) throw new SlurmConfigError(`the job directory ${dir} is not a directory`);
    if (id.switchUser) await chown(dir, id.uid, id.gid);
    await chmod(dir, 0o700);
  }

  private track(task: ExecTask): Tracked {
    const key = fenceKey(task);
    const workDir = workDirOf(this.config.workRoot, task);
    const jobDir = jobDirOf(this.jobRoot, task);
    const pieces = Math.max(1, Math.floor(task.arraySize ?? 1));
    const opts = { maxBytes: this.maxLogBytes };
    const tails = outputNames(pieces).flatMap((f) => [
      new LogTail(jobDir, f.stdout, 'stdout', 0, opts),
      new LogTail(jobDir, f.stderr, 'stderr', 0, opts),
    ]);
    const t: Tracked = {
      task, key, workDir, jobDir, pieces, slurmId: null, uncertain: false, submitting: false, submitFailures: 0,
      nextSubmitAt: 0, lastSubmitEndedAt: 0, lastSubmitError: null, started: false, cancelled: false, missingSince: null,
      doneSince: null, reportTries: 0, tails, preempting: false, stopPending: null,
    };
    this.tracked.set(key, t);
    return t;
  }

  /** The attempt runs as a released job whose output goes to that job's directory. */
  private useJobDir(t: Tracked, jobDir: string): void {
    t.jobDir = jobDir;
    const opts = { maxBytes: this.maxLogBytes };
    t.tails = outputNames(t.pieces).flatMap((f) => [new LogTail(jobDir, f.stdout, 'stdout', 0, opts), new LogTail(jobDir, f.stderr, 'stderr', 0, opts)]);
  }

  /**
   * `scontrol resume`; a job not suspended (running, resumed before a restart, or — `anyState` — pending
   * or ended: then the requeue that follows decides) is no error.
   */
  private async resumeIfSuspended(slurmId: string, anyState = false): Promise<boolean> {
    try {
      await this.backend.resume!(slurmId);
      return true;
    } catch (err) {
      const notSuspended = err instanceof SlurmCommandError && !err.transient && (anyState || /not suspended|already|is running/i.test(err.output));
      if (!notSuspended) throw err;
      return false;
    }
  }

  private async stopForPreemption(t: Tracked, reason: string): Promise<void> {
    t.stopPending = null;
    try {
      // Slurm (22.05 here) requeues a SUSPENDED job at once but kills its stopped processes without their
      // SIGTERM ever being handled: the job could not checkpoint. Resumed first, it gets its SIGTERM and KillWait.
      // slurmctld answers the resume at once but thaws the processes through slurmd later, and a requeue that
      // reaches slurmd first finds them still stopped: the job is given RESUME_SETTLE_MS to run again.
      if (this.backend.requeueHold && this.backend.resume && (await this.resumeIfSuspended(t.slurmId!, true))) {
        await new Promise((r) => setTimeout(r, RESUME_SETTLE_MS));
      }
      if (this.backend.requeueHold) await this.backend.requeueHold(t.slurmId!);
      else await this.backend.cancel(t.slurmId!);
      await this.report(t, 'logs', () => this.host.logs(t.task, [sys(`preempted (${reason}): Slurm job ${t.slurmId} ${this.backend.requeueHold ? 'requeued and held' : 'cancelled'}; SIGTERM, then SIGKILL after the cluster's KillWait`)]));
    } catch (err) {
      // A job that already ended is reconciled as such; an outage is retried on the next poll.
      if (err instanceof SlurmCommandError && err.transient) {
        this.controllerFailed(err);
        t.stopPending = reason;
      } else {
        this.log.warn({ task: t.key, err: errText(err) }, 'Slurm refused to requeue a preempted job');
        t.preempting = false;
      }
    }
  }

  /**
   * SHUZHI_CHECKPOINT_DIR of a checkpointing attempt about to be submitted afresh: emptied, then filled
   * with the archive an earlier attempt left (here or at another site), owned by the job user.
   */
  private async prepareCheckpointDir(t: Tracked, id: JobIdentity): Promise<string | undefined> {
    if (!t.task.checkpoint) return undefined;
    const dir = checkpointDirOf(this.jobRoot, t.task.taskId);
    await rm(dir, { recursive: true, force: true });
    await this.prepareJobDir(dir, id);
    const archive = (await this.host.checkpointOf?.(t.task)) ?? null;
    if (archive) {
      const files = await unpackCheckpoint(archive, dir, id.switchUser ? id.uid : undefined, id.gid);
      await this.report(t, 'logs', () => this.host.logs(t.task, [sys(`checkpoint restored into SHUZHI_CHECKPOINT_DIR (${files} files, ${archive.byteLength} bytes)`)]));
    }
    return dir;
  }

  /** The preempted attempt stopped: keep its checkpoint, report the preemption, park the held job. */
  private async preemptStopped(t: Tracked, requeued: boolean): Promise<void> {
    await this.forwardLogs(t, true);
    if (t.task.checkpoint && this.host.saveCheckpoint) {
      const dir = checkpointDirOf(this.jobRoot, t.task.taskId);
      try {
        const empty = (await readdir(dir)).length === 0;
        if (!empty) {
          const { archive, files, skipped } = await packCheckpoint(dir);
          await this.host.saveCheckpoint(t.task, archive);
          const note = skipped.length ? `; left out (not regular files): ${skipped.slice(0, 5).join(', ')}` : '';
          await this.report(t, 'logs', () => this.host.logs(t.task, [sys(`checkpoint saved from SHUZHI_CHECKPOINT_DIR (${files} files, ${archive.byteLength} bytes)${note}`)]));
        }
      } catch (err) {
        const why = err instanceof CheckpointTooBig ? err.message : errText(err);
        await this.report(t, 'logs', () => this.host.logs(t.task, [sys(`no checkpoint kept: ${why}`)]));
      }
    }
    const slurmId = t.slurmId!;
    const endedAt = this.now();
    await this.reportFinal(t, 'preempted', () => (this.host.preemptEnded ? this.host.preemptEnded(t.task, endedAt) : this.host.lost(t.task, 'preempted')));
    if (requeued && !this.tracked.has(t.key) && !t.cancelled) await this.park(t.task.taskId, { slurmId, attempt: t.task.attempt, jobDir: t.jobDir, at: endedAt });
  }

  /** Held jobs are kept by the host (compute's slurm_held_jobs), so a restart still releases or cancels them. */
  private async park(taskId: string, p: Parked): Promise<void> {
    this.parked.set(taskId, p);
    await this.host.heldJobs?.put(this.config.siteId, { taskId, slurmJobId: p.slurmId, attempt: p.attempt, jobDir: p.jobDir, heldAtMs: p.at })
      .catch((err: unknown) => this.log.warn({ taskId, slurmJob: p.slurmId, err: errText(err) }, 'could not keep a held Slurm job across restarts'));
  }

  private async unpark(taskId: string): Promise<void> {
    this.parked.delete(taskId);
    await this.host.heldJobs?.drop(this.config.siteId, taskId)
      .catch((err: unknown) => this.log.warn({ taskId, err: errText(err) }, 'could not forget a held Slurm job'));
  }

  /** The held jobs a previous run of the server left, read once (a failed read is tried again). */
  private loadParked(): Promise<void> {
    this.parkedLoaded ??= (async () => {
      for (const h of (await this.host.heldJobs?.list(this.config.siteId)) ?? []) {
        // Only a job directory under this site's root is used again (the row names a path the server writes to).
        if (!this.parked.has(h.taskId) && h.jobDir.startsWith(`${this.jobRoot}/`)) this.parked.set(h.taskId, { slurmId: h.slurmJobId, attempt: h.attempt, jobDir: h.jobDir, at: h.heldAtMs });
      }
      if (this.parked.size > 0) this.wake(this.pollMs);
    })().catch((err: unknown) => {
      this.parkedLoaded = null;
      this.log.warn({ site: this.config.siteId, err: errText(err) }, 'could not read the held Slurm jobs');
    });
    return this.parkedLoaded;
  }

  /** Held jobs whose task went elsewhere (or was cancelled) are cancelled after PARKED_MS. */
  private async sweepParked(): Promise<void> {
    for (const [taskId, p] of this.parked) {
      if (this.now() - p.at < PARKED_MS) continue;
      await this.backend.cancel(p.slurmId).then(
        () => this.unpark(taskId),
        (err: unknown) => this.log.warn({ taskId, slurmJob: p.slurmId, err: errText(err) }, 'could not cancel a held, requeued job'),
      );
    }
  }

  private controllerOk(): void {
    this.answered = true;
    if (this.outage.failures > 0) this.log.info({ site: this.config.siteId }, 'Slurm controller answers again');
    this.outage = { failures: 0, until: 0 };
  }

  private controllerFailed(err: unknown): void {
    const failures = this.outage.failures + 1;
    const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(failures - 1, 30));
    this.outage = { failures, until: this.now() + delay };
    this.log.warn({ site: this.config.siteId, failures, retryInMs: delay, err: errText(err) }, 'Slurm call failed; backing off');
  }

  private async trySubmit(t: Tracked): Promise<void> {
    if (t.submitting || t.slurmId || t.cancelled) return;
    t.submitting = true;
    try {
      const who = await this.ready();
      await this.makeRoots(who);
      // The script stays in the server's private dir: sbatch (root) or the REST backend reads it.
      await mkdir(t.workDir, { recursive: true, mode: 0o700 });
      // Released (the stopped run's job runs again), or to be released once its run has settled.
      if ((await this.tryRelease(t)) !== 'submit') return;
      const scriptPath = join(t.workDir, 'job.sh');
      await writeFile(scriptPath, batchScript(t.task, await this.prepareCheckpointDir(t, who)), { mode: 0o700 });
      await this.prepareJobDir(t.jobDir, who);
      const spec = {
        ...jobSpecOf(t.task, this.config, t.jobDir, scriptPath),
        ...(who.switchUser && this.config.connection.kind === 'cli' ? { runAs: { uid: who.uid, gid: who.gid } } : {}),
      };
      t.uncertain = true;
      const id = await this.backend.submit(spec);
      t.uncertain = false;
      t.slurmId = id;
      t.submitFailures = 0;
      this.controllerOk();
      await writeFile(join(t.workDir, JOB_ID_FILE), id);
      this.log.info({ site: this.config.siteId, task: t.key, slurmJob: id }, 'submitted to Slurm');
      await this.report(t, 'logs', () => this.host.logs(t.task, [sys(`queued in Slurm as job ${id}${spec.partition ? ` on partition ${spec.partition}` : ''}; it runs as ${who.name}`)]));
      if (t.cancelled) await this.tryCancel(t);
    } catch (err) {
      // Only an outage or a timeout can hide a job that was created; a clear refusal created nothing.
      if (!(err instanceof SlurmCommandError && err.transient)) t.uncertain = false;
      t.submitFailures++;
      const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(t.submitFailures - 1, 30));
      t.nextSubmitAt = this.now() + delay;
      if (err instanceof SlurmCommandError && err.transient) this.controllerFailed(err);
      const text = errText(err);
      if (text !== t.lastSubmitError) {
        t.lastSubmitError = text;
        await this.report(t, 'logs', () => this.host.logs(t.task, [sys(`Slurm did not take the job yet (${text}); retrying in ${Math.round(delay / 1000)} s`)]));
      }
    } finally {
      t.submitting = false;
      t.lastSubmitEndedAt = this.now();
    }
  }

  /**
   * The task's previous attempt was requeued here and is held: this attempt is that Slurm job, released
   * (a requeue, not a new submission); its checkpoint directory is as the stopped run left it.
   */
  private async tryRelease(t: Tracked): Promise<'released' | 'later' | 'submit'> {
    await this.loadParked();
    const p = this.parked.get(t.task.taskId);
    if (!p || !this.backend.release) return 'submit';
    const releasable = p.at + RELEASE_SETTLE_MS;
    if (p.attempt + 1 === t.task.attempt && this.now() < releasable) {
      t.nextSubmitAt = releasable;
      return 'later';
    }
    await this.unpark(t.task.taskId);
    // Another attempt ran since (elsewhere): its checkpoint is newer than this job's directory.
    if (p.attempt + 1 !== t.task.attempt) {
      await this.backend.cancel(p.slurmId).catch(() => undefined);
      return 'submit';
    }
    // The stopped run's output was forwarded with its attempt; the released run writes its own.
    await Promise.all(outputNames(t.pieces).flatMap((f) => [f.stdout, f.stderr]).map((f) => rm(join(p.jobDir, f), { force: true })));
    t.uncertain = true;
    await this.backend.release(p.slurmId, commentOf(t.task));
    t.uncertain = false;
    t.slurmId = p.slurmId;
    this.useJobDir(t, p.jobDir);
    await writeFile(join(t.workDir, JOB_DIR_FILE), p.jobDir);
    await writeFile(join(t.workDir, JOB_ID_FILE), p.slurmId);
    this.controllerOk();
    this.log.info({ site: this.config.siteId, task: t.key, slurmJob: p.slurmId }, 'released the requeued Slurm job');
    await this.report(t, 'logs', () => this.host.logs(t.task, [sys(`Slurm job ${p.slurmId} (requeued when preempted) released; it resumes from its checkpoint directory`)]));
    return 'released';
  }

  private async tryCancel(t: Tracked): Promise<void> {
    if (t.slurmId) {
      try {
        await this.backend.cancel(t.slurmId);
        this.tracked.delete(t.key);
      } catch (err) {
        if (err instanceof SlurmCommandError && err.transient) this.controllerFailed(err);
        else this.log.warn({ task: t.key, err: errText(err) }, 'scancel failed; will retry');
      }
    } else if (!t.submitting && !t.uncertain) {
      this.tracked.delete(t.key);
    }
  }

  private wake(inMs: number): void {
    if (this.closed) return;
    const at = this.now() + inMs;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      void this.runTick();
    }, Math.max(0, inMs));
  }

  private async runTick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .catch((err: unknown) => this.log.warn({ err: errText(err) }, 'Slurm poll failed'))
      .finally(() => {
        this.ticking = null;
      });
    await this.ticking;
    if (this.closed) return;
    if (this.again) {
      this.again = false;
      this.wake(0);
    } else if (this.tracked.size > 0) {
      this.wake(Math.max(this.pollMs, this.outage.until - this.now()));
    } else if (this.parked.size > 0) {
      this.wake(60_000);
    }
  }

  private async tick(): Promise<void> {
    await this.loadParked();
    if (this.closed || (this.tracked.size === 0 && this.parked.size === 0)) return;
    if (this.now() < this.outage.until) return;
    await this.sweepParked();
    let jobs: SqueueJob[];
    const askedAt = this.now();
    try {
      jobs = await this.backend.jobs();
      this.controllerOk();
    } catch (err) {
      this.controllerFailed(err);
      return;
    }
    const bySubmitId = new Map<string, SqueueJob[]>();
    const byComment = new Map<string, string>();
    for (const j of jobs) {
      const list = bySubmitId.get(j.submitId) ?? [];
      list.push(j);
      bySubmitId.set(j.submitId, list);
      if (j.comment.startsWith('shuzhi:')) byComment.set(j.comment, j.submitId);
    }

    let submitsInFlight = [...this.tracked.values()].filter((t) => t.submitting).length;
    const submitLimit = this.degraded ? 1 : MAX_PARALLEL_SUBMITS;
    for (const t of [...this.tracked.values()]) {
      if (this.closed) return;
      if (!t.slurmId && !t.submitting) {
        const found = byComment.get(commentOf(t.task));
        if (found) {
          t.slurmId = found;
          t.uncertain = false;
          await mkdir(t.workDir, { recursive: true, mode: 0o700 });
          await writeFile(join(t.workDir, JOB_ID_FILE), found);
        } else if (t.lastSubmitEndedAt < askedAt) {
          t.uncertain = false; // a squeue newer than the last sbatch does not know it: it was never created
        }
      }
      if (t.cancelled) {
        await this.tryCancel(t);
        continue;
      }
      if (!t.slurmId) {
        if (!t.submitting && !t.uncertain && this.now() >= t.nextSubmitAt && submitsInFlight < submitLimit && this.now() >= this.outage.until) {
          submitsInFlight++;
          void this.trySubmit(t).then(() => this.wake(this.pollMs));
        }
        continue;
      }
      await this.reconcile(t, bySubmitId.get(t.slurmId) ?? []);
    }
  }

  private async reconcile(t: Tracked, records: SqueueJob[]): Promise<void> {
    const now = this.now();
    if (t.preempting) {
      const phases = records.map((r) => phaseOf(r.state));
      // requeuehold: back to pending, held; a cancelled job (no requeue here) is done or forgotten.
      if (records.length === 0 || phases.every((p) => p === 'done' || p === 'lost')) return this.preemptStopped(t, false);
      if (phases.every((p) => p === 'waiting')) return this.preemptStopped(t, true);
      if (t.stopPending !== null) await this.stopForPreemption(t, t.stopPending);
      return;
    }
    if (records.length === 0) {
      // The controller forgot it: finished longer ago than MinJobAge (sacct knows), or it vanished.
      t.missingSince ??= now;
      const rows = await this.accounting([t.slurmId!]);
      if (rows.length > 0 && rows.every((r) => phaseOf(r.state) === 'done' || phaseOf(r.state) === 'lost')) {
        const lost = rows.find((r) => phaseOf(r.state) === 'lost');
        if (lost) await this.reportLost(t, `Slurm job ${t.slurmId} ended ${stateWord(lost.state)}`);
        else await this.finish(t, [], rows);
      } else if (now - t.missingSince > this.vanishGraceMs) {
        await this.reportLost(t, `Slurm job ${t.slurmId} vanished (neither squeue nor sacct knows it)`);
      }
      return;
    }
    t.missingSince = null;
    const phases = records.map((r) => phaseOf(r.state));
    if (!t.started && records.some((r, i) => r.startMs !== null && phases[i] !== 'waiting')) {
      const startMs = Math.min(...records.flatMap((r) => (r.startMs !== null ? [r.startMs] : [])));
      await this.reportStarted(t, startMs);
    }
    await this.forwardLogs(t, false);

    const lostIdx = phases.indexOf('lost');
    if (lostIdx >= 0) {
      const r = records[lostIdx]!;
      // Pieces still running belong to an attempt the host is about to replace.
      if (phases.some((p) => p === 'running' || p === 'waiting')) await this.backend.cancel(t.slurmId!).catch(() => {});
      await this.reportLost(t, `Slurm job ${r.jobId} ended ${stateWord(r.state)}${r.reason && r.reason !== 'None' ? ` (${r.reason})` : ''}`);
      return;
    }
    const covered = records.reduce((n, r) => n + r.pieces, 0);
    if (covered < t.pieces || phases.some((p) => p !== 'done')) return;

    t.doneSince ??= now;
    const rows = currentRuns(await this.accounting(records.map((r) => r.jobId)), records);
    const complete = records.every((r) => rows.some((row) => row.jobIdRaw === r.jobId && phaseOf(row.state) === 'done'));
    if (!complete && now - t.doneSince < this.sacctWaitMs && (this.config.accounting ?? DEFAULTS.accounting) !== 'none') return;
    await this.finish(t, records, rows);
  }

  private async accounting(ids: string[]): Promise<SacctRow[]> {
    try {
      // A requeued job has a record per run (the jobcomp log keeps them all): its newest run is the one that counts.
      const rows = await this.backend.accounting(ids);
      return [...new Map(rows.map((r) => [r.jobIdRaw, r])).values()];
    } catch (err) {
      this.log.warn({ site: this.config.siteId, err: errText(err) }, 'sacct failed');
      return [];
    }
  }

  private async finish(t: Tracked, records: SqueueJob[], rows: SacctRow[]): Promise<void> {
    const pieces = records.length > 0
      ? records.map((r) => ({ rec: r, row: rows.find((x) => x.jobIdRaw === r.jobId) }))
      : rows.map((row) => ({ rec: undefined, row }));
    const now = this.now();
    let state = 'COMPLETED';
    let exitCode = 0;
    let elapsedSec = 0;
    let tres: Record<string, number> = {};
    const starts: number[] = [];
    const ends: number[] = [];
    for (const { rec, row } of pieces) {
      const pieceState = stateWord(row?.state ?? rec?.state ?? 'COMPLETED');
      const pieceExit = row?.exitCode ?? rec?.exitCode ?? (pieceState === 'COMPLETED' ? 0 : 1);
      if (state === 'COMPLETED' && pieceState !== 'COMPLETED') state = pieceState;
      if (exitCode === 0 && pieceExit !== 0) exitCode = pieceExit;
      const start = row?.startMs ?? rec?.startMs ?? null;
      const end = row?.endMs ?? rec?.endMs ?? null;
      if (start !== null) starts.push(start);
      if (end !== null) ends.push(end);
      elapsedSec += row?.elapsedSec ?? (start !== null && end !== null ? Math.max(0, (end - start) / 1000) : 0);
      if (Object.keys(tres).length === 0) tres = row && Object.keys(row.tres).length > 0 ? row.tres : (rec?.tres ?? {});
    }
    // Never report success for a job Slurm says did not complete.
    if (state !== 'COMPLETED' && exitCode === 0) exitCode = 1;
    const error = (DONE_STATE_ERRORS as Record<string, string | undefined>)[state];
    const startedAtMs = starts.length ? Math.min(...starts) : now;
    if (!t.started) await this.reportStarted(t, startedAtMs);
    await this.forwardLogs(t, true);
    const result: ExecResult = {
      exitCode,
      ...(error ? { error } : {}),
      startedAtMs,
      endedAtMs: ends.length ? Math.max(...ends) : now,
      // Arrays: the sum of the pieces' elapsed times with one piece's allocation, so elapsed × TRES is what was used.
      engineUsage: { elapsedSec, allocTres: tres },
    };
    await this.reportFinal(t, 'finished', () => this.host.finished(t.task, result));
  }

  private async reportStarted(t: Tracked, atMs: number): Promise<void> {
    if (await this.report(t, 'started', () => this.host.started(t.task, atMs))) {
      t.started = true;
      await this.saveState(t);
    }
  }

  private async reportLost(t: Tracked, reason: string): Promise<void> {
    await this.forwardLogs(t, true);
    await this.reportFinal(t, 'lost', () => this.host.lost(t.task, reason));
  }

  /** finished/lost: delivered once; a failing host is retried on later polls, then given up on. */
  private async reportFinal(t: Tracked, what: string, call: () => Promise<boolean | void>): Promise<void> {
    t.reportTries++;
    if (!this.tracked.has(t.key)) return;
    if ((await this.report(t, what, call)) || t.reportTries >= MAX_REPORT_TRIES) this.tracked.delete(t.key);
  }

  /**
   * Calls the host. `false` from the host means the fence is stale (the host moved on): the attempt is
   * dropped here and its Slurm job cancelled, so nobody waits on or pays for it.
   */
  private async report(t: Tracked, what: string, call: () => Promise<boolean | void>): Promise<boolean> {
    if (this.tracked.get(t.key) !== t) return false;
    try {
      if ((await call()) === false) {
        this.log.info({ task: t.key, report: what }, 'host refused a stale Slurm report; dropping the attempt');
        t.cancelled = true;
        await this.tryCancel(t);
        this.tracked.delete(t.key);
        return false;
      }
      return true;
    } catch (err) {
      this.log.warn({ task: t.key, report: what, err: errText(err) }, 'host failed to take a Slurm report');
      return false;
    }
  }

  private async forwardLogs(t: Tracked, final: boolean): Promise<void> {
    // Output files are the job user's; one that is not (a hard link to someone else's file) is not read.
    for (const tail of t.tails) tail.owner = this.identity?.uid;
    for (let round = 0; round < (final ? 64 : 1); round++) {
      const reads = (await Promise.all(t.tails.map((tail) => tail.read(final)))).filter((r) => r !== null);
      if (reads.length === 0) return;
      if (!(await this.report(t, 'logs', () => this.host.logs(t.task, reads.map((r) => r.log))))) return;
      for (const r of reads) r.commit();
      await this.saveState(t);
    }
  }

  /** What the host already has, so a restarted server neither re-reports the start nor re-sends logs. */
  private async saveState(t: Tracked): Promise<void> {
    const file = join(t.workDir, STATE_FILE);
    const body = JSON.stringify({ started: t.started, offsets: t.tails.map((x) => x.offset), done: t.tails.map((x) => x.done) });
    await writeFile(`${file}.tmp`, body)
      .then(() => rename(`${file}.tmp`, file))
      .catch((err: unknown) => this.log.warn({ task: t.key, err: errText(err) }, 'could not save Slurm task state'));
  }
}

function sys(text: string): ExecLog {
  return { stream: 'system', text: `${text}\n` };
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
