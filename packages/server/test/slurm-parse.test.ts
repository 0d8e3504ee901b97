// Parsers of Slurm's output, fed with what slurm-wlm 22.05 printed on a one-node test cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  countArrayIndices,
  decodeWaitStatus,
  parseElapsed,
  parseExitCodeField,
  parseSacct,
  parseSbatchOutput,
  parseSqueueJson,
  parseTres,
} from '../src/compute/slurm/parse.ts';
import { completeUtf8Length } from '../src/compute/slurm/logs.ts';
import { phaseOf } from '../src/compute/slurm/states.ts';
import { currentRuns } from '../src/compute/slurm/executor.ts';
import { batchScript, jobSpecOf } from '../src/compute/slurm/script.ts';

test('sbatch --parsable: id with or without cluster; anything else is an error', () => {
  assert.equal(parseSbatchOutput('42\n'), '42');
  assert.equal(parseSbatchOutput('42;cluster\n'), '42');
  assert.throws(() => parseSbatchOutput('sbatch: error: Batch job submission failed'));
});

test('sacct fields: exit codes with signals, elapsed forms, TRES with memory units', () => {
  assert.equal(parseExitCodeField('3:0'), 3);
  assert.equal(parseExitCodeField('0:9'), 137);
  assert.equal(parseElapsed('00:00:02'), 2);
  assert.equal(parseElapsed('1-02:03:04'), 93_784);
  assert.equal(parseElapsed('05:06'), 306);
  assert.deepEqual(parseTres('cpu=2,mem=2G,node=1,billing=2,gres/gpu=1'), { cpu: 2, mem: 2048, node: 1, billing: 2, 'gres/gpu': 1 });
  assert.deepEqual(parseTres(''), {});
  assert.equal(decodeWaitStatus(768), 3);
  assert.equal(decodeWaitStatus(15), 143);
  assert.equal(countArrayIndices('[2-5]'), 4);
  assert.equal(countArrayIndices('1,3,7-8%2'), 4);
});

test('sacct --parsable2 rows: steps skipped, epoch times', () => {
  const rows = parseSacct('1|1|FAILED|3:0|00:00:02||1795739376|1795739378\n1.batch|1.batch|FAILED|3:0|00:00:02||1795739376|1795739378\n5|4_0|CANCELLED by 0|0:15|00:00:03|cpu=1,node=1|1795739524|Unknown\n');
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0], { jobIdRaw: '1', jobId: '1', state: 'FAILED', exitCode: 3, elapsedSec: 2, tres: {}, startMs: 1795739376000, endMs: 1795739378000 });
  assert.equal(rows[1]!.endMs, null);
  assert.equal(phaseOf(rows[1]!.state), 'done');
});

test('squeue --json: plain jobs, array pieces and a pending remainder', () => {
  const jobs = parseSqueueJson(JSON.stringify({
    jobs: [
      { job_id: 3, array_job_id: 0, array_task_id: null, array_task_string: '', job_state: 'NODE_FAIL', start_time: 1795739487, end_time: 1795739488, tres_alloc_str: 'cpu=1,node=1,billing=1', exit_code: 15, comment: '', state_reason: 'NodeDown' },
      { job_id: 5, array_job_id: 4, array_task_id: 0, array_task_string: '', job_state: 'RUNNING', start_time: 1795739524, end_time: 1795739584, tres_alloc_str: 'cpu=1,node=1,billing=1', exit_code: 0, comment: 'shuzhi:t1:0' },
      { job_id: 4, array_job_id: 4, array_task_id: 4294967294, array_task_string: '1-3', job_state: 'PENDING', start_time: 0, end_time: 0, tres_alloc_str: '', exit_code: 0, comment: 'shuzhi:t1:0' },
    ],
  }));
  assert.equal(jobs.length, 3);
  assert.equal(phaseOf(jobs[0]!.state), 'lost');
  assert.deepEqual([jobs[1]!.submitId, jobs[1]!.arrayIndex, jobs[1]!.startMs], ['4', 0, 1795739524000]);
  assert.deepEqual([jobs[2]!.submitId, jobs[2]!.arrayIndex, jobs[2]!.pieces, jobs[2]!.startMs], ['4', null, 3, null]);
  assert.equal(phaseOf('SOMETHING_NEW'), 'waiting', 'unknown states never end a task');
});

