import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
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

/** Builds the web app once per process when its sources are newer than the build (browser tests need it). */
export function ensureWebBuilt(): void {
  if (built) return;
  const index = join(web, 'dist', 'index.html');
  const stale =
    !existsSync(index) ||
    statSync(index).mtimeMs < Math.max(newest(join(web, 'src')), newest(join(root, 'packages/schema/src')));
  if (stale) {
    const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'error'], { cwd: web, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('the web build failed (npx vite build in packages/web)');
  }
  built = true;
}
