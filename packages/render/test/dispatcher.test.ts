import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Dispatcher, LeaseStaleError, TransitionInvalidError, iterateFrames } from '../src/index.ts';
import { clock, plan } from './dispatch-helpers.ts';
import type { Assignment, ChunkPlan, LeaseToken } from '../src/index.ts';

function isStale(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (err) {
    if (err instanceof LeaseStaleError) {
      assert.equal(err.code, 'LEASE_STALE');
      return true;
    }
    throw err;
  }
}

test('chunks first, preview only after every chunk completed, then the job completes', () => {
  const c = clock();
  const d = new Dispatcher({ clock: c });
  d.registerNode({ id: 'n1', slots: 4 });
  d.submit({ id: 'job_a', plan: plan('1-30', 10), priority: 50 });
  const a = [d.assign('n1'), d.assign('n1'), d.assign('n1')];
  assert.ok(a.every((x) => x?.kind === 'chunk'));
  assert.equal(d.assign('n1'), null, 'the preview waits for its dependencies');
  d.complete('n1', a[0]!.token);
  d.complete('n1', a[1]!.token);
  assert.equal(d.assign('n1'), null);
  assert.equal(d.jobStatus('job_a').state, 'active');
  d.complete('n1', a[2]!.token);
  const p = d.assign('n1');
  assert.equal(p?.kind, 'preview');
  assert.deepEqual(p?.frames, [{ start: 1, end: 30, step: 1 }]);
  assert.equal(d.complete('n1', p!.token).jobState, 'completed');
  assert.equal(d.jobStatus('job_a').counts.completed, 4);
});

test('priority first, then FIFO by submission', () => {
  const d = new Dispatcher({ clock: clock() });
  d.registerNode({ id: 'n', slots: 100 });
  d.submit({ id: 'job_old', plan: plan('1-2', 1), priority: 10 });
  d.submit({ id: 'job_new', plan: plan('1-2', 1), priority: 10 });
  d.submit({ id: 'job_urgent', plan: plan('1-2', 1), priority: 90 });
  const order = Array.from({ length: 6 }, () => d.assign('n')!.jobId);
  assert.deepEqual(order, ['job_urgent', 'job_urgent', 'job_old', 'job_old', 'job_new', 'job_new']);
});

test('tags: only nodes carrying every tag of a job get it; idle nodes park and are woken', () => {
  const d = new Dispatcher({ clock: clock() });
  d.registerNode({ id: 'plain' });
  d.registerNode({ id: 'gpu1', tags: ['gpu', 'big'] });
  d.registerNode({ id: 'gpu2', tags: ['gpu'] });
  assert.equal(d.assign('plain'), null);
  assert.equal(d.assign('gpu1'), null);
  assert.equal(d.assign('gpu2'), null);
  assert.equal(d.stats().parked, 3);
  d.submit({ id: 'job_g', plan: plan('1-10', 5), priority: 50, tags: ['gpu'] });
  const woken = d.drainWakeups().sort();
  assert.deepEqual(woken, ['gpu1', 'gpu2'], 'two chunks ready: both gpu nodes, not the plain one');
  assert.equal(d.assign('plain'), null);
  assert.equal(d.assign('gpu1')?.jobId, 'job_g');
  assert.equal(d.assign('gpu2')?.jobId, 'job_g');
  d.submit({ id: 'job_big', plan: plan('1', 1), priority: 50, tags: ['big', 'gpu'] });
  assert.equal(d.assign('gpu2'), null, 'gpu2 lacks the big tag (and has no free slot)');
});

