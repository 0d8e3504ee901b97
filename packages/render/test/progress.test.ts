import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, classifyRun, createBlenderOutputParser, createPovrayOutputParser } from '../src/index.ts';
import type { OutputParser, RenderEvent } from '../src/index.ts';

function feed(parser: OutputParser, text: string): RenderEvent[] {
  return text.split('\n').flatMap((l) => parser.push(l));
}

// Captured from Debian 12 Blender 3.4.1 rendering tiny_anim.blend (frames 1 and 3, 4 samples).
const BLENDER_RUN = `Blender 3.4.1
Read blend: /tmp/rr/tiny_anim.blend
Fra:1 Mem:9.37M (Peak 11.13M) | Time:00:00.00 | Mem:0.00M, Peak:0.00M | Scene, ViewLayer | Synchronizing object | Plane
Fra:1 Mem:10.24M (Peak 11.13M) | Time:00:00.03 | Mem:0.91M, Peak:0.91M | Scene, ViewLayer | Sample 0/4
Fra:1 Mem:10.28M (Peak 11.13M) | Time:00:00.04 | Remaining:00:00.00 | Mem:0.95M, Peak:0.95M | Scene, ViewLayer | Sample 1/4
Fra:1 Mem:10.32M (Peak 11.13M) | Time:00:00.04 | Mem:0.95M, Peak:0.95M | Scene, ViewLayer | Sample 4/4
Fra:1 Mem:10.32M (Peak 11.13M) | Time:00:00.04 | Mem:0.95M, Peak:0.95M | Scene, ViewLayer | Finished
Saved: '/tmp/rr/out/f_0001.png'
 Time: 00:00.16 (Saving: 00:00.12)

Fra:3 Mem:9.62M (Peak 11.13M) | Time:00:00.00 | Mem:0.00M, Peak:0.00M | Scene, ViewLayer | Synchronizing object | Plane
Fra:3 Mem:10.32M (Peak 11.13M) | Time:00:00.00 | Mem:0.95M, Peak:0.95M | Scene, ViewLayer | Finished
Saved: '/tmp/rr/out/f_0003.png'
 Time: 01:02.50 (Saving: 00:00.00)

Blender quit`;

test('blender: frames, sample fractions, saved files and frame times from real output', () => {
  const ev = feed(createBlenderOutputParser(), BLENDER_RUN);
  assert.deepEqual(ev.filter((e) => e.kind === 'frame-start').map((e) => e.frame), [1, 3]);
  assert.deepEqual(ev.filter((e) => e.kind === 'progress' && e.frame === 1).map((e) => (e as { fraction: number }).fraction), [0, 0.25, 1, 1]);
  assert.deepEqual(ev.filter((e) => e.kind === 'saved'), [
    { kind: 'saved', frame: 1, savedFile: '/tmp/rr/out/f_0001.png' },
    { kind: 'saved', frame: 3, savedFile: '/tmp/rr/out/f_0003.png' },
  ]);
  assert.deepEqual(ev.filter((e) => e.kind === 'frame-time'), [
    { kind: 'frame-time', frame: 1, seconds: 0.16 },
    { kind: 'frame-time', frame: 3, seconds: 62.5 },
  ]);
  assert.deepEqual(classifyRun(ev, 0), { outcome: 'ok' });
});

test('blender: older "Rendering a / b samples" lines and skipped existing frames', () => {
  const p = createBlenderOutputParser();
  assert.deepEqual(p.push('Fra:12 Mem:18.45M (Peak 20.12M) | Time:00:00.54 | Mem:0.00M, Peak:0.00M | Scene, RenderLayer | Rendering 5 / 16 samples'), [
    { kind: 'frame-start', frame: 12 },
    { kind: 'progress', frame: 12, fraction: 5 / 16 },
  ]);
  assert.deepEqual(p.push('skipping existing frame "out/f_0009.png"'), [{ kind: 'skipped', frame: 9, savedFile: 'out/f_0009.png' }]);
});

