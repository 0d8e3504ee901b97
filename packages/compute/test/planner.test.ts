import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import GLPK from 'glpk.js/node';
import {
  buildIndex, checkPlan, evaluate, fifo, greedy, HighsWorker, LpBuilder, makeOptimal, optimal, parseScenario, POLICIES,
  ScenarioError, type Allocation, type Scenario,
} from '../src/index.ts';
import { tinyScenarioArb } from './scenarios.ts';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));

test('every policy keeps capacity, windows, allowed sites and flex rules, and loses no work', async () => {
  await fc.assert(fc.asyncProperty(tinyScenarioArb({ maxJobs: 6, slots: 6, storage: true }), async (raw) => {
    const s = parseScenario(raw);
    const ix = buildIndex(s);
    for (const p of Object.values(POLICIES)) {
      const r = await p.plan(s);
      assert.deepEqual(checkPlan(s, r.allocations), [], `${p.name} broke a rule`);
      const allocatedSlots = r.allocations.reduce((n, a) => n + a.units, 0);
      const requestedSlots = ix.jobs.reduce((n, j) => n + j.work, 0);
      assert.ok(Math.abs(allocatedSlots * ix.slotHours + r.unservedUnitHours - requestedSlots * ix.slotHours) < 1e-9, `${p.name} lost work`);
    }
  }), { numRuns: 8, seed: 7 });
});

test('optimal is no worse than fifo and greedy, and the lower bound is below all three', async () => {
  await fc.assert(fc.asyncProperty(tinyScenarioArb({ maxJobs: 6, slots: 6 }), async (raw) => {
    const s = parseScenario(raw);
    const [f, g, o] = [await fifo.plan(s), await greedy.plan(s), await optimal.plan(s)];
    assert.ok(o.objective <= f.objective + 1e-6 * Math.max(1, f.objective), `optimal ${o.objective} > fifo ${f.objective}`);
    assert.ok(o.objective <= g.objective + 1e-6 * Math.max(1, g.objective), `optimal ${o.objective} > greedy ${g.objective}`);
    assert.ok(o.lowerBound, 'optimal reports a lower bound');
    assert.ok(o.lowerBound.objective <= o.objective + 1e-6 * Math.max(1, o.objective));
  }), { numRuns: 8, seed: 11 });
});

/** Every integral plan of a tiny scenario, by exhaustive enumeration. */
function bruteForce(s: Scenario): number {
  const ix = buildIndex(s);
  const perJob: Allocation[][][] = ix.jobs.map((info) => {
    const out: Allocation[][] = [[]];
    const id = info.job.id;
    for (const o of info.options) {
      const site = ix.siteIds[o.site]!;
      const slots: number[] = [];
      for (let t = o.firstSlot; t < info.job.deadline; t++) slots.push(t);
      if (info.job.flex === 'rigid') {
        for (let tau = o.firstSlot; tau + info.slots <= info.job.deadline; tau++) {
          out.push(Array.from({ length: info.slots }, (_, k) => ({ job: id, site, slot: tau + k, units: info.job.units })));
        }
        continue;
      }
      const cap = info.job.flex === 'malleable' ? info.job.units : info.work;
      const rec = (i: number, left: number, acc: Allocation[]) => {
        if (i === slots.length) { if (acc.length) out.push([...acc]); return; }
        for (let u = 0; u <= Math.min(cap, left); u++) {
          if (u > 0) acc.push({ job: id, site, slot: slots[i]!, units: u });
          rec(i + 1, left - u, acc);
          if (u > 0) acc.pop();
        }
      };
      rec(0, info.work, []);
    }
    if (info.job.flex === 'divisible' && info.options.length > 1) {
      // splits over two sites: combine per-site choices
      const single = out.slice(1);
      for (let a = 0; a < single.length; a++) for (let b = a + 1; b < single.length; b++) {
        const A = single[a]!, B = single[b]!;
        if (A[0]!.site === B[0]!.site) continue;
        const total = [...A, ...B].reduce((n, x) => n + x.units, 0);
        if (total <= info.work) out.push([...A, ...B]);
      }
    }
    return out;
  });
  let best = Infinity;
  const rec = (j: number, acc: Allocation[]) => {
    if (j === perJob.length) {
      if (checkPlan(s, acc, ix).length === 0) best = Math.min(best, evaluate(s, acc, ix).objective);
      return;
    }
    for (const choice of perJob[j]!) rec(j + 1, acc.concat(choice));
  };
  rec(0, []);
  return best;
}

test('brute force over every integral plan matches optimal on tiny scenarios', async () => {
  const arb = tinyScenarioArb({ maxJobs: 2, slots: 3, maxUnits: 2 }).map((raw) => ({
    ...raw, sites: raw.sites.slice(0, 2),
    jobs: raw.jobs.map((j) => ({ ...j, home: 's0', units: Math.min(j.units, 2), hours: Math.min(j.hours, 2), regions: ['xinjiang', 'chongqing'] })),
  }));
  await fc.assert(fc.asyncProperty(arb, async (raw) => {
    const s = parseScenario(raw);
    const o = await optimal.plan(s);
    const bf = bruteForce(s);
    assert.ok(rel(o.objective, bf) < 1e-6, `optimal ${o.objective} vs brute force ${bf}`);
  }), { numRuns: 8, seed: 3 });
});