test('fencing: after a lease expires the old attempt is refused and the task runs again', () => {
  const c = clock();
  const d = new Dispatcher({ clock: c, policy: { leaseMs: 30_000 } });
  d.registerNode({ id: 'a' });
  d.registerNode({ id: 'b' });
  d.submit({ id: 'job_f', plan: plan('1-4', 4), priority: 50 });
  const first = d.assign('a')!;
  c.t += 20_000;
  d.heartbeat('a', first.token);
  c.t += 20_000;
  assert.equal(d.taskInfo('job_f', 0).state, 'active', 'heartbeat kept it alive');
  c.t += 15_000;
  const revoked = d.expireLeases();
  assert.deepEqual(revoked.map((r) => r.token), [first.token]);
  assert.equal(d.taskInfo('job_f', 0).state, 'queued');
  const second = d.assign('b')!;
  assert.equal(second.token.taskId, first.token.taskId);
  assert.equal(second.token.attempt, first.token.attempt + 1);
  assert.ok(isStale(() => d.complete('a', first.token)));
  assert.ok(isStale(() => d.heartbeat('a', first.token)));
  assert.ok(isStale(() => d.complete('a', second.token)), 'right attempt, wrong node');
  assert.ok(isStale(() => d.complete('b', { taskId: 'job_nope.0', attempt: 1 })));
  d.complete('b', second.token);
  assert.ok(isStale(() => d.complete('b', second.token)), 'a completion is accepted once');
  assert.deepEqual(d.taskInfo('job_f', 0).failedOn, [], 'a lost lease does not count as a failure');
});

test('a node failing 3 tasks of a job is blocklisted for it, gets other work, and is forgiven later', () => {
  const c = clock();
  const d = new Dispatcher({ clock: c, policy: { blocklistForgiveMs: 60_000 } });
  d.registerNode({ id: 'bad' });
  d.registerNode({ id: 'good' });
  d.submit({ id: 'job_x', plan: plan('1-100', 1), priority: 90 });
  d.submit({ id: 'job_y', plan: plan('1-5', 1), priority: 10 });
  for (let i = 0; i < 3; i++) {
    const a = d.assign('bad')!;
    assert.equal(a.jobId, 'job_x');
    const r = d.fail('bad', a.token, { kind: 'render-error', message: 'Error: out of memory' });
    assert.equal(r.nodeBlocklisted, i === 2);
  }
  assert.ok(d.isBlocklisted('job_x', 'bad'));
  assert.equal(d.assign('bad')?.jobId, 'job_y', 'blocklisted for x only');
  const g = d.assign('good')!;
  assert.equal(g.jobId, 'job_x');
  assert.equal(g.taskIndex, 0, 'the failed task is retried first, by another node');
  c.t += 60_001;
  assert.ok(!d.isBlocklisted('job_x', 'bad'));
  d.registerNode({ id: 'bad', slots: 2 });
  assert.equal(d.assign('bad')?.jobId, 'job_x', 'forgiven');
});

test('a task fails hard after 3 different nodes failed it; the job fails and running leases are revoked', () => {
  const d = new Dispatcher({ clock: clock() });
  for (const n of ['n1', 'n2', 'n3', 'n4']) d.registerNode({ id: n });
  d.submit({ id: 'job_h', plan: plan('1-2', 1), priority: 50 });
  const other = d.assign('n4')!; // task 0
  assert.equal(other.taskIndex, 0);
  for (const n of ['n1', 'n2', 'n3']) {
    const a = d.assign(n)!;
    assert.equal(a.taskIndex, 1, `${n} gets the failing task`);
    d.fail(n, a.token, { kind: 'render-error', message: `boom on ${n}` });
    assert.equal(d.assign(n), null, 'the node that failed it does not get it again');
  }
  const s = d.jobStatus('job_h');
  assert.equal(s.state, 'failed');
  assert.match(s.failureMessage ?? '', /failed on 3 nodes.*boom on n3/);
  assert.equal(d.taskInfo('job_h', 1).state, 'failed');
  assert.deepEqual(d.drainRevocations().map((r) => [r.nodeId, r.reason]), [['n4', 'job-failed']]);
  assert.ok(isStale(() => d.complete('n4', other.token)));
});

