// `npm run bench -- render [--nodes=N] [--workers=W] [--paced=R] [--quick] [--db=pglite|postgres|both] [--heap-snapshot]`: the render
// farm dispatcher at scale, on the embedded PGlite and on PostgreSQL 15 side by side (default both).
// One server process (the real platform on 127.0.0.1) and W worker processes that each hold
// thousands of simulated render nodes on keep-alive HTTP connections (undici Agent), all speaking the
// real worker protocol (POST /api/workers/:id/sync, one enrolled credential per node) with short fake tasks. Bounded in counts and time.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fleetLeaseMs, fleetLeasePolicyOf, LISTEN_BACKLOG } from '@shuzhi/server';
import { PostgresNotInstalledError, startPostgres } from '../../test/support/postgres.ts';
import { serverHeapFlags } from '../../scripts/server-heap.mjs';
import { benchArgs } from '../args.ts';
import { percentile } from '../stats.ts';
import { assetFanoutRow, assetFanoutSection } from './fanout.ts';
import type { ConnReport } from './conn-watch.ts';
import type { LoopReport } from './loop-watch.ts';
import { countsSince, FLEET_CONNECTIONS_OPTION, startNodeFleet, type FleetConnections } from './node-fleet.ts';
import { sleepDaySection } from './sleep.ts';
import { timeline, type OverviewSample } from './timeline.ts';
import { chunkForSteadyWindow, steadyWindow, type QueueMark } from './steady.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const RESULTS = fileURLToPath(new URL('../results/render.json', import.meta.url));


/** Children start through bash so the soft open-file limit can be raised to the hard limit first. */
function spawnTs(script: string, args: string[], env: Record<string, string> = {}, nodeFlags: string[] = []): ChildProcess {
  return spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec node --import tsx "$@"', 'bash', ...nodeFlags, script, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
}

function rssMB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}


/**
 * CPU time the process has used (user + system, ms), from /proc: per request it is a figure a busy
 * machine barely moves, where wall-clock rates fall with every neighbour.
 */
function cpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/**
 * Handshakes the kernel dropped because a listening socket's accept queue was full (TcpExt
 * ListenOverflows, machine-wide: other programs' servers count too).
 */
function listenOverflows(): number {
  try {
    const [head, values] = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
    const i = head!.split(' ').indexOf('ListenOverflows');
    return Number(values!.split(' ')[i]);
  } catch {
    return NaN;
  }
}

/** The server's accept queue: its listen backlog, capped by the kernel at net.core.somaxconn. */
function acceptQueue(): number {
  try {
    return Math.min(LISTEN_BACKLOG, Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim()));
  } catch {
    return LISTEN_BACKLOG;
  }
}

