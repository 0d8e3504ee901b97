#!/usr/bin/env node
// Runs the type check, every unit/API test (node:test, PGlite) and the web tests (Vitest).
// With --system, runs the system suite instead (real PostgreSQL, Chromium, Slurm, renderers).
import { spawn } from 'node:child_process';
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

// Node 24's V8 can abort a process that frees WebAssembly code while another module is being built
// ("Check failed: jit_page_->allocations_.erase(addr) == 1" in UnregisterWasmAllocation; nodejs/node
// issue 66366, fixed in V8, not yet in 24.x). Test files open and close many PGlite instances and HiGHS
// workers, and it killed a test file after its last test passed in 2 of ~12 clean-clone CI runs
// (preempt-window-restart, array-window). Without wasm code GC nothing is freed early; each test file's
// process is short-lived. node --test passes its flags on to each file's process.
const NODE_TEST_FLAGS = ['--no-wasm-code-gc', '--import', 'tsx', '--test'];

/** Runs a command to its end, its output on ours; resolves to its exit status. */
function run(cmd, args, opts = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', ...opts });
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** Several commands at once (each is single-threaded or mostly waits); the worst exit status. */
async function runTogether(...commands) {
  const codes = await Promise.all(commands.map(([cmd, args, opts]) => run(cmd, args, opts)));
  return codes.reduce((a, b) => a | b, 0);
}

/** System test files that mostly wait: on a local Slurm cluster of their own, or on the short shell tasks of the executor suite. */
const WAITING_FILES = ['slurm-preempt', 'executor-slurm', 'executor-slurm-rest', 'executor-agent'];

console.log(`Node ${process.versions.node} (${process.execPath})`);
let failed = 0;
if (!system) {
  if (only.length === 0) {
    // tsc checks on one core: the two projects side by side use both.
    failed |= await runTogether(['npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']], ['npx', ['tsc', '-p', 'packages/web/tsconfig.json', '--noEmit']]);
  }
  const files = only.length
    ? only
    : [...find('packages').filter((f) => !f.startsWith(join('packages', 'web'))), ...find('sim'), ...find('bench')];
  if (files.length) {
    failed |= await run('node', [...NODE_TEST_FLAGS, '--test-concurrency=2', '--test-timeout=300000', ...files], { env: testEnv });
  }
  if (only.length === 0 && find(join('packages', 'web')).length) {
    failed |= await run('npx', ['vitest', 'run', '--root', 'packages/web']);
  }
} else {
  // Two files at a time: most of a system test's time is spent waiting on another process (Chromium,
  // slurmctld, a renderer, PostgreSQL, a spawned server), and each file brings its own (free ports,
  // its own Slurm cluster, database and data directory), so two share the machine without sharing
  // state. The longest files start first so the two lanes end together.
  // The Slurm and executor-suite files wait on their cluster or their tasks' sleeps almost all the
  // time (on a loaded machine slurm-preempt's tests took 14 s, 12 s on a quiet one): they run one
  // after another in a third lane beside the two, not in them.
  const files = only.length ? only : longestFirst(find('test'));
  const waiting = only.length ? [] : files.filter((f) => WAITING_FILES.some((name) => f.endsWith(`${name}.test.ts`)));
  const rest = files.filter((f) => !waiting.includes(f));
  const nodeTest = (concurrency, list) => ['node', [...NODE_TEST_FLAGS, `--test-concurrency=${concurrency}`, '--test-timeout=600000', ...list], { env: testEnv }];
  failed |= await runTogether(nodeTest(rest.length === 1 ? 1 : 2, rest), ...(waiting.length ? [nodeTest(1, waiting)] : []));
}

/** Files known to take longest (a clean-clone run's times, longest first), first; the rest in name order. */
function longestFirst(files) {
  const slow = ['roles-browser', 'render-renderers', 'restart-cli', 'slurm-preempt', 'doors-live-demo-browser', 'citizen-kiosk-browser', 'executor-slurm', 'executor-slurm-rest', 'replicas-postgres', 'mine-browser', 'gov-browser', 'executor-agent'];
  const rank = (f) => {
    const i = slow.findIndex((name) => f.endsWith(`${name}.test.ts`));
    return i < 0 ? slow.length : i;
  };
  return [...files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
process.exit(failed ? 1 : 0);
