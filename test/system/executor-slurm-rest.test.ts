// The Slurm executor over a real slurmrestd (Slurm 22.05, OpenAPI v0.0.38, JWT auth) in front of a
// one-node Slurm on localhost: the shared executor suite, job arrays, refusals vs outages, and a
// controller outage seen through slurmrestd. No stand-in for slurmrestd anywhere.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SlurmCommandError, SlurmExecutor, SlurmRest, createSlurmBackend, type JobSpec, type SlurmSiteConfig } from '@shuzhi/server/testing';
import { serverDataDir, startSlurm } from '../support/slurm.ts';
import type { SlurmHandle } from '../support/slurm.ts';
import { RecordingHost, executorSuite, suiteTask } from './executor-suite.ts';
import type { HostEvent } from './executor-suite.ts';

const SITE = 'slurm-rest-test';
let slurm: SlurmHandle | undefined;

async function cluster(): Promise<SlurmHandle> {
  slurm ??= await startSlurm({ rest: true });
  assert.ok(slurm.rest, 'startLocalSlurm({ rest: true }) returned no slurmrestd');
  return slurm;
}

function rest(s: SlurmHandle): NonNullable<SlurmHandle['rest']> {
  return s.rest!;
}

/** The server's private data dir (0700, a secret in it), as the real server keeps it. */
const data = serverDataDir();

function siteConfig(s: SlurmHandle, workDir = 'work-rest'): SlurmSiteConfig {
  const r = rest(s);
  return {
    siteId: SITE,
    connection: { kind: 'rest', url: r.url, user: r.user, token: r.token },
    partition: s.partition,
    // As the server does: its state inside its data dir, the jobs' own directories outside it.
    workRoot: join(data.dir, 'slurm', workDir),
    jobRoot: join(s.jobDir, workDir),
    accounting: 'none',
    pollMs: 300,
    backoff: { initialMs: 500, maxMs: 3000 },
    commandTimeoutMs: 20_000,
    vanishGraceMs: 20_000,
    sacctWaitMs: 5000,
  };
}

/** A raw v0.0.38 request, to check what the backend's parsers do not expose. */
async function restGet(s: SlurmHandle, path: string): Promise<Record<string, unknown>> {
  const r = rest(s);
  const res = await fetch(`${r.url}${path}`, { headers: { 'X-SLURM-USER-NAME': r.user, 'X-SLURM-USER-TOKEN': r.token } });
  return (await res.json()) as Record<string, unknown>;
}

async function specFor(s: SlurmHandle, name: string, extra: Partial<JobSpec> = {}): Promise<JobSpec> {
  const workDir = join(s.dir, 'work-rest', name);
  await mkdir(workDir, { recursive: true });
  const scriptPath = join(workDir, 'job.sh');
  await writeFile(scriptPath, '#!/bin/bash\necho direct\n', { mode: 0o700 });
  return {
    name, comment: `shuzhi:${name}:0`, partition: s.partition, nodes: 1, ntasks: 1, cpusPerTask: 1, gpus: 0, timeMinutes: 5,
    workDir, stdout: join(workDir, 'stdout.log'), stderr: join(workDir, 'stderr.log'), scriptPath, ...extra,
  };
}