test('UTF-8 cut points never split a character', () => {
  const buf = Buffer.from('ab你好', 'utf8');
  assert.equal(completeUtf8Length(buf), buf.length);
  assert.equal(completeUtf8Length(buf.subarray(0, buf.length - 1)), 5);
  assert.equal(completeUtf8Length(buf.subarray(0, 3)), 2);
});

test('batch script quotes the environment; job spec turns units and hours into Slurm limits', () => {
  const task = {
    taskId: 't1', attempt: 2, jobId: 'j1', jobName: 'render / frames 1-10', siteId: 's', type: 'gpu', units: 4, hours: 2,
    command: 'echo "$X"', env: { X: "it's $HOME" }, arraySize: 2, tenantId: 'tianshan-ai', priority: 50, createdAtMs: 0, readyAtMs: 0,
  };
  const script = batchScript(task);
  assert.match(script, /export X='it'\\''s \$HOME'/);
  assert.throws(() => batchScript({ ...task, env: { 'BAD;rm': 'x' } }));
  const spec = jobSpecOf(task, { siteId: 's', connection: { kind: 'cli' }, workRoot: '/w', partition: 'p' }, '/w/t1.2', '/w/t1.2/job.sh');
  assert.equal(spec.comment, 'shuzhi:t1:2');
  assert.equal(spec.name, 'render-frames-1-10');
  assert.equal(spec.arraySize, 2);
  assert.equal(spec.gpus, 2, 'units are split over the array pieces');
  assert.equal(spec.timeMinutes, 2 * 60 * 1.5 + 5);
  assert.equal(spec.stdout, '/w/t1.2/stdout.%a.log');
});

test("a released job's accounting: only the run squeue shows now counts, never the stopped run's row", () => {
  const row = (startS: number, state: string, exitCode: number) => ({ jobIdRaw: '42', jobId: '42', state, exitCode, elapsedSec: 1, tres: {}, startMs: startS * 1000, endMs: (startS + 1) * 1000 });
  const stopped = row(1_000, 'REQUEUED', 0);
  const finished = row(1_030, 'COMPLETED', 0);
  const now = [{ jobId: '42', startMs: 1_030_000, state: 'COMPLETED' }];
  // Right after the new run ended only the stopped run's row may be there: it is not this run's.
  assert.deepEqual(currentRuns([stopped], now), []);
  assert.deepEqual(currentRuns([stopped, finished], now), [finished]);
  // sacct has whole seconds; squeue's start may be later within that second.
  assert.deepEqual(currentRuns([finished], [{ jobId: '42', startMs: 1_030_700, state: 'COMPLETED' }]), [finished]);
  // Released at once, the new run started in the second the stopped one ended, and the stopped run's row
  // may carry that second as its start: it ended by then in another state, so it is still not this run's.
  const stoppedJustNow = { ...row(1_030, 'REQUEUED', 1), endMs: 1_030_000 };
  assert.deepEqual(currentRuns([stoppedJustNow], now), []);
  // The current run's own row, ended within the second it started, stays.
  const quick = { ...finished, endMs: 1_030_000 };
  assert.deepEqual(currentRuns([quick], now), [quick]);
  // A job squeue no longer shows, or shows without a start: nothing to compare with, every row stays.
  assert.deepEqual(currentRuns([stopped, finished], []), [stopped, finished]);
  assert.deepEqual(currentRuns([stopped], [{ jobId: '42', startMs: null, state: 'COMPLETED' }]), [stopped]);
});