test('HiGHS and glpk.js agree on small random LPs', async () => {
  const glpk = await GLPK();
  const worker = new HighsWorker();
  try {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 5 }),
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 60, maxLength: 60 }),
      async (n, m, r) => {
        // min c·x s.t. A x ≥ b, 0 ≤ x ≤ 10: feasible whenever each row has a positive coefficient
        const b = new LpBuilder();
        const rows = Array.from({ length: m }, (_, i) => b.addRow(r[i]! + 1, Infinity));
        const lp = { name: 'lp', objective: { direction: glpk.GLP_MIN, name: 'obj', vars: [] as { name: string; coef: number }[] }, subjectTo: rows.map((_, i) => ({ name: `r${i}`, vars: [] as { name: string; coef: number }[], bnds: { type: glpk.GLP_LO, lb: r[i]! + 1, ub: 0 } })), bounds: [] as { name: string; type: number; lb: number; ub: number }[] };
        for (let j = 0; j < n; j++) {
          const coefs = rows.map((_, i) => (r[(i * n + j + 7) % 60]! % 4) + 1);
          const cost = (r[(j * 13 + 3) % 60]! % 7) + 1;
          b.addCol(cost, 0, 10, rows, coefs);
          lp.objective.vars.push({ name: `x${j}`, coef: cost });
          lp.bounds.push({ name: `x${j}`, type: glpk.GLP_DB, lb: 0, ub: 10 });
          coefs.forEach((c, i) => lp.subjectTo[i]!.vars.push({ name: `x${j}`, coef: c }));
        }
        const h = await worker.solve({ model: b.build(), timeLimitSec: 10 });
        const g = await glpk.solve(lp, { msglev: glpk.GLP_MSG_OFF });
        assert.equal(g.result.status, glpk.GLP_OPT);
        assert.ok(rel(h.objective, g.result.z) < 1e-7, `highs ${h.objective} glpk ${g.result.z}`);
      }), { numRuns: 25, seed: 5 });
  } finally {
    await worker.close();
  }
});

test('infeasible work is reported as unserved, not thrown', async () => {
  const s = parseScenario({
    version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: 2, regions: ['xinjiang'],
    sites: [{ id: 'hami', region: 'xinjiang', pools: [{ type: 'gpu', units: 2, busyW: 700, idleW: 100 }], grid: { fenPerKWh: [50, 50], carbonGPerKWh: [600, 600] } }],
    jobs: [
      { id: 'big', type: 'gpu', units: 8, hours: 1, release: 0, deadline: 2, flex: 'rigid', home: 'hami', regions: ['xinjiang'] },
      { id: 'long', type: 'gpu', units: 2, hours: 5, release: 0, deadline: 2, flex: 'malleable', home: 'hami', regions: ['xinjiang'] },
    ],
  });
  for (const p of Object.values(POLICIES)) {
    const r = await p.plan(s);
    assert.equal(r.deadlineMisses, 2, p.name);
    // big: 8 unit-hours never fit; long: 10 requested, at most 4 fit in two slots of 2 units
    assert.equal(r.unservedUnitHours, 8 + 10 - 4, p.name);
  }
});

test('a malformed scenario names the path of each bad field', () => {
  const bad = {
    version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: 168, regions: ['xinjiang'],
    sites: [{ id: 'a', region: 'xinjiang', pools: [{ type: 'gpu', units: 1, busyW: 1, idleW: 1 }], grid: { fenPerKWh: new Array(168).fill(1), carbonGPerKWh: new Array(168).fill(1) } },
      { id: 'b', region: 'xinjiang', pools: [{ type: 'gpu', units: 1, busyW: 1, idleW: 1 }], grid: { fenPerKWh: new Array(168).fill(1), carbonGPerKWh: new Array(168).fill(1) } },
      { id: 'c', region: 'xinjiang', pools: [{ type: 'gpu', units: 1, busyW: 1, idleW: 1 }], grid: { fenPerKWh: new Array(24).fill(1), carbonGPerKWh: new Array(168).fill(1) } }],
    jobs: [{ id: 'j', type: 'gpu', units: 1, hours: 1, release: 5, deadline: 4, flex: 'rigid', home: 'nowhere', regions: ['xinjiang'] }],
  };
  assert.throws(() => parseScenario(bad), (e: unknown) => {
    assert.ok(e instanceof ScenarioError);
    assert.equal(e.code, 'SCENARIO_INVALID');
    assert.match(e.message, /sites\[2\]\.grid\.fenPerKWh: expected 168 values, got 24/);
    assert.match(e.message, /jobs\[0\]\.home: unknown site "nowhere"/);
    assert.match(e.message, /jobs\[0\]\.release/);
    return true;
  });
  assert.throws(() => parseScenario({ ...bad, sites: 'x' }), /sites: /);
});

test('the aggregated LP path (classes and chains) gives a valid plan above its lower bound', async () => {
  const aggregated = makeOptimal({ mipMaxColumns: 0 });
  await fc.assert(fc.asyncProperty(tinyScenarioArb({ maxJobs: 8, slots: 8, storage: true }), async (raw) => {
    const s = parseScenario(raw);
    const o = await aggregated.plan(s);
    assert.deepEqual(checkPlan(s, o.allocations), []);
    assert.ok(o.notes.some((n) => n.startsWith('aggregated')), 'took the aggregated path');
    assert.ok(o.lowerBound && o.lowerBound.objective <= o.objective + 1e-6 * Math.max(1, o.objective));
    const exact = await optimal.plan(s);
    assert.ok(o.lowerBound.objective <= exact.objective + 1e-6 * Math.max(1, exact.objective), 'aggregated bound is below the exact optimum');
  }), { numRuns: 6, seed: 13 });
});
