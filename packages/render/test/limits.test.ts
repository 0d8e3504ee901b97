import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Dispatcher } from '../src/index.ts';
import type { Assignment } from '../src/index.ts';
import { clock, plan } from './dispatch-helpers.ts';

function held(d: Dispatcher, name: string): number {
  return d.limits().find((l) => l.name === name)?.held ?? 0;
}

test('a licence count is never exceeded; a unit comes back on completion and the waiting job gets it', () => {
  const c = clock();
  const d = new Dispatcher({ clock: c });
  d.defineLimit('houdini', 2);
  d.submit({ id: 'a', plan: plan('1-10', 1), priority: 50, limits: ['houdini'] });
  for (let i = 0; i < 4; i++) d.registerNode({ id: `n${i}` });
  const got = ['n0', 'n1', 'n2'].map((n) => d.assign(n));
  assert.equal(got.filter(Boolean).length, 2, 'two licences, two tasks');
  assert.equal(held(d, 'houdini'), 2);
  assert.deepEqual(d.limits()[0]!.holders, [{ jobId: 'a', held: 2 }]);
  d.drainWakeups();
  d.complete('n0', got[0]!.token);
  assert.ok(d.drainWakeups().includes('n2'), 'the parked node is woken when a licence comes back');
  assert.ok(d.assign('n2'));
  assert.equal(d.assign('n3'), null);
  assert.equal(held(d, 'houdini'), 2);
});

test('a job without the limit is not held back by it', () => {
  const d = new Dispatcher({ clock: clock() });
  d.defineLimit('nuke', 0);
  d.submit({ id: 'a', plan: plan('1-4', 1), priority: 90, limits: ['nuke'] });
  d.submit({ id: 'b', plan: plan('1-4', 1), priority: 10 });
  d.registerNode({ id: 'n' });
  assert.equal(d.assign('n')!.jobId, 'b');
});

test('a unit is released on failure, lease expiry, cancellation and a node leaving', () => {
  const c = clock();
  const d = new Dispatcher({ clock: c, policy: { leaseMs: 1000 } });
  d.defineLimit('lic', 1);
  d.submit({ id: 'a', plan: plan('1-20', 1), priority: 50, limits: ['lic'] });
  d.registerNode({ id: 'n' });
  let a = d.assign('n')!;
  d.fail('n', a.token, { kind: 'render-error', message: 'x' });
  assert.equal(held(d, 'lic'), 0, 'failure');
  a = d.assign('n')!;
  c.t += 2000;
  d.expireLeases();
  assert.equal(held(d, 'lic'), 0, 'expiry');
  a = d.assign('n')!;
  d.cancelTask('a', a.taskIndex);
  assert.equal(held(d, 'lic'), 0, 'task cancelled');
  a = d.assign('n')!;
  d.removeNode('n');
  assert.equal(held(d, 'lic'), 0, 'node left');
  d.registerNode({ id: 'n' });
  a = d.assign('n')!;
  d.cancelJob('a');
  assert.equal(held(d, 'lic'), 0, 'job cancelled');
});

test('a job’s maxNodes caps its running tasks; raising a limit wakes the waiting job', () => {
  const d = new Dispatcher({ clock: clock() });
  d.submit({ id: 'a', plan: plan('1-10', 1), priority: 50, maxNodes: 1, limits: ['tenant:t1'] });
  d.registerNode({ id: 'n0', slots: 4 });
  assert.ok(d.assign('n0'));
  assert.equal(d.assign('n0'), null, 'maxNodes 1');
  d.defineLimit('tenant:t1', 0);
  d.submit({ id: 'b', plan: plan('1-10', 1), priority: 50, limits: ['tenant:t1'] });
  assert.equal(d.assign('n0'), null, 'tenant cap 0 (the running task is over it, and no new one starts)');
  d.defineLimit('tenant:t1', 3);
  assert.equal(d.assign('n0')!.jobId, 'b');
  assert.equal(d.assign('n0')!.jobId, 'b');
  assert.equal(d.assign('n0'), null, 'a holds 1 + b holds 2 = 3');
  d.defineLimit('tenant:t1', null);
  d.registerNode({ id: 'n1', slots: 2 });
  assert.equal(d.assign('n1')!.jobId, 'b');
});

test('held units are rebuilt from the task rows on restore', () => {
  const c = clock();
  const d = new Dispatcher({ clock: c });
  d.defineLimit('lic', 2);
  d.submit({ id: 'a', plan: plan('1-10', 1), priority: 50, limits: ['lic'] });
  d.registerNode({ id: 'n0' });
  d.registerNode({ id: 'n1' });
  d.assign('n0');
  d.assign('n1');
  const rows = d.snapshot();
  const r = Dispatcher.restore({
    clock: c,
    limits: [{ name: 'lic', capacity: 2 }],
    jobs: rows.jobs.map((row) => ({ row, plan: plan('1-10', 1), limits: ['lic'] })),
    tasks: rows.tasks,
  });
  assert.equal(held(r, 'lic'), 2);
  r.registerNode({ id: 'n2' });
  assert.equal(r.assign('n2'), null);
});