/** Files (sockets included) the process holds open now, from /proc. */
function openFiles(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Db = { label: 'pglite' | 'postgresql'; url?: string };

interface RenderBenchOptions {
  nodes: number;
  workers: number;
  quick: boolean;
  profile: boolean;
  heapSnapshot: boolean;
  semiSpaceMB: number;
  /** --old-space as given; `npm-start` is resolved per database (scripts/server-heap.mjs). */
  oldSpace: string;
  paced: number;
  connect: number;
  frames: number;
  lockstep: boolean;
  timeline: boolean;
  pooled: boolean;
}

/** How long the paced window runs (s): 1.5 mean task lengths (nodes / paced), at least 10 s. */
const pacedWindowSec = (nodes: number, paced: number) => Math.max(10, 1.5 * (nodes / paced));

/** Frames per task of the dispatched job: enough tasks to leave work queued through the saturated window. */
function chunkOf(nodes: number, paced: number, frames: number, quick: boolean): number {
  return chunkForSteadyWindow({ nodes, paced, pacedWindowSec: pacedWindowSec(nodes, paced), steadySec: quick ? 10 : 20 }, frames);
}

/** The server's old-generation cap in MB (0: V8's default); `npm-start`: the one scripts/start.mjs gives it on this database. */
function oldSpaceOf(choice: string, db: Db): number {
  if (choice === 'v8') return 0;
  if (choice !== 'npm-start') return Number(choice);
  const flag = serverHeapFlags({ ...process.env, DATABASE_URL: db.url ?? '' }).find((f) => f.startsWith('--max-old-space-size='));
  return flag ? Number(flag.split('=')[1]) : 0;
}

/** A second heavy process sharing the machine: one core of SHA-256 hashing until it is killed. */
function startBusyNeighbour(): ChildProcess {
  const burn = "const c=require('node:crypto');const b=Buffer.alloc(1<<20);for(;;)c.createHash('sha256').update(b).digest()";
  return spawn(process.execPath, ['-e', burn], { stdio: 'ignore' });
}

export async function run(args: string[]): Promise<void> {
  const a = benchArgs('render', args, {
    nodes: { type: 'count', default: 20_000, help: 'simulated render nodes (2,000 with --quick)' },
    workers: { type: 'count', default: 4, help: 'processes simulating the nodes' },
    paced: { type: 'count', default: 1000, help: 'tasks/s the nodes ask for while ask → task latency is measured (task length = nodes / paced s)' },
    connect: { type: 'count', default: 2500, help: 'simulated nodes started per second, over all worker processes, while they connect' },
    db: { type: 'choice', choices: ['pglite', 'postgres', 'both', 'none'], default: 'both', help: 'which database (none: only the asset fan-out figures)' },
    quick: { type: 'switch', help: 'a smaller run: 2,000 nodes, a 100,000-frame job' },
    frames: { type: 'count', default: 1_000_000, help: 'frames of the dispatched job (default 1,000,000, 100,000 with --quick), in chunks of 10 frames a task, or fewer where the nodes need more tasks to keep work queued through a steady saturated window (20 s at 3,000 tasks/s, 10 s with --quick; steady.ts)' },
    heartbeats: { type: 'choice', choices: ['agent', 'lockstep'], default: 'agent', help: "when a simulated node heartbeats: as the agent (a task's first at a random phase of the interval's last three quarters, the second timed from it: pacing.ts) or, for comparison, every interval from its task's start (lockstep: the agent before pacing.ts)" },
    timeline: { type: 'switch', help: 'print the paced and heartbeat windows second by second (heartbeats sent, tasks handed out and their ask → task p99, overview calls) and the asks and overviews in heartbeat bursts against the rest' },
    connections: FLEET_CONNECTIONS_OPTION,
    busy: { type: 'switch', help: 'run a second heavy process (one core of hashing) beside the bench the whole time, as on a shared machine' },
    profile: { type: 'switch', help: "write the server's CPU profile to bench/results/render-<database>.cpuprofile (open in Chrome DevTools)" },
    'semi-space': { type: 'choice', choices: ['v8', '16', '32', '64', '128'], default: 'v8', help: "the server's --max-semi-space-size in MB (V8's young generation; v8: V8's own default)" },
    'old-space': { type: 'choice', choices: ['npm-start', 'v8', '512', '640', '768', '1024', '1536', '2048'], default: 'npm-start', help: "the server's --max-old-space-size in MB (a cap below V8's default also makes V8 grow the heap by a smaller factor between full collections; npm-start: as `npm start` runs it, scripts/server-heap.mjs; v8: V8's own default)" },
    'heap-snapshot': { type: 'switch', help: "write the server's heap after the paced and the heartbeat phases to bench/results/render-<database>-<phase>.heapsnapshot (Chrome DevTools, Memory)" },
  });
  if (!a) return;
  const which = a.db;
  const opts: RenderBenchOptions = { nodes: a.quick && !a.given.has('nodes') ? 2000 : a.nodes, workers: a.workers, quick: a.quick, profile: a.profile, heapSnapshot: a['heap-snapshot'], semiSpaceMB: a['semi-space'] === 'v8' ? 0 : Number(a['semi-space']), oldSpace: a['old-space'], paced: a.paced, connect: a.connect, frames: a.quick && !a.given.has('frames') ? 100_000 : a.frames, lockstep: a.heartbeats === 'lockstep', timeline: a.timeline, pooled: a.connections === 'pool' };
  const assets = await assetFanoutSection(opts.nodes);
  const sleepDay = sleepDaySection();
  if (which === 'none') return;
  const neighbour = a.busy ? startBusyNeighbour() : null;
  if (neighbour) console.log(`\n--busy: a second heavy process (pid ${neighbour.pid}, one core of SHA-256 hashing) runs beside the bench until it ends`);
  try {
    await runAll(opts, which, assets, sleepDay, a.busy);
  } finally {
    neighbour?.kill('SIGKILL');
  }
}

async function runAll(opts: RenderBenchOptions, which: string, assets: Awaited<ReturnType<typeof assetFanoutSection>>, sleepDay: ReturnType<typeof sleepDaySection>, busy: boolean): Promise<void> {
  const results: Record<string, Record<string, unknown>> = {};
  // One database's run failing (its server died, a call it cannot do without failed) is reported and
  // the other still runs: the bench prints what it measured instead of crashing.
  const phase = async (db: Db): Promise<Record<string, unknown>> => {
    try {
      return await runOn(opts, db);
    } catch (err) {
      console.log(`\n${db.label}: the run stopped early: ${(err as Error).name}: ${(err as Error).message}`);
      return { failed: `${(err as Error).name}: ${(err as Error).message}` };
    }
  };
  if (which === 'pglite' || which === 'both') results['pglite'] = await phase({ label: 'pglite' });
  if (which === 'postgres' || which === 'both') {
    let pg: Awaited<ReturnType<typeof startPostgres>> | null = null;
    try {
      pg = await startPostgres({ database: 'shuzhi_bench_render' });
    } catch (err) {
      if (!(err instanceof PostgresNotInstalledError)) throw err;
      console.log(`\nrender bench on PostgreSQL skipped: ${err.message}`);
    }
    if (pg) {
      try {
        results['postgresql'] = await phase({ label: 'postgresql', url: pg.url });
      } finally {
        await pg.stop();
      }
    }
  }
  const dbs = Object.keys(results);
  if (dbs.length > 1) {
    console.log(`\n== render farm, side by side ==\n${'measure'.padEnd(36)} ${dbs.map((d) => d.padStart(22)).join(' ')}  target`);
    for (const [k, tgt, f] of TABLE) console.log(`${k.padEnd(36)} ${dbs.map((d) => f(results[d]!).padStart(22)).join(' ')}  ${tgt}`);
  }
  console.log(assetFanoutRow(assets));
  // Top-level figures: PostgreSQL when measured (the database a farm of this size runs on), else PGlite.
  const primary = results['postgresql'] ?? results['pglite']!;
  mkdirSync(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true });
  writeFileSync(
    busy ? RESULTS.replace(/\.json$/, '-busy.json') : RESULTS,
    `${JSON.stringify({ ...primary, busyNeighbour: busy, assetFanout: assets, sleepDay, database: results['postgresql'] ? 'postgresql' : 'pglite', byDatabase: results, at: new Date().toISOString(), note: 'simulated nodes with fake tasks over loopback HTTP; top-level figures from the database named in "database"' }, null, 2)}\n`,
  );
  console.log(`written to bench/results/render${busy ? '-busy' : ''}.json`);
}

type MemoryParts = { rssMB: number; heapUsedMB: number; heapTotalMB: number; arrayBuffersMB: number; externalMB: number; pgliteMB: number; spaces?: Record<string, number> };

/**
 * RSS by part. PGlite's WebAssembly memory is an external buffer (counted in `external`, as array
 * buffers are), reserved whole but resident only where touched, so the parts are upper bounds and
 * the native rest (compiled code, sockets, Node's own allocations) is what RSS leaves over.
 */
/** Tasks by the lease they came with, e.g. "60 s × 30,422". */
function leasesText(byLeaseMs: Record<string, number>): string {
  const parts = Object.entries(byLeaseMs).sort((x, y) => y[1] - x[1]).map(([ms, n]) => `${ms === 'none' ? 'none named' : `${Number(ms) / 1000} s`} × ${n}`);
  return parts.length ? parts.join(', ') : 'no task handed out';
}