test('a scene that cannot load fails the whole job with the renderer message', () => {
  const d = new Dispatcher({ clock: clock() });
  d.registerNode({ id: 'n1' });
  d.submit({ id: 'job_s', plan: plan('1-50', 5), priority: 50 });
  const a = d.assign('n1')!;
  const msg = "Error: File format is not supported in file '/scenes/x.blend'";
  const r = d.fail('n1', a.token, { kind: 'scene-load', message: msg });
  assert.equal(r.jobState, 'failed');
  assert.equal(d.jobStatus('job_s').failureMessage, msg);
  assert.equal(d.assign('n1'), null);
  d.requeueJob('job_s');
  assert.equal(d.jobStatus('job_s').state, 'queued');
  assert.equal(d.assign('n1')?.taskIndex, 0, 'requeue puts the failed task back');
});

test('pause lets running tasks finish but hands out nothing; resume continues; task pause revokes', () => {
  const d = new Dispatcher({ clock: clock() });
  d.registerNode({ id: 'n', slots: 3 });
  d.submit({ id: 'job_p', plan: plan('1-4', 1), priority: 50 });
  const a0 = d.assign('n')!;
  d.pauseJob('job_p');
  assert.equal(d.assign('n'), null);
  d.complete('n', a0.token);
  assert.throws(() => d.pauseJob('job_p'), TransitionInvalidError);
  d.resumeJob('job_p');
  const a1 = d.assign('n')!;
  assert.equal(a1.taskIndex, 1);
  const rev = d.pauseTask('job_p', 1);
  assert.deepEqual(rev.map((r) => r.reason), ['task-paused']);
  assert.ok(isStale(() => d.complete('n', a1.token)));
  assert.equal(d.assign('n')?.taskIndex, 2, 'paused task skipped');
  d.resumeTask('job_p', 1);
  assert.equal(d.assign('n')?.taskIndex, 1, 'resumed task comes back ahead of newer ones');
});

test('cancel and requeue: a cancelled chunk still lets the preview run; re-rendering a chunk re-queues the preview', () => {
  const d = new Dispatcher({ clock: clock() });
  d.registerNode({ id: 'n', slots: 5 });
  d.submit({ id: 'job_c', plan: plan('1-3', 1), priority: 50 });
  const t0 = d.assign('n')!;
  const t1 = d.assign('n')!;
  d.cancelTask('job_c', 2);
  d.complete('n', t0.token);
  d.complete('n', t1.token);
  const p = d.assign('n')!;
  assert.equal(p.kind, 'preview');
  d.complete('n', p.token);
  assert.equal(d.jobStatus('job_c').state, 'completed');
  d.requeueTask('job_c', 2);
  assert.equal(d.jobStatus('job_c').state, 'queued');
  assert.equal(d.taskInfo('job_c', 3).state, 'queued', 'the preview must be rebuilt');
  const again = d.assign('n')!;
  assert.equal(again.taskIndex, 2);
  assert.equal(d.assign('n'), null);
  d.complete('n', again.token);
  assert.equal(d.assign('n')?.kind, 'preview');
  const revs = d.cancelJob('job_c');
  assert.equal(revs.length, 1);
  assert.equal(d.jobStatus('job_c').state, 'cancelled');
});

test('snapshot/restore keeps states, leases and fencing; fresh tasks need no rows', () => {
  const c = clock();
  const d = new Dispatcher({ clock: c });
  d.registerNode({ id: 'n1', slots: 2 });
  d.registerNode({ id: 'n2' });
  const p = plan('1-1000', 10);
  d.submit({ id: 'job_r', plan: p, priority: 50 });
  const a = d.assign('n1')!;
  const b = d.assign('n1')!;
  const e = d.assign('n2')!;
  d.complete('n1', a.token);
  d.fail('n2', e.token, { kind: 'render-error', message: 'x' });
  const snap = d.snapshot();
  assert.equal(snap.tasks.length, 3, 'only touched tasks have rows');
  const r = Dispatcher.restore({ clock: c, jobs: snap.jobs.map((row) => ({ row, plan: p })), tasks: snap.tasks });
  assert.deepEqual(r.snapshot(), snap);
  assert.ok(isStale(() => r.complete('n1', { ...b.token, attempt: b.token.attempt - 1 })));
  r.registerNode({ id: 'n1', slots: 2 });
  r.registerNode({ id: 'n2' });
  r.complete('n1', b.token);
  const next = r.assign('n2')!;
  assert.notEqual(next.taskIndex, 2, 'n2 already failed task 2');
  const retry = r.assign('n1')!;
  assert.equal(retry.taskIndex, 2);
  assert.equal(retry.token.attempt, 2);
});

