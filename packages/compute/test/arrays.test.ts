import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ARRAY_MAX_TASKS, arrayBounds, arrayTaskEnv, parseArraySpec } from '../src/index.ts';

test('Slurm array specs: ranges, steps, lists and a cap', () => {
  assert.deepEqual(parseArraySpec('0-3'), { indices: [0, 1, 2, 3], cap: null });
  assert.deepEqual(parseArraySpec('0-15:4'), { indices: [0, 4, 8, 12], cap: null });
  assert.deepEqual(parseArraySpec('1,3,5%2'), { indices: [1, 3, 5], cap: 2 });
  assert.deepEqual(parseArraySpec('1-3,2,10-12:2'), { indices: [1, 2, 3, 10, 12], cap: null });
  assert.equal(parseArraySpec('0-999%50').indices.length, 1000);
  assert.equal(parseArraySpec(`0-${ARRAY_MAX_TASKS - 1}`).indices.length, ARRAY_MAX_TASKS);
});

test('bad array specs say what is wrong', () => {
  assert.throws(() => parseArraySpec('0-9%0'), /cap .* at least 1/);
  assert.throws(() => parseArraySpec(''), /needs indices/);
  assert.throws(() => parseArraySpec('9-0'), /backwards/);
  assert.throws(() => parseArraySpec(`0-${ARRAY_MAX_TASKS}`), /at most 100,000 tasks/);
  assert.throws(() => parseArraySpec('0-9:0'), /step/);
  assert.throws(() => parseArraySpec('a-b'), /not an index/);
  assert.throws(() => parseArraySpec('1%2%3'), /one %N/);
});

test('each task sees its index as Slurm would give it', () => {
  const env = arrayTaskEnv('job_1', 8, arrayBounds(parseArraySpec('0-15:4')));
  assert.deepEqual(env, { SHUZHI_ARRAY_TASK_ID: '8', SHUZHI_ARRAY_JOB_ID: 'job_1', SLURM_ARRAY_TASK_ID: '8', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '12' });
});