/** The pure part under random asks, completions, failures, expiries and node losses. */
test('property: random asks, ends and losses never exceed any limit', () => {
  const opArb = fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('assign' as const), node: fc.nat(5) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('complete' as const), pick: fc.nat(30) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('fail' as const), pick: fc.nat(30) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('lose' as const), node: fc.nat(5) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('expire' as const) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel-task' as const), pick: fc.nat(30) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('redefine' as const), cap: fc.nat(4) }) },
  );
  const setupArb = fc.record({
    lic: fc.integer({ min: 0, max: 4 }),
    tenant: fc.integer({ min: 0, max: 5 }),
    maxNodes: fc.array(fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }), { minLength: 3, maxLength: 3 }),
    slots: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 6, maxLength: 6 }),
  });
  fc.assert(
    fc.property(setupArb, fc.array(opArb, { maxLength: 150 }), (setup, ops) => {
      const c = clock();
      const d = new Dispatcher({ clock: c, policy: { leaseMs: 1000, distinctNodesBeforeTaskFails: 100, nodeFailuresBeforeBlocklist: 1000 } });
      let licCap = setup.lic;
      d.defineLimit('lic', licCap);
      d.defineLimit('tenant:t', setup.tenant);
      const jobLimits = [['lic', 'tenant:t'], ['tenant:t'], ['lic']];
      jobLimits.forEach((limits, i) => d.submit({ id: `j${i}`, plan: plan('1-12', 1), priority: 50, limits, maxNodes: setup.maxNodes[i] }));
      setup.slots.forEach((slots, i) => d.registerNode({ id: `n${i}`, slots }));
      const running: Assignment[] = [];
      const check = () => {
        const live = running.filter((a) => d.taskInfo(a.jobId, a.taskIndex).state === 'active' && d.taskInfo(a.jobId, a.taskIndex).attempt === a.token.attempt);
        running.splice(0, running.length, ...live);
        const count = (pred: (a: Assignment) => boolean) => live.filter(pred).length;
        // Lowering a capacity does not take units back: the count may only stay over until they end.
        assert.ok(count((a) => a.jobId !== 'j1') <= Math.max(licCap, held(d, 'lic')), 'licence');
        assert.equal(count((a) => a.jobId !== 'j1'), held(d, 'lic'));
        assert.equal(count((a) => a.jobId !== 'j2'), held(d, 'tenant:t'));
        setup.maxNodes.forEach((m, i) => {
          if (m !== undefined) assert.ok(count((a) => a.jobId === `j${i}`) <= m, `maxNodes of j${i}`);
        });
      };
      for (const o of ops) {
        const before = { lic: held(d, 'lic'), tenant: held(d, 'tenant:t') };
        if (o.op === 'assign') {
          d.registerNode({ id: `n${o.node}`, slots: setup.slots[o.node]! });
          const a = d.assign(`n${o.node}`);
          if (a) {
            running.push(a);
            const j = jobLimits[Number(a.jobId.slice(1))]!;
            if (j.includes('lic')) assert.ok(before.lic < licCap, 'a licence was handed out only below the cap');
            if (j.includes('tenant:t')) assert.ok(before.tenant < setup.tenant, 'the tenant cap was respected');
          }
        } else if (o.op === 'complete' || o.op === 'fail' || o.op === 'cancel-task') {
          const a = running[o.pick % Math.max(1, running.length)];
          if (!a) continue;
          if (o.op === 'complete') d.complete(a.nodeId, a.token);
          else if (o.op === 'fail') d.fail(a.nodeId, a.token, { kind: 'render-error', message: 'x' });
          else d.cancelTask(a.jobId, a.taskIndex);
        } else if (o.op === 'lose') {
          d.removeNode(`n${o.node}`);
        } else if (o.op === 'expire') {
          c.t += 1500;
          d.expireLeases();
        } else {
          licCap = o.cap;
          d.defineLimit('lic', licCap);
        }
        check();
      }
      // With every limit raised and every task run, nothing is left waiting on a stale count.
      d.defineLimit('lic', null);
      d.defineLimit('tenant:t', null);
      for (const a of running) d.complete(a.nodeId, a.token);
      assert.equal(held(d, 'lic'), 0);
      assert.equal(held(d, 'tenant:t'), 0);
    }),
    { numRuns: 200 },
  );
});
