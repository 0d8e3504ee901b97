// `npm run bench -- failover [--jobs=N] [--nodes=N] [--workers=W] [--connections=per-node|pool] [--quick] [--skip-render]`
//
// Part 1, failover: two real `shuzhi serve` replicas on one throw-away PostgreSQL 15 with the default
// leader lease; a shell worker connected to the follower; a queue of jobs; the leader killed with
// SIGKILL mid-queue. Reported: time from the kill to the new lease, to the first run finished
// after it (work flowing again) and to the last job; jobs lost; duplicate completions; double bills.
//
// Part 2, render farm: the render bench's simulated nodes (bench/render/worker.ts, the real worker
// protocol, one enrolled credential per node, each node on its own keep-alive connection as an agent
// unless --connections=pool) against one replica, then spread over two (half of the nodes on each).
// Reported side by side: heartbeats absorbed per second and ask→task p50/p99.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig, seedDemo, Platform } from '@shuzhi/server';
import { enrolledWorker, fundDemoTenants, smallSite } from '../../packages/server/test/helpers.ts';
import { freePort } from '../../sim/free-port.ts';
import { startPostgres } from '../../test/support/postgres.ts';
import { leaderRow, replicaEnv, startReplica, type ReplicaProcess } from '../../test/support/replicas.ts';
import { FLEET_CONNECTIONS_OPTION, startNodeFleet } from '../render/node-fleet.ts';
import { benchArgs } from '../args.ts';

const RESULTS = fileURLToPath(new URL('../results/failover.json', import.meta.url));
const RENDER_WORKER = fileURLToPath(new URL('../render/worker.ts', import.meta.url));
const SITE = 'failover-site';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | null | false | undefined>, ms: number, every = 100): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`failover bench: timed out waiting for ${what}`);
    await sleep(every);
  }
}

