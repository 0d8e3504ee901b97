import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_FAILURE_POLICY,
  FAILURE_KINDS,
  JOB_STATES,
  JOB_TRANSITIONS,
  TASK_STATES,
  TASK_TRANSITIONS,
  TransitionInvalidError,
  decideFailure,
  nextJobState,
  nextTaskState,
} from '../src/index.ts';

test('render errors: requeue, third distinct node fails the task hard, third failure on a node blocklists it', () => {
  const d1 = decideFailure({ kind: 'render-error', nodeId: 'a', taskFailedOn: new Set(), nodeFailuresInJob: 0 });
  assert.deepEqual([d1.task, d1.blocklistNode, d1.failJob], ['requeue', false, false]);
  const d3 = decideFailure({ kind: 'render-error', nodeId: 'c', taskFailedOn: new Set(['a', 'b']), nodeFailuresInJob: 2 });
  assert.deepEqual([d3.task, d3.blocklistNode], ['fail-hard', true]);
  const same = decideFailure({ kind: 'render-error', nodeId: 'a', taskFailedOn: new Set(['a', 'b']), nodeFailuresInJob: 0 });
  assert.equal(same.task, 'requeue', 'the same node failing twice is still two nodes');
});

test('scene-load fails the job; lost leases and nodes only requeue', () => {
  assert.deepEqual(
    (['scene-load', 'lease-expired', 'node-lost', 'revoked'] as const).map((kind) => {
      const d = decideFailure({ kind, nodeId: 'a', taskFailedOn: new Set(['b', 'c']), nodeFailuresInJob: 5 });
      return [kind, d.task, d.failJob, d.blocklistNode];
    }),
    [
      ['scene-load', 'fail-hard', true, false],
      ['lease-expired', 'requeue', false, false],
      ['node-lost', 'requeue', false, false],
      ['revoked', 'requeue', false, false],
    ],
  );
});

test('property: hard failure exactly when enough distinct nodes failed; counts never go down', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...FAILURE_KINDS),
      fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { maxLength: 4 }),
      fc.constantFrom('a', 'b', 'z'),
      fc.nat(6),
      (kind, failed, node, prior) => {
        const d = decideFailure({ kind, nodeId: node, taskFailedOn: new Set(failed), nodeFailuresInJob: prior });
        assert.ok(d.taskFailedOnCount >= failed.length && d.nodeFailuresInJob >= prior);
        const distinct = new Set(kind === 'render-error' || kind === 'scene-load' ? [...failed, node] : failed).size;
        const expectHard = kind === 'scene-load' || (kind === 'render-error' && distinct >= DEFAULT_FAILURE_POLICY.distinctNodesBeforeTaskFails);
        assert.equal(d.task === 'fail-hard', expectHard);
      },
    ),
  );
});

test('state tables: every state has a row, final states only reopen by requeue', () => {
  assert.deepEqual(Object.keys(TASK_TRANSITIONS).sort(), [...TASK_STATES].sort());
  assert.deepEqual(Object.keys(JOB_TRANSITIONS).sort(), [...JOB_STATES].sort());
  for (const s of ['completed', 'failed', 'cancelled'] as const) {
    assert.deepEqual(Object.keys(JOB_TRANSITIONS[s]), ['requeue']);
    assert.deepEqual(Object.keys(TASK_TRANSITIONS[s]), ['requeue']);
  }
  assert.equal(nextTaskState('t', 'active', 'expire'), 'queued');
  assert.equal(nextJobState('j', 'paused', 'complete'), 'completed');
  assert.throws(() => nextTaskState('job_1.0', 'completed', 'complete'), (e: unknown) => e instanceof TransitionInvalidError && e.code === 'TRANSITION_INVALID');
  assert.throws(() => nextJobState('job_1', 'cancelled', 'resume'), TransitionInvalidError);
});
