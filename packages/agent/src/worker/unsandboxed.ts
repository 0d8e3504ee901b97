import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { Sandbox, SpawnSpec } from '../sandbox/types.ts';
import { WorkerError } from './errors.ts';

/**
 * No sandbox at all: programs run as the worker's own user, with its view of the files, in their
 * task directory and a process group of their own. For development on a machine without bubblewrap
 * (`shuzhi worker --unsandboxed`), never for root: root's tasks could do anything to the host. It
 * announces isolation `none`, and the server may give such a worker no tenant work.
 */
export class Unsandboxed implements Sandbox {
  readonly isolation = 'none' as const;
  readonly description: string;

  /** `allowRoot` is for the test suites, which run as root in CI; nothing else sets it. */
  constructor(opts: { allowRoot?: boolean } = {}) {
    const uid = process.getuid?.() ?? -1;
    if (uid === 0 && !opts.allowRoot) {
      throw new WorkerError('WORKER_CONFIG_INVALID', 'refusing to run tasks unsandboxed as root: install bubblewrap, or run the worker as an unprivileged user');
    }
    this.description = `UNSANDBOXED: tasks run as ${userInfo().username} (uid ${uid}) with that user's files and network`;
  }

  async prepareWorkDir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }

  spawn(spec: SpawnSpec) {
    return spawn(spec.argv[0]!, spec.argv.slice(1), {
      cwd: spec.workDir,
      env: { ...spec.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
}