test('drainChanges reports each touched row once per batch', () => {
  const d = new Dispatcher({ clock: clock() });
  d.registerNode({ id: 'n' });
  d.submit({ id: 'job_d', plan: plan('1-100', 1), priority: 50 });
  const first = d.drainChanges();
  assert.deepEqual(first.jobs.map((j) => j.id), ['job_d']);
  assert.equal(first.tasks.length, 0);
  const a = d.assign('n')!;
  d.heartbeat('n', a.token);
  const second = d.drainChanges();
  assert.equal(second.tasks.length, 1);
  assert.equal(second.tasks[0]!.state, 'active');
  assert.equal(d.drainChanges().tasks.length, 0);
});

test('heartbeats write no row; a restore grants every lease a full lease from the restore, which a live node keeps and a gone one loses', () => {
  const c = clock();
  const leaseMs = 15_000;
  const d = new Dispatcher({ clock: c, policy: { leaseMs } });
  d.registerNode({ id: 'live' });
  d.registerNode({ id: 'gone' });
  const p = plan('1-10', 5);
  d.submit({ id: 'job_h', plan: p, priority: 50 });
  const live = d.assign('live')!;
  const gone = d.assign('gone')!;
  const opened = d.drainChanges().tasks;
  assert.deepEqual(opened.map((t) => t.leaseExpiresAt), [c.t + leaseMs, c.t + leaseMs], 'a new lease is persisted with its expiry');
  for (let i = 0; i < 6; i++) {
    c.t += leaseMs / 3;
    d.heartbeat('live', live.token);
    d.heartbeat('gone', gone.token);
    assert.equal(d.drainChanges().tasks.length, 0, `heartbeat ${i + 1} writes nothing`);
  }
  assert.deepEqual(d.expireLeases(), [], 'heartbeats keep the leases in memory');
  // The server stops now, long after the persisted expiries, and is back two leases later.
  const snap = d.snapshot();
  c.t += 2 * leaseMs;
  const r = Dispatcher.restore({ clock: c, policy: { leaseMs }, jobs: snap.jobs.map((row) => ({ row, plan: p })), tasks: snap.tasks });
  r.registerNode({ id: 'live' });
  r.registerNode({ id: 'gone' });
  c.t += leaseMs - 1;
  assert.deepEqual(r.expireLeases(), [], 'a lease from the restore: nobody loses a task before it ends');
  r.heartbeat('live', live.token);
  c.t += 2;
  assert.deepEqual(
    r.expireLeases().map((x) => x.nodeId),
    ['gone'],
    'the node that heartbeats keeps its task; the silent one loses it a lease after the restore',
  );
  r.complete('live', live.token);
  assert.ok(isStale(() => r.complete('gone', gone.token)));
});

test('an extended lease expires at its new time, not at the one it had when it was handed out', () => {
  const c = clock();
  const d = new Dispatcher({ clock: c, policy: { leaseMs: 10_000 } });
  d.registerNode({ id: 'n', slots: 2 });
  d.submit({ id: 'job_x', plan: plan('1-10', 5), priority: 50 });
  const a = d.assign('n')!;
  const b = d.assign('n')!;
  c.t += 6_000;
  d.heartbeat('n', a.token);
  c.t += 5_000;
  assert.deepEqual(d.expireLeases().map((x) => x.token), [b.token], 'only the lease without a heartbeat ended at 10 s');
  c.t += 4_999;
  assert.deepEqual(d.expireLeases(), [], 'the extended one runs to 16 s');
  c.t += 1;
  assert.deepEqual(d.expireLeases().map((x) => x.token), [a.token]);
});

