#!/usr/bin/env node
// `npm start`: builds the web app when its sources are newer than the build, then serves the platform.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { serverHeapFlags } from './server-heap.mjs';

// Checked before the web build: a bad setting fails at once.
let heapFlags;
try {
  heapFlags = serverHeapFlags();
} catch (err) {
  console.error(err.message);
  process.exit(2);
}

const web = 'packages/web';
const dist = join(web, 'dist', 'index.html');

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

if (existsSync(join(web, 'index.html'))) {
  // public/ (the service worker) and index.html go into the build too.
  const stale = !existsSync(dist) || statSync(dist).mtimeMs < Math.max(newest(join(web, 'src')), newest(join(web, 'public')), statSync(join(web, 'index.html')).mtimeMs, newest('packages/schema/src'));
  if (stale) {
    console.log('Building the web app (first start, or its sources changed)…');
    // The app, then the citizen door's own build beside it (packages/web/package.json's build script).
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: web, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error('The web build failed; the API still starts. Fix the build and restart.');
    }
  }
}

// The `shuzhi` command (bin/shuzhi.mjs loads the TypeScript through tsx itself), with its heap bounded
// (server-heap.mjs: V8 grows a capped heap by a smaller factor between full collections).
const child = spawn(process.execPath, [...heapFlags, 'packages/server/bin/shuzhi.mjs', 'serve', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
// The server stops gracefully on either (a repeat within a second is taken as the same request, since a
// terminal's Ctrl-C reaches this process and the server alike); a later second signal makes it exit at once.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
