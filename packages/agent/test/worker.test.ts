import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ShellRunner, Worker, WorkerError, type WorkerOptions } from '../src/index.ts';
import { CREDENTIAL, FakeServer, WORKER_ID, directSandbox, renderWork, shellWork, tempDir, waitFor } from './helpers.ts';

let server: FakeServer;
let workers: Worker[] = [];
let logs: string[] = [];

beforeEach(async () => {
  server = await new FakeServer().start();
  logs = [];
});
afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop({ kill: true })));
  workers = [];
  await server.close();
});

async function newWorker(over: Partial<WorkerOptions> = {}) {
  const sandbox = directSandbox();
  const w = new Worker({
    server: server.url,
    credential: CREDENTIAL,
    slots: 1,
    workDir: await tempDir('worker'),
    runners: [new ShellRunner()],
    sandbox,
    waitMs: 2000,
    log: (m) => logs.push(m),
    ...over,
  });
  workers.push(w);
  return { w, sandbox };
}

/** The waits of the idle polls that reported `taskId` running: with a free slot, the heartbeat wait the worker drew. */
const beatsOf = (taskId: string) => server.syncs.filter((s) => (s.running ?? []).some((r) => r.taskId === taskId)).map((s) => s.waitMs);

/**
 * The first `count` heartbeat waits a worker drew for one task of this lease. Two slots, one task: the
 * idle poll that reports the running task waits until its heartbeat is due, so each poll's waitMs is
 * the heartbeat wait the worker drew (pacing.ts); here every draw is 0.5.
 */
async function drawnBeats(taskId: string, leaseMs: number, count: number): Promise<(number | undefined)[]> {
  const { w } = await newWorker({ slots: 2, random: () => 0.5 });
  server.offer(shellWork(taskId, 'sleep 30', { leaseMs }));
  w.start();
  await waitFor(`${count} heartbeats`, () => beatsOf(taskId).length >= count, 15_000);
  return beatsOf(taskId);
}

const outOf = (taskId: string, stream = 'stdout') =>
  server.logs
    .filter((l) => l.taskId === taskId && l.stream === stream)
    .map((l) => l.text)
    .join('');

describe('worker identity and configuration', () => {
  test('the id comes from the credential; a malformed credential is a typed error', async () => {
    const { w } = await newWorker();
    assert.equal(w.id, WORKER_ID);
    for (const credential of ['', 'tok_abc', 'szw.wrk_x.short', 'szw.node-1.abcdefghijklmnopqrstuvwxyz']) {
      assert.throws(
        () => new Worker({ server: server.url, credential, slots: 1, workDir: '/tmp/x', runners: [new ShellRunner()], sandbox: directSandbox() }),
        (err: unknown) => err instanceof WorkerError && err.code === 'WORKER_CREDENTIAL_INVALID' && !err.message.includes(credential || '\u0000'),
      );
    }
    assert.throws(() => new Worker({ server: server.url, credential: CREDENTIAL, slots: 0, workDir: '/tmp/x', runners: [new ShellRunner()], sandbox: directSandbox() }), /slots/);
    assert.throws(() => new Worker({ server: server.url, credential: CREDENTIAL, slots: 1, workDir: '/tmp/x', runners: [new ShellRunner(), new ShellRunner()], sandbox: directSandbox() }), /two runners/);
  });

  test('a sync announces the runners, the sandbox isolation, the slots and tags', async () => {
    const { w } = await newWorker({ tags: ['gpu'], sandbox: directSandbox({ isolation: 'bubblewrap' }) });
    await w.syncOnce({ waitMs: 0 });
    const b = server.syncs[0]!;
    assert.deepEqual(b.runners, ['shell']);
    assert.equal(b.isolation, 'bubblewrap');
    assert.equal(b.slots, 1);
    assert.equal(b.free, 1);
    assert.deepEqual(b.tags, ['gpu']);
  });
});

