import { constants } from 'node:os';
import type { ShellWork, WorkResult, WorkerRunner } from '@shuzhi/schema';
import type { TaskContext, TaskRunner } from '../runner.ts';

/**
 * Compute tasks: `/bin/sh -c <command>` in the sandbox, in the attempt's directory, with the job's
 * environment (secrets included: only the worker holding the lease ever sees them) and the task's
 * limits. Shell tasks keep the network. Exit code 0 is success.
 */
export class ShellRunner implements TaskRunner<ShellWork> {
  readonly kind = 'shell' as const;
  readonly provides: readonly WorkerRunner[] = ['shell'];

  async run(work: ShellWork, ctx: TaskContext): Promise<WorkResult> {
    const { code, signal } = await ctx.exec(['/bin/sh', '-c', work.command], {
      network: true,
      env: {
        ...work.env,
        SHUZHI_JOB_ID: work.jobId,
        SHUZHI_TASK_ID: work.taskId,
        SHUZHI_ATTEMPT: String(work.attempt),
        SHUZHI_UNITS: String(work.units),
      },
    });
    if (code === 0) return { ok: true, exitCode: 0 };
    // Not our kill (that rejects with TaskStopped): a limit or the system ended it. Through a shell or
    // a sandbox a death by signal n arrives as exit code 128+n.
    const sig = signal ?? (code !== null && code > 128 && code < 128 + 65 ? signalName(code - 128) : null);
    if (sig) {
      const why = sig === 'SIGXCPU' ? ' (its CPU time limit)' : sig === 'SIGKILL' ? ' (a limit, or the system out of memory?)' : '';
      return { ok: false, exitCode: code, failure: { code: 'killed', message: `the command was killed by ${sig}${why}${code !== null ? `, exit code ${code}` : ''}` } };
    }
    return { ok: false, exitCode: code, failure: { code: 'exit-code', message: `the command exited with code ${code}` } };
  }
}

function signalName(n: number): string | null {
  for (const [name, value] of Object.entries(constants.signals)) if (value === n) return name;
  return null;
}
