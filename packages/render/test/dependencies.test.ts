import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Dispatcher, iterateFrames } from '../src/index.ts';
import { clock, plan } from './dispatch-helpers.ts';
import type { Assignment, ChunkPlan, Dependency } from '../src/index.ts';

/** The check the property states, from the dispatcher's public view of the upstream jobs. */
function violations(d: Dispatcher, plans: Map<string, ChunkPlan>, deps: Map<string, readonly Dependency[]>, a: Assignment): string[] {
  const out: string[] = [];
  for (const dep of deps.get(a.jobId) ?? []) {
    if (dep.mode === 'job') {
      const state = d.jobStatus(dep.upstream).state;
      if (state !== 'completed') out.push(`${a.token.taskId} went out while upstream ${dep.upstream} was ${state}`);
      continue;
    }
    const up = plans.get(dep.upstream)!;
    for (const f of iterateFrames(a.frames)) {
      const c = up.chunkOfFrame(f);
      if (c === -1) continue;
      const state = d.taskInfo(dep.upstream, c).state;
      if (state !== 'completed') out.push(`${a.token.taskId} frame ${f} went out while ${dep.upstream} frame ${f} was ${state}`);
    }
  }
  return out;
}

test('frame on frame: frame n of the composite goes out only after frame n of each input', () => {
  const d = new Dispatcher({ clock: clock() });
  d.registerNode({ id: 'n', slots: 10 });
  d.submit({ id: 'job_bg', plan: plan('1-4', 2), priority: 50 });
  d.submit({ id: 'job_fg', plan: plan('1-4', 1), priority: 50 });
  d.submit({
    id: 'job_comp',
    plan: plan('1-4', 1),
    priority: 90,
    dependsOn: [
      { upstream: 'job_bg', mode: 'frame' },
      { upstream: 'job_fg', mode: 'frame' },
    ],
  });
  const first = [d.assign('n'), d.assign('n'), d.assign('n'), d.assign('n'), d.assign('n'), d.assign('n')];
  assert.ok(first.every((a) => a && a.jobId !== 'job_comp'), 'the composite outranks its inputs but waits for them');
  const byId = new Map(first.map((a) => [a!.token.taskId, a!]));
  d.complete('n', byId.get('job_bg.0')!.token); // frames 1-2 of the background
  assert.equal(d.assign('n'), null, 'frame 1 still waits for the foreground');
  d.complete('n', byId.get('job_fg.0')!.token); // frame 1 of the foreground
  const c1 = d.assign('n');
  assert.equal(c1?.token.taskId, 'job_comp.0');
  assert.equal(d.assign('n'), null, 'frame 2 waits for frame 2 of the foreground');
  d.complete('n', byId.get('job_fg.1')!.token);
  assert.equal(d.assign('n')?.token.taskId, 'job_comp.1');
});

test('job on job: nothing starts before the upstream job completed, preview included', () => {
  const d = new Dispatcher({ clock: clock() });
  d.registerNode({ id: 'n', slots: 10 });
  d.submit({ id: 'job_a', plan: plan('1-2', 1), priority: 50 });
  d.submit({ id: 'job_b', plan: plan('1', 1), priority: 50, dependsOn: [{ upstream: 'job_a', mode: 'job' }] });
  const a0 = d.assign('n')!;
  const a1 = d.assign('n')!;
  assert.equal(d.assign('n'), null);
  d.complete('n', a0.token);
  d.complete('n', a1.token);
  const preview = d.assign('n')!;
  assert.equal(preview.token.taskId, 'job_a.2', "the upstream's preview runs first: the job is not complete without it");
  assert.equal(d.assign('n'), null);
  d.complete('n', preview.token);
  assert.equal(d.assign('n')?.token.taskId, 'job_b.0');
});