test('blender: scene-load failures carry the renderer message and fail the job; other errors do not', () => {
  for (const line of ["Error: Cannot read file '/tmp/rr/nope.blend': No such file or directory", "Error: File format is not supported in file '/tmp/rr/junk.blend'"]) {
    const ev = feed(createBlenderOutputParser(), `Blender 3.4.1\n${line}\n\nBlender quit`);
    assert.deepEqual(ev, [{ kind: 'scene-error', message: line }]);
    assert.deepEqual(classifyRun(ev, 1), { outcome: 'scene-load', message: line });
  }
  const oidn = feed(createBlenderOutputParser(), 'Error: Build without OpenImageDenoiser');
  assert.deepEqual(classifyRun(oidn, 1), { outcome: 'render-error', message: 'Error: Build without OpenImageDenoiser' });
  assert.deepEqual(classifyRun([], 139), { outcome: 'render-error', message: 'renderer exited with code 139' });
  assert.deepEqual(classifyRun(oidn, 0), { outcome: 'render-error', message: 'Error: Build without OpenImageDenoiser' });
});

// Captured from Debian 12 POV-Ray 3.7.0.10, tiny_anim.pov, +SF7 +EF8 (trimmed).
const POV_RUN = `Rendering frame 1 of 2
Rendering frame 1 of 2
Parser Options
  Input file: tiny_anim.pov
  Output file..........out/pov_07.png, 24 bpp PNG
==== [Rendering...] ========================================================
Render Statistics
Render Time:
  Trace Time:       0 hours  0 minutes  0 seconds (0.004 seconds)

Rendering frame 2 of 2
  Output file..........out/pov_08.png, 24 bpp PNG
Render Time:
POV-Ray finished`;

test('povray: a frame is saved when the next one starts, the last one at a clean exit', () => {
  const parser = createPovrayOutputParser();
  const lines = POV_RUN.split('\n');
  const nextStart = lines.findIndex((l) => l.includes('pov_08.png'));
  // POV-Ray prints Render Time before it writes the PNG (under CPU contention the file is still
  // empty then): nothing is saved until frame 8 starts.
  const beforeNext = lines.slice(0, nextStart).flatMap((l) => parser.push(l));
  assert.deepEqual(beforeNext.filter((e) => e.kind === 'saved'), []);
  assert.deepEqual(beforeNext.filter((e) => e.kind === 'progress').at(-1), { kind: 'progress', frame: 7, fraction: 1 });
  const rest = lines.slice(nextStart).flatMap((l) => parser.push(l));
  assert.deepEqual(rest.filter((e) => e.kind === 'saved'), [{ kind: 'saved', frame: 7, savedFile: 'out/pov_07.png' }]);
  const atExit = parser.end!();
  assert.deepEqual(atExit, [{ kind: 'saved', frame: 8, savedFile: 'out/pov_08.png' }]);
  assert.deepEqual(parser.end!(), [], 'each frame is saved once');
  const ev = [...beforeNext, ...rest, ...atExit];
  assert.deepEqual(ev.filter((e) => e.kind === 'frame-start').map((e) => e.frame), [7, 8]);
  assert.deepEqual(classifyRun(ev, 0), { outcome: 'ok' });
});

test('povray: a frame whose render did not finish is never saved', () => {
  const parser = createPovrayOutputParser();
  const ev = feed(parser, 'Rendering frame 1 of 2\n  Output file..........out/pov_01.png, 24 bpp PNG\n');
  assert.deepEqual([...ev, ...parser.end!()].filter((e) => e.kind === 'saved'), []);
});

test('povray: parse errors are scene errors', () => {
  const out = `==== [Parsing...] ==========================================================
File 'bad.pov' line 1: Parse Error: Expected 'undeclared identifier', vector
 function 'x' found instead
Fatal error in parser: Cannot parse input.
Render failed`;
  const ev = feed(createPovrayOutputParser(), out);
  const v = classifyRun(ev, 1);
  assert.equal(v.outcome, 'scene-load');
  assert.match((v as { message: string }).message, /^File 'bad.pov' line 1: Parse Error/);
  assert.equal(classifyRun(feed(createPovrayOutputParser(), 'Parse Error: Cannot open input file.'), 1).outcome, 'scene-load');
});

test('line splitter keeps partial lines across chunks, CRLF and CR included', () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push('Fra:1 a\r\nSav'), ['Fra:1 a']);
  assert.deepEqual(s.push("ed: 'x'\rnext"), ["Saved: 'x'"]);
  assert.deepEqual(s.flush(), ['next']);
  assert.deepEqual(s.flush(), []);
});
