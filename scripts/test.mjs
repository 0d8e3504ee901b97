#!/usr/bin/env node
// Runs the type check, every unit/API test (node:test, PGlite) and the web tests (Vitest).
// With --system, runs the system suite instead (real PostgreSQL, Chromium, Slurm, renderers).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

// Every Node process of a test run (test files, the CLI and servers they spawn) loads the resolution
// shortcut in scripts/test-resolve-cache.mjs first: it spares each one re-parsing large package.json
// files on every import (why: see that file).
const RESOLVE_CACHE = fileURLToPath(new URL('./test-resolve-cache.mjs', import.meta.url));
const testEnv = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${JSON.stringify(RESOLVE_CACHE)}`.trim() };

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
    failed |= run('node', ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files], { env: testEnv });
  }
  if (only.length === 0 && find(join('packages', 'web')).length) {
    failed |= run('npx', ['vitest', 'run', '--root', 'packages/web']);
  }
} else {
  // Two files at a time: most of a system test's time is spent waiting on another process (Chromium,
  // slurmctld, a renderer, PostgreSQL, a spawned server), and each file brings its own (free ports,
  // its own Slurm cluster, database and data directory), so two share the machine without sharing
  // state. The longest files start first so the two lanes end together.
  const files = only.length ? only : longestFirst(find('test'));
  failed |= run('node', ['--import', 'tsx', '--test', `--test-concurrency=${only.length === 1 ? 1 : 2}`, '--test-timeout=600000', ...files], { env: testEnv });
}

/** Files known to take longest (a clean-clone run's times), first; the rest in name order. */
function longestFirst(files) {
  const slow = ['roles-browser', 'render-renderers', 'restart-cli', 'executor-slurm-rest', 'executor-slurm', 'executor-agent', 'citizen-kiosk-browser'];
  const rank = (f) => {
    const i = slow.findIndex((name) => f.endsWith(`${name}.test.ts`));
    return i < 0 ? slow.length : i;
  };
  return [...files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
process.exit(failed ? 1 : 0);
