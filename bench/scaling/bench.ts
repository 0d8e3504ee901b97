// `npm run bench -- scaling [--jobs=600] [--workers=4] [--slots=4] [--db=pglite|postgres|both]`: what one control plane
// does per compute job, measured end to end, so SCALING.md can say where one PostgreSQL stops: jobs
// submitted through the API, run by real workers (bubblewrap sandbox) at one site, until every one succeeded;
// jobs per second, submit latency, and the database rows and bytes each job leaves behind.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { client, login, newWorker, smallSite, startPlatform, type TestPlatform } from '../../packages/server/test/helpers.ts';
import { startPostgres, type PostgresHandle } from '../../test/support/postgres.ts';
import { percentile, sortedCopy } from '../stats.ts';
import { capacityPlan, formatCapacityPlan, type Measured } from '../../sim/scaling/model.ts';
import { benchArgs } from '../args.ts';

const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');
const SITE = 'scale-bench';

export interface ScalingResult {
  database: 'pglite' | 'postgres';
  jobs: number;
  workers: number;
  slots: number;
  seconds: number;
  jobsPerSec: number;
  submitP50Ms: number;
  submitP99Ms: number;
  rowsPerJob: number;
  rowsPerJobByTable: Record<string, number>;
  bytesPerJob: number | null;
}

/** Rows of a query, on either database (drizzle's execute answers in the driver's shape). */
async function rowsOf<T>(t: TestPlatform, q: ReturnType<typeof sql> | ReturnType<typeof sql.raw>): Promise<T[]> {
  return ((await t.p.database.db.execute(q)) as unknown as { rows: T[] }).rows;
}

async function tableRows(t: TestPlatform): Promise<Map<string, number>> {
  const tables = await rowsOf<{ table_name: string }>(t, sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`);
  const out = new Map<string, number>();
  for (const { table_name } of tables) {
    const [r] = await rowsOf<{ n: number }>(t, sql.raw(`select count(*)::int as n from "${table_name.replaceAll('"', '""')}"`));
    out.set(table_name, r!.n);
  }
  return out;
}

async function databaseBytes(t: TestPlatform): Promise<number> {
  const [r] = await rowsOf<{ b: string | number }>(t, sql`select pg_database_size(current_database())::bigint as b`);
  return Number(r!.b);
}