export async function run(args: string[]): Promise<void> {
  const a = benchArgs('failover', args, {
    jobs: { type: 'count', default: 30, help: 'compute jobs in flight when the leader is killed (12 with --quick)' },
    nodes: { type: 'count', default: 20_000, help: 'simulated render nodes (2,000 with --quick)' },
    workers: { type: 'count', default: 4, help: 'processes simulating the nodes' },
    connections: FLEET_CONNECTIONS_OPTION,
    quick: { type: 'switch', help: 'a smaller run' },
    'skip-failover': { type: 'switch', help: 'only the render farm part' },
    'skip-render': { type: 'switch', help: 'only the failover part' },
  });
  if (!a) return;
  const quick = a.quick;
  const pick = (name: 'jobs' | 'nodes', quickValue: number) => (quick && !a.given.has(name) ? quickValue : a[name]);
  console.log(`\n$ npm run bench -- failover ${args.join(' ')}`.trimEnd());
  const out: Record<string, unknown> = { at: new Date().toISOString() };
  const pgh = await startPostgres({ database: 'shuzhi_bench_failover' });
  try {
    if (!a['skip-failover']) out.failover = await failover(pgh.url, pick('jobs', 12));
  } finally {
    await pgh.stop();
  }
  if (!a['skip-render']) {
    const nodes = pick('nodes', 2000);
    const workers = a.workers;
    const pooled = a.connections === 'pool';
    const render: Record<string, Record<string, number>> = {};
    for (const replicas of [1, 2] as const) {
      const pgr = await startPostgres({ database: `shuzhi_bench_farm${replicas}` });
      try {
        render[`${replicas}`] = await renderFarm(pgr.url, replicas, nodes, workers, pooled);
      } finally {
        await pgr.stop();
      }
    }
    out.render = { nodes, workers, connections: a.connections, byReplicas: render };
    console.log(`\n== render farm: ${nodes} simulated nodes (${pooled ? 'a shared pool of connections per worker process' : 'each on its own keep-alive connection'}), one replica vs two on one PostgreSQL 15 ==`);
    console.log(`${'measure'.padEnd(34)} ${'1 replica'.padStart(14)} ${'2 replicas'.padStart(14)}`);
    const row = (k: string, f: (o: Record<string, number>) => string) => console.log(`${k.padEnd(34)} ${f(render['1']!).padStart(14)} ${f(render['2']!).padStart(14)}`);
    row('nodes connected', (o) => String(o.connected));
    row('heartbeats absorbed / s', (o) => String(o.heartbeatsPerSec));
    row('ask → task p50 (ms)', (o) => o.p50Ms!.toFixed(1));
    row('ask → task p99 (ms)', (o) => o.p99Ms!.toFixed(1));
    row('tasks dispatched / s', (o) => String(o.dispatchPerSec));
    row('sync errors seen by nodes', (o) => String(o.errors));
    console.log('data: simulated render nodes with fake tasks (bench/render/worker.ts) over loopback HTTP; with two replicas half of the nodes sync with the follower, which passes each sync to the leader.');
  }
  mkdirSync(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(out, null, 2)}\n`);
  console.log('written to bench/results/failover.json');
}

// ---------------------------------------------------------------- part 1: failover

async function failover(url: string, jobCount: number): Promise<Record<string, number | string>> {
  const env = replicaEnv(url, { LOG_LEVEL: 'warn' });
  const db = new pg.Pool({ connectionString: url, max: 3 });
  const seedDir = mkdtempSync(join(tmpdir(), 'shuzhi-failover-seed-'));
  const p = await Platform.open({ config: loadConfig({ ...env, SHUZHI_DATA_DIR: seedDir, LOG_LEVEL: 'silent' }) });
  let token = '';
  let tenantId = '';
  const portB = await freePort();
  let worker: Awaited<ReturnType<typeof enrolledWorker>>['worker'];
  try {
    await seedDemo(p);
    await fundDemoTenants(p);
    await p.compute.network.createSite(smallSite(SITE), 'bench');
    tenantId = (await p.compute.network.listTenants())[0]!.id;
    token = (await p.auth.createToken((await p.auth.userIdByName('operator'))!, 'failover bench')).token;
    ({ worker } = await enrolledWorker({ p, url: `http://127.0.0.1:${portB}` }, SITE, 'failover-worker', { slots: 4, waitMs: 5000 }));
  } finally {
    await p.close();
    rmSync(seedDir, { recursive: true, force: true });
  }
  let a: ReplicaProcess | null = null;
  let b: ReplicaProcess | null = null;
  try {
    a = await startReplica('a', env);
    await until('replica A leads', async () => (await leaderRow(db))?.url === a!.url, 60_000);
    b = await startReplica('b', env, { port: portB });
    worker.start();
    const ids: string[] = [];
    for (let i = 0; i < jobCount; i++) {
      const res = await fetch(`${b.url}/api/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenantId, name: `failover-${i}`, type: 'cpu', units: 1, hours: 0.01, sites: [SITE], regions: [smallSite(SITE).region], command: `sleep 2; echo ran-${i}` }),
      });
      if (res.status !== 201) throw new Error(`submit through the follower failed: ${res.status} ${await res.text()}`);
      ids.push(((await res.json()) as { id: string }).id);
    }
    const count = async (status: string) =>
      Number((await db.query(`select count(*)::int as n from jobs where id = any($1) and status = $2`, [ids, status])).rows[0].n);
    await until('a third of the jobs done', async () => (await count('succeeded')) >= Math.ceil(jobCount / 3), 180_000);
    const before = (await leaderRow(db))!;
    const doneAtKill = await count('succeeded');
    const runningAtKill = await count('running');
    const killedAt = new Date();
    const t0 = performance.now();
    await a.kill9();
    const after = await until('replica B leads', async () => {
      const l = await leaderRow(db);
      return l && l.url === b!.url ? l : null;
    }, 60_000);
    const takeoverMs = performance.now() - t0;
    await until('a run finishes after the kill', async () =>
      Number((await db.query(`select count(*)::int as n from runs where job_id = any($1) and status = 'succeeded' and ended_at > $2`, [ids, killedAt])).rows[0].n) > 0, 120_000, 50);
    const flowingMs = performance.now() - t0;
    await until('every job finished', async () => (await count('succeeded')) + (await count('failed')) === jobCount, 240_000, 250).catch(() => null);
    const allDoneMs = performance.now() - t0;
    const lost = jobCount - (await count('succeeded'));
    const dupRuns = Number((await db.query(
      `select count(*)::int as n from (select job_id from runs where job_id = any($1) and status = 'succeeded' group by job_id having count(*) > 1) d`, [ids])).rows[0].n);
    const dupOutput = Number((await db.query(
      `select count(*)::int as n from (select job_id from task_logs where job_id = any($1) and text like 'ran-%' group by job_id having count(distinct attempt) > 1) d`, [ids])).rows[0].n);
    const requeued = Number((await db.query(`select count(*)::int as n from runs where job_id = any($1) and status = 'lost'`, [ids])).rows[0].n);
    await until('every succeeded run billed', async () =>
      Number((await db.query(`select count(*)::int as n from runs r where r.job_id = any($1) and r.status = 'succeeded' and not exists (select 1 from billing_charges c where c.run_id = r.id)`, [ids])).rows[0].n) === 0, 90_000, 250).catch(() => null);
    const unbilled = Number((await db.query(`select count(*)::int as n from runs r where r.job_id = any($1) and r.status = 'succeeded' and not exists (select 1 from billing_charges c where c.run_id = r.id)`, [ids])).rows[0].n);
    const doubleBilled = Number((await db.query(
      `select count(*)::int as n from (select t.idem_key from billing_transactions t join runs r on t.idem_key = 'run:' || r.id where r.job_id = any($1) group by t.idem_key having count(*) > 1) d`, [ids])).rows[0].n);
    const res = {
      jobs: jobCount,
      leaseMs: Number(loadConfig({}).SHUZHI_LEADER_TTL_MS),
      doneAtKill,
      runningAtKill,
      takeoverMs: Math.round(takeoverMs),
      workFlowingMs: Math.round(flowingMs),
      allDoneMs: Math.round(allDoneMs),
      epochs: `${before.epoch} → ${after.epoch}`,
      jobsLost: lost,
      duplicateCompletions: dupRuns + dupOutput,
      runsRequeued: requeued,
      unbilledRuns: unbilled,
      doubleBilledRuns: doubleBilled,
    };
    console.log(`\n== failover: kill -9 the leader of two replicas mid-queue (PostgreSQL 15, leader lease ${res.leaseMs} ms, default) ==`);
    const rows: [string, string, string][] = [
      ['jobs (sleep 2 s each, 4 worker slots)', String(jobCount), ''],
      ['finished / running at the kill', `${doneAtKill} / ${runningAtKill}`, ''],
      ['kill → follower holds the lease (ms)', String(res.takeoverMs), '< 30,000'],
      ['kill → first run finished after it (ms)', String(res.workFlowingMs), '< 30,000'],
      ['kill → last job finished (ms)', String(res.allDoneMs), ''],
      ['fencing epoch', res.epochs, 'grows'],
      ['jobs lost', String(lost), '0'],
      ['duplicate completions', String(res.duplicateCompletions), '0'],
      ['runs requeued (lease lost, ran once after)', String(requeued), ''],
      ['runs billed twice / not billed', `${doubleBilled} / ${unbilled}`, '0 / 0'],
    ];
    console.log(`${'measure'.padEnd(44)} ${'result'.padStart(12)}  target`);
    for (const [k, v, t] of rows) console.log(`${k.padEnd(44)} ${v.padStart(12)}  ${t}`);
    return res;
  } finally {
    await worker.stop({ kill: true }).catch(() => undefined);
    await a?.kill9();
    await b?.stop();
    await db.end();
  }
}

// ---------------------------------------------------------------- part 2: render farm, 1 vs 2 replicas


async function renderFarm(url: string, replicas: 1 | 2, nodes: number, workers: number, pooled: boolean): Promise<Record<string, number>> {
  console.log(`\nrender farm: ${nodes} simulated nodes on ${replicas} replica(s)`);
  const env = replicaEnv(url, { LOG_LEVEL: 'error', SHUZHI_RENDER_VERIFY_FRAMES: '0', SHUZHI_LEASE_MS: '6000' });
  const seedDir = mkdtempSync(join(tmpdir(), 'shuzhi-farm-seed-'));
  const p = await Platform.open({ config: loadConfig({ ...env, SHUZHI_DATA_DIR: seedDir, LOG_LEVEL: 'silent' }) });
  const credentialsFile = join(seedDir, 'credentials.json');
  let operator = '';
  let studio = '';
  const scenePath = join(tmpdir(), `shuzhi-farm-scene-${process.pid}.blend`);
  writeFileSync(scenePath, 'stub');
  try {
    await seedDemo(p);
    // Render jobs pass billing admission (as in the render bench): the studio's wallet covers the jobs'
    // estimates, or they wait for money and nothing is dispatched.
    await fundDemoTenants(p, 10_000_000_000);
    const op = (await p.auth.byOperatorName())!;
    const enrolled = await p.workers.registry.enrollMany(op, 'karamay', Array.from({ length: nodes }, (_, i) => `sim-${i}`));
    writeFileSync(credentialsFile, JSON.stringify(enrolled.map((w) => w.credential)));
    operator = (await p.auth.createToken((await p.auth.userIdByName('operator'))!, 'farm bench')).token;
    studio = (await p.auth.createToken((await p.auth.userIdByName('tenant2'))!, 'farm bench studio')).token;
  } finally {
    await p.close();
  }
  const servers: ReplicaProcess[] = [];
  const procs: ChildProcess[] = [];
  const db = new pg.Pool({ connectionString: url, max: 2 });
  try {
    // Replicas name shared scenes under <data dir>/render/shared or SHUZHI_RENDER_SHARED_ROOTS.
    const renderEnv = { ...env, SHUZHI_RENDER_SHARED_ROOTS: tmpdir() };
    servers.push(await startReplica('farm-a', renderEnv, { raiseFileLimit: true }));
    await until('the first replica leads', async () => (await leaderRow(db))?.url === servers[0]!.url, 60_000);
    if (replicas === 2) servers.push(await startReplica('farm-b', renderEnv, { raiseFileLimit: true }));
    const leader = servers[0]!.url;
    const call = async (token: string, method: string, path: string, body?: unknown): Promise<any> => {
      const r = await fetch(`${leader}${path}`, { signal: AbortSignal.timeout(60_000), method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      const j = await r.json();
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(j)}`);
      return j;
    };
    const hard = 20_000;
    // The same client sockets in both cases (the open-file cap less a margin, as the render bench). With two
    // replicas the leader holds its own nodes' sockets plus one per poll the follower passes on: the same total.
    const conns = Math.max(1, Math.floor(Math.min(nodes, hard - 800) / workers));
    const fleet = startNodeFleet(
      { urls: servers.map((x) => x.url), credentialsFile, nodes, workers, connectionsPerWorker: conns, seed: 11, pooledConnections: pooled },
      (cfg) => spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec node --import tsx "$@"', 'bash', RENDER_WORKER, cfg], { stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    procs.push(...fleet.procs);
    const { total, send } = fleet;
    const t0 = Date.now();
    // While thousands of nodes connect the server may answer slowly: a late or failed look is retried.
    const online = async () => call(operator, 'GET', '/api/render/overview').then((o) => o.nodes.total - o.nodes.offline as number, () => -1);
    let connected = await online();
    while (connected < nodes && Date.now() - t0 < 240_000) {
      await sleep(1000);
      connected = Math.max(connected, await online());
    }
    console.log(`  ${connected} nodes online after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // Dispatch: 2 short tasks per node (chunks of one frame), ask→task latency of every assignment.
    const scene = { kind: 'shared', path: scenePath };
    const job = await call(studio, 'POST', '/api/render/jobs', { name: 'farm dispatch', scene, frames: `1-${nodes * 2}`, chunkSize: 1, renderer: 'blender' });
    fleet.resetLatencies();
    const a0 = total('assigned');
    const d0 = Date.now();
    while (Date.now() - d0 < 120_000) {
      await sleep(1000);
      const st = await call(studio, 'GET', `/api/render/jobs/${job.id}?taskLimit=1`);
      if (st.counts.completed >= 0.99 * (job.taskCount - 1)) break;
    }
    const dispatchSec = (Date.now() - d0) / 1000;
    const lat = fleet.latencies().slice().sort((x, y) => x - y);
    const pct = (q: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor((q / 100) * lat.length))]! : NaN);
    const dispatched = total('assigned') - a0;
    // Nothing handed out: say what the job waits for instead of a table of zeros.
    if (dispatched === 0) console.log(`  nothing dispatched in ${dispatchSec.toFixed(0)} s; the job: ${JSON.stringify(await call(studio, 'GET', `/api/render/jobs/${job.id}?taskLimit=1`).then((j) => ({ ...j, tasks: undefined }), (e: Error) => e.message))}`.slice(0, 600));
    // Heartbeats: every node holds a task of a long job and heartbeats every lease / 3 (named before
    // the submission: the servers hand the new job's tasks out before its id is read here).
    send({ holdExcept: job.id });
    await call(studio, 'POST', '/api/render/jobs', { name: 'farm hold', scene, frames: `1-${nodes}`, chunkSize: 1, renderer: 'blender' });
    await sleep(4000);
    const hb0 = total('heartbeatsOk');
    const h0 = Date.now();
    await sleep(10_000);
    const res = {
      connected,
      heartbeatsPerSec: Math.round((total('heartbeatsOk') - hb0) / ((Date.now() - h0) / 1000)),
      p50Ms: Number(pct(50).toFixed(1)),
      p99Ms: Number(pct(99).toFixed(1)),
      dispatchPerSec: Math.round(dispatched / dispatchSec),
      errors: total('errors'),
    };
    // Which calls failed and how (HTTP status and code, or the exception): a count alone does not say why.
    console.log(`  ${JSON.stringify(res)}\n  node calls that failed, by kind: ${JSON.stringify(fleet.errorKinds())}`);
    return res;
  } catch (err) {
    for (const s of servers) console.error(`--- ${s.name} ---\n${s.output().split('\n').filter((l) => /leader|lease|error|fatal/i.test(l)).slice(-20).join('\n')}`);
    throw err;
  } finally {
    send0(procs);
    await sleep(1500);
    for (const q of procs) if (q.exitCode === null) q.kill('SIGKILL');
    for (const s of servers.reverse()) await s.stop();
    await db.end();
    rmSync(seedDir, { recursive: true, force: true });
    rmSync(scenePath, { force: true });
  }
}

function send0(procs: ChildProcess[]): void {
  for (const q of procs) {
    try {
      q.stdin!.write(`${JSON.stringify({ stop: true })}\n`);
    } catch {
      // already gone
    }
  }
}
