import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobSpecInvalidError, countFrames, iterateFrames, parseRenderJobSpec, planRenderJob } from '../src/index.ts';

const base = {
  scene: { kind: 'shared', path: '/mnt/farm/tiny_anim.blend' },
  frames: '1-48',
  renderer: 'blender',
};

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseRenderJobSpec(input);
  } catch (err) {
    assert.ok(err instanceof JobSpecInvalidError);
    assert.equal(err.code, 'RENDER_JOB_INVALID');
    return [...err.issues];
  }
  assert.fail('expected the spec to be refused');
}

test('defaults are filled and the plan has chunks plus a preview', () => {
  const spec = parseRenderJobSpec({ ...base, chunkSize: 8, overrides: { resolutionX: 320, resolutionY: 180, samples: 8 } });
  assert.equal(spec.outputFormat, 'png');
  assert.equal(spec.priority, 50);
  assert.deepEqual(spec.tags, []);
  const plan = planRenderJob(spec);
  assert.equal(plan.chunkCount, 6);
  assert.equal(plan.taskKind(6), 'preview');
  assert.equal(plan.padWidth, 4);
  assert.deepEqual(plan.animation, { firstFrame: 1, lastFrame: 48 });
  assert.deepEqual([...iterateFrames(plan.taskFrames(5))], [41, 42, 43, 44, 45, 46, 47, 48]);
});

test('a million-frame blender job plans instantly; padding widens past 9999', () => {
  const plan = planRenderJob(parseRenderJobSpec({ ...base, frames: '1-1000000', chunkSize: 1 }));
  assert.equal(countFrames(plan.frames), 1_000_000);
  assert.equal(plan.taskCount, 1_000_001);
  assert.equal(plan.padWidth, 7);
});

test('renderer-specific rules name the offending field', () => {
  assert.ok(issuesOf({ ...base, outputFormat: 'exr', renderer: 'povray', scene: { kind: 'shared', path: '/s/a.pov' }, overrides: { resolutionX: 32, resolutionY: 32 } }).some((i) => i.path === 'outputFormat'));
  assert.ok(issuesOf({ ...base, renderer: 'povray', scene: { kind: 'shared', path: '/s/a.pov' } }).some((i) => i.path === 'overrides.resolutionX'));
  assert.ok(issuesOf({ ...base, renderer: 'povray', scene: { kind: 'shared', path: '/s/a.pov' }, overrides: { resolutionX: 32, resolutionY: 32, samples: 4 } }).some((i) => i.path === 'overrides.samples'));
  assert.ok(issuesOf({ ...base, scene: { kind: 'shared', path: '/s/a.pov' } }).some((i) => i.path === 'scene'));
  assert.ok(issuesOf({ ...base, overrides: { resolutionX: 320 } }).some((i) => i.path === 'overrides'));
});

test('frames errors surface with their FRAMES_INVALID reason; blender caps frames at 1,048,574', () => {
  const bad = issuesOf({ ...base, frames: '10-1' });
  assert.equal(bad[0]!.path, 'frames');
  assert.match(bad[0]!.message, /FRAMES_INVALID\/reversed/);
  assert.match(issuesOf({ ...base, frames: '1-2000000' })[0]!.message, /frame-too-large/);
  const pov = parseRenderJobSpec({ ...base, renderer: 'povray', frames: '1-2000000', scene: { kind: 'shared', path: '/s/a.pov' }, overrides: { resolutionX: 32, resolutionY: 32 } });
  assert.equal(pov.frames, '1-2000000');
});

test('scene references: absolute shared paths without .., upload ids, unknown fields refused', () => {
  assert.ok(issuesOf({ ...base, scene: { kind: 'shared', path: 'rel/x.blend' } }).length > 0);
  assert.ok(issuesOf({ ...base, scene: { kind: 'shared', path: '/mnt/../etc/x.blend' } }).length > 0);
  assert.ok(issuesOf({ ...base, scene: { kind: 'upload', uploadId: 'upl_abc', fileName: '../x.blend' } }).length > 0);
  assert.equal(parseRenderJobSpec({ ...base, scene: { kind: 'upload', uploadId: 'upl_abc', fileName: 'shot 1.blend' } }).scene?.kind, 'upload');
  assert.ok(issuesOf({ ...base, colour: 'red' }).length > 0);
  assert.ok(issuesOf({ ...base, tags: ['GPU'] }).some((i) => i.path.startsWith('tags')));
  assert.ok(issuesOf({ ...base, chunkSize: 0 }).some((i) => i.path === 'chunkSize'));
});

test('povray animation bounds must contain the frames', () => {
  const pov = { ...base, renderer: 'povray', scene: { kind: 'shared', path: '/s/a.pov' }, overrides: { resolutionX: 32, resolutionY: 32 } };
  assert.ok(issuesOf({ ...pov, frames: '1-60', animation: { firstFrame: 1, lastFrame: 48 } }).some((i) => i.path === 'animation'));
  const plan = planRenderJob(parseRenderJobSpec({ ...pov, frames: '9-16', animation: { firstFrame: 1, lastFrame: 48 } }));
  assert.deepEqual(plan.animation, { firstFrame: 1, lastFrame: 48 });
});