async function measure(database: 'pglite' | 'postgres', o: { jobs: number; workers: number; slots: number }): Promise<ScalingResult> {
  let pg: PostgresHandle | null = null;
  if (database === 'postgres') pg = await startPostgres();
  const t = await startPlatform({ ...(pg ? { databaseUrl: pg.url } : {}), env: { LOG_LEVEL: 'silent' } });
  const workers: Awaited<ReturnType<typeof newWorker>>[] = [];
  try {
    const op = client(t.url, { cookie: await login(t.url, 'operator') });
    const site = await op.req('POST', '/api/sites', { ...smallSite(SITE), pools: [{ ...smallSite(SITE).pools[0]!, units: o.workers * o.slots * 4 }] });
    if (site.status !== 201) throw new Error(`site: ${site.status} ${JSON.stringify(site.body)}`);
    for (let i = 0; i < o.workers; i++) workers.push(await newWorker(t, SITE, `scale-${i}`, { slots: o.slots, waitMs: 2000 }));
    workers.forEach((w) => w.start());
    const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
    const before = await tableRows(t);
    const bytesBefore = await databaseBytes(t).catch(() => null);
    const submitMs: number[] = [];
    const t0 = performance.now();
    let next = 0;
    const submitter = async () => {
      while (next < o.jobs) {
        const i = next++;
        const s = performance.now();
        const r = await tenant.req('POST', '/api/jobs', { name: `scale ${i}`, type: 'cpu', units: 1, hours: 0.01, command: 'true', sites: [SITE] });
        if (r.status !== 201) throw new Error(`submit ${i}: ${r.status} ${JSON.stringify(r.body)}`);
        submitMs.push(performance.now() - s);
      }
    };
    await Promise.all(Array.from({ length: 8 }, submitter));
    process.stderr.write(`  ${database}: ${o.jobs} jobs submitted in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    let lastReport = 0;
    for (;;) {
      const [r] = (await rowsOf<{ ok: number; bad: number }>(t, sql`select count(*) filter (where status = 'succeeded')::int as ok, count(*) filter (where status in ('failed', 'cancelled'))::int as bad from jobs where name like 'scale %'`)) as [{ ok: number; bad: number }];
      if (r.bad > 0) throw new Error(`${r.bad} bench jobs failed or were cancelled`);
      if (r.ok >= o.jobs) break;
      if (performance.now() - lastReport > 5000) {
        process.stderr.write(`  ${database}: ${r.ok}/${o.jobs} succeeded after ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
        lastReport = performance.now();
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    const seconds = (performance.now() - t0) / 1000;
    // Batched writes (worker last-seen, logs) land before rows are counted.
    await t.p.workers.registry.flushSeen({ all: true });
    const after = await tableRows(t);
    const bytesAfter = await databaseBytes(t).catch(() => null);
    const byTable: Record<string, number> = {};
    let rows = 0;
    for (const [name, n] of after) {
      const d = n - (before.get(name) ?? 0);
      if (d > 0) {
        byTable[name] = Math.round((d / o.jobs) * 100) / 100;
        rows += d;
      }
    }
    const sorted = sortedCopy(submitMs);
    return {
      database, jobs: o.jobs, workers: o.workers, slots: o.slots, seconds: Math.round(seconds * 10) / 10,
      jobsPerSec: Math.round((o.jobs / seconds) * 10) / 10,
      submitP50Ms: Math.round(percentile(sorted, 50) * 10) / 10,
      submitP99Ms: Math.round(percentile(sorted, 99) * 10) / 10,
      rowsPerJob: Math.round((rows / o.jobs) * 100) / 100,
      rowsPerJobByTable: byTable,
      bytesPerJob: bytesBefore !== null && bytesAfter !== null ? Math.round((bytesAfter - bytesBefore) / o.jobs) : null,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await t.close();
    await pg?.stop();
  }
}

export async function run(args: string[]): Promise<void> {
  const a = benchArgs('scaling', args, {
    jobs: { type: 'count', default: 600, help: 'compute jobs submitted through the API' },
    workers: { type: 'count', default: 4, help: 'workers at the one site' },
    slots: { type: 'count', default: 4, help: 'slots per worker' },
    db: { type: 'choice', choices: ['pglite', 'postgres', 'both'], default: 'both', help: 'which database' },
  });
  if (!a) return;
  const o = { jobs: a.jobs, workers: a.workers, slots: a.slots };
  const dbs: readonly ('pglite' | 'postgres')[] = a.db === 'both' ? ['pglite', 'postgres'] : [a.db as 'pglite' | 'postgres'];
  console.log(`\n== scaling: one control plane, compute jobs end to end ==`);
  console.log(`${o.jobs} jobs ('true', 1 unit) submitted through the API by 8 concurrent clients; ${o.workers} workers × ${o.slots} slots at one site, tasks in the bubblewrap sandbox; ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)} at start`);
  const results: ScalingResult[] = [];
  for (const db of dbs) results.push(await measure(db, o));
  console.log('database   jobs/s  submit p50/p99 ms  rows/job  bytes/job  seconds');
  for (const r of results) {
    console.log(`${r.database.padEnd(9)} ${String(r.jobsPerSec).padStart(7)}  ${`${r.submitP50Ms} / ${r.submitP99Ms}`.padStart(17)}  ${String(r.rowsPerJob).padStart(8)}  ${String(r.bytesPerJob ?? '–').padStart(9)}  ${String(r.seconds).padStart(7)}`);
  }
  const top = results[0]!;
  console.log(`rows per job by table (${top.database}): ${Object.entries(top.rowsPerJobByTable).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const pgResult = results.find((r) => r.database === 'postgres') ?? top;
  const measured: Measured = { jobsPerSecPerControlPlane: pgResult.jobsPerSec, rowsPerJob: pgResult.rowsPerJob, bytesPerJob: pgResult.bytesPerJob ?? 4096, source: `bench scaling on ${pgResult.database}` };
  console.log('\n' + formatCapacityPlan(capacityPlan(measured)));
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'scaling.json'), `${JSON.stringify({ at: new Date().toISOString(), options: o, results, measured, plan: capacityPlan(measured) }, null, 2)}\n`);
  console.log(`written to ${path.join(RESULTS, 'scaling.json')}`);
}
