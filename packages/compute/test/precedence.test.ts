import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { planDagByMip } from '../src/precedenceModel.ts';
import { evaluate, fifo, greedy, makeOptimal, optimal, parseScenario, planWithPrecedence, precedenceWindows, PrecedenceError, topologicalOrder, type Allocation, type Scenario } from '../src/index.ts';
import { dagArb, tinyScenarioArb } from './scenarios.ts';


/** One site with 2 GPUs and a flat tariff over 8 hourly slots. */
const flat8 = {
  version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: 8, regions: ['a'],
  sites: [{ id: 'sa', region: 'a', pools: [{ type: 'gpu', units: 2, busyW: 100, idleW: 0 }], grid: { fenPerKWh: Array(8).fill(1), carbonGPerKWh: Array(8).fill(1) } }],
};

/** A 1-GPU job at flat8's site, released at 0. */
const gpu1 = (id: string, hours: number, deadline: number, flex: 'rigid' | 'malleable' = 'rigid') => ({ id, type: 'gpu', units: 1, hours, release: 0, deadline, flex, home: 'sa', regions: ['a'] });

/** Checked here from first principles, not with the module's own helpers. */
function checkOrder(s: Scenario, edges: { job: string; after: string[] }[], allocs: readonly Allocation[]): string | null {
  const slotH = s.slotMinutes / 60;
  const of = (id: string) => allocs.filter((a) => a.job === id && a.units > 0);
  const region = (site: string) => s.sites.find((x) => x.id === site)!.region;
  for (const e of edges) {
    const mine = of(e.job);
    if (!mine.length) continue;
    const start = Math.min(...mine.map((a) => a.slot));
    const dataGB = s.jobs.find((j) => j.id === e.job)!.dataGB;
    for (const p of e.after) {
      const theirs = of(p);
      const pj = s.jobs.find((j) => j.id === p)!;
      const done = theirs.reduce((n, a) => n + a.units * slotH, 0);
      if (done < pj.units * pj.hours - 1e-6) return `${e.job} runs though its parent ${p} is not fully served`;
      const end = Math.max(...theirs.map((a) => a.slot + 1));
      for (const a of theirs) for (const b of mine) {
        let stage = 0;
        if (region(a.site) !== region(b.site) && dataGB > 0) stage = Math.ceil((dataGB * 8) / s.links[0]!.gbps / (s.slotMinutes * 60));
        if (start < end + stage) return `${e.job} starts at ${start}, before ${p} ends at ${end} plus ${stage} slot(s) of staging`;
      }
    }
  }
  return null;
}

for (const policy of [fifo, greedy]) {
  test(`${policy.name}: no job starts before its parents finish plus staging (random DAGs)`, async () => {
    await fc.assert(
      fc.asyncProperty(tinyScenarioArb({ maxJobs: 7, slots: 16 }).chain((raw) => fc.tuple(fc.constant(raw), dagArb(raw.jobs.length))), async ([raw, edges]) => {
        const s = parseScenario(raw);
        const plan = await planWithPrecedence(s, edges, policy);
        assert.equal(checkOrder(s, edges, plan.allocations), null);
        // Blocked jobs are left out of the plan entirely.
        for (const id of plan.blocked) assert.equal(plan.allocations.some((a) => a.job === id && a.units > 0), false);
      }),
      { numRuns: 150, seed: 15 },
    );
  });
}

test('optimal plans a DAG of rigid jobs in one solve (precedence rows in its MIP): no job starts before its parents finish plus staging', async () => {
  await fc.assert(
    fc.asyncProperty(tinyScenarioArb({ maxJobs: 6, slots: 12 }).chain((raw) => fc.tuple(fc.constant({ ...raw, jobs: raw.jobs.map((j) => ({ ...j, flex: 'rigid' as const })) }), dagArb(raw.jobs.length))), async ([raw, edges]) => {
      const s = parseScenario(raw);
      const plan = await planWithPrecedence(s, edges, optimal);
      assert.equal(plan.rounds, 1, 'one solve, no rounds');
      assert.ok(plan.notes.some((n) => n.startsWith('DAG planned in one solve')), plan.notes.join('; '));
      assert.equal(checkOrder(s, edges, plan.allocations), null);
      for (const id of plan.blocked) assert.equal(plan.allocations.some((a) => a.job === id && a.units > 0), false);
    }),
    { numRuns: 25, seed: 15 },
  );
});

