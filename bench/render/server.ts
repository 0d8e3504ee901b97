// The bench's server process: one real platform (PGlite in a temp dir) on loopback, render nodes
// trusted to have uploaded their frames (SHUZHI_RENDER_VERIFY_FRAMES=0: simulated nodes render nothing).
// The lease is the platform's default (30 s) unless BENCH_LEASE_MS says otherwise.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { loadConfig, seedDemo, Platform } from '@shuzhi/server';
import { fundDemoTenants } from '../../packages/server/test/helpers.ts';
import { ConnWatch } from './conn-watch.ts';
import { LoopWatch } from './loop-watch.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'shuzhi-render-bench-'));
const config = loadConfig({ SHUZHI_DATA_DIR: dataDir, LOG_LEVEL: 'error', ...(process.env.BENCH_LEASE_MS ? { SHUZHI_LEASE_MS: process.env.BENCH_LEASE_MS } : {}), SHUZHI_RENDER_VERIFY_FRAMES: process.env.SHUZHI_RENDER_VERIFY_FRAMES, ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}) });
const p = await Platform.open({ config });
await seedDemo(p);
await p.start();
// Render jobs pass billing admission: the studio's wallet covers the million-frame job's estimate.
await fundDemoTenants(p, 10_000_000_000);
const port = await p.listen(0, '127.0.0.1');
// The nodes' connections: opened, and which side closed them (reported with `loop`).
const conns = new ConnWatch((p as unknown as { server: Server }).server);
const opId = (await p.auth.userIdByName('operator'))!;
const operatorPrincipal = (await p.auth.byOperatorName())!;
// Every simulated node is an enrolled worker with its own credential, as on a real farm.
const nodes = Number(process.env.BENCH_NODES ?? 20_000);
const t0 = performance.now();
const enrolled = await p.workers.registry.enrollMany(operatorPrincipal, 'karamay', Array.from({ length: nodes }, (_, i) => `sim-${i}`));
const enrollMs = Math.round(performance.now() - t0);
const credentialsFile = join(dataDir, 'credentials.json');
writeFileSync(credentialsFile, JSON.stringify(enrolled.map((w) => w.credential)));
const operator = (await p.auth.createToken(opId, 'bench operator')).token;
const tenantId = (await p.auth.userIdByName('tenant2'))!;
const studio = (await p.auth.createToken(tenantId, 'bench studio')).token;
// A stub scene on shared storage: the simulated nodes never open it, and naming it costs the server no
// file descriptor (it runs at the open-file cap with ~19,000 sockets).
const scenePath = join(dataDir, 'render', 'shared', 'bench.blend');
mkdirSync(join(scenePath, '..'), { recursive: true });
writeFileSync(scenePath, 'stub');
// The event loop's delay and stalls, with the periodic jobs that ran during them (`loop` on stdin).
const loop = new LoopWatch();
const farm = (p.modules.find((m) => m.name === 'render') as unknown as { farm: any }).farm;
loop.wrap(farm.writer, 'flush', 'render: batch write');
loop.wrap(farm.state.engine, 'expireLeases', 'render: lease expiry');
loop.wrap(farm.state.nodeCounts, 'sweep', 'render: node-count sweep');
loop.wrap(farm.power, 'tick', 'render: power tick');
loop.wrap(farm, 'readmit', 'render: billing re-admission');
loop.wrap(farm.views, 'overview', 'render: overview');
loop.wrap(p.workers.registry, 'lookupBatch', 'workers: credential lookup');
loop.wrap(p.workers.registry, 'flushSeen', 'workers: last-seen write');
loop.wrap(p.workers.registry, 'lookForChanges', 'workers: look for revoked or rotated');
process.stdout.write(`${JSON.stringify({ port, credentialsFile, enrollMs, operator, studio, pid: process.pid, scenePath, leaseMs: config.SHUZHI_LEASE_MS, heartbeatBudget: config.SHUZHI_HEARTBEAT_BUDGET })}\n`);
// Worker syncs that waited for a later turn of the loop (http/sync-turns.ts) since the last `loop`, and the most at once.
const turns = p.app.syncLane?.turns;
let deferredBefore = 0;
function syncTurnsSinceLast() {
  if (!turns) return null;
  const out = { perTurn: turns.perTurn, deferred: turns.stats.deferred - deferredBefore, maxWaiting: turns.stats.maxWaiting };
  deferredBefore = turns.stats.deferred;
  turns.stats.maxWaiting = 0;
  return out;
}
// The batch writer since the last `loop`: its largest backlog, and the asks it held back (admitsWork)
// because the backlog was over its bound: a held ask waits for the writer to catch up.
const writer = farm.writer as { stats: { maxBacklogRows: number; heldWork: number; maxBatchMs: number }; bounds: { backlogRows: number } };
let heldBefore = 0;
function writerSinceLast() {
  const out = { heldAsks: writer.stats.heldWork - heldBefore, maxBacklogRows: writer.stats.maxBacklogRows, bound: writer.bounds.backlogRows, maxBatchMs: Math.round(writer.stats.maxBatchMs) };
  heldBefore = writer.stats.heldWork;
  writer.stats.maxBacklogRows = 0;
  writer.stats.maxBatchMs = 0;
  return out;
}
const stop = async () => {
  await p.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
};
// `memory` on stdin: where the server's RSS is, as one JSON line: V8 heap used and held; external
// memory, of which PGlite's WebAssembly memory (0 on PostgreSQL) and array buffers; the rest native
// (compiled code, sockets, allocations of Node and its libraries).
const mb = (b: number) => Math.round(b / 1024 / 1024);
function memoryNow() {
  const m = process.memoryUsage();
  const engine = p.database.engineMemoryBytes?.() ?? 0;
  // The heap by space: young objects (new space) are what scavenges copy; old space what survived them.
  const spaces: Record<string, number> = {};
  for (const s of getHeapSpaceStatistics()) spaces[s.space_name.replace(/_space$/, '')] = mb(s.space_used_size);
  return { rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), heapTotalMB: mb(m.heapTotal), arrayBuffersMB: mb(m.arrayBuffers), externalMB: mb(m.external), pgliteMB: mb(engine), spaces };
}
/** memoryNow, or null when the server is at its open-file cap for the moment. */
function memorySample(): ReturnType<typeof memoryNow> | null {
  try {
    return memoryNow();
  } catch {
    return null;
  }
}
// The sample with the highest RSS so far, every half second: the parts at the peak, not at a phase's end.
let peak = memoryNow();
setInterval(() => {
  // process.memoryUsage() reads /proc/self/stat through a file descriptor: with ~19,000 node sockets the
  // server can be at its open-file cap for a moment (EMFILE), which skips this sample, not the run.
  const m = memorySample();
  if (m && m.rssMB > peak.rssMB) peak = m;
}, 500).unref();
process.stdin.on('data', (d) => {
  // At the open-file cap this moment, the phase's figures are the peak's (the highest sample so far).
  if (String(d).includes('memory')) process.stdout.write(`${JSON.stringify({ memory: { ...(memorySample() ?? peak), peak } })}\n`);
  if (String(d).includes('loop')) process.stdout.write(`${JSON.stringify({ loop: { ...loop.report(), syncTurns: syncTurnsSinceLast(), writer: writerSinceLast(), connections: conns.report() } })}\n`);
  // `heap <file>`: a heap snapshot (open in Chrome DevTools' Memory tab); the loop stops while it is written.
  const snap = /heap (\S+)/.exec(String(d));
  if (snap) process.stdout.write(`${JSON.stringify({ heap: writeHeapSnapshot(snap[1]) })}\n`);
  if (String(d).includes('stop')) void stop();
});
process.stdin.on('end', () => void stop());
