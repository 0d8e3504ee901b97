import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { evaluate, fifo, greedy, makeOptimal, parseScenario, planWithPrecedence, precedenceViolations, repairDag, type Allocation } from '../src/index.ts';
import { dagArb, tinyScenarioArb } from './scenarios.ts';

/**
 * Two GPUs over 8 hourly slots, dear but for slots 6 (cheapest) and 7. A parent (both GPUs) and its
 * dependant (one GPU), an hour each, due by 8; and an independent job of both GPUs that can only run in
 * slot 7 and weighs ten times as much. Planned by rounds, the parent takes slot 6 (cheapest, and it
 * leaves its dependant its hour), the independent job slot 7 — and the dependant has no room left. All
 * three are served with the parent and its dependant earlier.
 */
const squeeze = parseScenario({
  version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: 8, regions: ['a'], links: [],
  sites: [{ id: 'sa', region: 'a', pue: 1, pools: [{ type: 'gpu', units: 2, busyW: 1000, idleW: 0 }], grid: { fenPerKWh: [10, 10, 10, 10, 10, 10, 1, 2], carbonGPerKWh: Array(8).fill(100) } }],
  jobs: [
    { id: 'parent', type: 'gpu', units: 2, hours: 1, release: 0, deadline: 8, flex: 'rigid', home: 'sa', regions: ['a'] },
    { id: 'child', type: 'gpu', units: 1, hours: 1, release: 0, deadline: 8, flex: 'rigid', home: 'sa', regions: ['a'] },
    { id: 'late', type: 'gpu', units: 2, hours: 1, release: 7, deadline: 8, flex: 'rigid', home: 'sa', regions: ['a'], weight: 10 },
  ],
});
const edges = [{ job: 'child', after: ['parent'] }];
const slotOf = (allocs: readonly Allocation[], id: string) => allocs.find((a) => a.job === id && a.units > 0)?.slot;

test('repairDag: a workflow the rounds left short is placed again so that all of it is served, the rest kept', () => {
  const rounds: Allocation[] = [{ job: 'parent', site: 'sa', slot: 6, units: 2 }, { job: 'late', site: 'sa', slot: 7, units: 2 }];
  assert.equal(evaluate(squeeze, rounds).unservedUnitHours, 1);
  const r = repairDag(squeeze, edges, rounds);
  assert.deepEqual([r.workflows, r.servedMore], [1, 1]);
  assert.equal(evaluate(squeeze, r.allocations).unservedUnitHours, 0);
  assert.deepEqual(precedenceViolations(squeeze, edges, r.allocations), []);
  assert.equal(slotOf(r.allocations, 'late'), 7, 'work outside the workflow stays where it was');
  assert.ok(slotOf(r.allocations, 'child')! > slotOf(r.allocations, 'parent')!);
});

test('repairDag: a workflow that cannot be served more stays as it was', () => {
  // Independent work holds both GPUs in every slot but 6: the dependant has no slot after its parent anyway.
  const full = parseScenario({ ...squeeze, jobs: [...squeeze.jobs.slice(0, 2), { ...squeeze.jobs[2]!, release: 0, hours: 6, deadline: 6 }, { ...squeeze.jobs[2]!, id: 'last' }] });
  const plan: Allocation[] = [
    { job: 'parent', site: 'sa', slot: 6, units: 2 }, { job: 'last', site: 'sa', slot: 7, units: 2 },
    ...Array.from({ length: 6 }, (_, t) => ({ job: 'late', site: 'sa', slot: t, units: 2 })),
  ];
  const r = repairDag(full, edges, plan);
  assert.equal(r.workflows, 0);
  assert.deepEqual(new Set(r.allocations.map((a) => `${a.job}@${a.slot}`)), new Set(plan.map((a) => `${a.job}@${a.slot}`)));
});

test('planned by rounds, a dependant is not left out where a plan serving it exists', async () => {
  const r = await planWithPrecedence(squeeze, edges, makeOptimal({ dagMip: false }));
  assert.equal(r.unservedUnitHours, 0, r.notes.join('\n'));
  assert.deepEqual(r.blocked, []);
  assert.deepEqual(precedenceViolations(squeeze, edges, r.allocations), []);
  assert.ok(r.notes.some((n) => n.startsWith('workflow repair: 1 workflow(s)')), r.notes.join('\n'));
});

test('property: the repair never serves less of a workflow and never breaks an edge', async () => {
  await fc.assert(
    fc.asyncProperty(tinyScenarioArb({ maxJobs: 7, slots: 16 }).chain((raw) => fc.tuple(fc.constant(raw), dagArb(raw.jobs.length), fc.constantFrom(fifo, greedy))), async ([raw, dag, policy]) => {
      const s = parseScenario({ ...raw, jobs: raw.jobs.map((j) => ({ ...j, flex: 'rigid' as const })) });
      // Any plan keeping the edges is the input: a policy's plan with no precedence, less every dependant placed too early.
      let input = (await policy.plan(s)).allocations;
      for (let bad = precedenceViolations(s, dag, input); bad.length; bad = precedenceViolations(s, dag, input)) {
        const drop = new Set(bad.map((v) => v.job));
        input = input.filter((a) => !drop.has(a.job));
      }
      const r = repairDag(s, dag, input);
      assert.deepEqual(precedenceViolations(s, dag, r.allocations), []);
      assert.ok(evaluate(s, r.allocations).unservedUnitHours <= evaluate(s, input).unservedUnitHours + 1e-9);
    }),
    { numRuns: 150, seed: 15 },
  );
});
