import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SbatchInvalidError, scriptCommand, slurmTimeHours, slurmTimeMs, translateSbatch, type SbatchOptions } from '../src/sbatch.ts';

const FIXTURES = new URL('./fixtures/sbatch/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
// 2026-12-05 10:30 Beijing time.
const NOW = Date.parse('2026-12-05T02:30:00Z');
const OPTS: SbatchOptions = { nowMs: NOW, siteIds: ['hami', 'xju-hpc'], env: { PROJECT: 'p-42' }, fileName: 'job.sh' };
const refusal = (script: string, opts = OPTS) => {
  try {
    translateSbatch(script, opts);
  } catch (e) {
    if (e instanceof SbatchInvalidError) return e.issues;
    throw e;
  }
  assert.fail('the script was accepted');
};

test('Slurm manual: --time=1 is one minute; srun is pointed out', () => {
  const t = translateSbatch(fixture('slurm-man-time.sh'), { ...OPTS, fileName: 'myscript' });
  assert.deepEqual({ ...t.job, command: '' }, { name: 'myscript', type: 'cpu', units: 1, hours: 1 / 60, sites: [], env: {}, command: '' });
  assert.deepEqual(t.honoured.map((n) => [n.line, n.note]), [[2, 'booked for 1 min']]);
  assert.match(t.ignored.find((n) => n.directive === 'srun')!.note, /only at Slurm sites/);
});

test('Princeton serial, multithreaded and GPU examples: units, type and time; mail and memory ignored with the reason', () => {
  const serial = translateSbatch(fixture('princeton-serial.sh'), OPTS);
  assert.deepEqual([serial.job.name, serial.job.type, serial.job.units, serial.job.hours], ['myjob', 'cpu', 1, 1 / 60]);
  assert.deepEqual(serial.ignored.map((n) => n.directive), ['--mem-per-cpu=4G', '--mail-type=begin', '--mail-type=end', '--mail-user=<YourNetID>@princeton.edu']);
  assert.match(serial.ignored[0]!.note, /8 GiB/);

  const threads = translateSbatch(fixture('princeton-multithreaded.sh'), OPTS);
  assert.deepEqual([threads.job.name, threads.job.type, threads.job.units, threads.job.hours], ['multithread', 'cpu', 4, 0.25]);

  const gpu = translateSbatch(fixture('princeton-gpu.sh'), OPTS);
  assert.deepEqual([gpu.job.type, gpu.job.units], ['gpu', 1]);
  assert.ok(gpu.honoured.some((n) => n.directive === '--gres=gpu:1' && n.note === '1 GPU'));
});

test('Harvard FASRC example: short options, an unknown partition ignored with the sites named', () => {
  const t = translateSbatch(fixture('harvard-fasrc.sh'), OPTS);
  assert.deepEqual([t.job.type, t.job.units, t.job.hours, t.job.sites], ['cpu', 1, 0.25, []]);
  const partition = t.ignored.find((n) => n.directive === '-p serial_requeue')!;
  assert.match(partition.note, /no site or pool of the network is called serial_requeue.*hami, xju-hpc/);
  assert.deepEqual(t.ignored.map((n) => n.directive), ['-p serial_requeue', '--mem=100', '--open-mode=append', '-o hostname_%j.out', '-e hostname_%j.err']);
});

test('Slurm manual and Princeton array examples: --array and --dependency=afterok map onto the job', () => {
  const slurm = translateSbatch(fixture('slurm-array.sh'), OPTS);
  assert.equal(slurm.job.array, '0-15%4');
  assert.match(slurm.honoured.find((n) => n.line === 2)!.note, /an array of 16 tasks, at most 4 at once/);
  const princeton = translateSbatch(fixture('princeton-array.sh'), OPTS);
  assert.deepEqual([princeton.job.name, princeton.job.array, princeton.job.units, princeton.job.hours], ['array-job', '0-4', 1, 1 / 60]);
  const dep = translateSbatch(fixture('slurm-dependency.sh'), OPTS);
  assert.deepEqual(dep.job.after, [{ kind: 'ok', jobId: '123456' }]);
  const many = translateSbatch('#!/bin/sh\n#SBATCH --dependency=afterok:job_1:job_2,afternotok:job_3\ntrue\n', OPTS);
  assert.deepEqual(many.job.after, [{ kind: 'ok', jobId: 'job_1' }, { kind: 'ok', jobId: 'job_2' }, { kind: 'notok', jobId: 'job_3' }]);
});

test('array and dependency forms the network cannot honour are refused, naming the line', () => {
  assert.deepEqual(refusal('#!/bin/sh\n#SBATCH --array=0-9%0\ntrue\n').map((p) => p.path), ['line 2 --array=0-9%0']);
  assert.match(refusal('#!/bin/sh\n#SBATCH --array=9-0\ntrue\n')[0]!.message, /backwards/);
  assert.match(refusal('#!/bin/sh\n#SBATCH --dependency=singleton\ntrue\n')[0]!.message, /singleton is not supported/);
  assert.match(refusal('#!/bin/sh\n#SBATCH --dependency=afterok:1?afterany:2\ntrue\n')[0]!.message, /joined by \?/);
  assert.match(refusal('#!/bin/sh\n#SBATCH -d afterok\ntrue\n')[0]!.message, /needs job ids/);
});

test('a partition naming a site pins the job there; begin, deadline and export are applied', () => {
  const t = translateSbatch(
    ['#!/bin/bash', '#SBATCH --partition=xju-hpc --ntasks=2 --cpus-per-task=3', '#SBATCH --begin=now+2hours', '#SBATCH --deadline=2026-12-06T18:00', '#SBATCH --export=PROJECT,MODE=fast', 'echo $PROJECT $MODE'].join('\n'),
    OPTS,
  );
  assert.deepEqual(t.job.sites, ['xju-hpc']);
  assert.equal(t.job.units, 6);
  assert.equal(t.job.releaseAt, '2026-12-05T04:30:00.000Z');
  assert.equal(t.job.deadlineAt, '2026-12-06T10:00:00.000Z'); // 18:00 Beijing
  assert.deepEqual(t.job.env, { PROJECT: 'p-42', MODE: 'fast' });
});

test('directives after the first command are not read, as sbatch does', () => {
  const t = translateSbatch('#!/bin/sh\n#SBATCH --time=5\necho hi\n#SBATCH --time=500\n', OPTS);
  assert.equal(t.job.hours, 5 / 60);
});

test('bad values are refused with the line and what is expected', () => {
  const problems = refusal(['#SBATCH --time=soon', '#SBATCH --ntasks=0', '#SBATCH --export=MISSING_VAR', '#SBATCH --begin=someday', 'true'].join('\n'));
  assert.deepEqual(problems.map((p) => p.path), ['line 1 --time=soon', 'line 2 --ntasks=0', 'line 3 --export=MISSING_VAR', 'line 4 --begin=someday']);
  assert.match(problems[0]!.message, /minutes, MM:SS, HH:MM:SS/);
  assert.match(problems[2]!.message, /MISSING_VAR is not set in your environment/);
  assert.match(refusal('#SBATCH --begin=12:00\n#SBATCH --deadline=11:00\ntrue')[0]!.message, /deadline must be after --begin/);
});

test("sbatch's time formats", () => {
  for (const [v, h] of [['30', 0.5], ['90:00', 1.5], ['1:30:00', 1.5], ['2-0', 48], ['1-2:30', 26.5], ['0-0:0:36', 0.01]] as const) assert.equal(slurmTimeHours(v), h, v);
  for (const v of ['', 'UNLIMITED', '1:2:3:4', '-5']) assert.equal(slurmTimeHours(v), null, v);
  // 10:30 Beijing now: 12:00 is today, 09:00 tomorrow; noon today; midnight the coming one.
  assert.equal(slurmTimeMs('12:00', NOW), Date.parse('2026-12-05T04:00:00Z'));
  assert.equal(slurmTimeMs('09:00', NOW), Date.parse('2026-12-06T01:00:00Z'));
  assert.equal(slurmTimeMs('noon', NOW), Date.parse('2026-12-05T04:00:00Z'));
  assert.equal(slurmTimeMs('midnight', NOW), Date.parse('2026-12-05T16:00:00Z'));
  assert.equal(slurmTimeMs('now+90minutes', NOW), NOW + 90 * 60_000);
  assert.equal(slurmTimeMs('now+30', NOW), NOW + 30_000);
  for (const v of ['2026-02-30', '25:00', 'now+3fortnights', 'soon']) assert.equal(slurmTimeMs(v, NOW), null, v);
});

test('the command writes the script to a file and runs it with its own interpreter, whatever it contains', () => {
  const script = "#!/bin/bash\n#SBATCH --time=1\nset -euo pipefail\narr=(a 'b c')\necho \"${#arr[@]} SHUZHI_SBATCH_EOF $0\"\n";
  const dir = mkdtempSync(join(tmpdir(), 'sbatch-'));
  try {
    const out = execFileSync('sh', ['-c', scriptCommand(script)], { cwd: dir, encoding: 'utf8' });
    assert.equal(out, '2 SHUZHI_SBATCH_EOF ./job.sh\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('GPUs from --gres (with other resources), --gpus and --gpus-per-task; a model becomes the accelerator ask', () => {
  const gres = translateSbatch('#SBATCH --gres=license:2,gpu:a100:4 --time=1\ntrue', OPTS);
  assert.deepEqual([gres.job.type, gres.job.units, gres.job.accelerator], ['gpu', 4, 'a100']);
  assert.match(gres.honoured[0]!.note, /^4 GPUs of the model a100 \(only pools with that accelerator/);
  // Slurm's name[[:type]:count]: a lone number is the count, a lone name the type of one GPU.
  const ask = (g: string) => { const j = translateSbatch(`#SBATCH --gres=${g}\ntrue`, OPTS).job; return [j.units, j.accelerator ?? null]; };
  assert.deepEqual(ask('gpu:2'), [2, null]);
  assert.deepEqual(ask('gpu:a800'), [1, 'a800']);
  assert.deepEqual(ask('gpu'), [1, null]);
  assert.deepEqual(ask('gpu:tesla_v100-sxm2:4'), [4, 'tesla_v100-sxm2']);
  assert.deepEqual(ask('gpu:1g.10gb:1'), [1, '1g.10gb']);
  assert.equal(translateSbatch('#SBATCH --gpus=h800:8\ntrue', OPTS).job.accelerator, 'h800');
  assert.equal(translateSbatch('#SBATCH --gpus=2\ntrue', OPTS).job.units, 2);
  assert.equal(translateSbatch('#SBATCH --gpus=2\ntrue', OPTS).job.accelerator, undefined);
  assert.equal(translateSbatch('#SBATCH --ntasks=3 --gpus-per-task=2\ntrue', OPTS).job.units, 6);
  assert.match(refusal('#SBATCH --partition=gpu\ntrue')[0]!.message, /needs GPUs/);
});

test('NYU CIMS template: --gres=gpu:p100:1 asks for one P100; memory, mail and output ignored with the reason', () => {
  const t = translateSbatch(fixture('nyu-gpu-type.sh'), OPTS);
  assert.deepEqual([t.job.name, t.job.type, t.job.units, t.job.hours, t.job.accelerator], ['train-p100', 'gpu', 1, 24, 'p100']);
  assert.deepEqual(t.honoured.find((n) => n.directive === '--gres=gpu:p100:1')?.line, 10);
  assert.deepEqual(t.ignored.map((n) => n.directive), ['--mem=16GB', '--mail-type=END,FAIL', '--mail-user=<NetID>@cims.nyu.edu', '--output=%x.%j.out']);
});
