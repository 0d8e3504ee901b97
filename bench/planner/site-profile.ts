// Where the site MIPs' time goes on one bench scenario: the plan optimal starts them from (EDF cheapest-
// feasible + local search, then the window MIPs) re-planned by replanSites with every HiGHS solve timed.
// A diagnostic script, not a benchmark:
//   npx tsx bench/planner/site-profile.ts <small|medium> <60|15> [site seconds] [window seconds] [neighbours]
import { edfOrder } from '../../packages/compute/src/greedy.ts';
import { evaluate } from '../../packages/compute/src/evaluate.ts';
import { improvePlan } from '../../packages/compute/src/improve.ts';
import { lnsImprove } from '../../packages/compute/src/lns.ts';
import { LpBuilder } from '../../packages/compute/src/lp.ts';
import { buildIndex } from '../../packages/compute/src/planIndex.ts';
import { PlanState, placeCheapest } from '../../packages/compute/src/planState.ts';
import { resampleScenario } from '../../packages/compute/src/resample.ts';
import { rigidFirstEdf } from '../../packages/compute/src/round.ts';
import { parseScenario } from '../../packages/compute/src/scenario.ts';
import { replanSites } from '../../packages/compute/src/siteReplan.ts';
import { HighsWorker, type SolveRequest } from '../../packages/compute/src/solver.ts';
import { BENCH_SCENARIOS, buildScenario } from './scenarios.ts';

const [name = 'small', slot = '60', siteSec = '4', lnsSec = '3.5', neighbours = '12'] = process.argv.slice(2);
const spec = BENCH_SCENARIOS.find((s) => s.name === name)!;
const b = buildScenario(spec.name, spec.jobs, spec.sites, spec.carbonPriceFenPerKg);
const s = parseScenario(Number(slot) === 60 ? b.scenario : resampleScenario(b.scenario, Number(slot) as 15));
const ix = buildIndex(s);
const st = new PlanState(ix);
for (const j of rigidFirstEdf(ix)) placeCheapest(st, j);
improvePlan(st, edfOrder(s), { maxPasses: 4, serveFirst: true });
const worker = new HighsWorker();
const obj = () => (evaluate(s, st.allocations(), ix).objective / 100).toFixed(2);
console.log(`start: ${obj()} ¥`);
// The worker's first solve also loads HiGHS' WebAssembly: a one-column model first, not timed.
const warm = new LpBuilder();
warm.addCol(1, 0, 1, [warm.addRow(0, 1)], [1]);
await worker.solve({ model: warm.build(), timeLimitSec: 10 });
const solves: { cols: number; rows: number; ms: number; cpu: number }[] = [];
const solve = worker.solve.bind(worker);
worker.solve = async (req: SolveRequest) => {
  // This thread waits while HiGHS works in its worker: the process's CPU time over the solve is HiGHS' (less sensitive to load than wall-clock).
  const t1 = performance.now(), c1 = process.cpuUsage();
  try { return await solve(req); } finally { const c = process.cpuUsage(c1); solves.push({ cols: req.model.numCols, rows: req.model.numRows, ms: performance.now() - t1, cpu: (c.user + c.system) / 1000 }); }
};
let t = performance.now();
const lns = await lnsImprove(st, worker, { secondsLeft: () => Number(lnsSec) - (performance.now() - t) / 1000 });
console.log(`window MIPs: ${lns.improved} of ${lns.solves}, ${obj()} ¥, ${((performance.now() - t) / 1000).toFixed(2)} s`);
for (const x of solves.splice(0)) console.log(`  ${x.cols} columns, ${x.rows} rows: ${x.ms.toFixed(0)} ms, CPU ${x.cpu.toFixed(0)} ms`);
t = performance.now();
const limit = Number(siteSec);
const rep = await replanSites(st, worker, { secondsLeft: () => limit - (performance.now() - t) / 1000, neighbours: Number(neighbours) });
const total = performance.now() - t;
await worker.close();
console.log(`site MIPs: ${rep.improved} of ${rep.solves} kept, ${(rep.savedFen / 100).toFixed(2)} ¥ saved, ${obj()} ¥, ${(total / 1000).toFixed(2)} s, of it HiGHS ${(solves.reduce((a, x) => a + x.ms, 0) / 1000).toFixed(2)} s`);
for (const x of solves) console.log(`  ${x.cols} columns, ${x.rows} rows: ${x.ms.toFixed(0)} ms, CPU ${x.cpu.toFixed(0)} ms`);
