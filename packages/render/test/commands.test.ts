import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CommandInvalidError,
  attemptDir,
  blenderCommand,
  blenderFrameArgs,
  blenderOutputFile,
  ffmpegPreviewCommand,
  ffmpegThumbnailCommand,
  frameFromFileName,
  frameGlob,
  framePath,
  framesToRender,
  iterateFrames,
  parseFrameRanges,
  partialPath,
  povrayCommands,
  povrayOutputFile,
  thumbnailPath,
} from '../src/index.ts';

/** Reads Blender's frame options back the way Blender interprets them. */
function blenderFrames(args: readonly string[]): number[] {
  const at = (flag: string) => {
    const i = args.indexOf(flag);
    return i === -1 ? undefined : args[i + 1];
  };
  const f = at('-f');
  if (f !== undefined) {
    return f.split(',').flatMap((item) => {
      const [a, b] = item.split('..').map(Number);
      const out: number[] = [];
      for (let x = a!; x <= (b ?? a!); x++) out.push(x);
      return out;
    });
  }
  assert.equal(args[args.length - 1], '-a');
  const out: number[] = [];
  for (let x = Number(at('-s')); x <= Number(at('-e')); x += Number(at('-j') ?? 1)) out.push(x);
  return out;
}

test('property: blender frame arguments render exactly the chunk frames', () => {
  const item = fc
    .tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 5 }))
    .map(([a, len, s]) => `${a}-${a + len}x${s}`);
  fc.assert(
    fc.property(fc.array(item, { minLength: 1, maxLength: 4 }), (items) => {
      let frames;
      try {
        frames = parseFrameRanges(items.join(','));
      } catch {
        return;
      }
      assert.deepEqual(blenderFrames(blenderFrameArgs(frames)), [...iterateFrames(frames)]);
    }),
  );
});

test('blender command: autoexec off before the scene, denoise off, overrides, output pattern, format, frames last', () => {
  const argv = blenderCommand({
    scenePath: '/mnt/farm/tiny_anim.blend',
    outputDir: '/mnt/out/job_1/.partial/job_1.3.a2/',
    padWidth: 4,
    format: 'exr',
    frames: parseFrameRanges('9-16'),
    overrides: { resolutionX: 320, resolutionY: 180, samples: 8 },
  });
  assert.deepEqual(argv.slice(0, 5), ['blender', '-b', '-noaudio', '--disable-autoexec', '/mnt/farm/tiny_anim.blend']);
  assert.ok(argv.indexOf('--disable-autoexec') < argv.indexOf('/mnt/farm/tiny_anim.blend'), 'scripts in the scene must be off before it loads');
  assert.ok(!argv.includes('-y') && !argv.includes('--enable-autoexec'), 'nothing turns autoexec back on');
  const expr = argv[argv.indexOf('--python-expr') + 1]!;
  for (const part of ['use_denoising=False', 'resolution_x=320', 'resolution_y=180', 'samples=8', 'use_overwrite=False', "device='CPU'"]) {
    assert.ok(expr.includes(part), part);
  }
  assert.ok(argv.indexOf('--python-exit-code') < argv.indexOf('--python-expr'), 'a failing override must fail the run');
  assert.equal(argv[argv.indexOf('-E') + 1], 'CYCLES');
  assert.equal(argv[argv.indexOf('-o') + 1], '/mnt/out/job_1/.partial/job_1.3.a2/f_####');
  assert.equal(argv[argv.indexOf('-F') + 1], 'OPEN_EXR');
  assert.ok(argv.indexOf('-o') < argv.indexOf('-s'), 'output options must precede the render option');
  assert.deepEqual(argv.slice(-5), ['-s', '9', '-e', '16', '-a']);
  assert.equal(blenderOutputFile('/mnt/out/x/', 12, 4, 'exr'), '/mnt/out/x/f_0012.exr');
  assert.throws(() => blenderCommand({ scenePath: '-P evil.py', outputDir: '/o', padWidth: 4, format: 'png', frames: parseFrameRanges('1') }), CommandInvalidError);
  assert.throws(() => blenderCommand({ scenePath: '/s.blend', outputDir: '/o', padWidth: 4, format: 'png', frames: [] }), CommandInvalidError);
});