/** A 127.0.0.1 port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const a = server.address();
      server.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

after(async () => {
  await slurm?.stop();
  data.remove();
});

executorSuite('slurm over slurmrestd', async () => {
  const s = await cluster();
  const host = new RecordingHost();
  const executor = new SlurmExecutor(siteConfig(s), { host });
  return {
    executor,
    host,
    siteId: SITE,
    // No slurmdbd here: usage comes from the job list (tres_alloc_str, start and end times).
    accounts: true,
    loseWorker: () => s.failNode(),
    isolation: { dataDir: data.dir, secretFile: data.secretFile, secret: data.secret },
    cleanup: () => executor.close(),
  };
}, { stdoutFile: 'stdout.log' });

describe('slurmrestd backend', () => {
  let s: SlurmHandle;
  before(async () => {
    s = await cluster();
  });

  test('a rest connection gets the SlurmRest backend', () => {
    assert.ok(createSlurmBackend(siteConfig(s)) instanceof SlurmRest);
  });

  test('submit → running over REST; the job gets no requeue and none of the server environment', async (t) => {
    process.env['SHUZHI_LEAK_CANARY'] = 'server-secret-canary';
    const host = new RecordingHost();
    const executor = new SlurmExecutor(siteConfig(s), { host });
    try {
      const task = suiteTask(SITE, 'env | sort; sleep 1');
      const submittedAt = Date.now();
      await executor.submit(task);
      const started = await host.waitFor(
        'started',
        (e): e is Extract<HostEvent, { kind: 'started' }> => e.kind === 'started' && e.fence.taskId === task.taskId,
      );
      t.diagnostic(`submit → running over REST took ${started.receivedAt - submittedAt} ms`);
      const queued = host.logText(task, 'system');
      const jobId = /queued in Slurm as job (\d+)/.exec(queued)?.[1];
      assert.ok(jobId, queued);
      const doc = await restGet(s, `/slurm/v0.0.38/job/${jobId}`);
      const job = (doc['jobs'] as Record<string, unknown>[])[0]!;
      assert.equal(job['requeue'], false, 'Slurm would requeue the job on its own');
      assert.equal(job['comment'], `shuzhi:${task.taskId}:0`);
      const end = await host.waitForEnd(task);
      assert.equal(end.kind, 'finished', host.describe());
      assert.equal(end.result.exitCode, 0);
      const out = host.logText(task, 'stdout');
      assert.match(out, /^PATH=\/usr\/local\/bin:\/usr\/bin:\/bin$/m);
      assert.doesNotMatch(out, /server-secret-canary/);
      assert.match(out, /^SHUZHI_TASK_ID=/m);
    } finally {
      delete process.env['SHUZHI_LEAK_CANARY'];
      await executor.close();
    }
  });

  test('a divisible job runs as a job array over REST', async () => {
    const host = new RecordingHost();
    const executor = new SlurmExecutor(siteConfig(s), { host });
    try {
      const task = suiteTask(SITE, 'echo "piece $SHUZHI_PIECE of $SHUZHI_PIECES"', { units: 3, arraySize: 3 });
      await executor.submit(task);
      const end = await host.waitForEnd(task);
      assert.equal(end.kind, 'finished', host.describe());
      assert.equal(end.result.exitCode, 0);
      for (const i of [0, 1, 2]) assert.match(host.logText(task, 'stdout'), new RegExp(`piece ${i} of 3`));
    } finally {
      await executor.close();
    }
  });

  test('a refusal is not an outage; cancelling an unknown job is a no-op', async () => {
    const backend = new SlurmRest({ kind: 'rest', ...rest(s) }, { timeoutMs: 20_000, accounting: 'none' });
    const err = await backend.submit(await specFor(s, 'bad-partition', { partition: 'no-such-partition' })).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof SlurmCommandError, String(err));
    assert.equal(err.transient, false, err.message);
    assert.match(err.message, /partition/i);
    await backend.cancel('999999');
    // The same backend submits fine with a real partition.
    assert.match(await backend.submit(await specFor(s, 'good-partition')), /^\d+$/);
  });

  test('a rejected JWT reads as an outage that names the token; an expired one is refused; no slurmrestd is an outage', async () => {
    const r = rest(s);
    // slurmctld 22.05 drops the connection of a forged token, exactly as when it is unreachable.
    const forged = new SlurmRest({ kind: 'rest', url: r.url, user: r.user, token: `${r.token.slice(0, -4)}AAAA` }, { timeoutMs: 20_000, accounting: 'none' });
    for (const call of [() => forged.jobs(), async () => forged.submit(await specFor(s, 'forged'))]) {
      const err = await call().then(() => null, (e: unknown) => e);
      assert.ok(err instanceof SlurmCommandError, String(err));
      assert.equal(err.transient, true, err.message);
      assert.match(err.message, /rejected the JWT/);
      assert.doesNotMatch(`${err.message} ${JSON.stringify(err)}`, new RegExp(r.token.slice(-20)), 'the token leaked into an error');
    }

    const out = await new Promise<string>((resolve, reject) =>
      execFile('scontrol', ['token', `username=${r.user}`, 'lifespan=1'], { env: { ...process.env, ...s.env } }, (e, stdout) => (e ? reject(e) : resolve(stdout))),
    );
    const shortLived = /SLURM_JWT=(\S+)/.exec(out)?.[1];
    assert.ok(shortLived, out);
    await new Promise((res) => setTimeout(res, 2500));
    const expired = new SlurmRest({ kind: 'rest', url: r.url, user: r.user, token: shortLived }, { timeoutMs: 20_000, accounting: 'none' });
    const refused = await expired.jobs().then(() => null, (e: unknown) => e);
    assert.ok(refused instanceof SlurmCommandError, String(refused));
    assert.equal(refused.code, 'SLURM_REST_TOKEN_EXPIRED', refused.message);
    assert.equal(refused.transient, false);

    const nowhere = new SlurmRest({ kind: 'rest', url: `http://127.0.0.1:${await closedPort()}`, user: r.user, token: r.token }, { timeoutMs: 5000, accounting: 'none' });
    const down = await nowhere.jobs().then(() => null, (e: unknown) => e);
    assert.ok(down instanceof SlurmCommandError, String(down));
    assert.equal(down.transient, true, down.message);
    assert.equal(down.code, 'SLURM_UNAVAILABLE');
  });

  test('with slurmctld stopped behind slurmrestd, calls are outages; all tasks complete after it returns', async () => {
    const host = new RecordingHost();
    const executor = new SlurmExecutor(siteConfig(s), { host });
    const backend = new SlurmRest({ kind: 'rest', ...rest(s) }, { timeoutMs: 30_000, accounting: 'none' });
    try {
      const running = suiteTask(SITE, 'echo running-start; sleep 4; echo running-end');
      await executor.submit(running);
      await host.waitFor('started', (e) => e.kind === 'started' && e.fence.taskId === running.taskId);

      await s.stopController();
      const err = await backend.jobs().then(() => null, (e: unknown) => e);
      assert.ok(err instanceof SlurmCommandError, String(err));
      assert.equal(err.transient, true, `a stopped controller was taken for a refusal: ${err.message}`);

      const during = suiteTask(SITE, 'echo during-outage');
      await executor.submit(during);
      assert.equal(executor.degraded, true, 'the executor did not notice the outage');
      await new Promise((r) => setTimeout(r, 2000));
      for (const task of [running, during]) {
        assert.equal(host.of(task).some((e) => e.kind === 'finished' || e.kind === 'lost'), false, host.describe());
      }
      await s.startController();

      for (const task of [running, during]) {
        const end = await host.waitForEnd(task);
        assert.equal(end.kind, 'finished', host.describe());
        assert.equal(end.result.exitCode, 0, host.describe());
      }
      assert.match(host.logText(running, 'stdout'), /running-start\n(.|\n)*running-end/);
      assert.match(host.logText(during, 'stdout'), /during-outage/);
      assert.equal(host.events.filter((e) => e.kind === 'lost').length, 0);
    } finally {
      await executor.close();
    }
  });
});
