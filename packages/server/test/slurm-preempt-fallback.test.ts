import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Fence } from '@shuzhi/schema';
import type { SlurmBackend } from '../src/compute/slurm/backend.ts';
import { SlurmExecutor } from '../src/compute/slurm/executor.ts';
import type { SqueueJob } from '../src/compute/slurm/parse.ts';
import { checkpointDirOf } from '../src/compute/slurm/script.ts';

/**
 * A backend without requeue (slurmrestd 0.0.38) preempts by cancelling: once Slurm says the job is
 * cancelled, its checkpoint directory is packed and handed to the host, and the end is reported as a
 * preemption, not as a failure. The real cluster's requeue path: test/system/slurm-preempt.test.ts.
 */
test('without requeue, a preempted Slurm job is cancelled; its checkpoint is kept and the end reported as a preemption', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shuzhi-preempt-'));
  // The job user must reach its directories (the server's own state dir below stays 0700).
  await chmod(dir, 0o711);
  let state = 'RUNNING';
  const cancelled: string[] = [];
  const job = (): SqueueJob => ({ jobId: '7', submitId: '7', arrayIndex: null, pieces: 1, state, reason: 'None', comment: 'shuzhi:t1:0', startMs: 1000, endMs: null, exitCode: null, tres: {} });
  const backend: SlurmBackend = {
    submit: async () => '7',
    jobs: async () => [job()],
    accounting: async () => [],
    cancel: async (id) => {
      cancelled.push(id);
      state = 'CANCELLED';
    },
  };
  const ends: Fence[] = [];
  const failures: unknown[] = [];
  const archives: Buffer[] = [];
  const host = {
    started: async () => true,
    logs: async () => true,
    finished: async (_f: Fence, r: unknown) => (failures.push(r), true),
    lost: async (_f: Fence, why: string) => (failures.push(why), true),
    preemptEnded: async (f: Fence) => (ends.push(f), true),
    saveCheckpoint: async (_f: Fence, a: Buffer) => void archives.push(a),
    checkpointOf: async () => null,
  };
  const connection = { kind: 'rest' as const, url: 'http://127.0.0.1:9', user: 'nobody', token: 't' };
  const jobRoot = join(dir, 'jobs');
  const ex = new SlurmExecutor({ siteId: 'hpc', connection, workRoot: join(dir, 'state'), jobRoot, pollMs: 20, accounting: 'none' }, { host, backend });
  try {
    const task = { taskId: 't1', attempt: 0, jobId: 'j1', jobName: 'x', siteId: 'hpc', type: 'cpu', units: 1, hours: 1, command: 'true', env: {}, tenantId: 'tianshan-ai', priority: 50, createdAtMs: 0, readyAtMs: 0, checkpoint: true };
    await ex.submit(task);
    // What the job wrote before it was stopped.
    await writeFile(join(checkpointDirOf(jobRoot, 't1'), 'progress'), '12\n');
    await ex.preempt(task, 1000, 'cheaper-window');
    assert.deepEqual(cancelled, ['7']);
    const end = Date.now() + 10_000;
    while (ends.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(ends.map((f) => `${f.taskId}#${f.attempt}`), ['t1#0']);
    assert.deepEqual(failures, [], 'the preempted end was reported as a result');
    assert.equal(archives.length, 1, 'no checkpoint kept');
  } finally {
    await ex.close();
    await rm(dir, { recursive: true, force: true });
  }
});

/**
 * A requeued, held job is released for the task's next attempt only once its stopped run had time to
 * settle on the node: released at once, the node's step daemon of the stopped run can still be there and
 * the launch fails (CI saw the released run end at once with exit 1 and no output, Slurm 22.05 under load).
 */
test('a held job is released for the next attempt only once its stopped run has settled, then as the same Slurm job', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shuzhi-release-'));
  await chmod(dir, 0o711);
  let clock = 1_000_000;
  let state = 'RUNNING';
  const calls: string[] = [];
  const job = (): SqueueJob => ({ jobId: '9', submitId: '9', arrayIndex: null, pieces: 1, state, reason: 'None', comment: 'shuzhi:t2:0', startMs: 1000, endMs: null, exitCode: null, tres: {} });
  const backend: SlurmBackend = {
    submit: async () => (calls.push('submit'), '9'),
    jobs: async () => [job()],
    accounting: async () => [],
    cancel: async (id) => void calls.push(`cancel ${id}`),
    requeueHold: async (id) => {
      calls.push(`requeuehold ${id}`);
      state = 'PENDING';
    },
    release: async (id) => {
      calls.push(`release ${id} at +${clock - stoppedAt} ms`);
      state = 'RUNNING';
    },
  };
  let stoppedAt = 0;
  const ends: Fence[] = [];
  const host = {
    started: async () => true,
    logs: async () => true,
    finished: async () => true,
    lost: async () => true,
    preemptEnded: async (f: Fence) => {
      stoppedAt = clock;
      ends.push(f);
      return true;
    },
  };
  const connection = { kind: 'rest' as const, url: 'http://127.0.0.1:9', user: 'nobody', token: 't' };
  const ex = new SlurmExecutor({ siteId: 'hpc', connection, workRoot: join(dir, 'state'), jobRoot: join(dir, 'jobs'), pollMs: 20, accounting: 'none' }, { host, backend, now: () => clock });
  const waitFor = async (what: string, cond: () => boolean) => {
    const end = Date.now() + 10_000;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${calls.join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  try {
    const first = { taskId: 't2', attempt: 0, jobId: 'j2', jobName: 'x', siteId: 'hpc', type: 'cpu', units: 1, hours: 1, command: 'true', env: {}, tenantId: 'tianshan-ai', priority: 50, createdAtMs: 0, readyAtMs: 0 };
    await ex.submit(first);
    await waitFor('the submission', () => calls.includes('submit'));
    await ex.preempt(first, 1000, 'higher-priority');
    await waitFor('the preempted end', () => ends.length === 1);
    // The next attempt comes back at once; a second later (on the executor's clock) it is still not released.
    await ex.submit({ ...first, attempt: 1 });
    clock += 1000;
    await new Promise((r) => setTimeout(r, 300)); // many polls at 20 ms
    assert.deepEqual(calls, ['submit', 'requeuehold 9'], 'released, or submitted afresh, before the stopped run settled');
    clock += 5000;
    await waitFor('the release', () => calls.length === 3);
    assert.deepEqual(calls, ['submit', 'requeuehold 9', 'release 9 at +6000 ms'], 'the same job released, not a new one submitted');
  } finally {
    await ex.close();
    await rm(dir, { recursive: true, force: true });
  }
});
