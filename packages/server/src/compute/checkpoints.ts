import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Fence } from '@shuzhi/schema';
import { FINAL_JOB_STATUSES } from '@shuzhi/schema';
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { CHECKPOINT_BODY_BYTES } from '../http/body-limits.ts';
import { AppError } from '../errors.ts';
import type { WorkerIdentity } from '../workers/registry.ts';
import type { AgentExecutor } from './agent-executor.ts';
import { jobCheckpoints, jobs } from './db-schema.ts';
import type { ExecTask } from './executor.ts';

/** The largest checkpoint archive a task may leave: the route's body limit. */
const CHECKPOINT_MAX_BYTES = CHECKPOINT_BODY_BYTES;

/**
 * Checkpoints of preempted tasks: the archive a worker sends when a checkpointing task is preempted,
 * kept as a file named by its SHA-256 under <dataDir>/checkpoints/<tenant>/ with a row per task (the
 * newest only), and handed to the worker that resumes the task — at any site. A worker reaches a
 * task's checkpoint only through the lease it holds on that task, so tenants never see each other's.
 */
export class CheckpointStore {
  private readonly root: string;

  constructor(
    private readonly db: Db,
    private readonly agents: AgentExecutor,
    dataDir: string,
  ) {
    this.root = resolve(dataDir, 'checkpoints');
  }

  private leased(w: WorkerIdentity, taskId: string, attempt: number): ExecTask {
    const t = this.agents.holds(w.workerId, taskId, attempt);
    if (!t) throw new AppError('LEASE_STALE', 409, `Worker ${w.workerId} holds no lease on task ${taskId} attempt ${attempt}; stop it.`);
    if (!t.checkpoint) throw new AppError('CHECKPOINT_NOT_ASKED', 409, `Job ${t.jobId} does not checkpoint (submit it with checkpoint: true).`);
    return t;
  }

  private fileOf(tenantId: string, sha256: string): string {
    return join(this.root, tenantId, sha256);
  }

  /** Stores the archive a preempted attempt left, replacing the task's earlier one. */
  async put(w: WorkerIdentity, f: Fence, body: Uint8Array): Promise<{ sha256: string; bytes: number }> {
    return this.keep(this.leased(w, f.taskId, f.attempt), f.attempt, body);
  }

  /**
   * The same for an engine that packs the checkpoint itself (Slurm: the executor packs the job's
   * SHUZHI_CHECKPOINT_DIR once the requeued job stopped); `t` is the attempt the host holds.
   */
  async putFromEngine(t: Pick<ExecTask, 'taskId' | 'jobId' | 'tenantId' | 'attempt'>, body: Uint8Array): Promise<{ sha256: string; bytes: number }> {
    return this.keep(t, t.attempt, body);
  }

  /** The archive an attempt of the task resumes from (one an earlier attempt saved), or null. */
  async archiveFor(f: Fence): Promise<Buffer | null> {
    const [row] = await this.db.select().from(jobCheckpoints).where(eq(jobCheckpoints.taskId, f.taskId));
    if (!row || row.attempt >= f.attempt) return null;
    return readFile(this.fileOf(row.tenantId, row.sha256)).catch(() => null);
  }