test('the one-solve DAG model declines a DAG with a malleable job on an edge; planWithPrecedence then plans by rounds', async () => {
  const raw = {
    ...flat8,
    jobs: [
      gpu1('p', 2, 8, 'malleable'),
      gpu1('c', 2, 8),
    ],
  };
  const s = parseScenario(raw);
  const edges = [{ job: 'c', after: ['p'] }];
  assert.equal(await planDagByMip(s, edges), null);
  const plan = await planWithPrecedence(s, edges, optimal);
  assert.equal(plan.notes.some((n) => n.startsWith('DAG planned in one solve')), false);
  assert.equal(checkOrder(s, edges, plan.allocations), null);
  assert.equal(plan.unservedUnitHours, 0);
});

test('a chain across regions waits for the staging of its data', async () => {
  const raw = {
    version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: 12, regions: ['a', 'b'],
    links: [{ from: 'a', to: 'b', gbps: 1, fenPerGB: 0 }],
    sites: [
      { id: 'sa', region: 'a', pools: [{ type: 'gpu', units: 1, busyW: 100, idleW: 0 }], grid: { fenPerKWh: Array(12).fill(1), carbonGPerKWh: Array(12).fill(1) } },
      { id: 'sb', region: 'b', pools: [{ type: 'gpu', units: 1, busyW: 100, idleW: 0 }], grid: { fenPerKWh: Array(12).fill(1), carbonGPerKWh: Array(12).fill(1) } },
    ],
    jobs: [
      { id: 'p', type: 'gpu', units: 1, hours: 2, release: 0, deadline: 12, flex: 'rigid', home: 'sa', regions: ['a'] },
      // 900 GB over 1 Gbps: 7,200 s = 2 slots of staging from a to b.
      { id: 'c', type: 'gpu', units: 1, hours: 1, release: 0, deadline: 12, flex: 'rigid', home: 'sb', dataGB: 900, regions: ['b'] },
    ],
  };
  const plan = await planWithPrecedence(parseScenario(raw), [{ job: 'c', after: ['p'] }], fifo);
  const start = (id: string) => Math.min(...plan.allocations.filter((a) => a.job === id).map((a) => a.slot));
  assert.equal(start('p'), 0);
  assert.equal(start('c'), 4, 'parent ends at slot 2, then two slots of staging');
  for (const policy of [optimal, makeOptimal({ dagMip: false })]) {
    const o = await planWithPrecedence(parseScenario(raw), [{ job: 'c', after: ['p'] }], policy);
    const at = (id: string) => o.allocations.filter((a) => a.job === id).map((a) => a.slot);
    assert.ok(Math.min(...at('c')) >= Math.max(...at('p')) + 1 + 2, `c starts after p's end plus two slots of staging (${JSON.stringify(o.allocations)})`);
    assert.equal(o.unservedUnitHours, 0);
  }
});

test('a cycle is refused, naming a job on it', () => {
  assert.throws(() => topologicalOrder(['a', 'b', 'c'], new Map([['a', ['c']], ['b', ['a']], ['c', ['b']]])), (e: unknown) => e instanceof PrecedenceError && ['a', 'b', 'c'].includes(e.path));
  assert.throws(() => topologicalOrder(['a'], new Map([['a', ['x']]])), /not among the jobs/);
  assert.deepEqual(topologicalOrder(['c', 'b', 'a'], new Map([['c', ['b']], ['b', ['a']]])), ['a', 'b', 'c']);
});