test("a lease handed out longer than the default is renewed by its own length; a restored one gets the longest the farm hands out", () => {
  const c = clock();
  // A big farm's 9 s lease beside the default 3 s; the farm hands out at most 12 s.
  const policy = { leaseMs: 3_000, longestLeaseMs: 12_000 };
  const d = new Dispatcher({ clock: c, policy });
  d.registerNode({ id: 'long' });
  d.registerNode({ id: 'short' });
  const p = plan('1-10', 5);
  d.submit({ id: 'job_l', plan: p, priority: 50 });
  const long = d.assign('long', 9_000)!;
  const short = d.assign('short')!;
  assert.deepEqual([long.leaseMs, long.leaseExpiresAt - c.t, short.leaseMs], [9_000, 9_000, 3_000]);
  // The long lease's node heartbeats every third of its own lease, past three of the default ones.
  for (let i = 0; i < 4; i++) {
    c.t += 3_000;
    d.heartbeat('long', long.token);
  }
  assert.deepEqual(d.drainRevocations().map((r) => r.nodeId), ['short'], 'only the silent default lease ran out');
  c.t += 8_999;
  assert.deepEqual(d.expireLeases(), [], 'silent, it keeps the task for its own 9 s …');
  const snap = d.snapshot();
  c.t += 1;
  assert.deepEqual(d.expireLeases().map((x) => x.nodeId), ['long'], '… and not a moment longer');
  // Had the server restarted instead: the row does not say the lease was 9 s, so the restored lease is the longest, 12 s.
  const r = Dispatcher.restore({ clock: c, policy, jobs: snap.jobs.map((row) => ({ row, plan: p })), tasks: snap.tasks });
  r.registerNode({ id: 'long' });
  c.t += 11_999;
  assert.deepEqual(r.expireLeases(), [], 'restored, nobody loses a task before the longest lease ends');
  r.heartbeat('long', long.token);
  c.t += 11_999;
  assert.deepEqual(r.expireLeases(), [], 'a heartbeat renews a restored lease by the longest lease');
  c.t += 1;
  assert.deepEqual(r.expireLeases().map((x) => x.nodeId), ['long']);
});

type Op =
  | { op: 'assign'; node: number }
  | { op: 'complete'; pick: number; stale: boolean }
  | { op: 'fail'; pick: number }
  | { op: 'tick'; ms: number }
  | { op: 'pause' | 'resume' | 'requeue'; job: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('assign' as const), node: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('complete' as const), pick: fc.nat(), stale: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('fail' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1_000, max: 80_000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('pause' as const, 'resume' as const, 'requeue' as const), job: fc.integer({ min: 0, max: 1 }) }) },
);

