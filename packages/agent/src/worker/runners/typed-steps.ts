import { chown, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RenderSteps } from '@shuzhi/schema';
import { TaskFailure, TaskStopped } from '../errors.ts';
import { writeNewFile } from '../files.ts';
import type { LineParser, TaskContext } from '../runner.ts';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;

/**
 * Paths in a typed task's command lines name the task directory as the server planned it (`root`):
 * the programs see it at execDir, which is the same under bubblewrap and the host path otherwise.
 */
export function inTaskView(root: string, execDir: string): (arg: string) => string {
  if (!root || root === execDir) return (a) => a;
  return (a) => a.replaceAll(`${root}/`, `${execDir}/`);
}

/** Lays the upstream frames out in `<task>/in/<input>/<file>`. */
export async function fetchUpstream(fetch: RenderSteps['fetch'], ctx: TaskContext, progress: (done: number) => void): Promise<void> {
  const inputs = new Set(fetch.map((f) => f.input));
  for (const f of fetch) {
    // Names from the server become paths here: nothing that could leave the input's directory.
    if (!NAME.test(f.input) || !NAME.test(f.file)) throw new TaskFailure('render-error', `upstream frame ${JSON.stringify(f.file)} of input ${JSON.stringify(f.input)} cannot name a file`);
  }
  await mkdir(join(ctx.dir, 'in'), { mode: 0o755 });
  for (const i of inputs) await mkdir(join(ctx.dir, 'in', i), { mode: 0o755 });
  await fourAtATime(fetch, ctx, async (f) => writeNewFile(join(ctx.dir, 'in', f.input, f.file), await ctx.api.upstreamFrame(f.jobId, f.frame)), progress);
}

/** Downloads for one task, four at a time (the server serves many nodes); stops when the task does. */
export async function fourAtATime<T>(items: readonly T[], ctx: Pick<TaskContext, 'stopped'>, fn: (item: T) => Promise<void>, progress: (done: number) => void): Promise<void> {
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < items.length) {
      if (ctx.stopped) throw new TaskStopped();
      await fn(items[next++]!);
      progress(++done);
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
}

/**
 * A directory the task's programs write into: the worker (root, under bubblewrap) makes it, and it
 * belongs to whoever owns the task directory — the slot's unprivileged uid the sandbox runs them as.
 */
export async function makeTaskOwnedDir(taskDir: string, name: string): Promise<void> {
  const dir = join(taskDir, name);
  await mkdir(dir, { mode: 0o755 });
  const owner = await stat(taskDir);
  await chown(dir, owner.uid, owner.gid);
}

/** Keeps the last 20 lines a program printed, for the failure message. */
export function tailParser(tail: string[]): LineParser<never> {
  return {
    push(line) {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      return [];
    },
  };
}
