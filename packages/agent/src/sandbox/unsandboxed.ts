import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SandboxUnavailableError } from './errors.ts';
import { prlimitArgs, taskEnv } from './limits.ts';
import type { Sandbox, SpawnSpec } from './types.ts';

/**
 * No isolation: tasks run as the worker's own user, in their directory, with a clean environment and the
 * CPU and memory limits, and they can read whatever that user can. For development machines and trusted
 * code only; `readOnly` and `network` are not enforced. Never as root: tenant code never runs as root.
 * RLIMIT_NPROC is not applied: without a user namespace it would count every process and thread of the
 * worker's user, the worker's own included.
 */
export class UnsandboxedRunner implements Sandbox {
  readonly isolation = 'none' as const;
  readonly description: string;

  constructor() {
    const uid = process.getuid?.();
    if (uid === 0) {
      throw new SandboxUnavailableError('refusing to run tenant code unsandboxed as root: install bubblewrap (apt-get install bubblewrap) or run the worker as an unprivileged user');
    }
    this.description = `no sandbox: tasks run as the worker's uid ${uid} (CPU and memory limits only)`;
  }

  async prepareWorkDir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o700);
  }

  spawn(spec: SpawnSpec): ChildProcess {
    const [prlimit, ...flags] = prlimitArgs(spec.limits, { nproc: false });
    const workDir = resolve(spec.workDir);
    return spawn(prlimit!, [...flags, ...spec.argv], {
      cwd: workDir,
      env: taskEnv(workDir, spec.env),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
}
