#!/usr/bin/env node
// Runs the type check, every unit/API test (node:test, PGlite) and the web tests (Vitest).
// With --system, runs the system suite instead (real PostgreSQL, Chromium, Slurm, renderers).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const system = process.argv.includes('--system');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function find(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function run(cmd, args, opts = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  return r.status ?? 1;
}

console.log(`Node ${process.versions.node} (${process.execPath})`);
let failed = 0;
if (!system) {
  if (only.length === 0) {
    failed |= run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
    failed |= run('npx', ['tsc', '-p', 'packages/web/tsconfig.json', '--noEmit']);
  }
  const files = only.length
    ? only
    : [...find('packages').filter((f) => !f.startsWith(join('packages', 'web'))), ...find('sim'), ...find('bench')];
  if (files.length) {
    failed |= run('node', ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files]);
  }
  if (only.length === 0 && find(join('packages', 'web')).length) {
    failed |= run('npx', ['vitest', 'run', '--root', 'packages/web']);
  }
} else {
  const files = only.length ? only : find('test');
  failed |= run('node', ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=600000', ...files]);
}
process.exit(failed ? 1 : 0);
