import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, fifo, greedy, optimal, parseScenario, UNSERVED_PENALTY_FEN_PER_UNIT_HOUR, type ScenarioInput } from '../src/index.ts';

/**
 * One GPU for two hours, two two-hour jobs: only one can be served. The first in file order is
 * cheaper to run nowhere else, so without weights any policy may keep either; with weight 3 on the
 * second, every policy keeps the second, and evaluate() charges the dropped job at its own weight.
 */
const input = (w2?: number): ScenarioInput => ({
  version: 1, start: '2026-12-06T00:00:00Z', slotMinutes: 60, slots: 2, carbonPriceFenPerKg: 0, greenShareTarget: null,
  regions: ['xinjiang'],
  sites: [{
    id: 'A', region: 'xinjiang', kind: 'intelligent', pue: 1,
    pools: [{ type: 'gpu', units: 1, busyW: 1000, idleW: 0 }],
    grid: { fenPerKWh: [10, 10], carbonGPerKWh: [500, 500] },
  }],
  jobs: [
    { id: 'low', type: 'gpu', units: 1, hours: 2, release: 0, deadline: 2, flex: 'rigid', home: 'A', regions: ['xinjiang'] },
    { id: 'high', type: 'gpu', units: 1, hours: 2, release: 0, deadline: 2, flex: 'rigid', home: 'A', regions: ['xinjiang'], ...(w2 ? { weight: w2 } : {}) },
  ],
});

test('priority weight: when capacity is short every policy serves the heavier job', async () => {
  const s = parseScenario(input(3));
  for (const policy of [fifo, greedy, optimal]) {
    const r = await policy.plan(s);
    assert.deepEqual([...new Set(r.allocations.map((a) => a.job))], ['high'], policy.name);
    assert.equal(r.objective, 20 + 2 * UNSERVED_PENALTY_FEN_PER_UNIT_HOUR, `${policy.name}: 2 kWh at 10 fen, plus low's 2 unit-hours unserved at weight 1`);
  }
  // Without weights the first in file order wins in fifo and greedy.
  const plain = await fifo.plan(parseScenario(input()));
  assert.deepEqual([...new Set(plain.allocations.map((a) => a.job))], ['low']);
  // Keeping the light job instead drops the heavy one: its unserved work is charged at its weight.
  const m = evaluate(s, [{ job: 'low', site: 'A', slot: 0, units: 1 }, { job: 'low', site: 'A', slot: 1, units: 1 }]);
  assert.equal(m.objective - m.costFen, 3 * 2 * UNSERVED_PENALTY_FEN_PER_UNIT_HOUR);
  assert.equal(m.unservedUnitHours, 2);
});

test('a weight below 1 is refused, naming the field', () => {
  assert.throws(() => parseScenario(input(0.5)), /jobs\[1\]\.weight|jobs\.1\.weight/);
});
