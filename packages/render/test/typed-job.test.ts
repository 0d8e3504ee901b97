import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { JobSpecInvalidError, SCENE_PATH, TASK_ROOT, dispatchTags, makesVideo, nodeTags, parseFrameRanges, parseJobType, parseRenderJobSpec, planTypedTask, typedJobIssues } from '../src/index.ts';

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
  const twoScenes = { ...blender, inputs: [...blender.inputs, { name: 'other', kind: 'scene' as const }] };
  assert.deepEqual(typedJobIssues(twoScenes).map((i) => i.path), ['type.inputs.1'], 'a job has one scene');
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

/** A studio type with a scene input beside an upstream one: bake a displacement map from the scene onto each upstream frame. */
const bake = parseJobType({
  name: 'bake',
  title: { en: 'Bake', zh: '烘焙' },
  inputs: [
    { name: 'scene', kind: 'scene', extensions: ['.blend'] },
    { name: 'plates', kind: 'frames' },
  ],
  steps: [
    {
      name: 'bake',
      executable: 'blender',
      args: ['-b', '{input:scene}', '--python-expr', 'bake()', '--', '{input:plates}/f_{framePadded}.png', '{outputDir}/f_{framePadded}.png'],
      chunking: { kind: 'frames', framesPerChunk: 1 },
      outputs: ['{outputDir}/f_{framePadded}.png'],
    },
  ],
});

test('a studio type with a scene input: the scene at SCENE_PATH in the argv, upstream frames fetched for the other input', () => {
  assert.deepEqual(typedJobIssues(bake), []);
  const plan = planTypedTask(bake, { params: {}, frames: parseFrameRanges('2'), padWidth: 4, upstream: [up('a')], scene: true });
  assert.equal(plan.scene, SCENE_PATH);
  assert.deepEqual(plan.run[0]!.argv, ['blender', '-b', SCENE_PATH, '--python-expr', 'bake()', '--', '/task/in/plates/f_0002.png', '/task/out/f_0002.png']);
  assert.deepEqual(plan.fetch.map((f) => `${f.input}:${f.jobId}/${f.file}`), ['plates:a/f_0002.png']);
  assert.throws(() => planTypedTask(bake, { params: {}, frames: parseFrameRanges('2'), padWidth: 4, upstream: [up('a')] }), /is a scene, and the job has none/);

  const issues = (input: object) => {
    try {
      parseRenderJobSpec({ type: 'bake', typeDoc: bake, frames: '1-4', ...input });
      return [];
    } catch (err) {
      assert.ok(err instanceof JobSpecInvalidError);
      return err.issues.map((i) => i.path);
    }
  };
  const scene = { kind: 'upload', uploadId: 'upl_1', fileName: 'shot.blend' };
  assert.deepEqual(issues({ scene, after: [{ job: 'rjob_a' }] }), []);
  assert.deepEqual(issues({ after: [{ job: 'rjob_a' }] }), ['scene'], 'the scene is required');
  assert.deepEqual(issues({ scene: { ...scene, fileName: 'shot.pov' }, after: [{ job: 'rjob_a' }] }), ['scene'], 'by the input\'s endings');
  assert.deepEqual(issues({ scene, after: [] }), ['after'], 'one upstream job per frames input; the scene input takes none');
  assert.deepEqual(dispatchTags(parseRenderJobSpec({ type: 'bake', typeDoc: bake, frames: '1-4', scene, after: [{ job: 'rjob_a' }] })), ['program:blender']);
});
