// `npm run bench -- sandbox [--n=200] [--reps=5]`: what the bubblewrap sandbox costs a task, side by side in
// one run: start latency (spawn → first byte of `echo ready`) and the run time of CPU-bound work, bare
// (plain spawn), with prlimit only, and inside the sandbox. Interleaved so drift hits every column alike.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskLimits } from '@shuzhi/schema';
import { openSandbox, TASK_DIR, type Sandbox } from '../../packages/agent/src/index.ts';
import { prlimitArgs } from '../../packages/agent/src/sandbox/limits.ts';
import { percentile } from '../stats.ts';
import { benchArgs } from '../args.ts';

const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');
const SCENE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data/render/tiny_anim.blend');
const LIMITS: TaskLimits = { cpuSeconds: 600, memoryMB: 2048, processes: 256 };
const WAYS = ['bare', 'prlimit', 'bubblewrap'] as const;
type Way = (typeof WAYS)[number];

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

/** Milliseconds from the spawn call to the first stdout byte, and to the exit; and what it printed. */
function timed(start: () => ChildProcess): Promise<{ firstByteMs: number; exitMs: number; stdout: string }> {
  const t0 = performance.now();
  const child = start();
  return new Promise((res, rej) => {
    let first = NaN;
    let out = '';
    let err = '';
    child.stdout!.once('data', () => (first = performance.now() - t0));
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    child.once('error', rej);
    child.once('close', (code) => (code === 0 ? res({ firstByteMs: first, exitMs: performance.now() - t0, stdout: out }) : rej(new Error(`exit ${code}: ${err.trim()}`))));
  });
}

