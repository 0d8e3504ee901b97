import type { TaskLimits } from '@shuzhi/schema';

/** util-linux's prlimit: sets the limits on itself, then execs the program (looked up on PATH). */
export const PRLIMIT = '/usr/bin/prlimit';

/**
 * The prlimit arguments that put a task's limits on the process it execs. All are per process and
 * inherited by its children:
 * - CPU: RLIMIT_CPU, soft at the limit (SIGXCPU, exit 128+24) and hard one second later (SIGKILL), so a
 *   program that catches SIGXCPU still ends. It counts the CPU time of all the process's threads, but
 *   each child process gets its own allowance.
 * - memory: RLIMIT_DATA, not RLIMIT_AS. RLIMIT_AS counts address space that is only reserved: V8 reserves
 *   gigabytes at start and Blender/TBB reserve arenas, so an AS cap small enough to matter stops them
 *   starting. RLIMIT_DATA (Linux ≥ 4.7) counts private writable mappings: the heap, anonymous mmaps and
 *   thread stacks (8 MiB each), which is what a runaway allocation grows. It is not a cap on resident
 *   memory (a cgroup is); a render limit must allow for one stack per render thread.
 * - processes: RLIMIT_NPROC, which counts threads as well as processes (a node process needs ~8, Blender
 *   one per render thread). `extraProcesses` covers the sandbox's own processes counted with the task.
 * - core: 0, so a task killed by SIGXCPU leaves no core dump behind.
 */
export function prlimitArgs(limits: TaskLimits, opts: { nproc: boolean; extraProcesses?: number }): string[] {
  const args = [
    PRLIMIT,
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
    `--data=${limits.memoryMB * 1024 * 1024}`,
    '--core=0',
  ];
  if (opts.nproc) args.push(`--nproc=${limits.processes + (opts.extraProcesses ?? 0)}`);
  return [...args, '--'];
}

/** The environment a task sees: defaults, the task's own variables, HOME its directory. Nothing of the worker's. */
export function taskEnv(home: string, env: Readonly<Record<string, string>>): Record<string, string> {
  return { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', ...env, HOME: home };
}
