import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RenderJob } from '@shuzhi/schema';
import { UsageError } from '../src/cli/args.ts';
import { afterFlags, paramFlags, progressLine, renderCommand } from '../src/cli/render.ts';

const job = (over: Partial<RenderJob>): RenderJob => ({
  id: 'rjob_x',
  tenantId: 't',
  name: 'n',
  renderer: 'blender',
  type: 'blender',
  frames: '1-48',
  frameCount: 48,
  chunkSize: 8,
  taskCount: 7,
  outputFormat: 'png',
  priority: 50,
  tags: [],
  state: 'active',
  failureMessage: null,
  counts: { queued: 4, active: 1, paused: 0, completed: 2, failed: 0, cancelled: 0 },
  framesDone: 24,
  hasPreview: false,
  createdAt: '',
  updatedAt: '',
  usage: null,
  waiting: null,
  dependsOn: [],
  dependants: [],
  heldReason: null,
  ...over,
});

test('the progress bar fills with the frames done and counts settled tasks', () => {
  assert.equal(progressLine(job({}), 10), '[#####.....] 24/48 frames  2/7 tasks  active');
  assert.equal(progressLine(job({ framesDone: 48, state: 'completed', counts: { queued: 0, active: 0, paused: 0, completed: 7, failed: 0, cancelled: 0 } }), 4), '[####] 48/48 frames  7/7 tasks  completed');
});

test('submit without a scene or with an unknown renderer is a usage error', async () => {
  process.env.SHUZHI_TOKEN = 'x';
  await assert.rejects(renderCommand(['submit', '--frames', '1-4']), UsageError);
  await assert.rejects(renderCommand(['submit', 's.blend', '--frames', '1-4', '--renderer', 'maya']), UsageError);
  assert.equal(await renderCommand(['--help']), 0);
});

test('a typed job without --after, or a scene given to a typed job, is a usage error that says what to give', async () => {
  process.env.SHUZHI_TOKEN = 'x';
  await assert.rejects(renderCommand(['submit', '--type', 'composite']), (err: Error) => err instanceof UsageError && /--after JOB/.test(err.message));
  // The CLI asks the farm's types before uploading anything: ffmpeg-encode has no scene input.
  const real = globalThis.fetch;
  const asked: string[] = [];
  globalThis.fetch = (async (input: Request | string | URL) => {
    const url = input instanceof Request ? input.url : String(input);
    asked.push(new URL(url).pathname);
    return new Response(JSON.stringify([{ name: 'ffmpeg-encode', inputs: [{ name: 'frames', kind: 'frames' }] }]), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  try {
    await assert.rejects(renderCommand(['submit', 's.blend', '--type', 'ffmpeg-encode', '--after', 'rjob_a', '--frames', '1-4']), (err: Error) => err instanceof UsageError && /instead of s\.blend/.test(err.message));
  } finally {
    globalThis.fetch = real;
  }
  assert.deepEqual(asked, ['/api/render/job-types'], 'nothing uploaded');
  await assert.rejects(renderCommand(['submit', '--type', 'blender', '--after', 'rjob_a']), UsageError);
});

test('--param NAME=VALUE: whole numbers as numbers, the rest as text, anything else a usage error', () => {
  assert.deepEqual(paramFlags(['fps=12', 'mode=screen', 'gamma=0.8']), { fps: 12, mode: 'screen', gamma: '0.8' });
  for (const bad of ['fps', '=3']) assert.throws(() => paramFlags([bad]), UsageError, bad);
});

test('--after: frame by frame by default, :job for the whole job, anything else a usage error', () => {
  assert.deepEqual(afterFlags(['rjob_a', 'rjob_b:job', 'rjob_c:frame']), [
    { job: 'rjob_a', mode: 'frame' },
    { job: 'rjob_b', mode: 'job' },
    { job: 'rjob_c', mode: 'frame' },
  ]);
  for (const bad of ['rjob_a:chunk', ':job', 'rjob_a:job:x']) assert.throws(() => afterFlags([bad]), UsageError, bad);
});
