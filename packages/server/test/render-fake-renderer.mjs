#!/usr/bin/env node
// FAKE RENDERER FOR UNIT TESTS ONLY. It stands in for `blender`, `povray` and `ffmpeg` (point the
// render runner's blenderPath/povrayPath/ffmpegPath at this file; it runs through the worker's sandbox like the real
// programs) so the render tests run in seconds. It speaks Blender's command line and output (`Fra:`,
// `Saved:`), writes tiny PNG files, and misbehaves on demand:
//   scene file starting with "CORRUPT"  -> "Error: Failed to read blend file" (a scene-load error)
//   scene "ESCAPE <path>"               -> prints `Saved: '<path>'` for the first frame (a path outside its directory)
//   scene "SYMLINK <path>"              -> makes the first frame's file a symbolic link to <path> and prints it as saved
//   scene "EMPTY"                       -> prints the first frame as saved while its file is still empty
//   FAKE_RENDER_FAIL=1                  -> "Error: fake render failure" and exit 1
//   FAKE_FRAME_MS                       -> time per frame (default 20 ms)
// As POV-Ray (a `+I<scene>` argument) it prints POV-Ray 3.7's lines, and like POV-Ray under CPU
// contention it prints a frame's `Render Time:` block before its PNG is written: the file is created
// empty and filled FAKE_POV_WRITE_MS later (default 100 ms), before the next frame starts.
// Without --disable-autoexec before the scene it refuses to run, as a reminder that scenes are
// untrusted. The real renderers are exercised by test/system/render-*.test.ts.
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const povScene = args.find((a) => a.startsWith('+I'));
if (povScene) {
  const value = (flag) => args.find((a) => a.startsWith(flag))?.slice(flag.length);
  const out = value('+O').replace(/_\.png$/, '_');
  const width = value('+KFF').length;
  const first = Number(value('+SF'));
  const last = Number(value('+EF'));
  const writeMs = Number(process.env.FAKE_POV_WRITE_MS ?? 100);
  for (let frame = first; frame <= last; frame++) {
    const file = `${out}${String(frame).padStart(width, '0')}.png`;
    console.error(`Rendering frame ${frame - first + 1} of ${last - first + 1}`);
    console.error(`  Output file..........${file}, 24 bpp PNG`);
    console.error('Render Time:');
    console.error('  Trace Time:       0 hours  0 minutes  0 seconds (0.004 seconds)');
    writeFileSync(file, '');
    await sleep(writeMs);
    writeFileSync(file, PNG);
  }
  console.error('POV-Ray finished');
  process.exit(0);
}

if (args.includes('-hide_banner')) {
  // ffmpeg: a thumbnail or a preview, written to the last argument.
  writeFileSync(args[args.length - 1], PNG);
  process.exit(0);
}

// blender -b -noaudio --disable-autoexec <scene> …: the scene is the first argument that is no option.
const sceneAt = args.findIndex((a) => !a.startsWith('-'));
const scene = args[sceneAt];
if (!(args.indexOf('--disable-autoexec') >= 0 && args.indexOf('--disable-autoexec') < sceneAt)) {
  console.log('Error: fake renderer: scenes must be loaded with --disable-autoexec');
  process.exit(1);
}
let text = '';
try {
  text = readFileSync(scene, 'utf8');
} catch {
  console.log(`Error: Cannot read file '${scene}': No such file or directory`);
  process.exit(1);
}
if (text.startsWith('CORRUPT')) {
  console.log(`Error: Failed to read blend file '${scene}', not a blend file`);
  process.exit(1);
}
if (process.env.FAKE_RENDER_FAIL === '1') {
  console.log('Error: fake render failure (FAKE_RENDER_FAIL=1)');
  process.exit(1);
}
const pattern = args[args.indexOf('-o') + 1];
const frames = [];
const f = args.indexOf('-f');
if (f >= 0) {
  for (const part of args[f + 1].split(',')) {
    const [a, b] = part.split('..').map(Number);
    for (let i = a; i <= (b ?? a); i++) frames.push(i);
  }
} else {
  const s = Number(args[args.indexOf('-s') + 1]);
  const e = Number(args[args.indexOf('-e') + 1]);
  const j = args.includes('-j') ? Number(args[args.indexOf('-j') + 1]) : 1;
  for (let i = s; i <= e; i += j) frames.push(i);
}
const ms = Number(process.env.FAKE_FRAME_MS ?? 20);
const [trick, target] = text.trim().split(/\s+/, 2);
for (const [n, frame] of frames.entries()) {
  console.log(`Fra:${frame} Mem:10.00M (Peak 10.00M) | Time:00:00.01 | Scene, ViewLayer | Sample 1/2`);
  await sleep(ms);
  const hashes = /#+/.exec(pattern)[0];
  const file = `${pattern.replace(hashes, String(frame).padStart(hashes.length, '0'))}.png`;
  console.log(`Fra:${frame} Mem:10.00M (Peak 10.00M) | Time:00:00.02 | Scene, ViewLayer | Sample 2/2`);
  if (n === 0 && trick === 'ESCAPE') {
    console.log(`Saved: '${target}'`);
  } else if (n === 0 && trick === 'SYMLINK') {
    symlinkSync(target, file);
    console.log(`Saved: '${file}'`);
  } else if (n === 0 && trick === 'EMPTY') {
    writeFileSync(file, '');
    console.log(`Saved: '${file}'`);
  } else {
    writeFileSync(file, PNG);
    console.log(`Saved: '${file}'`);
  }
  console.log(` Time: 00:00.02 (Saving: 00:00.00)`);
}
process.exit(0);
