#!/usr/bin/env node
// Refreshes the README's front-door screenshots (docs/screenshots/<door>.png): runs the role browser test
// with SHUZHI_SCREENSHOTS=1, so the pictures are what the test just saw, then shrinks them to 256-colour
// PNGs when ImageMagick is installed. Ordinary test runs take no pictures and leave the tree clean.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const test = spawnSync('node', ['--import', 'tsx', '--test', '--test-timeout=900000', 'test/system/roles-browser.test.ts'], {
  stdio: 'inherit',
  env: { ...process.env, SHUZHI_SCREENSHOTS: '1' },
});
const dir = 'docs/screenshots';
const shots = readdirSync(dir).filter((f) => f.endsWith('.png'));
for (const f of shots) {
  const r = spawnSync('convert', [`${dir}/${f}`, '-strip', '-colors', '256', `PNG8:${dir}/${f}`], { stdio: 'inherit' });
  if (r.error || r.status !== 0) {
    console.log(`no working ImageMagick convert: ${dir} keeps the full-colour PNGs Chromium wrote`);
    break;
  }
}
console.log(`${shots.length} screenshots in ${dir}: ${shots.join(', ')}`);
process.exit(test.status ?? 1);
