import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const web = join(root, 'packages/web');

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

let built = false;

// public/ (the service worker, the manifest) and index.html are copied or transformed into the build too.
const isStale = (index: string) =>
  !existsSync(index) ||
  statSync(index).mtimeMs < Math.max(newest(join(web, 'src')), newest(join(web, 'public')), statSync(join(web, 'index.html')).mtimeMs, newest(join(root, 'packages/schema/src')));

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
/** A build takes about a minute; a lock older than this was left by a process that died. */
const LOCK_STALE_MS = 10 * 60_000;

/**
 * Builds the web app once per process when its sources are newer than the build (browser tests need it).
 * Test files run two at a time: a lock file lets one process build while the others wait for it, since
 * two vite builds writing one dist/ fail each other (ENOTEMPTY) on a fresh clone.
 */
export function ensureWebBuilt(): void {
  if (built) return;
  const index = join(web, 'dist', 'index.html');
  const lock = join(web, '.build.lock');
  while (isStale(index)) {
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmSync(lock, { force: true });
      sleep(500);
      continue;
    }
    try {
      // Another process may have finished the build while we waited for the lock.
      if (!isStale(index)) break;
      // The app, then the citizen door's own build beside it (packages/web/package.json's build script).
      const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: web, stdio: ['ignore', 'ignore', 'inherit'] });
      if (r.status !== 0) throw new Error('the web build failed (npm run build in packages/web)');
      break;
    } finally {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }
  built = true;
}
