// The Slurm executor against a real one-node Slurm on localhost: the shared executor suite, job arrays,
// a restart of the server side, and a controller outage.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SlurmExecutor, type SlurmSiteConfig } from '@shuzhi/server/testing';
import { serverDataDir, startSlurm } from '../support/slurm.ts';
import type { SlurmHandle } from '../support/slurm.ts';
import { RecordingHost, executorSuite, suiteTask } from './executor-suite.ts';
import type { HostEvent } from './executor-suite.ts';

const SITE = 'slurm-test';
let slurm: SlurmHandle | undefined;

async function cluster(): Promise<SlurmHandle> {
  slurm ??= await startSlurm();
  return slurm;
}

/** The server's private data dir (0700, a secret in it), as the real server keeps it. */
const data = serverDataDir();

function siteConfig(s: SlurmHandle, workDir = 'work'): SlurmSiteConfig {
  return {
    siteId: SITE,
    connection: { kind: 'cli', slurmConf: s.conf },
    partition: s.partition,
    // As the server does: its state inside its data dir, the jobs' own directories outside it.
    workRoot: join(data.dir, 'slurm', workDir),
    jobRoot: join(s.jobDir, workDir),
    accounting: 'jobcomp',
    pollMs: 300,
    backoff: { initialMs: 500, maxMs: 3000 },
    commandTimeoutMs: 20_000,
    vanishGraceMs: 20_000,
    sacctWaitMs: 5000,
  };
}

after(async () => {
  await slurm?.stop();
  data.remove();
});

executorSuite('slurm', async () => {
  const s = await cluster();
  const host = new RecordingHost();
  const executor = new SlurmExecutor(siteConfig(s), { host });
  return {
    executor,
    host,
    siteId: SITE,
    accounts: true,
    loseWorker: () => s.failNode(),
    isolation: { dataDir: data.dir, secretFile: data.secretFile, secret: data.secret },
    cleanup: () => executor.close(),
  };
}, { stdoutFile: 'stdout.log' });

describe('slurm executor', () => {
  let s: SlurmHandle;
  before(async () => {
    s = await cluster();
  });

  test('a divisible job runs as a job array: every piece runs, usage sums the pieces', async () => {
    const host = new RecordingHost();
    const executor = new SlurmExecutor(siteConfig(s), { host });
    try {
      const task = suiteTask(SITE, 'echo "piece $SHUZHI_PIECE of $SHUZHI_PIECES"; sleep 1', { units: 3, arraySize: 3 });
      await executor.submit(task);
      const end = await host.waitForEnd(task);
      assert.equal(end.kind, 'finished', host.describe());
      assert.equal(end.result.exitCode, 0);
      const out = host.logText(task, 'stdout');
      for (const i of [0, 1, 2]) assert.match(out, new RegExp(`piece ${i} of 3`));
      // Three pieces of at least a second each.
      assert.ok((end.result.engineUsage?.elapsedSec ?? 0) >= 3, JSON.stringify(end.result.engineUsage));
    } finally {
      await executor.close();
    }
  });

  test('one failing piece fails the array with its exit code', async () => {
    const host = new RecordingHost();
    const executor = new SlurmExecutor(siteConfig(s), { host });
    try {
      const task = suiteTask(SITE, '[ "$SHUZHI_PIECE" = 1 ] && exit 5; echo ok', { units: 2, arraySize: 2 });
      await executor.submit(task);
      const end = await host.waitForEnd(task);
      assert.equal(end.kind, 'finished', host.describe());
      assert.equal(end.result.exitCode, 5);
    } finally {
      await executor.close();
    }
  });

  test('after a server restart, recover() re-attaches without re-running or re-sending logs', async () => {
    const first = new RecordingHost();
    const before = new SlurmExecutor(siteConfig(s), { host: first });
    const task = suiteTask(SITE, 'echo before-restart; sleep 3; echo after-restart');
    await before.submit(task);
    await first.waitForLog(task, 'before-restart');
    await before.close();

    const second = new RecordingHost();
    const again = new SlurmExecutor(siteConfig(s), { host: second });
    try {
      await again.recover([task]);
      const end = await second.waitForEnd(task);
      assert.equal(end.kind, 'finished', second.describe());
      assert.equal(end.result.exitCode, 0);
      assert.equal(second.of(task).filter((e) => e.kind === 'started').length, 0, 'start reported again');
      assert.match(second.logText(task, 'stdout'), /after-restart/);
      assert.doesNotMatch(second.logText(task, 'stdout'), /before-restart/);
      assert.equal((first.logText(task, 'stdout') + second.logText(task, 'stdout')).match(/before-restart/g)?.length, 1);
    } finally {
      await again.close();
    }
  });

  test('recover() submits an attempt Slurm never got', async () => {
    const host = new RecordingHost();
    const executor = new SlurmExecutor(siteConfig(s, 'work-recover'), { host });
    try {
      const task = suiteTask(SITE, 'echo recovered');
      await executor.recover([task]);
      const end = await host.waitForEnd(task);
      assert.equal(end.kind, 'finished', host.describe());
      assert.match(host.logText(task, 'stdout'), /recovered/);
    } finally {
      await executor.close();
    }
  });

  test('with slurmctld stopped mid-run, nothing is lost or failed; all tasks complete after it returns', async (t) => {
    const host = new RecordingHost();
    const executor = new SlurmExecutor(siteConfig(s), { host });
    try {
      const running = suiteTask(SITE, 'echo running-start; sleep 4; echo running-end');
      const submittedAt = Date.now();
      await executor.submit(running);
      const started = await host.waitFor(
        'started',
        (e): e is Extract<HostEvent, { kind: 'started' }> => e.kind === 'started' && e.fence.taskId === running.taskId,
      );
      t.diagnostic(`submit → running took ${started.receivedAt - submittedAt} ms (Slurm start time ${started.atMs - Math.floor(submittedAt / 1000) * 1000} ms after the submit second)`);

      await s.stopController();
      const during = [suiteTask(SITE, 'echo during-1'), suiteTask(SITE, 'echo during-2')];
      // submit() resolves while Slurm is down: the executor keeps the tasks and retries.
      await Promise.all(during.map((task) => executor.submit(task)));
      assert.equal(executor.degraded, true, 'the executor did not notice the outage');
      await new Promise((r) => setTimeout(r, 2000));
      for (const task of [running, ...during]) {
        assert.equal(host.of(task).some((e) => e.kind === 'finished' || e.kind === 'lost'), false, host.describe());
      }
      await s.startController();

      for (const task of [running, ...during]) {
        const end = await host.waitForEnd(task);
        assert.equal(end.kind, 'finished', host.describe());
        assert.equal(end.result.exitCode, 0, host.describe());
      }
      assert.match(host.logText(running, 'stdout'), /running-start\n(.|\n)*running-end/);
      assert.match(host.logText(during[0]!, 'stdout'), /during-1/);
      assert.match(host.logText(during[1]!, 'stdout'), /during-2/);
      assert.equal(host.events.filter((e) => e.kind === 'lost').length, 0);
      assert.equal(executor.degraded, false);
    } finally {
      await executor.close();
    }
  });
});
