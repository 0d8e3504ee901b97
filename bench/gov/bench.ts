// `npm run bench -- gov`: a year of synthetic one-thing cases on PostgreSQL 15, with the figures they measured.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { seedRegistries, servicesOfItem, shanghaiMidnight, xinjiangTargets } from '@shuzhi/gov';
import { type Principal, loadConfig, type GovServerModule, Platform } from '@shuzhi/server';
import { govMetrics } from '@shuzhi/server/testing';
import { startPostgres } from '../../test/support/postgres.ts';
import { ITEM_MIX, replay } from './replay.ts';
import { benchArgs } from '../args.ts';
import { percentile, weightedPercentile } from '../stats.ts';

const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');

const round = (v: number | null, d = 2) => (v === null ? null : Math.round(v * 10 ** d) / 10 ** d);

/** A few cases through the real service layer (one transaction per step, as the API does), for its step latency. */
async function serviceSample(gov: GovServerModule, cases: number) {
  const svc = gov.service;
  // Mothers whose newborn's birth medical certificate is in the library.
  const reg = await gov.deps.db.execute(sql`select holder_id from gov_library where type = 'BIRTH_MEDICAL_CERT' order by id limit 50`);
  const mothers = (reg as unknown as { rows: { holder_id: string }[] }).rows.map((r) => r.holder_id);
  const who = (role: Principal['role'], department: string | null = null): Principal => ({ userId: `bench-${role}-${department ?? ''}`, username: 'bench', displayName: 'bench', role, tenantId: null, department, via: 'token' });
  const window = who('window');
  const latencies: number[] = [];
  const timed = async <T>(fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await fn();
    latencies.push(performance.now() - t0);
    return out;
  };
  const consent = ['population', 'household', 'marriage', 'enterprise', 'social_insurance', 'certificates'] as const;
  const started = performance.now();
  for (let i = 0; i < cases; i++) {
    const residentId = mothers[i % mothers.length]!;
    const pre = await timed(() => svc.prefill(window, { itemId: 'item_newborn', consent: [...consent], applicant: { residentId } }));
    const answers = Object.fromEntries(pre.fields.filter((f) => f.status === 'needed').map((f) => [f.key, f.type === 'phone' ? '13800138000' : f.type === 'bank_account' ? '6222020200112233' : f.type === 'date' ? '2025-06-01' : '测试']));
    const sub = await timed(() => svc.submit(window, { itemId: 'item_newborn', idempotencyKey: `bench-sample-${i}`, consent: [...consent], applicant: { residentId }, answers, materials: [] }));
    let app = sub.application;
    for (let round = 0; round < 10 && app.status !== 'issued'; round++) {
      const full = await svc.get(who('supervisor'), app.id);
      for (const t of full.tasks) {
        const officer = who('officer', t.departmentId);
        if (t.state === 'ready') app = await timed(() => svc.act(officer, app.id, t.serviceId, { action: 'accept' }));
        if (t.state === 'ready' || t.state === 'accepted') app = await timed(() => svc.act(officer, app.id, t.serviceId, { action: 'approve' }));
      }
      app = await svc.get(who('supervisor'), app.id);
    }
  }
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return { cases, steps: latencies.length, casesPerSec: round(cases / (elapsed / 1000)), p50StepMs: round(percentile(latencies, 50)), p99StepMs: round(percentile(latencies, 99)) };
}