describe('shell tasks', () => {
  test('run through the sandbox in a directory of their own, with the job env, logs and exit code', async () => {
    const { w, sandbox } = await newWorker();
    server.offer(
      shellWork('task_ok', 'echo "hi $SHUZHI_TASK_ID $SHUZHI_ATTEMPT $SHUZHI_UNITS $SHUZHI_JOB_ID $GREETING"; pwd; echo oops >&2', { env: { GREETING: 'hello' }, units: 4 }),
      shellWork('task_bad', 'echo bad; exit 3'),
    );
    w.start();
    await waitFor('both reported', () => server.completed.length === 2);
    const ok = server.completed.find((c) => c.taskId === 'task_ok')!;
    assert.deepEqual(ok.result, { ok: true, exitCode: 0 });
    assert.match(outOf('task_ok'), /hi task_ok 1 4 job_t hello/);
    assert.match(outOf('task_ok'), /tasks\/task_ok-1\n/, 'runs in the attempt directory');
    assert.match(outOf('task_ok', 'stderr'), /oops/);
    const bad = server.completed.find((c) => c.taskId === 'task_bad')!;
    assert.equal(bad.result.ok, false);
    assert.equal(bad.result.exitCode, 3);
    assert.equal(bad.result.failure?.code, 'exit-code');
    assert.equal(sandbox.spawned.length, 2, 'every program went through the sandbox');
    assert.deepEqual(sandbox.spawned[0]!.argv.slice(0, 2), ['/bin/sh', '-c']);
    assert.equal(sandbox.spawned[0]!.network, true);
    assert.equal(sandbox.spawned[0]!.env.HOME, sandbox.spawned[0]!.workDir);
    assert.deepEqual(sandbox.spawned[0]!.limits, shellWork('x', '').limits);
    assert.deepEqual(sandbox.prepared, sandbox.spawned.map((s) => s.workDir));
    await waitFor('attempt directories removed', () => sandbox.prepared.every((d) => !existsSync(d)));
    assert.deepEqual(w.finished.map((f) => [f.taskId, f.ok]), [
      ['task_ok', true],
      ['task_bad', false],
    ]);
  });

  test('a process killed by a signal reports killed, directly or as 128+n through a shell or sandbox', async () => {
    const { w } = await newWorker({ slots: 2 });
    server.offer(shellWork('task_sig', 'kill -9 $$'), shellWork('task_child', 'sleep 5 & kill -9 $!; wait $!'));
    w.start();
    await waitFor('reported', () => server.completed.length === 2);
    const sig = server.completed.find((c) => c.taskId === 'task_sig')!.result;
    assert.equal(sig.failure?.code, 'killed');
    assert.equal(sig.exitCode, null);
    const child = server.completed.find((c) => c.taskId === 'task_child')!.result;
    assert.equal(child.failure?.code, 'killed');
    assert.equal(child.exitCode, 137);
    assert.match(child.failure!.message, /SIGKILL/);
  });

  test('work of a kind the worker has no runner for completes at once with a failure', async () => {
    const { w, sandbox } = await newWorker();
    server.offer(renderWork('rtask_1'));
    w.start();
    await waitFor('reported', () => server.completed.length === 1);
    assert.equal(server.completed[0]!.result.failure?.code, 'start-failed');
    assert.match(server.completed[0]!.result.failure!.message, /no runner for render work/);
    assert.equal(sandbox.prepared.length, 0);
  });

  test('a task finishing while the idle poll is parked is reported at once (nudge)', async () => {
    const { w } = await newWorker({ slots: 2, waitMs: 25_000 });
    server.offer(shellWork('task_quick', 'sleep 0.3'));
    w.start();
    await waitFor('leased', () => server.leases.size === 1);
    const t0 = Date.now();
    await waitFor('reported', () => server.completed.length === 1, 5000);
    assert.ok(Date.now() - t0 < 2500, `reported after ${Date.now() - t0} ms, not after the 25 s poll`);
  });

  test('running tasks are heartbeated at a third of the lease, with their logs', async () => {
    const { w } = await newWorker({ waitMs: 25_000 });
    server.offer(shellWork('task_long', 'for i in 1 2 3 4 5 6; do echo tick $i; sleep 0.2; done', { leaseMs: 900 }));
    w.start();
    await waitFor('done', () => server.completed.length === 1, 10_000);
    const beats = server.syncs.filter((s) => (s.running ?? []).some((r) => r.taskId === 'task_long'));
    assert.ok(beats.length >= 3, `${beats.length} heartbeats in ~1.2 s with a 900 ms lease`);
    assert.match(outOf('task_long'), /tick 1\n[^]*tick 6\n/);
  });

  test("a task's first heartbeat comes at a random phase of the interval's last three quarters, the second at the same point of the next interval's whole, later ones every interval less up to 2%", async () => {
    const beats = await drawnBeats('task_phase', 3000, 4);
    // Interval 1000 ms (lease / 3): the first due 1000 × (1 − 0.75 × 0.5) = 625 ms after the task
    // arrived (the poll that waits for it goes out a moment later), half-way along its span 250–1000 ms;
    // the second half-way along the next interval, 1500 ms after the task began, 875 ms after the first;
    // then every 1000 × (1 − 0.02 × 0.5).
    assert.ok(beats[0]! <= 625 && beats[0]! >= 400, `first heartbeat wait ${beats[0]} ms`);
    assert.deepEqual(beats.slice(1, 4), [875, 990, 990]);
  });

  test("a task handed out with a big farm's longer lease is heartbeated every third of that lease, not of the platform's default", async () => {
    // A farm of many nodes hands out a 6 s lease where a small one hands out 3 s (SHUZHI_HEARTBEAT_BUDGET):
    // the worker's heartbeats follow the lease that came with the task.
    const beats = await drawnBeats('task_big_farm', 6000, 3);
    // Interval 2000 ms: the first due 2000 × (1 − 0.75 × 0.5) = 1250 ms after the task arrived, the
    // second 3000 ms after it began (1750 ms after the first), then every 2000 × (1 − 0.02 × 0.5).
    assert.ok(beats[0]! <= 1250 && beats[0]! >= 1000, `first heartbeat wait ${beats[0]} ms`);
    assert.deepEqual(beats.slice(1, 3), [1750, 1980]);
  });

  test('after a failed call the heartbeats are phased afresh, as after a task began', async () => {
    // A fleet whose server came back answers its retries at about the same moment: timed steadily from
    // there, its heartbeats would stay bunched.
    const { w } = await newWorker({ slots: 2, random: () => 0.5 });
    server.offer(shellWork('task_retry', 'sleep 30', { leaseMs: 3000 }));
    w.start();
    await waitFor('steady heartbeats', () => beatsOf('task_retry').length >= 3, 10_000);
    server.failWith = 500;
    await waitFor('a failed call', () => logs.some((l) => /sync failed/.test(l)), 5000);
    server.failWith = null;
    const n = beatsOf('task_retry').length;
    await waitFor('three more heartbeats', () => beatsOf('task_retry').length >= n + 3, 10_000);
    // The retry that went through is followed by a first heartbeat at the random phase (625 ms), the
    // second, then steady ones.
    assert.deepEqual(beatsOf('task_retry').slice(n, n + 3), [625, 875, 990]);
  });

  test('a worker whose slots are all taken does not call again at once after taking a task: its next call is the heartbeat', async () => {
    // One slot; the heartbeat is due 7.5 s after the task arrived (a 30 s lease, every draw 0.5); the task
    // ends long before, so no sync reports it running: the completion is the next call.
    const { w } = await newWorker({ random: () => 0.5 });
    server.offer(shellWork('task_quick', 'sleep 0.3', { leaseMs: 30_000 }));
    w.start();
    await waitFor('done', () => server.completed.length === 1, 10_000);
    assert.equal(server.syncs.filter((s) => (s.running ?? []).some((r) => r.taskId === 'task_quick')).length, 0);
  });

  test('cancel kills the task and nothing is reported for it', async () => {
    const { w, sandbox } = await newWorker();
    server.offer(shellWork('task_cancel', 'echo started; sleep 30'));
    w.start();
    await waitFor('running', () => w.runningCount === 1 && outOf('task_cancel').includes('started'));
    server.cancelNext.push({ kind: 'shell', taskId: 'task_cancel', attempt: 1, reason: 'cancelled' });
    await waitFor('stopped', () => w.runningCount === 0, 5000);
    await waitFor('directory removed', () => !existsSync(sandbox.prepared[0]!));
    const n = server.syncs.length;
    await waitFor('two more syncs', () => server.syncs.length >= n + 1, 5000);
    assert.ok(!server.syncs.slice(n).some((s) => [...(s.running ?? []), ...(s.completed ?? [])].some((r) => r.taskId === 'task_cancel')));
    assert.equal(server.completed.length, 0);
  });

  test('a 409 STALE_REPORT drops every reported task', async () => {
    const { w } = await newWorker();
    server.offer(shellWork('task_stale', 'sleep 30'));
    w.start();
    await waitFor('running', () => w.runningCount === 1);
    server.leases.clear(); // the lease expired at the server
    await waitFor('dropped', () => w.runningCount === 0, 5000);
    assert.ok(logs.some((l) => /refused every report as stale/.test(l)));
  });

  test('a refused credential is retried slowly and logged once, not hammered', async () => {
    const { w } = await newWorker({ backoff: { unauthorisedMs: 30_000 } });
    server.failWith = 401;
    w.start();
    await waitFor('refused', () => w.unauthorised);
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(server.syncs.length, 0);
    assert.equal(w.unauthorised?.code, 'WORKER_UNAUTHORISED');
    assert.equal(logs.filter((l) => /refused worker wrk_test1's credential/.test(l)).length, 1);
    assert.ok(!logs.some((l) => l.includes(CREDENTIAL)), 'the credential is never logged');
  });

  test('other failures back off from 0.5 s and recover', async () => {
    const { w } = await newWorker();
    server.failWith = 500;
    w.start();
    await waitFor('failed twice', () => logs.filter((l) => /sync failed/.test(l)).length >= 2, 5000);
    server.failWith = null;
    server.offer(shellWork('task_after', 'true'));
    await waitFor('recovered', () => server.completed.length === 1, 15_000);
  });

  test('a sync the server never answers is given up after its wait plus the timeout, and retried', async () => {
    const { w } = await newWorker({ waitMs: 200, syncTimeoutMs: 300 });
    server.hang = true;
    w.start();
    await waitFor('given up', () => logs.some((l) => /sync failed: could not reach .*no answer in time/.test(l)), 5000);
    await waitFor('retried', () => server.syncs.length >= 2, 5000);
    server.hang = false;
    server.offer(shellWork('task_after_hang', 'true'));
    await waitFor('recovered', () => server.completed.length === 1, 10_000);
  });

  test('stop() kills running work and says it is leaving; stop({kill}) says nothing', async () => {
    const a = await newWorker();
    server.offer(shellWork('task_leave', 'sleep 30'));
    a.w.start();
    await waitFor('running', () => a.w.runningCount === 1);
    await a.w.stop();
    const last = server.syncs.at(-1)!;
    assert.equal(last.leaving, true);
    assert.equal(last.free, 0);
    assert.deepEqual(last.running, []);
    assert.ok(!existsSync(a.sandbox.prepared[0]!), 'the killed attempt cleaned up');

    const b = await newWorker();
    b.w.start();
    await waitFor('leased again', () => b.w.runningCount === 1);
    const n = server.syncs.length;
    await b.w.stop({ kill: true });
    assert.ok(server.syncs.slice(n).every((s) => !s.leaving));
  });

  test('log output over the per-sync budget is sent over several syncs, newest kept', async () => {
    const { w } = await newWorker();
    // ~1.2 M characters: more than the 800 k a task keeps, so the oldest is dropped.
    server.offer(shellWork('task_chatty', `i=0; while [ $i -lt 12 ]; do head -c 100000 /dev/zero | tr '\\0' 'x'; echo; i=$((i+1)); done; echo THE-END`));
    w.start();
    await waitFor('done', () => server.completed.length === 1, 20_000);
    for (const s of server.syncs) {
      const chars = [...(s.running ?? []), ...(s.completed ?? [])].flatMap((r) => r.logs ?? []).reduce((n, l) => n + l.text.length, 0);
      assert.ok(chars <= 200_000 + 200, `a sync carried ${chars} characters`);
    }
    assert.match(outOf('task_chatty'), /THE-END\n$/);
    // A task keeps its newest output past 800 k less one entry (64 KiB), plus whatever the heartbeats
    // carried before the task ended (their timing varies: the first one's phase is random). Less than
    // that means output was lost: a sync under way while older entries were dropped once took unsent ones.
    const total = outOf('task_chatty').length;
    assert.ok(total > 800_000 - 64 * 1024 && total <= 1_300_000, `${total}`);
  });

  test('the attempt directory holds nothing once the worker is done', async () => {
    const { w } = await newWorker();
    server.offer(shellWork('task_files', 'mkdir -p a/b && echo x > a/b/c && ln -s / a/root'));
    w.start();
    await waitFor('done', () => server.completed.length === 1);
    const tasks = join((w as unknown as { opts: { workDir: string } }).opts.workDir, 'tasks');
    await waitFor('empty', () => readdirSync(tasks).length === 0);
    assert.ok(existsSync('/bin/sh'), 'the link to / was removed, not followed');
  });
});