  private async keep(t: Pick<ExecTask, 'taskId' | 'jobId' | 'tenantId'>, attempt: number, body: Uint8Array): Promise<{ sha256: string; bytes: number }> {
    if (body.byteLength === 0) throw new AppError('CHECKPOINT_EMPTY', 400, 'The checkpoint archive is empty.');
    if (body.byteLength > CHECKPOINT_MAX_BYTES) throw new AppError('BODY_TOO_LARGE', 413, `A checkpoint may hold at most ${CHECKPOINT_MAX_BYTES} bytes.`);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const dir = join(this.root, t.tenantId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = this.fileOf(t.tenantId, sha256);
    const partial = `${file}.partial-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await writeFile(partial, body, { mode: 0o600 });
    await rename(partial, file);
    const row = { taskId: t.taskId, jobId: t.jobId, tenantId: t.tenantId, attempt, sha256, bytes: body.byteLength, savedAt: new Date() };
    const [old] = await this.db.select().from(jobCheckpoints).where(eq(jobCheckpoints.taskId, t.taskId));
    await this.db.insert(jobCheckpoints).values(row).onConflictDoUpdate({ target: jobCheckpoints.taskId, set: row });
    // The previous archive of this task goes, unless it is the same bytes — or another task of the
    // tenant saved the same bytes: files are named by their hash, so two tasks may share one.
    if (old && old.sha256 !== sha256) await this.unlinkUnlessShared(old.tenantId, old.sha256);
    return { sha256, bytes: body.byteLength };
  }

  /** Removes an archive file no row names any more (files are named by hash, so tasks may share one). */
  private async unlinkUnlessShared(tenantId: string, sha256: string): Promise<void> {
    const [shared] = await this.db
      .select({ taskId: jobCheckpoints.taskId })
      .from(jobCheckpoints)
      .where(and(eq(jobCheckpoints.tenantId, tenantId), eq(jobCheckpoints.sha256, sha256)))
      .limit(1);
    if (!shared) await unlink(this.fileOf(tenantId, sha256)).catch(() => undefined);
  }

  /**
   * A finished job's checkpoints go, rows and files: nothing resumes from them any more, and a
   * tenant's state should not outlive its job on the platform's disk. Returns how many went.
   */
  async dropJob(jobId: string): Promise<number> {
    const gone = await this.db.delete(jobCheckpoints).where(eq(jobCheckpoints.jobId, jobId)).returning({ tenantId: jobCheckpoints.tenantId, sha256: jobCheckpoints.sha256 });
    for (const r of gone) await this.unlinkUnlessShared(r.tenantId, r.sha256);
    return gone.length;
  }

  /** At start: the checkpoints of jobs that ended while no server was there to drop them. */
  async sweepFinished(): Promise<number> {
    const ended = await this.db
      .selectDistinct({ jobId: jobCheckpoints.jobId })
      .from(jobCheckpoints)
      .innerJoin(jobs, eq(jobs.id, jobCheckpoints.jobId))
      .where(inArray(jobs.status, [...FINAL_JOB_STATUSES]));
    let n = 0;
    for (const { jobId } of ended) n += await this.dropJob(jobId);
    return n;
  }

  /** The file of the checkpoint the leased attempt resumes from (saved by an earlier attempt). */
  async fileFor(w: WorkerIdentity, f: Fence): Promise<string> {
    this.leased(w, f.taskId, f.attempt);
    const [row] = await this.db.select().from(jobCheckpoints).where(eq(jobCheckpoints.taskId, f.taskId));
    if (!row || row.attempt >= f.attempt) throw new AppError('CHECKPOINT_NOT_FOUND', 404, `Task ${f.taskId} has no checkpoint to resume from.`);
    const file = this.fileOf(row.tenantId, row.sha256);
    await stat(file).catch(() => {
      throw new AppError('CHECKPOINT_NOT_FOUND', 404, `The checkpoint of task ${f.taskId} is recorded but its file is gone.`);
    });
    return file;
  }

  /** What a task resumes from, for its next assignment. */
  async restoreOf(taskId: string): Promise<{ sha256: string; bytes: number } | null> {
    const [row] = await this.db.select({ sha256: jobCheckpoints.sha256, bytes: jobCheckpoints.bytes }).from(jobCheckpoints).where(eq(jobCheckpoints.taskId, taskId));
    return row ?? null;
  }

  /** The size of the checkpoint this very attempt saved, or null (it saved none: the task restarts). */
  async savedBy(f: Fence): Promise<number | null> {
    const [row] = await this.db
      .select({ bytes: jobCheckpoints.bytes })
      .from(jobCheckpoints)
      .where(and(eq(jobCheckpoints.taskId, f.taskId), eq(jobCheckpoints.attempt, f.attempt)));
    return row?.bytes ?? null;
  }
}
