// Small plans that one-job moves cannot improve, shared by the site re-planning and pair exchange tests.
import { buildIndex, parseScenario, type ScenarioInput } from '../src/index.ts';
import { PlanState } from '../src/planState.ts';

const site = (id: string, units: number, fen: number[]): ScenarioInput['sites'][number] => ({
  id, region: 'xinjiang', kind: 'intelligent', pue: 1.2,
  pools: [{ type: 'gpu', units, busyW: 800, idleW: 100 }],
  grid: { fenPerKWh: fen, carbonGPerKWh: new Array(fen.length).fill(500) },
});
const rigid = (id: string, deadline: number): ScenarioInput['jobs'][number] => ({
  id, type: 'gpu', units: 1, hours: 2, release: 0, deadline, flex: 'rigid', home: 'A', dataGB: 0, regions: ['xinjiang'],
});

// A (one GPU) is cheap, cheapest in hours 0–1; B (one GPU) is dear throughout. x may run in hours 0–3,
// y only in hours 0–1. The plan x at A 0–1, y at B 0–1 is a local optimum of one-job moves: x alone is
// already at its cheapest, y alone cannot get A. The best plan — y at A 0–1, x at A 2–3 — needs both
// moved together.
export const twoSites = parseScenario({
  version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: 4, carbonPriceFenPerKg: 0, greenShareTarget: null,
  regions: ['xinjiang'], links: [],
  sites: [site('A', 1, [10, 10, 20, 20]), site('B', 1, [60, 60, 60, 60])],
  jobs: [rigid('x', 4), rigid('y', 2)],
});

export function stuckPlan(): PlanState {
  const ix = buildIndex(twoSites);
  const st = new PlanState(ix);
  const [x, y] = [ix.jobById.get('x')!, ix.jobById.get('y')!];
  const [a, b] = [ix.siteById.get('A')!, ix.siteById.get('B')!];
  for (const t of [0, 1]) st.add(x, a, t, 1);
  for (const t of [0, 1]) st.add(y, b, t, 1);
  return st;
}

export const placed = (st: PlanState) => st.allocations().map((a) => `${a.job}@${a.site}:${a.slot}`).sort();

// Twelve jobs of mixed flexibility over three sites, two regions (a remote site with a transfer), more
// work than the cheapest site holds: placed one by one in EDF order then re-planned.
export const crowded = parseScenario({
  version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: 8, carbonPriceFenPerKg: 0, greenShareTarget: null,
  regions: ['xinjiang', 'gansu'], links: [{ from: 'xinjiang', to: 'gansu', gbps: 10, fenPerGB: 1 }],
  sites: [
    site('A', 2, [10, 10, 12, 30, 30, 12, 10, 10]),
    site('B', 2, [40, 35, 30, 30, 30, 30, 35, 40]),
    { ...site('C', 3, [20, 20, 20, 20, 20, 20, 20, 20]), region: 'gansu' },
  ],
  jobs: Array.from({ length: 12 }, (_, i) => ({
    id: `j${i}`, type: 'gpu', units: 1 + (i % 2), hours: 1 + (i % 3), release: i % 3, deadline: Math.min(8, 4 + (i % 5)),
    flex: (['rigid', 'malleable', 'divisible'] as const)[i % 3]!, home: 'A', dataGB: i % 4 === 0 ? 5 : 0,
    regions: i % 4 === 3 ? ['xinjiang'] : ['xinjiang', 'gansu'],
  })),
});
