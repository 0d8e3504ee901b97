// The set-up the CLI test files share: a platform with one agent site and one running agent, an
// operator token, and `shuzhi(args)` running the real CLI binary against it.
import { execFile } from 'node:child_process';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import type { Worker } from '@shuzhi/agent';
import { newWorker, operatorToken, smallSite, startPlatform, type TestPlatform } from './helpers.ts';
import { SHUZHI_BIN } from './serve-process.ts';

const run = promisify(execFile);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliSuite {
  readonly t: TestPlatform;
  readonly token: string;
  readonly agent: Worker;
  /** Runs `shuzhi ARGS` as the operator (SHUZHI_SERVER/SHUZHI_TOKEN set); a non-zero exit is returned, not thrown. */
  shuzhi(args: string[], env?: Record<string, string>): Promise<CliRun>;
}

/** Registers before/after hooks in the calling test file; the suite's fields are set once `before` ran. */
export function cliSuite(site: string, agentName: string, slots?: number): CliSuite {
  let t: TestPlatform | undefined;
  let token = '';
  let agent: Worker | undefined;
  before(async () => {
    // 10 s, not 3 s: the array test below failed once in a loaded CI run with a 3 s lease, and a lease that lapses while a task runs makes it run twice; no test here waits on a lease.
    t = await startPlatform({ leaseMs: 10_000 });
    await t.p.compute.network.createSite(smallSite(site), 'test');
    token = await operatorToken(t.p);
    agent = await newWorker(t, site, agentName, slots === undefined ? {} : { slots });
    agent.start();
  });
  after(async () => {
    await agent?.stop();
    await t?.close();
  });
  return {
    get t() {
      return t!;
    },
    get token() {
      return token;
    },
    get agent() {
      return agent!;
    },
    shuzhi: (args, env = {}) =>
      run(process.execPath, [SHUZHI_BIN, ...args], { env: { ...process.env, SHUZHI_SERVER: t!.url, SHUZHI_TOKEN: token, ...env } }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      ),
  };
}