test('a parent is placed early enough for its dependant\'s deadline, though later slots are cheaper', async () => {
  const tariff = [9, 9, 9, 9, 9, 9, 9, 9, 1, 1, 1, 1];
  const raw = {
    version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: 12, regions: ['a'],
    sites: [{ id: 'sa', region: 'a', pools: [{ type: 'gpu', units: 2, busyW: 1000, idleW: 0 }], grid: { fenPerKWh: tariff, carbonGPerKWh: Array(12).fill(1) } }],
    jobs: [
      { id: 'p', type: 'gpu', units: 1, hours: 2, release: 0, deadline: 12, flex: 'rigid', home: 'sa', regions: ['a'] },
      { id: 'c', type: 'gpu', units: 1, hours: 2, release: 0, deadline: 6, flex: 'rigid', home: 'sa', regions: ['a'] },
    ],
  };
  const s = parseScenario(raw);
  const edges = [{ job: 'c', after: ['p'] }];
  assert.deepEqual(precedenceWindows(s, edges).get('p'), { release: 0, deadline: 4 });
  assert.deepEqual(precedenceWindows(s, edges).get('c'), { release: 2, deadline: 6 });
  for (const policy of [greedy, optimal]) {
    const plan = await planWithPrecedence(s, edges, policy);
    assert.deepEqual(plan.blocked, [], policy.name);
    const span = (id: string) => plan.allocations.filter((a) => a.job === id && a.units > 0).map((a) => a.slot);
    assert.ok(Math.max(...span('p')) + 1 <= Math.min(...span('c')), `${policy.name}: c after p`);
    assert.ok(Math.max(...span('c')) < 6, `${policy.name}: c before its deadline`);
  }
});

test('a dependant whose parent cannot end in time is left out from the start', async () => {
  const raw = {
    ...flat8,
    jobs: [
      gpu1('p', 4, 8),
      gpu1('c', 2, 5),
    ],
  };
  const plan = await planWithPrecedence(parseScenario(raw), [{ job: 'c', after: ['p'] }], fifo);
  assert.deepEqual(plan.blocked, ['c']);
  assert.equal(plan.allocations.filter((a) => a.job === 'p').length, 4, 'the parent is still served in full');
});

test('planWithPrecedence keeps the rounds plan where the one-solve plan is worse (a fake planDag that serves nothing)', async () => {
  const s = parseScenario({ ...flat8, jobs: [gpu1('p', 2, 8), gpu1('c', 2, 8)] });
  const edges = [{ job: 'c', after: ['p'] }];
  let startGiven: readonly Allocation[] | undefined;
  // A fake: a one-solve planner that ignores its start and serves nothing.
  const servesNothing = {
    ...makeOptimal({ dagMip: false }),
    planDag: async (sc: Scenario, _e: unknown, _o: unknown, start?: readonly Allocation[]) => {
      startGiven = start;
      return { policy: 'optimal' as const, ...evaluate(sc, []), allocations: [], solveMs: 0, notes: [], rounds: 1, blocked: [] };
    },
  };
  const plan = await planWithPrecedence(s, edges, servesNothing);
  assert.ok(startGiven && startGiven.some((a) => a.job === 'c'), 'the rounds plan is given as the start');
  assert.equal(plan.unservedUnitHours, 0);
  assert.ok(plan.notes.some((n) => n.includes('the rounds plan stands')), plan.notes.join('; '));
});

test('property: warm-started from the repaired rounds plan, the one-solve DAG MIP ends no worse than that start', async () => {
  const rounds = makeOptimal({ dagMip: false });
  await fc.assert(
    fc.asyncProperty(tinyScenarioArb({ maxJobs: 5, slots: 10 }).chain((raw) => fc.tuple(fc.constant({ ...raw, jobs: raw.jobs.map((j) => ({ ...j, flex: 'rigid' as const })) }), dagArb(raw.jobs.length))), async ([raw, edges]) => {
      const s = parseScenario(raw);
      const start = await planWithPrecedence(s, edges, rounds);
      const mip = await planDagByMip(s, edges, undefined, start.allocations);
      if (mip) assert.equal(checkOrder(s, edges, mip.allocations), null);
      const plan = await planWithPrecedence(s, edges, optimal);
      assert.ok(plan.objective <= start.objective + 1e-6, `${plan.objective} > ${start.objective}: ${plan.notes.join('; ')}`);
      assert.equal(checkOrder(s, edges, plan.allocations), null);
    }),
    { numRuns: 6, seed: 21 },
  );
});
