import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { JobTypeInvalidError, blenderCommand, expandStep, parseFrameRanges, parseJobType } from '../src/index.ts';

const dir = new URL('../job-types/', import.meta.url);
const shipped = Object.fromEntries(readdirSync(dir).map((f) => [f.replace(/\.json$/, ''), parseJobType(JSON.parse(readFileSync(new URL(f, dir), 'utf8')))]));

function issuesOf(input: unknown): string[] {
  try {
    parseJobType(input);
    return [];
  } catch (err) {
    if (!(err instanceof JobTypeInvalidError)) throw err;
    return err.issues.map((i) => i.path);
  }
}

test('the four shipped types are valid documents', () => {
  assert.deepEqual(Object.keys(shipped).sort(), ['blender', 'composite', 'ffmpeg-encode', 'povray']);
});

test('the shipped blender type runs the very command line the blender job kind always ran', () => {
  const frames = parseFrameRanges('1-4');
  const fromType = expandStep(shipped.blender!, 'render', { params: { samples: 16 }, inputs: { scene: '/s/scene.blend' }, outputDir: '/out', frames, padWidth: 4 });
  const kind = blenderCommand({ scenePath: '/s/scene.blend', outputDir: '/out', padWidth: 4, format: 'png', frames, overrides: { samples: 16 } });
  assert.deepEqual(fromType, [kind]);
});

test('composite: one command per frame, frame n of each input to frame n', () => {
  const argv = expandStep(shipped.composite!, 'composite', {
    params: {},
    inputs: { background: '/jobs/a', foreground: '/jobs/b' },
    outputDir: '/out',
    frames: parseFrameRanges('7-8'),
    padWidth: 4,
  });
  assert.equal(argv.length, 2);
  assert.ok(argv[0]!.includes('/jobs/a/f_0007.png') && argv[0]!.includes('/jobs/b/f_0007.png') && argv[0]!.at(-1) === '/out/f_0007.png');
  assert.ok(argv[1]!.at(-1) === '/out/f_0008.png');
  assert.ok(argv[0]!.some((a) => a.endsWith('blend=all_mode=screen')), 'the default mode');
});

test('a value never becomes several arguments or an option: placeholders fill one element', () => {
  const evil = '/x; rm -rf / --output=/etc/passwd';
  const argv = expandStep(shipped['ffmpeg-encode']!, 'encode', { params: { fps: 30 }, inputs: { frames: evil }, outputDir: '/o', frames: [], padWidth: 4 });
  assert.equal(argv.length, 1);
  assert.ok(argv[0]!.includes(`${evil}/f_*.png`), 'the whole value sits in the one -i element');
  assert.equal(argv[0]!.length, 1 + shipped['ffmpeg-encode']!.steps[0]!.args.length);
  assert.throws(() => expandStep(shipped['ffmpeg-encode']!, 'encode', { params: {}, inputs: { frames: '-i/etc' }, outputDir: '/o', frames: [], padWidth: 4 }), /absolute/);
  assert.throws(() => expandStep(shipped.composite!, 'composite', { params: { mode: 'x;y' }, inputs: { background: '/a', foreground: '/b' }, outputDir: '/o', frames: parseFrameRanges('1'), padWidth: 4 }), JobTypeInvalidError);
  assert.throws(() => expandStep(shipped['ffmpeg-encode']!, 'encode', { params: { fps: 1000 }, inputs: { frames: '/a' }, outputDir: '/o', frames: [], padWidth: 4 }), JobTypeInvalidError);
});

test('upload validation names the bad field', () => {
  const good = JSON.parse(JSON.stringify(shipped['ffmpeg-encode']));
  assert.deepEqual(issuesOf(good), []);
  const cases: [(d: any) => void, string][] = [
    [(d) => (d.steps[0].executable = 'bash'), 'steps.0.executable'],
    [(d) => (d.steps[0].args[3] = '{input:nope}'), 'steps.0.args.3'],
    [(d) => (d.steps[0].args[3] = '{frame}'), 'steps.0.args.3'],
    [(d) => (d.steps[0].args[3] = '{shell}'), 'steps.0.args.3'],
    [(d) => (d.parameters[0].default = 500), 'parameters.0.default'],
    [(d) => (d.name = 'Bad Name'), 'name'],
    [(d) => (d.steps[0].args = 'ffmpeg -i x'), 'steps.0.args'],
    [(d) => (d.inputs.push({ name: 'frames', kind: 'frames' })), 'inputs.1.name'],
  ];
  for (const [mutate, field] of cases) {
    const doc = JSON.parse(JSON.stringify(good));
    mutate(doc);
    assert.ok(issuesOf(doc).includes(field), `${field}: ${JSON.stringify(issuesOf(doc))}`);
  }
});
