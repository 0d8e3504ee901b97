import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { JobSpecInvalidError, TASK_ROOT, dispatchTags, makesVideo, nodeTags, parseFrameRanges, parseJobType, parseRenderJobSpec, planTypedTask, typedJobIssues } from '../src/index.ts';

const shipped = (name: string) => parseJobType(JSON.parse(readFileSync(new URL(`../job-types/${name}.json`, import.meta.url), 'utf8')));
const composite = shipped('composite');
const encode = shipped('ffmpeg-encode');
const up = (jobId: string) => ({ jobId, frames: [1, 2, 3, 4], padWidth: 4, format: 'png' as const });

test('a composite task: both inputs fetched for its frames, one ffmpeg per frame, a frame output each', () => {
  const plan = planTypedTask(composite, { params: { mode: 'screen' }, frames: parseFrameRanges('2-3'), padWidth: 4, upstream: [up('a'), up('b')] });
  assert.equal(plan.root, TASK_ROOT);
  assert.deepEqual(plan.fetch.map((f) => `${f.input}:${f.jobId}/${f.file}`), ['background:a/f_0002.png', 'background:a/f_0003.png', 'foreground:b/f_0002.png', 'foreground:b/f_0003.png']);
  assert.deepEqual(plan.run.map((r) => [r.step, r.program, r.argv[0]]), [['composite', 'ffmpeg', 'ffmpeg'], ['composite', 'ffmpeg', 'ffmpeg']]);
  assert.ok(plan.run[0]!.argv.includes('[1:v][0:v]scale2ref[fg][bg];[bg][fg]blend=all_mode=screen'));
  assert.deepEqual(plan.outputs, [{ file: '/task/out/f_0002.png', frame: 2 }, { file: '/task/out/f_0003.png', frame: 3 }]);
});

test('an encode task: every upstream frame, one command, the video as its one output (frame null)', () => {
  const plan = planTypedTask(encode, { params: {}, frames: parseFrameRanges('1-4'), padWidth: 4, upstream: [up('c')] });
  assert.equal(plan.fetch.length, 4);
  assert.equal(plan.run.length, 1);
  assert.deepEqual(plan.outputs, [{ file: '/task/out/video.mp4', frame: null }]);
});

test('what a node cannot run as data is refused with the field named', () => {
  const blender = shipped('blender');
  assert.ok(typedJobIssues(blender).some((i) => i.path === 'type.inputs.0'));
  const noFrame = { ...composite, steps: [{ ...composite.steps[0]!, outputs: ['{outputDir}/out.png'] }] };
  assert.ok(typedJobIssues(noFrame).some((i) => i.path === 'type.steps.0.outputs.0'));
  assert.deepEqual(typedJobIssues(composite), []);
  assert.deepEqual(typedJobIssues(encode), []);
});

test('a typed spec: no scene, one upstream job per input, its programs in the dispatch tags', () => {
  const spec = parseRenderJobSpec({ type: 'composite', typeDoc: composite, frames: '1-4', after: [{ job: 'rjob_a' }, { job: 'rjob_b' }], tags: ['x'] });
  assert.deepEqual(dispatchTags(spec), ['x', 'program:ffmpeg']);
  assert.equal(makesVideo(spec), false);
  const issues = (input: unknown) => {
    try {
      parseRenderJobSpec(input);
      return [];
    } catch (err) {
      assert.ok(err instanceof JobSpecInvalidError);
      return err.issues.map((i) => i.path);
    }
  };
  assert.deepEqual(issues({ typeDoc: composite, frames: '1-4', after: [{ job: 'rjob_a' }] }), ['after']);
  assert.deepEqual(issues({ typeDoc: encode, frames: '1-4', after: [{ job: 'rjob_a' }], scene: { kind: 'shared', path: '/s/a.blend' } }), ['scene']);
  assert.deepEqual(issues({ frames: '1-4' }), ['renderer']);
  const legacy = parseRenderJobSpec({ renderer: 'blender', frames: '1', scene: { kind: 'shared', path: '/s/a.blend' } });
  assert.deepEqual(dispatchTags(legacy), ['program:blender']);
});

test('a node is matched by the programs it declares; a declared program: tag is not taken at its word', () => {
  assert.deepEqual(nodeTags(['gpu', 'program:povray'], ['shell', 'blender', 'ffmpeg']), ['gpu', 'program:blender', 'program:ffmpeg']);
});
