import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildIndex, optimal, parseScenario, type HighsWorker, type ScenarioInput } from '../src/index.ts';
import { buildChainModel, classify } from '../src/chainModel.ts';

/** Small random scenarios: 2 regions, 1–3 sites, a handful of jobs of every flex kind. */
export interface TinyOpts { maxJobs: number; slots: number; storage?: boolean; maxUnits?: number }

export function tinyScenarioArb(o: TinyOpts): fc.Arbitrary<ScenarioInput> {
  const T = o.slots;
  const series = (min: number, max: number) => fc.array(fc.integer({ min, max }), { minLength: T, maxLength: T });
  const site = fc.record({
    region: fc.constantFrom('xinjiang', 'chongqing'),
    units: fc.integer({ min: 1, max: o.maxUnits ?? 4 }),
    busyW: fc.integer({ min: 200, max: 900 }),
    idleW: fc.integer({ min: 0, max: 150 }),
    fen: series(10, 120),
    carbon: series(100, 800),
    renew: fc.option(series(0, 3), { nil: undefined }),
    storage: o.storage ? fc.option(fc.record({ kWh: fc.integer({ min: 0, max: 4 }), kW: fc.integer({ min: 0, max: 2 }) }), { nil: undefined }) : fc.constant(undefined),
  });
  const job = fc.record({
    units: fc.integer({ min: 1, max: 3 }),
    hours: fc.integer({ min: 1, max: 3 }),
    release: fc.integer({ min: 0, max: T - 1 }),
    span: fc.integer({ min: 1, max: T }),
    flex: fc.constantFrom('rigid', 'malleable', 'divisible') as fc.Arbitrary<'rigid' | 'malleable' | 'divisible'>,
    home: fc.nat(),
    dataGB: fc.constantFrom(0, 10, 2000),
    anyRegion: fc.boolean(),
  });
  return fc.record({
    sites: fc.array(site, { minLength: 1, maxLength: 3 }),
    jobs: fc.array(job, { minLength: 1, maxLength: o.maxJobs }),
    carbonPrice: fc.constantFrom(0, 0.1),
    gbps: fc.constantFrom(1, 100),
  }).map(({ sites, jobs, carbonPrice, gbps }) => ({
    version: 1 as const, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: T,
    carbonPriceFenPerKg: carbonPrice, greenShareTarget: null,
    regions: ['xinjiang', 'chongqing'],
    links: [{ from: 'xinjiang', to: 'chongqing', gbps, fenPerGB: 0.05 }],
    sites: sites.map((s, i) => ({
      id: `s${i}`, region: s.region, kind: 'intelligent' as const, pue: 1.2,
      pools: [{ type: 'gpu', units: s.units, busyW: s.busyW, idleW: s.idleW }],
      grid: { fenPerKWh: s.fen, carbonGPerKWh: s.carbon },
      ...(s.renew ? { renewables: { kW: s.renew, fenPerKWh: 20 } } : {}),
      ...(s.storage ? { storage: { kWh: s.storage.kWh, kW: s.storage.kW, efficiency: 0.9 } } : {}),
    })),
    jobs: jobs.map((j, i) => {
      const home = sites.length > 0 ? j.home % sites.length : 0;
      const region = sites[home]!.region;
      return {
        id: `j${i}`, type: 'gpu', units: j.units, hours: j.hours, release: j.release,
        deadline: Math.min(T, j.release + j.span), flex: j.flex, home: `s${home}`, dataGB: j.dataGB,
        regions: j.anyRegion ? ['xinjiang', 'chongqing'] : [region],
      };
    }),
  }));
}

/** Random DAGs over the scenario's jobs: each job may wait for any earlier one (so no cycles). */
export const dagArb = (n: number) =>
  fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }).map((m) =>
    Array.from({ length: n }, (_, i) => ({ job: `j${i}`, after: Array.from({ length: i }, (_, k) => k).filter((k) => m[i]![k]).map((k) => `j${k}`) })).filter((e) => e.after.length > 0),
  );

/** A tiny scenario's aggregated LP (its duals) and its exact optimum, proved by HiGHS. */
export async function withDualsAndOptimum(worker: HighsWorker, raw: ScenarioInput) {
  const s = parseScenario(raw);
  const ix = buildIndex(s);
  const cm = buildChainModel(ix, classify(ix));
  const lp = await worker.solve({ model: cm.model, timeLimitSec: 30, duals: true });
  assert.ok(lp.optimal, lp.statusName);
  const exact = await optimal.plan(s);
  assert.match(exact.method ?? '', /exact MIP \(optimal\)/i, 'HiGHS proved the exact optimum');
  return { ix, cm, lp, exact };
}