test('povray: one process per run with the whole animation as clock range and explicit clock 0..1', () => {
  const cmds = povrayCommands({
    scenePath: '/mnt/farm/tiny_anim.pov',
    outputDir: '/tmp/o',
    frames: parseFrameRanges('3,10-14x2'),
    width: 320,
    height: 180,
    animation: { firstFrame: 1, lastFrame: 48 },
  });
  assert.equal(cmds.length, 2);
  for (const c of cmds) {
    for (const a of ['+I/mnt/farm/tiny_anim.pov', '+O/tmp/o/pov_.png', '+W320', '+H180', '+KFI1', '+KFF48', '+KI0', '+KF1', '-D']) assert.ok(c.includes(a), a);
  }
  assert.deepEqual(cmds[1]!.slice(-3), ['+SF10', '+EF14', '+STP2']);
  assert.deepEqual(cmds[0]!.slice(-2), ['+SF3', '+EF3']);
  assert.equal(povrayOutputFile('/tmp/o', 7, { firstFrame: 1, lastFrame: 48 }), '/tmp/o/pov_07.png');
  assert.equal(povrayOutputFile('/tmp/o', 7, { firstFrame: 1, lastFrame: 1200 }), '/tmp/o/pov_0007.png');
  // A one-frame animation still gets a numbered file name.
  const single = povrayCommands({ scenePath: '/s.pov', outputDir: '/o', frames: parseFrameRanges('5'), width: 8, height: 8, animation: { firstFrame: 5, lastFrame: 5 } });
  assert.ok(single[0]!.includes('+KFF6'));
  assert.equal(povrayOutputFile('/o', 5, { firstFrame: 5, lastFrame: 5 }), '/o/pov_5.png');
});

test('ffmpeg preview: glob input (gaps allowed), H.264 yuv420p, even dimensions; thumbnail scaled', () => {
  const argv = ffmpegPreviewCommand({ framesGlob: frameGlob('/mnt/out/job_1', 'png'), output: partialPath('/mnt/out/job_1/preview.mp4'), fps: 24 });
  assert.equal(argv[argv.indexOf('-i') + 1], '/mnt/out/job_1/f_*.png');
  assert.equal(argv[argv.indexOf('-pattern_type') + 1], 'glob');
  assert.equal(argv[argv.indexOf('-c:v') + 1], 'libx264');
  assert.equal(argv[argv.indexOf('-pix_fmt') + 1], 'yuv420p');
  assert.match(argv[argv.indexOf('-vf') + 1]!, /\/2\)\*2.*:-2$/);
  assert.equal(argv[argv.length - 1], '/mnt/out/job_1/preview.partial.mp4');
  const th = ffmpegThumbnailCommand({ input: '/o/f_0012.png', output: partialPath(thumbnailPath('/o', 12, 4)), width: 160 });
  assert.equal(th[th.length - 1], '/o/thumbs/f_0012.partial.jpg');
  assert.equal(th[th.indexOf('-vf') + 1], 'scale=160:-2');
  assert.throws(() => ffmpegThumbnailCommand({ input: '/o/a.png', output: '/o/a.gif', width: 10 }), CommandInvalidError);
});

test('output naming: one padding per job, attempt-unique scratch dirs, frames parsed back', () => {
  assert.equal(framePath('/o', 12, 4, 'png'), '/o/f_0012.png');
  assert.equal(framePath('/o/', 1_000_000, 7, 'jpg'), '/o/f_1000000.jpg');
  assert.notEqual(attemptDir('/o', 'job_1.3', 1), attemptDir('/o', 'job_1.3', 2));
  assert.throws(() => attemptDir('/o', '../x', 1), RangeError);
  assert.equal(frameFromFileName('/x/f_0012.png'), 12);
  assert.equal(frameFromFileName('out/pov_07.png'), 7);
  assert.equal(frameFromFileName('/x/cam2/none.png'), null);
  const todo = framesToRender(parseFrameRanges('1-10'), (f) => f <= 4 || f === 7);
  assert.deepEqual([...iterateFrames(todo)], [5, 6, 8, 9, 10]);
});