function memoryParts(m: MemoryParts): string {
  const otherExternal = Math.max(0, m.externalMB - m.pgliteMB);
  const rest = m.rssMB - m.heapTotalMB - m.externalMB;
  return `RSS ${m.rssMB} MB = V8 heap ${m.heapTotalMB} MB held (${m.heapUsedMB} MB used) + PGlite's WebAssembly memory ${m.pgliteMB} MB + other external ${otherExternal} MB (${m.arrayBuffersMB} MB array buffers) + native rest ${rest} MB (code, sockets, Node's allocations)${m.spaces ? `; heap used by space: ${Object.entries(m.spaces).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ')} MB` : ''}`;
}

/** The server's memory by part at its highest RSS, as last reported, for the table. */
function peakMemory(o: Record<string, unknown>): string {
  const m = ((o.memoryHeartbeats ?? o.memoryPaced ?? o.memoryConnected) as { peak: MemoryParts } | null | undefined)?.peak;
  return m ? `${m.rssMB}: ${m.heapTotalMB} / ${m.pgliteMB} / ${m.rssMB - m.heapTotalMB - m.pgliteMB}` : 'not reported';
}
/** The steady window's queue at its ends (thousands) and the server's CPU per task in it. */
function steadyCell(o: Record<string, unknown>): string {
  const w = o.steadyWindow as { queuedAtStart: number; queuedAtEnd: number; cpuMsPerTask: number; sec: number } | null | undefined;
  return w ? `${Math.round(w.queuedAtStart / 1000)}k → ${Math.round(w.queuedAtEnd / 1000)}k in ${Math.round(w.sec)} s; ${w.cpuMsPerTask}` : '–';
}
const loopCell = (l: unknown) => (l ? `${(l as LoopReport).delayP99Ms} / ${(l as LoopReport).delayMaxMs}` : '–');

const TABLE: [string, string, (o: Record<string, unknown>) => string][] = [
  ['connected nodes', '20,000', (o) => String(o.connectedNodes)],
  ['server RSS idle / peak (MB)', '< 2,048 PGlite, < 1,024 PG', (o) => `${o.rssIdleMB} / ${o.rssDispatchMB}`],
  ['… peak under heartbeat overload (MB)', '', (o) => String(o.rssMB)],
  ['… peak RSS: V8 heap / PGlite / rest (MB)', '', peakMemory],
  ['tasks dispatched / s (steady)', '≥ 2,000', (o) => (o.dispatchPerSec == null ? 'no steady window' : String(o.dispatchPerSec))],
  ['… queued at start → end; CPU ms/task', '≥ nodes', steadyCell],
  ['… to 99% completed (a drain)', '', (o) => String(o.dispatchPerSecTo99)],
  ['… including the straggler tail', '', (o) => String(o.dispatchPerSecWithTail)],
  ['ask → task p50 / p99 (ms), paced', 'p99 < 1,000', (o) => `${o.p50Ms} / ${o.p99Ms}`],
  ['… server loop delay p99 / max (ms)', '', (o) => loopCell(o.loopPaced)],
  ['… at tasks/s asked (dispatched)', '', (o) => `${o.pacedOffered} (${o.pacedPerSec})`],
  ['… saturated (the queue: nodes / rate)', '', (o) => `${o.p50MsSaturated} / ${o.p99MsSaturated}`],
  ['overview p50 / max, paced (ms)', '< 1,000', (o) => `${o.overviewPacedP50Ms} / ${o.overviewPacedMaxMs}`],
  ['nodes holding a task (heartbeat phase)', 'all', (o) => String(o.holdingNodes)],
  ['… their lease / interval (s); at 20k nodes', '', (o) => `${Number(o.heartbeatLeaseMs) / 1000} / ${Number(o.heartbeatIntervalMs) / 1000}; ${Number(o.heartbeatLease20kMs) / 1000} / ${Math.floor(Number(o.heartbeatLease20kMs) / 3) / 1000}`],
  ['heartbeats absorbed / s (offered)', '= offered', (o) => `${o.heartbeatsPerSec} (${o.heartbeatsOffered})`],
  ['… sent / s: mean / busiest second', '', (o) => `${o.heartbeatsSentMeanPerSec} / ${o.heartbeatsSentBusiestSec}`],
  ['server CPU ms per task (assign+complete)', '', (o) => `${o.serverCpuMsPerTask} (paced ${o.pacedCpuMsPerTask})`],
  ['server CPU ms per heartbeat (→ per CPU-s)', '', (o) => `${o.serverCpuMsPerHeartbeat} (${o.heartbeatsPerCpuSec}/s)`],
  ['… headroom over 20k nodes / interval', '≥ 1.5 (one core)', (o) => `${o.heartbeatHeadroom}× of ${o.heartbeatsNeeded20k}/s`],
  ['overview p50 / max, saturated (ms)', '< 1,000', (o) => `${o.overviewDispatchP50Ms} / ${o.overviewDispatchMaxMs}`],
  ['overview p50 / max, heartbeats (ms)', '< 1,000', (o) => `${o.overviewHeartbeatP50Ms} / ${o.overviewHeartbeatMaxMs}`],
  ['node errors; bench timeouts/failures', '0', (o) => `${o.errors}; ${o.benchTimeouts}/${o.benchFailures}`],
  ['the job (frames) accepted (s)', '< 30 for 1,000,000', (o) => `(${Number(o.frames).toLocaleString('en')}) ${o.millionFrameSubmitSec}`],
  ['… and fully dispatched', '', (o) => `${o.millionFrameFullyDispatched} in ${Number(o.dispatchSec).toFixed(1)} s`],
];

async function runOn({ nodes, workers, quick, profile, heapSnapshot, semiSpaceMB, oldSpace, paced, connect, frames, lockstep, timeline: printTimeline, pooled }: RenderBenchOptions, db: Db): Promise<Record<string, unknown>> {
  const oldSpaceMB = oldSpaceOf(oldSpace, db);
  const hardLimit = Number((await new Promise<string>((res) => {
    const p = spawn('bash', ['-c', 'ulimit -Hn'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', () => res(out.trim()));
  })) || 1024);
  // The server needs one socket per connection plus its own files; keep a margin under the cap.
  const connsPerWorker = Math.max(1, Math.floor(Math.min(nodes, hardLimit - 800) / workers));
  console.log(`\nrender farm bench: ${nodes} simulated nodes in ${workers} worker processes (${pooled ? `undici keep-alive pools of ${connsPerWorker} connections each, each call on the first free one` : `each node on its own keep-alive connection, ${connsPerWorker} per process`}, ${connsPerWorker * workers} sockets in all), started at ${connect}/s; one server process; loopback only`);
  console.log(`open files: soft limit raised to the hard limit ${hardLimit} in every child (bash 'ulimit -n $(ulimit -Hn)'); raising the hard limit needs root with CAP_SYS_RESOURCE (e.g. 'prlimit --nofile=65536:65536' or LimitNOFILE in systemd)`);
  // The server is the process at the cap: it holds every node's connection, a worker process only its share.
  if (connsPerWorker * workers < nodes) console.log(`note: ${nodes} nodes share ${connsPerWorker * workers} connections because of that cap on the server process (it holds all of them; each worker process ${connsPerWorker}); ${pooled ? 'a node whose pool is full waits client-side for a connection, and a parked long poll frees one within its wait' : `${nodes - connsPerWorker * workers} connections carry two nodes each, one call at a time`}`);

  // Sockets the kernel still holds from an earlier phase (TIME_WAIT keeps a closed connection's port for 60 s).
  console.log(`kernel TCP sockets before this phase: ${/TCP: (.*)/.exec(readFileSync('/proc/net/sockstat', 'utf8'))?.[1] ?? 'unknown'}`);
  console.log(`database: ${db.label === 'pglite' ? 'PGlite (embedded, in the server process)' : 'PostgreSQL 15 (throw-away local cluster, its own processes)'}`);
  const server = spawnTs(`${HERE}server.ts`, [], { SHUZHI_RENDER_VERIFY_FRAMES: '0', SHUZHI_DEMO: '0', DATABASE_URL: db.url ?? '', BENCH_NODES: String(nodes) }, [
    ...(semiSpaceMB > 0 ? [`--max-semi-space-size=${semiSpaceMB}`] : []),
    ...(oldSpaceMB > 0 ? [`--max-old-space-size=${oldSpaceMB}`] : []),
    ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${fileURLToPath(new URL('../results/', import.meta.url))}`, `--cpu-prof-name=render-${db.label}.cpuprofile`] : []),
  ]);
  console.log(`server V8 heap: young generation ${semiSpaceMB > 0 ? `--max-semi-space-size=${semiSpaceMB} (MB)` : "V8's default"}, old generation ${oldSpaceMB > 0 ? `--max-old-space-size=${oldSpaceMB} (MB)` : "V8's default"}`);
  const info = await new Promise<{ port: number; credentialsFile: string; enrollMs: number; operator: string; studio: string; pid: number; scenePath: string; leaseMs: number; heartbeatBudget: number }>((res, rej) => {
    const rl = createInterface({ input: server.stdout! });
    // Other modules may print warnings first; ours is the line that starts with {"port".
    rl.on('line', (l) => {
      if (l.startsWith('{"port"')) res(JSON.parse(l));
    });
    server.once('exit', (c) => rej(new Error(`bench server exited with ${c}`)));
  });
  const url = `http://127.0.0.1:${info.port}`;
  // The server answers `memory` (its memory by part, and at its highest RSS so far) and `loop` (its event
  // loop since the last ask) on stdin with one JSON line each (bench/render/server.ts).
  type Memory = MemoryParts & { peak: MemoryParts };
  const waiting = new Map<string, (v: any) => void>();
  createInterface({ input: server.stdout! }).on('line', (l) => {
    const m = /^\{"(memory|loop|heap)"/.exec(l);
    if (m) waiting.get(m[1]!)?.(JSON.parse(l)[m[1]!]);
  });
  const askServer = async <T,>(what: 'memory' | 'loop' | 'heap', arg = ''): Promise<T | null> => {
    const got = new Promise<T | null>((res) => {
      waiting.set(what, res);
      // A loaded server reads its stdin late; past this the phase's figure is missing, said so below.
      setTimeout(() => res(null), what === 'heap' ? 300_000 : 20_000).unref();
    });
    server.stdin!.write(`${what}${arg ? ` ${arg}` : ''}\n`);
    const v = await got;
    waiting.delete(what);
    return v;
  };
  const memory = async (phase: string): Promise<Memory | null> => {
    const m = await askServer<Memory>('memory');
    if (m) console.log(`  server memory, ${phase}: ${memoryParts(m)}\n  … at its highest RSS so far (sampled every 0.5 s): ${memoryParts(m.peak)}`);
    else console.log(`  server memory, ${phase}: the server did not answer within 20 s`);
    return m;
  };
  /** With --heap-snapshot: the server's live heap after a phase (the snapshot collects the garbage first). */
  const snapshot = async (phase: string): Promise<void> => {
    if (!heapSnapshot) return;
    const file = await askServer<string>('heap', fileURLToPath(new URL(`../results/render-${db.label}-${phase}.heapsnapshot`, import.meta.url)));
    console.log(`  server heap snapshot, ${phase}: ${file ?? 'not written within 5 minutes'}`);
  };
  /** The server's event loop over a phase (reset at its start): how late it ran, its stalls and what ran in them. */
  const loopOf = async (phase: string): Promise<LoopReport | null> => {
    const l = await askServer<LoopReport>('loop');
    if (!l) return null;
    console.log(`  server event loop, ${phase}: CPU ${(l.cpuMs / 1000).toFixed(1)} s in ${(l.wallMs / 1000).toFixed(1)} s; delay p50 ${l.delayP50Ms} ms, p99 ${l.delayP99Ms} ms, max ${l.delayMaxMs} ms; ${l.stalls} stalls over 100 ms (${l.stallMs} ms in all, the server's CPU busy ${l.stallCpuMs} ms of it)${l.worstStalls.length ? `; worst: ${l.worstStalls.map((w) => `${w.ms} ms (CPU ${w.cpuMs}) at ${w.atSec} s${w.during.length ? ` (under way: ${w.during.join(', ')})` : ''}`).join('; ')}` : ''}`);
    const turns = (l as LoopReport & { syncTurns?: { perTurn: number; deferred: number; maxWaiting: number } | null }).syncTurns;
    if (turns) console.log(`    worker syncs that waited for a later loop turn (at most ${turns.perTurn} start per turn): ${turns.deferred}, at most ${turns.maxWaiting} at once`);
    const wr = (l as LoopReport & { writer?: { heldAsks: number; maxBacklogRows: number; bound: number; maxBatchMs: number } }).writer;
    if (wr) console.log(`    batch writer: largest backlog ${wr.maxBacklogRows} rows (bound ${wr.bound}), longest batch ${wr.maxBatchMs} ms; asks held back over the bound: ${wr.heldAsks}`);
    const cw = (l as LoopReport & { connections?: ConnReport }).connections;
    if (profile) console.log(`    CPU profile window (monotonic µs, for bench/render/profile-summary.ts --from --to): ${l.fromMonoUs} ${l.toMonoUs}`);
    if (cw) console.log(`    server connections: ${cw.opened} opened (at most ${cw.openedMaxPerSec} in one second), ${cw.open} open now; closed by cause ${JSON.stringify(cw.closed)}; request/headers timeouts and bad requests ${JSON.stringify(cw.clientErrors)}`);
    const busy = Object.entries(l.phases).filter(([, p]) => p.maxMs >= 50 || p.stalls > 0);
    if (busy.length) console.log(`    periodic work: ${busy.map(([k, p]) => `${k} ${p.calls}× max ${p.maxMs} ms${p.stalls ? `, in ${p.stalls} stalls` : ''}`).join('; ')}`);
    return l;
  };
  const call = async (token: string, method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<any> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await callOnce(token, method, path, body, timeoutMs);
      } catch (err) {
        // A keep-alive socket the server closed a moment ago: try again on a fresh one.
        if (attempt >= 3 || !(err instanceof TypeError)) throw err;
        await sleep(500);
      }
    }
  };
  // The bench's own reads while the farm is loaded: a slow answer or a timeout is counted, never a crash.
  const slowAnswers = { timeouts: 0, failures: 0 };
  const tryCall = async (token: string, method: string, path: string): Promise<any> => {
    try {
      return await call(token, method, path);
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') slowAnswers.timeouts++;
      else slowAnswers.failures++;
      return null;
    }
  };
  /** The operator's overview, timed; null when it failed or timed out (counted). */
  const overviewMs: number[] = [];
  const overviewLog: OverviewSample[] = [];
  const timedOverview = async (): Promise<any> => {
    const t = performance.now();
    const at = Date.now();
    const ov = await tryCall(info.operator, 'GET', '/api/render/overview');
    if (ov) overviewMs.push(performance.now() - t);
    if (ov) overviewLog.push({ at, ms: performance.now() - t });
    return ov;
  };
  const callOnce = async (token: string, method: string, path: string, body: unknown, timeoutMs: number) => {
    const r = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(timeoutMs), method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const j = await r.json();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(j)}`);
    return j;
  };
  const idleRss = rssMB(info.pid);
  console.log(`${nodes} workers enrolled with a credential each in ${info.enrollMs} ms`);
  let peakRss = idleRss;
  // The server's open files, sampled with its RSS: at its cap, the server's accept fails (EMFILE) and libuv
  // accepts and closes what waits in the queue to drain it, so nodes see their connections reset.
  let peakFiles = 0;
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, rssMB(info.pid));
    peakFiles = Math.max(peakFiles, openFiles(info.pid));
  }, 500);

  const overflows0 = listenOverflows();
  const fleet = startNodeFleet(
    { urls: [url], credentialsFile: info.credentialsFile, nodes, workers, connectionsPerWorker: connsPerWorker, seed: 7, connectPerSec: connect, lockstepHeartbeats: lockstep, pooledConnections: pooled },
    (cfg) => spawnTs(`${HERE}worker.ts`, [cfg]),
  );
  const { procs, total, send } = fleet;
  // The nodes' failed calls in each phase, by kind (when they fail says which load caused them).
  let errorsBefore: Record<string, number> = {};
  let connsBefore: FleetConnections = { connects: 0, disconnects: {}, connectErrors: {} };
  const phaseErrors = (phase: string): Record<string, number> => {
    const now = fleet.errorKinds();
    const since = countsSince(now, errorsBefore);
    errorsBefore = now;
    console.log(`  node calls that failed in ${phase}, by kind: ${Object.keys(since).length ? JSON.stringify(since) : 'none'}; handshakes the kernel dropped for a full accept queue so far (machine-wide): ${listenOverflows() - overflows0}; the server's open files at most ${peakFiles} (cap ${hardLimit})`);
    // Which side closed connections in the phase: the nodes' view (undici), beside the server's (loop report).
    const c = fleet.connections();
    console.log(`    nodes' connections in ${phase} (undici): ${c.connects - connsBefore.connects} opened; closed by reason ${JSON.stringify(countsSince(c.disconnects, connsBefore.disconnects))}; connects failed ${JSON.stringify(countsSince(c.connectErrors, connsBefore.connectErrors))}; kernel TCP now: ${/TCP: (.*)/.exec(readFileSync('/proc/net/sockstat', 'utf8'))?.[1] ?? 'unknown'}`);
    connsBefore = c;
    peakFiles = 0;
    return since;
  };

  const out: Record<string, unknown> = { nodes, workers, connections: connsPerWorker * workers, openFileLimit: hardLimit };
  // Hard stop whatever happens: the bench must end by itself. The processes are killed, so the calls
  // waiting on them fail and this database's run reports what it measured; the other still runs.
  server.stdin!.on('error', () => undefined);
  const alive = () => server.exitCode === null && server.signalCode === null;
  // A heap snapshot stops the server for a while (minutes for a heap of a few GB): 5 more minutes then.
  const boundMin = heapSnapshot ? 12 : 7;
  const watchdog = setTimeout(() => {
    console.error(`render bench: ${boundMin} minute bound of this database reached; stopping it`);
    for (const p of procs) p.kill('SIGKILL');
    server.kill('SIGKILL');
  }, boundMin * 60_000);
  watchdog.unref();
  try {
    // Phase 1: every node connects and parks in a long poll.
    const t0 = Date.now();
    // A node counts as connected once the server has seen its first sync (it is then parked in a long poll).
    const online = (o: any) => (o ? o.nodes.total - o.nodes.offline : 0);
    let ov = await tryCall(info.operator, 'GET', '/api/render/overview');
    while (alive() && online(ov) < nodes && Date.now() - t0 < 90_000) {
      await sleep(500);
      ov = (await tryCall(info.operator, 'GET', '/api/render/overview')) ?? ov;
    }
    const connectedRss = rssMB(info.pid);
    out.connectedNodes = online(ov);
    out.connectSec = (Date.now() - t0) / 1000;
    out.rssConnectedMB = Math.round(connectedRss);
    console.log(`connected: ${out.connectedNodes} nodes online at the server after ${out.connectSec} s; server RSS ${Math.round(connectedRss)} MB (idle before nodes: ${Math.round(idleRss)} MB)`);
    out.memoryConnected = await memory('all nodes connected');
    out.loopConnect = await loopOf('connecting');
    out.listenOverflowsConnect = listenOverflows() - overflows0;
    out.acceptQueue = acceptQueue();
    console.log(`  handshakes the kernel dropped for a full accept queue while connecting (machine-wide): ${out.listenOverflowsConnect}; the server's accept queue holds ${out.acceptQueue} (it asks for ${LISTEN_BACKLOG}, the kernel caps it at net.core.somaxconn)`);
    out.errorKindsConnect = phaseErrors('connecting');

    // Phase 2: a 1,000,000-frame job (chunks of 10) is accepted, then dispatched to the end.
    const scene = { kind: 'shared', path: info.scenePath };
    // Phase 2a, latency at a stated load: each node holds a task for a random time around nodes / paced
    // seconds (20 s at 20,000 nodes and 1,000 tasks/s), so the farm asks the server for `paced` tasks a
    // second, below what it can do. With the 0.2–1 s tasks of phase 2b every node asks again at once and
    // ask → task is only the length of the server's queue (nodes / dispatch rate), whatever the server does.
    const pacedMeanMs = (nodes / paced) * 1000;
    send({ taskMs: [0.5 * pacedMeanMs, 1.5 * pacedMeanMs] });
    send({ queuedAt: Date.now() });
    const chunk = chunkOf(nodes, paced, frames, quick);
    const s0 = performance.now();
    const job = await call(info.studio, 'POST', '/api/render/jobs', { name: 'bench million', scene, frames: `1-${frames}`, chunkSize: chunk, renderer: 'blender' }, 120_000);
    job.submitMs = performance.now() - s0;
    const submitSec = (job.submitMs ?? performance.now() - s0) / 1000;
    out.millionFrameSubmitSec = Number(submitSec.toFixed(3));
    out.frames = frames;
    out.millionFrameTasks = job.taskCount;
    console.log(`submitted ${frames} frames as ${job.taskCount} tasks (chunks of ${chunk} frames) in ${submitSec.toFixed(3)} s`);
    fleet.resetLatencies();
    overviewMs.length = 0;
    // The window opens once every node has had its first task (the start of a job on an idle farm is a
    // burst of `nodes` dispatches at once) and lasts 1.5 mean task lengths.
    const p0 = Date.now();
    const pa0 = total('assigned');
    while (alive() && total('assigned') - pa0 < nodes && Date.now() - p0 < 60_000) await sleep(500);
    out.pacedBurstSec = (Date.now() - p0) / 1000;
    // Asks begun before the window are the first-task burst's queue (20,000 asks at once), not the
    // paced load: the nodes keep them apart (measureFrom, sent ahead so every node has it in time).
    const pw0 = Date.now() + 1500;
    send({ measureFrom: pw0 });
    await sleep(pw0 - Date.now());
    fleet.resetLatencies();
    overviewMs.length = 0;
    await askServer('loop');
    fleet.resetLoop();
    const pwa0 = total('assigned');
    const pcpu0 = cpuMs(info.pid);
    // The nodes' calls in the window by kind: heartbeats, completions (each also asks for the next
    // task), and the rest (asks without a report: a node's first, after a lost task, retries).
    const pk0 = { syncs: total('syncs'), heartbeats: total('heartbeats'), completed: total('completed') };
    const pacedLeases0 = fleet.leasesGiven();
    while (alive() && Date.now() - pw0 < pacedWindowSec(nodes, paced) * 1000) {
      await timedOverview();
      await sleep(2000);
    }
    const pacedSec = (Date.now() - pw0) / 1000;
    const pw1 = Date.now();
    const pacedLat = fleet.latencies().slice().sort((x, y) => x - y);
    const carriedLat = fleet.carriedLatencies().slice().sort((x, y) => x - y);
    send({ measureFrom: 0 });
    out.pacedCarriedAsks = carriedLat.length;
    out.pacedCarriedP99Ms = carriedLat.length ? Number(percentile(carriedLat, 99).toFixed(1)) : null;
    const perSec = (n: number) => Math.round(n / pacedSec);
    const pacedHeartbeats = total('heartbeats') - pk0.heartbeats;
    const pacedCompletions = total('completed') - pk0.completed;
    out.pacedSyncsPerSec = { all: perSec(total('syncs') - pk0.syncs), heartbeats: perSec(pacedHeartbeats), completions: perSec(pacedCompletions), otherAsks: perSec(total('syncs') - pk0.syncs - pacedHeartbeats - pacedCompletions) };
    out.pacedOffered = paced;
    out.pacedTaskMeanMs = Math.round(pacedMeanMs);
    out.pacedPerSec = Math.round((total('assigned') - pwa0) / pacedSec);
    out.pacedCpuMsPerTask = Number(((cpuMs(info.pid) - pcpu0) / Math.max(1, total('assigned') - pwa0)).toFixed(3));
    out.p50Ms = Number(percentile(pacedLat, 50).toFixed(1));
    out.p99Ms = Number(percentile(pacedLat, 99).toFixed(1));
    const ovPaced = overviewMs.splice(0).sort((x, y) => x - y);
    out.overviewPacedP50Ms = Math.round(percentile(ovPaced, 50));
    out.overviewPacedMaxMs = Math.round(ovPaced.at(-1) ?? NaN);
    console.log(`paced: first task on all ${nodes} nodes in ${out.pacedBurstSec} s; then tasks of ${(0.5 * pacedMeanMs / 1000).toFixed(1)}–${(1.5 * pacedMeanMs / 1000).toFixed(1)} s (${nodes} nodes / ${(pacedMeanMs / 1000).toFixed(1)} s mean = ${paced} tasks/s asked) for ${pacedSec.toFixed(1)} s: ${out.pacedPerSec} tasks/s dispatched, ask->task p50 ${out.p50Ms} ms, p99 ${out.p99Ms} ms over ${pacedLat.length} asks; overview p50 ${out.overviewPacedP50Ms} ms, max ${out.overviewPacedMaxMs} ms`);

    console.log(`  asks begun before the window (the first-task burst) and answered in it: ${carriedLat.length}${carriedLat.length ? `, p99 ${out.pacedCarriedP99Ms} ms` : ''}; not in the p99 above`);
    const ps = out.pacedSyncsPerSec as Record<string, number>;
    console.log(`  node syncs in the paced window: ${ps.all}/s = ${ps.heartbeats} heartbeats + ${ps.completions} completions (each asking for the next task) + ${ps.otherAsks} other asks; ${(pacedHeartbeats / Math.max(1, pacedCompletions)).toFixed(2)} heartbeats per completed task`);
    out.pacedLeases = countsSince(fleet.leasesGiven(), pacedLeases0);
    console.log(`  leases the tasks of the paced window came with: ${leasesText(out.pacedLeases as Record<string, number>)}`);
    if (printTimeline) {
      await sleep(1200);
      console.log(`  paced window second by second:\n${timeline({ fromMs: pw0, toMs: pw1, beats: fleet.heartbeatsPerSecond(pw0, pw1), latencies: fleet.latenciesBySecond(), overviews: overviewLog })}`);
    }
    out.loopPaced = await loopOf('paced window');
    out.fleetLoopPacedMaxMs = fleet.loopMaxMs();
    console.log(`  simulated nodes' own event loops (worker processes), paced window: delay max ${out.fleetLoopPacedMaxMs} ms (a node's ask → task includes it)`);
    out.errorKindsPaced = phaseErrors('the paced phase');
    out.memoryPaced = await memory('paced dispatch');
    await snapshot('paced');
    // Phase 2b, throughput: 0.2–1 s tasks, the rest of the job dispatched as fast as the server can.
    send({ taskMs: [200, 1000] });
    fleet.resetLatencies();
    overviewMs.length = 0;
    const a0 = total('assigned');
    const cpu0 = cpuMs(info.pid);
    await askServer('loop');
    const d0 = Date.now();
    // Both databases in under 15 minutes: each run is bounded (connect 90 s, first tasks 60 s, paced 30 s, dispatch 150 s, heartbeats three intervals: 60 s at 20,000 nodes; 7 minutes in all).
    // A job sized for a steady window (steady.ts) takes longer than a drain: under load at 1,000 tasks/s, 120 s.
    const limitMs = quick ? 60_000 : 150_000;
    let done = false;
    let lastPrint = 0;
    // The queue once a second, for the steady window: timed while at least `nodes` tasks stay queued.
    const marks: QueueMark[] = [];
    // The sustained window ends when 99% of the tasks are completed; the tail after it is stragglers
    // (a node whose lease must expire first), reported separately.
    let sustained: { sec: number; dispatched: number; latencies: number; askLatencies: number } | null = null;
    while (alive() && Date.now() - d0 < limitMs) {
      await sleep(1000);
      const st = await tryCall(info.studio, 'GET', `/api/render/jobs/${job.id}?taskLimit=1`);
      if (st) marks.push({ atMs: Date.now(), assigned: total('assigned') - a0, queued: st.counts.queued, cpuMs: cpuMs(info.pid) });
      // The operator looks at the farm every other second while it dispatches.
      if (Math.floor((Date.now() - d0) / 1000) % 2 === 0) await timedOverview();
      if (!st) continue;
      if (!sustained && st.counts.completed >= 0.99 * (job.taskCount - 1)) {
        sustained = { sec: (Date.now() - d0) / 1000, dispatched: total('assigned') - a0, latencies: fleet.latencies().length, askLatencies: fleet.askLatencies().length };
      }
      if (Date.now() - lastPrint > 10_000) {
        lastPrint = Date.now();
        console.log(`  ${((Date.now() - d0) / 1000).toFixed(0)} s: ${total('assigned') - a0} dispatched, ${st.counts.completed} completed, ${st.counts.queued} queued`);
      }
      if (st.state === 'completed') {
        done = true;
        break;
      }
    }
    const dispatchSec = (Date.now() - d0) / 1000;
    out.serverCpuMsPerTask = Number(((cpuMs(info.pid) - cpu0) / Math.max(1, total('assigned') - a0)).toFixed(3));
    const ovDispatch = overviewMs.splice(0).sort((x, y) => x - y);
    out.overviewDispatchP50Ms = Math.round(percentile(ovDispatch, 50));
    out.overviewDispatchMaxMs = Math.round(ovDispatch.at(-1) ?? NaN);
    const dispatched = total('assigned') - a0;
    const win = sustained ?? { sec: dispatchSec, dispatched, latencies: fleet.latencies().length, askLatencies: fleet.askLatencies().length };
    const lat = fleet.latencies().slice(0, win.latencies).sort((a, b) => a - b);
    const fromAsk = fleet.askLatencies().slice(0, win.askLatencies).sort((a, b) => a - b);
    out.p99MsFromAsk = Number(percentile(fromAsk, 99).toFixed(1));
    const all = fleet.latencies().slice().sort((a, b) => a - b);
    out.millionFrameFullyDispatched = done;
    out.dispatchSec = dispatchSec;
    out.tasksDispatched = dispatched;
    out.dispatchPerSecTo99 = Math.round(win.dispatched / win.sec);
    const steady = steadyWindow(marks, nodes);
    out.dispatchPerSec = steady?.perSec ?? null;
    out.steadyWindow = steady && { sec: Number(steady.sec.toFixed(1)), tasks: steady.end.assigned - steady.start.assigned, queuedAtStart: steady.start.queued, queuedAtEnd: steady.end.queued, cpuMsPerTask: steady.cpuMsPerTask };
    out.dispatchPerSecWithTail = Math.round(dispatched / dispatchSec);
    out.p50MsSaturated = Number(percentile(lat, 50).toFixed(1));
    out.p99MsSaturated = Number(percentile(lat, 99).toFixed(1));
    out.p99MsWithTail = Number(percentile(all, 99).toFixed(1));
    console.log(
      steady
        ? `dispatch, saturated, steady: ${steady.end.assigned - steady.start.assigned} tasks in ${steady.sec.toFixed(1)} s = ${steady.perSec}/s while work stayed queued for every node (${steady.start.queued} tasks queued at the window's start, ${steady.end.queued} at its end, ≥ ${nodes} nodes throughout; it opened once every node had been handed a task in this phase, at ${((steady.start.atMs - d0) / 1000).toFixed(1)} s); server CPU ${steady.cpuMsPerTask} ms per task in it`
        : `dispatch, saturated: NO steady window (never ${nodes} tasks queued after every node had been handed one): the job left too little work for ${nodes} nodes; give more --frames`,
    );
    console.log(`  to 99% completed: ${win.dispatched} tasks in the first ${win.sec.toFixed(1)} s = ${out.dispatchPerSecTo99}/s (a drain at the end: the last tasks go to a few nodes); ask->task p50 ${out.p50MsSaturated} ms, p99 ${out.p99MsSaturated} ms = the queue of ${nodes} nodes asking at once (timed from the ask or the job's submission, whichever is later; from the ask alone, counting the idle wait of nodes parked before the job existed: p99 ${out.p99MsFromAsk} ms)`);
    console.log(`  with the tail: ${dispatched} dispatches (re-dispatches after lease expiry included) in ${dispatchSec.toFixed(1)} s = ${out.dispatchPerSecWithTail}/s, p99 ${out.p99MsWithTail} ms; job ${done ? 'completed' : 'NOT finished within the time bound'}`);

    // Peak so far: connecting 20,000 nodes and dispatching the 1,000,000-frame job.
    out.errorKindsSaturated = phaseErrors('the saturated phase');
    out.rssDispatchMB = Math.round(peakRss);
    out.loopDispatch = await loopOf('saturated dispatch');
    // Phase 3: every node holds a task of a long job and heartbeats as the agent does, every third of
    // the lease its task came with: the farm's lease at this many nodes (workers/fleet-lease.ts: 60 s at
    // 20,000 nodes and the default budget, so they offer 1,000/s).
    // A million-frame job not finished within its bound would keep the nodes from the hold job.
    if (!done) await tryCall(info.studio, 'POST', `/api/render/jobs/${job.id}/cancel`);
    // Told before the submission: the server hands the new job's tasks to parked nodes at once.
    send({ holdExcept: job.id });
    const holdLeases0 = fleet.leasesGiven();
    const h = await call(info.studio, 'POST', '/api/render/jobs', { name: 'bench hold', scene, frames: `1-${nodes}`, chunkSize: 1, renderer: 'blender' }, 120_000);
    // Measured once (nearly) every node holds a task, so every node heartbeats in the window.
    const hw0 = Date.now();
    let holding = 0;
    while (alive() && Date.now() - hw0 < 15_000) {
      const st = await tryCall(info.studio, 'GET', `/api/render/jobs/${h.id}?taskLimit=1`);
      holding = st?.counts.active ?? holding;
      if (holding >= 0.99 * nodes) break;
      await sleep(500);
    }
    out.holdingNodes = holding;
    // The nodes' counts reach the bench once a second: the last hand-outs are in the next report.
    await sleep(1500);
    // The lease the farm handed the hold job's tasks out with (the most common, should the fleet's size
    // have changed meanwhile), as the nodes saw it: their heartbeat interval is a third of it.
    const holdLeases = countsSince(fleet.leasesGiven(), holdLeases0);
    out.heartbeatLeases = holdLeases;
    const leaseMs = Number(Object.entries(holdLeases).sort((x, y) => y[1] - x[1])[0]?.[0] ?? info.leaseMs) || info.leaseMs;
    const intervalMs = Math.max(200, Math.floor(leaseMs / 3));
    // What 20,000 nodes would be handed (the same as above in a full run; --quick runs fewer nodes).
    const lease20kMs = fleetLeaseMs(20_000, fleetLeasePolicyOf({ SHUZHI_LEASE_MS: info.leaseMs, SHUZHI_HEARTBEAT_BUDGET: info.heartbeatBudget }));
    const interval20kMs = Math.max(200, Math.floor(lease20kMs / 3));
    const hb0 = total('heartbeatsOk');
    await askServer('loop');
    const h0 = Date.now();
    const hcpu0 = cpuMs(info.pid);
    // An operator's view under this load, every 2 s: answered (timed), or counted as slow. The window
    // spans three heartbeat intervals, so every holding node heartbeats in it about three times.
    let lastOv: any = null;
    while (alive() && Date.now() - h0 < 3 * intervalMs) {
      lastOv = (await timedOverview()) ?? lastOv;
      await sleep(2000);
    }
    const hbSec = (Date.now() - h0) / 1000;
    const absorbed = total('heartbeatsOk') - hb0;
    out.heartbeatsPerSec = Math.round(absorbed / hbSec);
    const msPerHeartbeat = (cpuMs(info.pid) - hcpu0) / Math.max(1, absorbed);
    out.serverCpuMsPerHeartbeat = Number(msPerHeartbeat.toFixed(3));
    out.heartbeatsPerCpuSec = Math.round(1000 / msPerHeartbeat);
    out.heartbeatIntervalMs = intervalMs;
    out.heartbeatsOffered = Math.round(holding / (intervalMs / 1000));
    out.heartbeatLeaseMs = leaseMs;
    out.heartbeatLease20kMs = lease20kMs;
    out.heartbeatsNeeded20k = Math.round(20_000 / (interval20kMs / 1000));
    // Headroom: how many times over one core's CPU could absorb what 20,000 nodes need.
    out.heartbeatHeadroom = Number((out.heartbeatsPerCpuSec as number / (out.heartbeatsNeeded20k as number)).toFixed(1));
    // The last second's counts arrive with the workers' next report.
    await sleep(1200);
    const perSecond = fleet.heartbeatsPerSecond(h0, h0 + hbSec * 1000);
    out.heartbeatTiming = lockstep ? 'lockstep (every interval from the task start)' : "the agent's (pacing.ts)";
    out.heartbeatsSentMeanPerSec = Math.round(perSecond.reduce((x, y) => x + y, 0) / Math.max(1, perSecond.length));
    out.heartbeatsSentBusiestSec = Math.max(0, ...perSecond);
    if (printTimeline) console.log(`  heartbeat window second by second:\n${timeline({ fromMs: h0, toMs: h0 + hbSec * 1000, beats: perSecond, latencies: fleet.latenciesBySecond(), overviews: overviewLog })}`);
    const ovHb = overviewMs.splice(0).sort((x, y) => x - y);
    out.overviewHeartbeatP50Ms = Math.round(percentile(ovHb, 50));
    out.overviewHeartbeatMaxMs = Math.round(ovHb.at(-1) ?? NaN);
    out.overviewUnderLoad = lastOv ? `${lastOv.nodes.busy} nodes busy; ${ovHb.length} overviews answered, slowest ${out.overviewHeartbeatMaxMs} ms` : 'the overview did not answer under this load';
    console.log(`heartbeats: ${holding} of ${nodes} nodes hold a task and heartbeat every lease/3 = ${intervalMs} ms (lease ${leaseMs} ms as handed out, SHUZHI_LEASE_MS ${info.leaseMs}, SHUZHI_HEARTBEAT_BUDGET ${info.heartbeatBudget}/s; leases: ${leasesText(holdLeases)}): ${out.heartbeatsOffered}/s offered, ${out.heartbeatsPerSec}/s absorbed over ${hbSec.toFixed(1)} s; ${out.overviewUnderLoad}`);
    console.log(`  sent by the nodes, heartbeat timing ${out.heartbeatTiming}: ${out.heartbeatsSentMeanPerSec}/s on average, ${out.heartbeatsSentBusiestSec} in the busiest second (${(Number(out.heartbeatsSentBusiestSec) / Math.max(1, Number(out.heartbeatsSentMeanPerSec))).toFixed(1)}× the mean)`);
    console.log(`  arithmetic: 20,000 nodes get a ${lease20kMs / 1000} s lease and heartbeat every ${interval20kMs / 1000} s: 20,000 / ${interval20kMs / 1000} s = ${out.heartbeatsNeeded20k}/s needed; the server spent ${out.serverCpuMsPerHeartbeat} ms CPU per heartbeat = ${out.heartbeatsPerCpuSec}/s per CPU-second, ${out.heartbeatHeadroom}× what 20,000 nodes need (${(100 / (out.heartbeatHeadroom as number)).toFixed(0)}% of one core)`);
    out.loopHeartbeats = await loopOf('heartbeats');
    out.memoryHeartbeats = await memory('heartbeats');
    await snapshot('heartbeats');
    out.rssMB = Math.round(peakRss);
    out.errorKindsHeartbeats = phaseErrors('the heartbeat phase');
    out.errors = total('errors');
    out.errorKinds = fleet.errorKinds();
    if (out.errors) console.log(`node calls that failed, by kind: ${JSON.stringify(out.errorKinds)}`);
    out.benchTimeouts = slowAnswers.timeouts;
    out.benchFailures = slowAnswers.failures;
  } catch (err) {
    // What was measured so far is kept and printed; the other database still runs.
    out.failed = `${(err as Error).name}: ${(err as Error).message}`;
    console.log(`${db.label}: the run stopped early (${out.failed}); the figures below are what it measured before`);
  } finally {
    clearInterval(rssTimer);
    send({ stop: true });
    await sleep(1500);
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    if (server.exitCode === null) server.stdin!.write('stop\n');
    await new Promise((r) => {
      if (server.exitCode !== null || server.signalCode !== null) return r(null);
      const timer = setTimeout(() => {
        server.kill('SIGKILL');
        r(null);
      }, 15_000);
      server.once('exit', () => {
        clearTimeout(timer);
        r(null);
      });
    });
  }
  clearTimeout(watchdog);
  out.rssMB ??= Math.round(peakRss);
  out.rssIdleMB = Math.round(idleRss);
  console.log(`\n${db.label}: ${'measure'.padEnd(36)} ${'result'.padStart(22)}  target`);
  for (const [k, tgt, f] of TABLE) console.log(`${db.label}: ${k.padEnd(36)} ${f(out).padStart(22)}  ${tgt}`);
  return out;
}
