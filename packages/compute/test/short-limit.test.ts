import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildIndex, checkPlan, fifo, HighsWorker, makeOptimal, parseScenario, type ScenarioInput } from '../src/index.ts';
import { SolverError } from '../src/errors.ts';
import { buildChainModel, classify } from '../src/chainModel.ts';
import { LAGRANGE_JOBS_PER_TURN, lagrangianAscent, lagrangianBound } from '../src/lagrange.ts';

/** Deterministic pseudo-random numbers in [0, 1) (a 32-bit LCG), so the scenario is the same on every run. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => { x = (Math.imul(x, 1664525) + 1013904223) >>> 0; return x / 4294967296; };
}

/**
 * A generated network under pressure: 3 sites in 2 regions, 48 hourly slots, 600 jobs of every flex kind
 * released in bursts (a third of them in 4 busy hours), capacity near the busiest day's demand.
 */
function burstyScenario(seed: number): ScenarioInput {
  const r = lcg(seed);
  const T = 48;
  const sites = [
    { id: 'xj-a', region: 'xinjiang', units: 40 }, { id: 'xj-b', region: 'xinjiang', units: 24 }, { id: 'cq-a', region: 'chongqing', units: 32 },
  ];
  const busy = [3, 4, 20, 21];
  const jobs: ScenarioInput['jobs'] = Array.from({ length: 600 }, (_, i) => {
    const release = r() < 0.33 ? busy[Math.floor(r() * busy.length)]! : Math.floor(r() * (T - 8));
    const hours = 1 + Math.floor(r() * 5);
    const flex = (['rigid', 'malleable', 'divisible'] as const)[Math.floor(r() * 3)]!;
    const home = sites[Math.floor(r() * sites.length)]!;
    return {
      id: `j${i}`, type: 'gpu', units: 1 + Math.floor(r() * 4), hours, release, deadline: Math.min(T, release + hours + 2 + Math.floor(r() * 10)),
      flex, home: home.id, dataGB: r() < 0.5 ? 0 : 50, regions: r() < 0.5 ? [home.region] : ['xinjiang', 'chongqing'],
    };
  });
  return {
    version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: T, carbonPriceFenPerKg: 10, greenShareTarget: null,
    regions: ['xinjiang', 'chongqing'], links: [{ from: 'xinjiang', to: 'chongqing', gbps: 10, fenPerGB: 5 }],
    sites: sites.map((s, k) => ({
      id: s.id, region: s.region, kind: 'intelligent' as const, pue: 1.2,
      pools: [{ type: 'gpu', units: s.units, busyW: 875, idleW: 350 }],
      grid: {
        fenPerKWh: Array.from({ length: T }, (_, t) => 40 + 30 * Math.sin((t + 6 * k) / 24 * 2 * Math.PI)),
        carbonGPerKWh: Array.from({ length: T }, (_, t) => 500 + 200 * Math.cos((t + 3 * k) / 24 * 2 * Math.PI)),
      },
    })),
    jobs,
  };
}

// The time limit may stop the LP and the exact MIPs (how far each gets depends on the machine); whatever
// is cut short, the plan must stay valid and serve no less work than fifo's.
for (const timeLimitSec of [1, 3]) {
  test(`optimal with a ${timeLimitSec} s limit on a bursty generated network: a valid plan serving at least what fifo serves`, async () => {
    const s = parseScenario(burstyScenario(42));
    const f = await fifo.plan(s);
    const o = await makeOptimal({ mipMaxColumns: 0 }).plan(s, { timeLimitSec });
    assert.deepEqual(checkPlan(s, o.allocations), []);
    assert.ok(f.unservedUnitHours > 0, 'the scenario is tight enough that fifo leaves work unserved');
    assert.ok(o.unservedUnitHours <= f.unservedUnitHours + 1e-9, `optimal leaves ${o.unservedUnitHours} unit-hours unserved, fifo ${f.unservedUnitHours}`);
    assert.ok(o.notes.some((n) => n.startsWith('aggregated')), 'took the aggregated path');
  });
}

test('the Lagrangian ascent pauses within a pass over the jobs and gives the pass up when the time runs out in it', async () => {
  const s = parseScenario(burstyScenario(42));
  const ix = buildIndex(s);
  assert.ok(ix.jobs.length > 2 * LAGRANGE_JOBS_PER_TURN, 'a pass has several pauses');
  const cm = buildChainModel(ix, classify(ix));
  const worker = new HighsWorker();
  try {
    const lp = await worker.solve({ model: cm.model, timeLimitSec: 60, duals: true });
    assert.ok(lp.optimal, lp.statusName);
    const atDuals = lagrangianBound(ix, cm.model, cm.eb, lp.rowDual);
    // A pass run in turns gives the same value as one run straight through.
    let asked = 0;
    const whole = await lagrangianAscent(ix, cm.model, cm.eb, lp.rowDual, { target: Number.POSITIVE_INFINITY, stop: () => { asked++; return false; }, maxIterations: 1 });
    assert.equal(whole.start, atDuals);
    assert.equal(whole.iterations, 1);
    assert.ok(asked >= 2 * Math.floor(ix.jobs.length / LAGRANGE_JOBS_PER_TURN), `the clock was looked at ${asked} times in two passes`);
    // Time that runs out during the first pass ends the ascent there: no step, no bound from half a pass.
    asked = 0;
    const cut = await lagrangianAscent(ix, cm.model, cm.eb, lp.rowDual, { target: Number.POSITIVE_INFINITY, stop: () => ++asked >= 2 });
    assert.equal(asked, 2, 'nothing more was priced once the time was gone');
    assert.equal(cut.iterations, 0);
    assert.equal(cut.bound, Number.NEGATIVE_INFINITY);
  } finally {
    await worker.close();
  }
});

test('a solve past its hard limit is abandoned with a typed error, and the worker serves the next request', async () => {
  const ix = buildIndex(parseScenario(burstyScenario(7)));
  const cm = buildChainModel(ix, classify(ix));
  const worker = new HighsWorker();
  try {
    // No answer can cross from the worker before a timer of 0 ms fires: the solve is given up.
    await assert.rejects(worker.solve({ model: cm.model, timeLimitSec: 60, hardLimitSec: 0 }), (e: unknown) => {
      assert.ok(e instanceof SolverError);
      assert.equal(e.status, 'hard-time-limit');
      assert.match(e.message, /did not answer within 0 s/);
      return true;
    });
    // The stuck worker was replaced: the same request with room to finish is answered.
    const lp = await worker.solve({ model: cm.model, timeLimitSec: 60, hardLimitSec: 120 });
    assert.ok(lp.optimal, lp.statusName);
    assert.equal(lp.colValue.length, cm.model.numCols);
  } finally {
    await worker.close();
  }
});
