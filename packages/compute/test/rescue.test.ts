import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildIndex, checkPlan, evaluate, greedy, makeOptimal, parseScenario, type ScenarioInput } from '../src/index.ts';
import { PlanState, placeCheapest } from '../src/planState.ts';
import { lnsImprove } from '../src/lns.ts';
import { polishWithMip } from '../src/polish.ts';
import { rescueUnserved } from '../src/rescue.ts';
import { HighsWorker } from '../src/solver.ts';

/** One site, one pool of 2 GPUs, four hourly slots; power is cheap in the middle two. */
function network(jobs: ScenarioInput['jobs'], slots = 4, fen = [50, 10, 10, 50]): ScenarioInput {
  return {
    version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots, carbonPriceFenPerKg: 0, greenShareTarget: null,
    regions: ['xinjiang'], links: [],
    sites: [{
      id: 'A', region: 'xinjiang', kind: 'intelligent', pue: 1.2,
      pools: [{ type: 'gpu', units: 2, busyW: 800, idleW: 100 }],
      grid: { fenPerKWh: fen.slice(0, slots), carbonGPerKWh: new Array(slots).fill(500) },
    }],
    jobs,
  };
}
const rigid = (id: string, units: number, hours: number, deadline = 4): ScenarioInput['jobs'][number] => ({
  id, type: 'gpu', units, hours, release: 0, deadline, flex: 'rigid', home: 'A', dataGB: 0, regions: ['xinjiang'],
});

// a and b (1 GPU × 2 h each) both want the cheap middle hours; c needs both GPUs for 2 consecutive hours.
// Placed cheapest one by one, a and b take hours 1–2 and leave c two free GPUs only in hours 0 and 3,
// which are not consecutive. An integral plan serves all three: a and b in hours 0–1, c in hours 2–3.
const fragmented = parseScenario(network([rigid('a', 1, 2), rigid('b', 1, 2), rigid('c', 2, 2)]));

test('greedy placement drops c although an integral plan serves every job', async () => {
  const r = await greedy.plan(fragmented);
  assert.equal(r.deadlineMisses, 1);
  assert.deepEqual(r.allocations.filter((a) => a.job === 'c'), []);
});

test('rescue: the exact MIP over c\'s window re-places a and b and serves c; the plan stays valid', async () => {
  const ix = buildIndex(fragmented);
  const st = new PlanState(ix);
  for (const j of [0, 1, 2]) placeCheapest(st, j);
  assert.equal(st.remaining(2), 4, 'the hand-built state leaves c unserved');
  const worker = new HighsWorker();
  try {
    const rep = await rescueUnserved(st, worker, { secondsLeft: () => 30 });
    assert.deepEqual({ tried: rep.tried, rescued: rep.rescued, served: rep.servedUnitSlots, proofs: rep.proofs }, { tried: 1, rescued: 1, served: 4, proofs: [] });
  } finally {
    await worker.close();
  }
  const allocations = st.allocations();
  assert.deepEqual(checkPlan(fragmented, allocations), []);
  const m = evaluate(fragmented, allocations);
  assert.equal(m.unservedUnitHours, 0);
  assert.equal(m.deadlineMisses, 0);
});

test('optimal (LP, rounding, repair, local search, rescue) serves every job of the fragmented instance', async () => {
  const r = await makeOptimal({ mipMaxColumns: 0 }).plan(fragmented);
  assert.deepEqual(checkPlan(fragmented, r.allocations), []);
  assert.equal(r.unservedUnitHours, 0);
});

// Capacity 2 GPUs × 2 hours = 4 GPU-hours; d needs all of it, e one more GPU-hour in the same window.
// Serving e means dropping d: no integral plan serves both, and the MIP says so.
const overfull = parseScenario(network([rigid('d', 2, 2, 2), rigid('e', 1, 1, 2), rigid('f', 3, 1, 2)], 2));

test('rescue: where no integral plan serves the job, the plan keeps its work and the note carries the MIP\'s proof', async () => {
  const ix = buildIndex(overfull);
  const st = new PlanState(ix);
  for (const j of [0, 1, 2]) placeCheapest(st, j);
  assert.equal(st.remaining(1), 1);
  const before = st.allocations();
  const worker = new HighsWorker();
  let proofs: string[];
  try {
    const rep = await rescueUnserved(st, worker, { secondsLeft: () => 30 });
    assert.equal(rep.rescued, 0);
    assert.equal(rep.servedUnitSlots, 0);
    proofs = rep.proofs;
  } finally {
    await worker.close();
  }
  assert.deepEqual(st.allocations(), before);
  assert.equal(proofs.length, 2);
  assert.match(proofs[0]!, /^e: 1 unit-slots unserved; exact MIP over its window .*HiGHS status optimal with 1 unit-slots unserved .*\(proof\)$/);
  // f asks for 3 GPUs where the only pool has 2: no plan serves it, and no MIP is needed to say so.
  assert.match(proofs[1]!, /^f: no site can run it/);
});

test('optimal reports the proof in its notes', async () => {
  const r = await makeOptimal({ mipMaxColumns: 0 }).plan(overfull);
  assert.deepEqual(checkPlan(overfull, r.allocations), []);
  assert.equal(r.unservedUnitHours, 1 + 3);
  assert.ok(r.notes.some((n) => /^not served: e: .*HiGHS status optimal/.test(n)), r.notes.join('\n'));
});

test('the exact MIP started from a plan replaces it when cheaper (here: it serves c), and keeps an optimal plan as it is', async () => {
  const ix = buildIndex(fragmented);
  const st = new PlanState(ix);
  for (const j of [0, 1, 2]) placeCheapest(st, j);
  const before = evaluate(fragmented, st.allocations()).objective;
  const worker = new HighsWorker();
  try {
    const rep = await polishWithMip(st, worker, 30);
    const after = evaluate(fragmented, st.allocations());
    assert.equal(after.unservedUnitHours, 0);
    assert.ok(Math.abs(rep.savedFen - (before - after.objective)) < 1e-6, `${rep.savedFen} vs ${before - after.objective}`);
    assert.ok(rep.bound <= after.objective + 1e-6, `bound ${rep.bound} above the plan ${after.objective}`);
    assert.deepEqual(checkPlan(fragmented, st.allocations()), []);
    const kept = st.allocations();
    const again = await polishWithMip(st, worker, 30);
    assert.equal(again.savedFen, 0);
    assert.deepEqual(st.allocations(), kept);
  } finally {
    await worker.close();
  }
});

test('window MIPs re-place the jobs of a window jointly: the one-by-one plan that strands c becomes one that serves it', async () => {
  const ix = buildIndex(fragmented);
  const st = new PlanState(ix);
  for (const j of [0, 1, 2]) placeCheapest(st, j);
  const worker = new HighsWorker();
  try {
    const rep = await lnsImprove(st, worker, { secondsLeft: () => 30, windowHours: 4 });
    assert.equal(rep.improved, 1);
  } finally {
    await worker.close();
  }
  assert.deepEqual(checkPlan(fragmented, st.allocations()), []);
  assert.equal(evaluate(fragmented, st.allocations()).unservedUnitHours, 0);
});