/** The CPU seconds (user + sys) of a shell's children, from the last line of its `times`. */
function childCpuSeconds(timesOutput: string): number {
  const last = timesOutput.trim().split('\n').at(-1)!;
  return [...last.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
}

export async function run(args: string[]): Promise<void> {
  const a = benchArgs('sandbox', args, {
    n: { type: 'count', default: 200, help: 'tasks per way of running them' },
    reps: { type: 'count', default: 5, help: 'repetitions (the median is reported)' },
  });
  if (!a) return;
  const { n, reps } = a;
  const sandbox = await openSandbox();
  const root = mkdtempSync(path.join(tmpdir(), 'shuzhi-bench-sandbox-'));
  chmodSync(root, 0o711);
  try {
    const workDir = path.join(root, 'task');
    await sandbox.prepareWorkDir(workDir);
    const cores = cpus().length;
    const machine = { cores, cpu: cpus()[0]?.model ?? 'unknown', kernel: release(), sandbox: sandbox.description, node: process.version, loadAvg1m: round(loadavg()[0]!) };
    console.log(`\n== sandbox: the cost of bubblewrap per task ==\n${cores} cores (${machine.cpu}), Linux ${machine.kernel}, ${machine.sandbox}; load average ${machine.loadAvg1m} at start`);

    const starter = (way: Way, argv: string[], readOnly: string[] = []) => (): ChildProcess => {
      if (way === 'bubblewrap') return sandbox.spawn({ argv, workDir, env: {}, limits: LIMITS, readOnly });
      const full = way === 'prlimit' ? [...prlimitArgs(LIMITS, { nproc: false }), ...argv] : argv;
      return spawn(full[0]!, full.slice(1), { cwd: workDir, env: { PATH: '/usr/bin:/bin' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    };

    // Start latency: interleaved, after a few warm-up starts of each.
    const startMs: Record<Way, number[]> = { bare: [], prlimit: [], bubblewrap: [] };
    for (let i = -5; i < n; i++) {
      for (const way of WAYS) {
        const t = await timed(starter(way, ['echo', 'ready']));
        if (i >= 0) startMs[way].push(t.firstByteMs);
      }
    }

    // CPU-bound: sha256 over 200 MiB generated in the task (sh, head and sha256sum from coreutils). The wall
    // time and the CPU time the shell's `times` reports, which a busy machine disturbs much less.
    const hash = ['sh', '-c', 'head -c 209715200 /dev/zero | sha256sum >/dev/null; times'];
    const hashMs: Record<Way, number[]> = { bare: [], prlimit: [], bubblewrap: [] };
    const hashCpuS: Record<Way, number[]> = { bare: [], prlimit: [], bubblewrap: [] };
    for (let i = 0; i < reps; i++) {
      for (const way of WAYS) {
        const t = await timed(starter(way, hash));
        hashMs[way].push(t.exitMs);
        hashCpuS[way].push(childCpuSeconds(t.stdout));
      }
    }

    // A real render, when Blender and the test scene are here: one frame of tiny_anim.blend.
    const render = { ms: { bare: [], prlimit: [], bubblewrap: [] } as Record<Way, number[]>, cpuS: { bare: [], prlimit: [], bubblewrap: [] } as Record<Way, number[]> };
    const withBlender = existsSync('/usr/bin/blender') && existsSync(SCENE);
    if (withBlender) {
      // Each way writes its own frames: a frame left by a bare (root) run would not be the task's to overwrite.
      const out = (way: Way) => (way === 'bubblewrap' ? `${TASK_DIR}/${way}` : path.join(workDir, way));
      const blender = (way: Way) => ['sh', '-c', `mkdir -p ${out(way)} && blender -b -noaudio ${SCENE} -o ${out(way)}/f_#### -F PNG -f 1 >/dev/null && times`];
      for (let i = 0; i < Math.min(reps, 3); i++) {
        for (const way of WAYS) {
          const t = await timed(starter(way, blender(way), [path.dirname(SCENE)]));
          render.ms[way].push(t.exitMs);
          render.cpuS[way].push(childCpuSeconds(t.stdout));
        }
      }
    } else {
      console.log('(no Blender or ../shared/data/render: the render row is left out)');
    }

    const rows: [string, (w: Way) => string][] = [
      [`start → first byte, p50 (ms, n=${n})`, (w) => round(percentile([...startMs[w]].sort((a, b) => a - b), 50)).toFixed(2)],
      [`start → first byte, p99 (ms, n=${n})`, (w) => round(percentile([...startMs[w]].sort((a, b) => a - b), 99)).toFixed(2)],
      [`sha256 of 200 MiB, median wall (ms, ${reps} runs)`, (w) => round(median(hashMs[w]), 0).toFixed(0)],
      [`… its CPU user+sys, median (s)`, (w) => round(median(hashCpuS[w])).toFixed(2)],
      ...(withBlender
        ? ([
            [`Blender 1 frame, median wall (ms, ${render.ms.bare.length} runs)`, (w) => round(median(render.ms[w]), 0).toFixed(0)],
            ['… its CPU user+sys, median (s)', (w) => round(median(render.cpuS[w])).toFixed(2)],
          ] as [string, (w: Way) => string][])
        : []),
    ];
    console.log(`${'measure'.padEnd(44)} ${WAYS.map((w) => w.padStart(12)).join(' ')}`);
    for (const [label, f] of rows) console.log(`${label.padEnd(44)} ${WAYS.map((w) => f(w).padStart(12)).join(' ')}`);

    const summary = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return { p50Ms: round(percentile(s, 50)), p99Ms: round(percentile(s, 99)), maxMs: round(s[s.length - 1]!) };
    };
    const loadAvg1mEnd = round(loadavg()[0]!);
    console.log(`load average ${loadAvg1mEnd} at the end (on a busy machine the wall times carry its noise; the CPU row much less)`);
    const result = {
      machine: { ...machine, loadAvg1mEnd },
      startLatency: Object.fromEntries(WAYS.map((w) => [w, { n, ...summary(startMs[w]) }])),
      sha256_200MiB: Object.fromEntries(WAYS.map((w) => [w, { runs: reps, medianMs: round(median(hashMs[w]), 0), medianCpuS: round(median(hashCpuS[w])) }])),
      blenderFrame: withBlender ? Object.fromEntries(WAYS.map((w) => [w, { runs: render.ms[w].length, medianMs: round(median(render.ms[w]), 0), medianCpuS: round(median(render.cpuS[w])) }])) : null,
      at: new Date().toISOString(),
      note: 'bare = plain spawn; prlimit = the limits wrapper alone; bubblewrap = the full sandbox (namespaces, binds, uid switch under root, limits)',
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(path.join(RESULTS, 'sandbox.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log('written to bench/results/sandbox.json');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