test('property: never assigned to a blocklisted node, stale attempts always refused, one lease per task, preview last', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
      const c = clock();
      const d = new Dispatcher({ clock: c, policy: { leaseMs: 60_000, blocklistForgiveMs: 1e12, nodeFailuresBeforeBlocklist: 2 } });
      // Independent model of the blocklist (forgiveness is covered by its own test): counted failures per job|node.
      const failures = new Map<string, number>();
      const nodes = ['n0', 'n1', 'n2', 'n3', 'n4'];
      nodes.forEach((id, i) => d.registerNode({ id, slots: 1 + (i % 2) }));
      const jobs = ['job_0', 'job_1'];
      const plans = [plan('1-12', 3), plan('1-6x2', 1)];
      jobs.forEach((id, i) => d.submit({ id, plan: plans[i]!, priority: 50 }));
      const live: Assignment[] = [];
      const dead: LeaseToken[] = [];
      const key = (t: LeaseToken) => `${t.taskId}#${t.attempt}`;
      for (const o of ops) {
        if (o.op === 'assign') {
          const node = nodes[o.node]!;
          const a = d.assign(node);
          if (!a) continue;
          assert.ok((failures.get(`${a.jobId}|${node}`) ?? 0) < 2, `assigned ${a.jobId} to blocklisted ${node}`);
          assert.ok(d.taskInfo(a.jobId, a.taskIndex).failedOn.every((n) => n !== node), 'task given back to a node that failed it');
          for (const l of live) assert.ok(l.token.taskId !== a.token.taskId || dead.some((t) => key(t) === key(l.token)), 'two live leases on one task');
          if (a.kind === 'preview') {
            const s = d.jobStatus(a.jobId);
            assert.equal(s.counts.completed + s.counts.cancelled, s.taskCount - 1, 'preview before its chunks');
          }
          live.push(a);
        } else if (o.op === 'complete' || o.op === 'fail') {
          if (o.op === 'complete' && o.stale && dead.length) {
            const tok = dead[o.pick % dead.length]!;
            const owner = nodes.find((n) => !isStale(() => d.heartbeat(n, tok)));
            assert.equal(owner, undefined, 'a dead token was accepted');
            continue;
          }
          if (!live.length) continue;
          const a = live.splice(o.pick % live.length, 1)[0]!;
          const stillLive = d.taskInfo(a.jobId, a.taskIndex).attempt === a.token.attempt && d.taskInfo(a.jobId, a.taskIndex).state === 'active';
          const call = () =>
            o.op === 'complete' ? d.complete(a.nodeId, a.token) : d.fail(a.nodeId, a.token, { kind: 'render-error', message: 'e' });
          if (stillLive) {
            call();
            if (o.op === 'fail') failures.set(`${a.jobId}|${a.nodeId}`, (failures.get(`${a.jobId}|${a.nodeId}`) ?? 0) + 1);
          } else assert.ok(isStale(call));
          dead.push(a.token);
        } else if (o.op === 'tick') {
          c.t += o.ms;
          for (const r of d.expireLeases()) dead.push(r.token);
        } else {
          const job = jobs[o.job]!;
          try {
            if (o.op === 'pause') d.pauseJob(job);
            else if (o.op === 'resume') d.resumeJob(job);
            else {
              d.requeueJob(job);
              for (const n of nodes) failures.delete(`${job}|${n}`);
            }
          } catch (err) {
            assert.ok(err instanceof TransitionInvalidError);
          }
        }
        for (const r of d.drainRevocations()) dead.push(r.token);
      }
    }),
    { numRuns: 250 },
  );
});

test('20,000 nodes drain a 1,000,000-frame job: every frame rendered exactly once, preview last', () => {
  const c = clock();
  const d = new Dispatcher({ clock: c });
  const nodeCount = 20_000;
  for (let i = 0; i < nodeCount; i++) d.registerNode({ id: `n${i}`, tags: i % 2 ? ['linux', 'blender'] : ['linux'] });
  const p = plan('1-1000000', 10);
  d.submit({ id: 'job_big', plan: p, priority: 50, tags: ['linux'] });
  assert.equal(d.drainWakeups().length, 0, 'no node was parked yet');
  const rendered = new Uint8Array(1_000_001);
  const queue: Assignment[] = [];
  for (let i = 0; i < nodeCount; i++) queue.push(d.assign(`n${i}`)!);
  assert.equal(d.stats().activeLeases, nodeCount);
  let previewSeen = false;
  let done = 0;
  let head = 0;
  while (head < queue.length) {
    const a = queue[head++]!;
    if (a.kind === 'preview') {
      assert.equal(done, p.chunkCount, 'the preview comes after every chunk');
      previewSeen = true;
    } else {
      for (const f of iterateFrames(a.frames)) {
        assert.equal(rendered[f], 0, `frame ${f} rendered twice`);
        rendered[f] = 1;
      }
      done++;
    }
    d.complete(a.nodeId, a.token);
    const next = d.assign(a.nodeId);
    if (next) queue.push(next);
    for (const woken of d.drainWakeups()) {
      const w = d.assign(woken);
      if (w) queue.push(w);
    }
    if (head > 50_000) {
      queue.splice(0, head);
      head = 0;
    }
  }
  assert.ok(previewSeen);
  assert.equal(done, 100_000);
  assert.equal(rendered.reduce((s, x) => s + x, 0), 1_000_000);
  assert.equal(d.jobStatus('job_big').state, 'completed');
  assert.equal(d.stats().parked, nodeCount, 'every node ends parked, waiting for work');
});
