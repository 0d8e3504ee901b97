import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CommandInvalidError, parseFrameRanges, parseJobType, planUpstreamTask } from '../src/index.ts';

const shipped = (name: string) => parseJobType(JSON.parse(readFileSync(new URL(`../job-types/${name}.json`, import.meta.url), 'utf8')));
const encode = shipped('ffmpeg-encode');
const composite = shipped('composite');
const blender = { jobId: 'j-blend', frames: [1, 2, 3, 4], padWidth: 4, format: 'png' as const };

test('an encode after a Blender job fetches every published frame and runs one ffmpeg over them', () => {
  const plan = planUpstreamTask(encode, 'encode', { params: { fps: 12 }, upstream: { frames: blender }, root: '/task/', frames: parseFrameRanges('1-4'), padWidth: 4 });
  assert.deepEqual(
    plan.fetch.map((f) => [f.input, f.jobId, f.frame, f.file]),
    [1, 2, 3, 4].map((n) => ['frames', 'j-blend', n, `f_000${n}.png`]),
  );
  assert.equal(plan.argv.length, 1);
  const argv = plan.argv[0]!;
  assert.equal(argv[0], 'ffmpeg');
  assert.ok(argv.includes('/task/in/frames/f_*.png'));
  assert.equal(argv[argv.indexOf('-framerate') + 1], '12');
  assert.equal(argv.at(-1), '/task/out/video.mp4');
});

test('a frame-wise composite task fetches only its own frames of each input', () => {
  const fg = { ...blender, jobId: 'j-fg', padWidth: 3 };
  const plan = planUpstreamTask(composite, 'composite', { params: {}, upstream: { background: blender, foreground: fg }, root: '/t', frames: parseFrameRanges('3'), padWidth: 4 });
  assert.deepEqual(plan.fetch.map((f) => `${f.input}:${f.jobId}/${f.file}`), ['background:j-blend/f_0003.png', 'foreground:j-fg/f_003.png']);
  assert.equal(plan.argv.length, 1);
  assert.ok(plan.argv[0]!.includes('/t/in/background/f_0003.png'));
});

function failure(fn: () => unknown): CommandInvalidError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CommandInvalidError) return err;
    throw err;
  }
  assert.fail('expected CommandInvalidError');
}

test('a frame the upstream job has not published, a missing upstream, or a scene input is refused by name', () => {
  const missing = failure(() => planUpstreamTask(composite, 'composite', { params: {}, upstream: { background: blender, foreground: { ...blender, frames: [1, 2] } }, root: '/t', frames: parseFrameRanges('3'), padWidth: 4 }));
  assert.match(missing.message, /frame 3 for input foreground/);
  const none = failure(() => planUpstreamTask(encode, 'encode', { params: {}, upstream: {}, root: '/t', frames: [], padWidth: 4 }));
  assert.match(none.message, /input frames .* names no upstream job/);
  const empty = failure(() => planUpstreamTask(encode, 'encode', { params: {}, upstream: { frames: { ...blender, frames: [] } }, root: '/t', frames: [], padWidth: 4 }));
  assert.match(empty.message, /no published frames/);
  const scene = failure(() => planUpstreamTask(shipped('blender'), 'render', { params: {}, upstream: {}, root: '/t', frames: parseFrameRanges('1'), padWidth: 4 }));
  assert.match(scene.message, /is a scene/);
});
