import { chown, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { ShellWork, WorkResult, WorkerRunner } from '@shuzhi/schema';
import { CheckpointTooBig, packCheckpoint, unpackCheckpoint } from '../checkpoint.ts';
import { LeaseLost, WorkerError } from '../errors.ts';
import type { TaskContext, TaskRunner } from '../runner.ts';

/** Inside the task's directory: the program sees it as $SHUZHI_CHECKPOINT_DIR. */
const CHECKPOINT_DIR = '.checkpoint';

/**
 * Compute tasks: `/bin/sh -c <command>` in the sandbox, in the attempt's directory, with the job's
 * environment (secrets included: only the worker holding the lease ever sees them) and the task's
 * limits. Shell tasks keep the network. Exit code 0 is success.
 *
 * A checkpointing job gets $SHUZHI_CHECKPOINT_DIR, filled with what it saved when it was last
 * preempted; preempted again, the directory goes back to the server before the run reports.
 */
export class ShellRunner implements TaskRunner<ShellWork> {
  readonly kind = 'shell' as const;
  readonly provides: readonly WorkerRunner[] = ['shell'];

  async run(work: ShellWork, ctx: TaskContext): Promise<WorkResult> {
    const cpEnv: Record<string, string> = {};
    if (work.checkpoint) {
      await this.restore(work, ctx);
      cpEnv['SHUZHI_CHECKPOINT_DIR'] = `${ctx.execDir}/${CHECKPOINT_DIR}`;
    }
    const { code, signal } = await ctx.exec(['/bin/sh', '-c', work.command], {
      network: true,
      env: {
        ...work.env,
        SHUZHI_JOB_ID: work.jobId,
        SHUZHI_TASK_ID: work.taskId,
        SHUZHI_ATTEMPT: String(work.attempt),
        SHUZHI_UNITS: String(work.units),
        ...cpEnv,
      },
    });
    if (code === 0) return { ok: true, exitCode: 0 };
    if (ctx.preempted) return this.preempted(work, ctx, code);
    // Not our kill (that rejects with TaskStopped): a limit or the system ended it. Through a shell or
    // a sandbox a death by signal n arrives as exit code 128+n.
    const sig = signal ?? (code !== null && code > 128 && code < 128 + 65 ? signalName(code - 128) : null);
    if (sig) {
      const why = sig === 'SIGXCPU' ? ' (its CPU time limit)' : sig === 'SIGKILL' ? ' (a limit, or the system out of memory?)' : '';
      return { ok: false, exitCode: code, failure: { code: 'killed', message: `the command was killed by ${sig}${why}${code !== null ? `, exit code ${code}` : ''}` } };
    }
    return { ok: false, exitCode: code, failure: { code: 'exit-code', message: `the command exited with code ${code}` } };
  }

  /** Makes the checkpoint directory (the task's own, as the sandbox gives it) and fills it from the last checkpoint. */
  private async restore(work: ShellWork, ctx: TaskContext): Promise<void> {
    const dir = join(ctx.dir, CHECKPOINT_DIR);
    const owner = process.getuid?.() === 0 ? (await stat(ctx.dir)).uid : undefined;
    await mkdir(dir, { mode: 0o700 });
    if (owner !== undefined) await chown(dir, owner, owner);
    const from = work.checkpoint?.restore;
    if (!from) return;
    const file = join(ctx.dir, `${CHECKPOINT_DIR}.restore`);
    await ctx.api.downloadCheckpoint(from.sha256, file);
    const n = await unpackCheckpoint(await readFile(file), dir, owner);
    await rm(file, { force: true });
    ctx.log('stderr', `[worker: resumed from the checkpoint of an earlier run: ${n} file(s), ${from.bytes} bytes]\n`);
  }

  /** The run ended because it was preempted: its checkpoint (if it keeps one) goes to the server first. */
  private async preempted(work: ShellWork, ctx: TaskContext, code: number | null): Promise<WorkResult> {
    let saved = 'no checkpoint';
    if (work.checkpoint) {
      try {
        const { archive, files, skipped } = await packCheckpoint(join(ctx.dir, CHECKPOINT_DIR));
        if (files > 0) {
          await ctx.api.putCheckpoint(archive);
          saved = `checkpoint saved: ${files} file(s), ${archive.length} bytes`;
        }
        if (skipped.length) ctx.log('stderr', `[worker: left out of the checkpoint (not regular files): ${skipped.slice(0, 10).join(', ')}]\n`);
      } catch (err) {
        if (err instanceof LeaseLost || !(err instanceof CheckpointTooBig || err instanceof WorkerError)) throw err;
        saved = `checkpoint not saved: ${err.message}`;
      }
    }
    ctx.log('stderr', `[worker: preempted (${ctx.preempted!.reason}); ${saved}]\n`);
    return { ok: false, exitCode: code, failure: { code: 'preempted', message: `preempted (${ctx.preempted!.reason}); ${saved}` } };
  }
}

function signalName(n: number): string | null {
  for (const [name, value] of Object.entries(constants.signals)) if (value === n) return name;
  return null;
}