export async function run(args: string[]): Promise<void> {
  const a = benchArgs('gov', args, {
    cases: { type: 'count', default: 110_000, help: 'cases replayed (a year of one county)' },
    batch: { type: 'count', default: 500, help: 'cases written per transaction' },
    sample: { type: 'count', default: 30, help: 'cases also driven through the service layer for step latency' },
  });
  if (!a) return;
  const { cases, batch: batchSize, sample } = a;
  const pgHandle = await startPostgres({ database: 'shuzhi_bench_gov' });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'shuzhi-bench-gov-'));
  let platform: Platform | null = null;
  try {
    platform = await Platform.open({ config: loadConfig({ DATABASE_URL: pgHandle.url, LOG_LEVEL: 'silent', SHUZHI_DATA_DIR: dataDir }) });
    const gov = platform.modules.find((m) => m.name === 'gov') as GovServerModule;
    const cat = await gov.catalogue.load();
    const registries = seedRegistries({ seed: 2025, households: 4000, enterprises: 1500, referenceDate: '2025-06-01' });
    const pool = new pg.Pool({ connectionString: pgHandle.url, max: 2 });
    process.stderr.write(`gov: replaying ${cases} cases (${registries.people.length} synthetic people, ${registries.enterprises.length} companies), batches of ${batchSize}\n`);
    const stats = await replay({
      pool,
      catalogue: cat.latest,
      registries,
      calendar: gov.deps.calendar,
      key: gov.deps.key,
      cases,
      batchSize,
      seed: 20250101,
      yearStartMs: shanghaiMidnight('2025-01-02'),
      onProgress: (n) => process.stderr.write(`  … ${n} cases\n`),
    });
    await pool.end();
    const metrics = await govMetrics(gov.deps.db, gov.catalogue, gov.deps.clock.now());
    process.stderr.write(`gov: service-layer sample of ${sample} cases\n`);
    const svcSample = await serviceSample(gov, sample);

    const items: Record<string, unknown> = {};
    for (const m of metrics.items.filter((i) => i.itemId in ITEM_MIX)) {
      const item = cat.item(m.itemId)!;
      items[m.itemId] = {
        name: m.itemName,
        cases: m.cases,
        closed: m.closedCases,
        services: servicesOfItem(cat.latest, item).length,
        before: { steps: round(m.steps.before), materials: round(m.materials.before), days: round(m.workingDays.before), trips: round(m.trips.before) },
        after: { steps: round(m.steps.after), materials: round(m.materials.after), days: round(m.workingDays.after), trips: round(m.trips.after) },
        published: { steps: m.steps.published, materials: m.materials.published, days: m.workingDays.published, trips: m.trips.published },
        slaCompliance: round(m.slaCompliance, 4),
        byChannel: m.byChannel,
      };
    }
    const result = {
      bench: 'gov',
      database: 'PostgreSQL 15 (throwaway cluster, fsync off)',
      cases: stats.cases,
      casesPerSec: round(stats.cases / (stats.elapsedMs / 1000)),
      p99StepMs: round(weightedPercentile(stats.stepLatencies.map((s) => ({ value: s.ms, weight: s.steps })), 99)),
      p50StepMs: round(weightedPercentile(stats.stepLatencies.map((s) => ({ value: s.ms, weight: s.steps })), 50)),
      steps: stats.steps,
      waves: stats.waves,
      batchSize,
      elapsedSec: round(stats.elapsedMs / 1000, 1),
      items,
      totals: metrics.totals,
      serviceLayerSample: svcSample,
      regionalTargets: { steps: xinjiangTargets.steps, materials: xinjiangTargets.materials, workingDays: xinjiangTargets.workingDays, casesHandled: xinjiangTargets.casesHandled, source: xinjiangTargets.source },
      method: [
        'Cases: item mix ITEM_MIX over the 13 national items, submissions spread over 2025, channels app 45% / web 20% / window 25% / kiosk 10%; synthetic (fictional) registries.',
        'Every case runs the real engine: prefill from the registries and e-licence library, createApplication, one applyTaskAction per department step (3% of tasks get one supplement round, 0.5% are rejected, 30% of cases of commitment items are approved on commitment), issueApplication with Ed25519 signatures, measureCase.',
        'Writes are batched: per wave of a batch, one transaction upserts the changed task rows and one event row per step; the application document is written at intake and at closure. p99StepMs is the wave time (start of the wave to its commit) counted once per step it carried.',
        'after = measured from the closed cases; before = the same cases handled one service at a time (one application per service, each service asks its full set of materials, one trip per department, services one after another, at least one working day each) — see packages/server/src/gov/measure.ts. published = the catalogue’s sourced figures (null where no source gives one).',
        'serviceLayerSample: 新生儿出生 cases through GovService (one database transaction per step, as the HTTP API does), with its own per-call latency.',
      ],
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(path.join(RESULTS, 'gov.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\n== gov ==\ncases ${result.cases}, ${result.casesPerSec} cases/s, p99 step ${result.p99StepMs} ms (batched waves), ${result.steps} steps in ${result.elapsedSec} s`);
    console.log(`service layer: ${svcSample.casesPerSec} cases/s, p99 step ${svcSample.p99StepMs} ms over ${svcSample.steps} calls`);
    // Which figures are measured and which are modelled is said in the table itself, not only in the JSON.
    console.log('b = before, MODELLED: the same cases as if handled one service at a time (gov/measure.ts), not observed');
    console.log('a = after, counted from the closed cases; days and SLA (*) rest on SIMULATED officer delays, so they are modelled too');
    console.log('item                                 cases   steps b→a     materials b→a   days* b→a      trips b→a    SLA*');
    for (const [id, v] of Object.entries(items) as [string, { cases: number; before: Record<string, number | null>; after: Record<string, number | null>; slaCompliance: number | null }][]) {
      const f = (k: string) => `${v.before[k] ?? '–'}→${v.after[k] ?? '–'}`.padEnd(15);
      console.log(`${id.padEnd(36)} ${String(v.cases).padStart(6)}  ${f('steps')} ${f('materials')} ${f('days')} ${f('trips')} ${v.slaCompliance ?? '–'}`);
    }
    console.log(`written to ${path.join(RESULTS, 'gov.json')}`);
  } finally {
    await platform?.close();
    await pgHandle.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
