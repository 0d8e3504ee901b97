import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildIndex, checkPlan, evaluate, parseScenario, type ScenarioInput } from '../src/index.ts';
import { replanJobs } from '../src/lns.ts';
import { PlanState } from '../src/planState.ts';
import { HighsWorker } from '../src/solver.ts';

const site = (id: string, fen: number[]): ScenarioInput['sites'][number] => ({
  id, region: 'xinjiang', kind: 'intelligent', pue: 1.2,
  pools: [{ type: 'gpu', units: 1, busyW: 800, idleW: 100 }],
  grid: { fenPerKWh: fen, carbonGPerKWh: new Array(fen.length).fill(500) },
});
const rigid = (id: string, release: number, deadline: number): ScenarioInput['jobs'][number] => ({
  id, type: 'gpu', units: 1, hours: 2, release, deadline, flex: 'rigid', home: 'A', dataGB: 0, regions: ['xinjiang'],
});

// Slots 4–7 hold the two-site trap of site-replan.test.ts: A is cheap (cheapest in 4–5), B dear; x may
// run in 4–7, y only in 4–5. x at A 4–5 with y at B 4–5 is a local optimum of one-job moves; the best
// plan, y at A 4–5 and x at A 6–7, needs both moved together. e holds A in 0–1 and is not re-planned:
// it must stay where it is, and the MIP's slots are the plan's own.
const late = parseScenario({
  version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: 8, carbonPriceFenPerKg: 0, greenShareTarget: null,
  regions: ['xinjiang'], links: [],
  sites: [site('A', [15, 15, 30, 30, 10, 10, 20, 20]), site('B', [60, 60, 60, 60, 60, 60, 60, 60])],
  jobs: [rigid('e', 0, 4), rigid('x', 4, 8), rigid('y', 4, 6)],
});

test('the neighbourhood MIP over jobs late in the horizon moves x and y together to the cheaper plan at the right slots; the rest stays', async () => {
  const ix = buildIndex(late);
  const st = new PlanState(ix);
  const [e, x, y] = ['e', 'x', 'y'].map((id) => ix.jobById.get(id)!);
  const [a, b] = [ix.siteById.get('A')!, ix.siteById.get('B')!];
  for (const t of [0, 1]) st.add(e!, a, t, 1);
  for (const t of [4, 5]) st.add(x!, a, t, 1);
  for (const t of [4, 5]) st.add(y!, b, t, 1);
  const before = evaluate(late, st.allocations(), ix).objective;
  const worker = new HighsWorker();
  try {
    const next = await replanJobs(st, worker, [x!, y!], 0, ix.T, 30, before);
    assert.notEqual(next, null, 'the joint move lowers the objective: it is kept');
    assert.ok(next! < before);
    assert.equal(next, evaluate(late, st.allocations(), ix).objective);
  } finally {
    await worker.close();
  }
  const placed = st.allocations().map((al) => `${al.job}@${al.site}:${al.slot}`).sort();
  assert.deepEqual(placed, ['e@A:0', 'e@A:1', 'x@A:6', 'x@A:7', 'y@A:4', 'y@A:5']);
  assert.deepEqual(checkPlan(late, st.allocations()), []);
});

test('a MIP that cannot improve the plan leaves it exactly as it was', async () => {
  const ix = buildIndex(late);
  const st = new PlanState(ix);
  const [e, x, y] = ['e', 'x', 'y'].map((id) => ix.jobById.get(id)!);
  const a = ix.siteById.get('A')!;
  for (const t of [0, 1]) st.add(e!, a, t, 1);
  for (const t of [6, 7]) st.add(x!, a, t, 1);
  for (const t of [4, 5]) st.add(y!, a, t, 1);
  const before = st.allocations();
  const worker = new HighsWorker();
  try {
    assert.equal(await replanJobs(st, worker, [x!, y!], 0, ix.T, 30, evaluate(late, before, ix).objective), null);
  } finally {
    await worker.close();
  }
  assert.deepEqual(st.allocations(), before);
});