test('a failed upstream holds its dependants with the reason; requeue and success release them', () => {
  const d = new Dispatcher({ clock: clock(), policy: { distinctNodesBeforeTaskFails: 1 } });
  d.registerNode({ id: 'n', slots: 10 });
  d.submit({ id: 'job_r', plan: plan('10-13', 2), priority: 50 });
  d.submit({ id: 'job_e', plan: plan('10-13', 4), priority: 50, dependsOn: [{ upstream: 'job_r', mode: 'frame' }] });
  const r0 = d.assign('n')!;
  const r1 = d.assign('n')!;
  d.complete('n', r0.token);
  d.fail('n', r1.token, { kind: 'render-error', message: 'out of memory' });
  assert.equal(d.jobStatus('job_r').state, 'failed');
  assert.equal(d.jobStatus('job_e').heldReason, 'upstream job job_r frame 12 failed');
  assert.equal(d.assign('n'), null);
  d.requeueJob('job_r');
  assert.equal(d.jobStatus('job_e').heldReason, null);
  const again = d.assign('n')!;
  assert.equal(again.token.taskId, 'job_r.1');
  d.complete('n', again.token);
  const next = [d.assign('n'), d.assign('n')].map((a) => a?.token.taskId);
  assert.deepEqual(next, ['job_r.2', 'job_e.0'], "the upstream's preview, then the released dependant");
});

test('cancelling an upstream holds its dependants, or cancels them (transitively) when asked', () => {
  const d = new Dispatcher({ clock: clock() });
  d.registerNode({ id: 'n', slots: 10 });
  d.submit({ id: 'job_a', plan: plan('1-2', 1), priority: 50 });
  d.submit({ id: 'job_b', plan: plan('1-2', 1), priority: 50, dependsOn: [{ upstream: 'job_a', mode: 'frame' }] });
  d.submit({ id: 'job_c', plan: plan('1-2', 1), priority: 50, dependsOn: [{ upstream: 'job_b', mode: 'job' }] });
  d.cancelJob('job_a');
  assert.equal(d.jobStatus('job_b').state, 'queued');
  assert.equal(d.jobStatus('job_b').heldReason, 'upstream job job_a cancelled');
  assert.equal(d.jobStatus('job_c').heldReason, 'upstream job job_b is held (upstream job job_a cancelled)');
  d.submit({ id: 'job_x', plan: plan('1', 1), priority: 50 });
  d.submit({ id: 'job_y', plan: plan('1', 1), priority: 50, dependsOn: [{ upstream: 'job_x', mode: 'job' }] });
  d.submit({ id: 'job_z', plan: plan('1', 1), priority: 50, dependsOn: [{ upstream: 'job_y', mode: 'frame' }] });
  d.cancelJob('job_x', 'cancel');
  assert.equal(d.jobStatus('job_y').state, 'cancelled');
  assert.equal(d.jobStatus('job_z').state, 'cancelled');
});

test('dependencies survive a restore from the persisted rows', () => {
  const c = clock();
  const d = new Dispatcher({ clock: c });
  d.registerNode({ id: 'n', slots: 10 });
  const plans = { job_a: plan('1-2', 1), job_b: plan('1-2', 1) };
  d.submit({ id: 'job_a', plan: plans.job_a, priority: 50 });
  d.submit({ id: 'job_b', plan: plans.job_b, priority: 50, dependsOn: [{ upstream: 'job_a', mode: 'frame' }] });
  d.complete('n', d.assign('n')!.token);
  const rows = d.snapshot();
  const r = Dispatcher.restore({
    clock: c,
    jobs: rows.jobs.map((row) => ({
      row,
      plan: plans[row.id as keyof typeof plans],
      dependsOn: row.id === 'job_b' ? [{ upstream: 'job_a', mode: 'frame' as const }] : [],
    })),
    tasks: rows.tasks,
    nodes: [{ id: 'n', slots: 10 }],
  });
  const next = [r.assign('n'), r.assign('n')].map((a) => a?.token.taskId);
  assert.deepEqual(next, ['job_a.1', 'job_b.0']);
  assert.equal(r.assign('n'), null, 'job_b frame 2 waits for job_a frame 2');
});

/** One random farm: an upstream render, a second input, and dependants on them, frame- or job-wise. */
const farmArb = fc.record({
  aFrames: fc.integer({ min: 1, max: 8 }),
  aChunk: fc.integer({ min: 1, max: 3 }),
  bStart: fc.integer({ min: 1, max: 6 }),
  bFrames: fc.integer({ min: 1, max: 8 }),
  bChunk: fc.integer({ min: 1, max: 3 }),
  bMode: fc.constantFrom('frame', 'job'),
  cChunk: fc.integer({ min: 1, max: 4 }),
  cModes: fc.tuple(fc.constantFrom('frame', 'job'), fc.constantFrom('frame', 'job')),
  cPriority: fc.integer({ min: 0, max: 100 }),
  nodes: fc.integer({ min: 1, max: 3 }),
});

const opArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('assign'), node: fc.nat(2) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('complete'), pick: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('fail'), pick: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('lose-node'), node: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('expire') }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('requeue-failed') }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('requeue-task'), job: fc.nat(2), pick: fc.nat(10) }) },
);

test('property: dependencies are never violated in any dispatch order, including after node loss and retries', () => {
  fc.assert(
    fc.property(farmArb, fc.array(opArb, { maxLength: 120 }), (farm, ops) => {
      const c = clock();
      const d = new Dispatcher({ clock: c, policy: { distinctNodesBeforeTaskFails: 2, leaseMs: 1000 } });
      const plans = new Map<string, ChunkPlan>([
        ['job_a', plan(`1-${farm.aFrames}`, farm.aChunk)],
        ['job_b', plan(`${farm.bStart}-${farm.bStart + farm.bFrames - 1}`, farm.bChunk)],
        ['job_c', plan(`1-${Math.max(farm.aFrames, farm.bStart + farm.bFrames - 1)}`, farm.cChunk)],
      ]);
      const deps = new Map<string, readonly Dependency[]>([
        ['job_a', []],
        ['job_b', [{ upstream: 'job_a', mode: farm.bMode }]],
        [
          'job_c',
          [
            { upstream: 'job_a', mode: farm.cModes[0] },
            { upstream: 'job_b', mode: farm.cModes[1] },
          ],
        ],
      ]);
      const nodeIds = Array.from({ length: farm.nodes }, (_, i) => `n${i}`);
      for (const id of nodeIds) d.registerNode({ id, slots: 2 });
      for (const [id, p] of plans) d.submit({ id, plan: p, priority: id === 'job_c' ? farm.cPriority : 50, dependsOn: deps.get(id)! });
      const held = new Map<string, Assignment>();
      const jobIds = [...plans.keys()];

      const assign = (nodeId: string): void => {
        const a = d.assign(nodeId);
        if (!a) return;
        assert.deepEqual(violations(d, plans, deps, a), []);
        held.set(`${a.token.taskId}#${a.token.attempt}`, a);
      };
      const live = (): Assignment[] =>
        [...held.values()].filter((a) => {
          const info = d.taskInfo(a.jobId, a.taskIndex);
          return info.state === 'active' && info.attempt === a.token.attempt && info.nodeId === a.nodeId;
        });

      for (const op of ops) {
        const current = live();
        held.clear();
        for (const a of current) held.set(`${a.token.taskId}#${a.token.attempt}`, a);
        switch (op.op) {
          case 'assign':
            assign(nodeIds[op.node % nodeIds.length]!);
            break;
          case 'complete':
          case 'fail': {
            const a = current[op.pick % Math.max(1, current.length)];
            if (!a) break;
            if (op.op === 'complete') d.complete(a.nodeId, a.token);
            else d.fail(a.nodeId, a.token, { kind: 'render-error', message: 'boom' });
            break;
          }
          case 'lose-node': {
            const id = nodeIds[op.node % nodeIds.length]!;
            d.removeNode(id);
            d.registerNode({ id, slots: 2 });
            break;
          }
          case 'expire':
            c.t += 2000;
            d.expireLeases();
            break;
          case 'requeue-failed':
            for (const id of jobIds) if (d.jobStatus(id).state === 'failed') d.requeueJob(id);
            break;
          case 'requeue-task': {
            const id = jobIds[op.job % jobIds.length]!;
            const index = op.pick % d.jobStatus(id).taskCount;
            const state = d.taskInfo(id, index).state;
            if (state === 'completed' || state === 'failed') d.requeueTask(id, index);
            break;
          }
        }
      }

      // Liveness: with failures over, every job finishes (no dependency deadlock). Fresh nodes, because
      // a task is never retried on a node it failed on, and blocklists last past this test's clock.
      for (const id of jobIds) if (d.jobStatus(id).state === 'failed') d.requeueJob(id);
      const fresh = ['f0', 'f1'];
      for (const id of fresh) d.registerNode({ id, slots: 2 });
      for (let round = 0; round < 500; round++) {
        for (const a of live()) d.complete(a.nodeId, a.token);
        held.clear();
        for (const id of fresh) {
          assign(id);
          assign(id);
        }
        if (jobIds.every((id) => d.jobStatus(id).state === 'completed')) break;
      }
      for (const id of jobIds) assert.equal(d.jobStatus(id).state, 'completed', `${id}: ${JSON.stringify(d.jobStatus(id))}`);
    }),
    { numRuns: 300 },
  );
});
