// FAKE RENDERER FOR UNIT TESTS ONLY. It stands in for `blender` and `ffmpeg` so the render API
// tests run in seconds without the real programs: it speaks Blender's command line and output
// (`Fra:`, `Saved:`), writes tiny PNG files, and fails on demand:
//   scene file starting with "CORRUPT"  -> "Error: Failed to read blend file" (a scene-load error)
//   FAKE_RENDER_FAIL=1                  -> "Error: fake render failure" and exit 1
//   FAKE_FRAME_MS                       -> time per frame (default 20 ms)
// The real renderers are exercised by test/system/render-*.test.ts.
import { readFileSync, writeFileSync } from 'node:fs';

const [, , program, ...args] = process.argv;
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (program.endsWith('ffmpeg')) {
  writeFileSync(args[args.length - 1], PNG);
  process.exit(0);
}

const scene = args[2];
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
for (const frame of frames) {
  console.log(`Fra:${frame} Mem:10.00M (Peak 10.00M) | Time:00:00.01 | Scene, ViewLayer | Sample 1/2`);
  await sleep(ms);
  const hashes = /#+/.exec(pattern)[0];
  const file = `${pattern.replace(hashes, String(frame).padStart(hashes.length, '0'))}.png`;
  writeFileSync(file, PNG);
  console.log(`Fra:${frame} Mem:10.00M (Peak 10.00M) | Time:00:00.02 | Scene, ViewLayer | Sample 2/2`);
  console.log(`Saved: '${file}'`);
  console.log(` Time: 00:00.02 (Saving: 00:00.00)`);
}
process.exit(0);
