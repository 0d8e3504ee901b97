// Diagnostic: the exact job-level MIP started from optimal's plan (polishWithMip) for a few time limits.
//   npx tsx bench/planner/polish-ab.ts <small|medium> <60|15> <lns on|off> <seconds,...>
import { evaluate } from '../../packages/compute/src/evaluate.ts';
import { jobModelSize } from '../../packages/compute/src/jobModel.ts';
import { makeOptimal } from '../../packages/compute/src/optimal.ts';
import { buildIndex } from '../../packages/compute/src/planIndex.ts';
import { PlanState } from '../../packages/compute/src/planState.ts';
import { polishWithMip } from '../../packages/compute/src/polish.ts';
import { resampleScenario } from '../../packages/compute/src/resample.ts';
import { parseScenario } from '../../packages/compute/src/scenario.ts';
import { HighsWorker } from '../../packages/compute/src/solver.ts';
import { BENCH_SCENARIOS, buildScenario } from './scenarios.ts';

const [name = 'small', slot = '60', lns = 'off', secs = '4,7', effort, presolve] = process.argv.slice(2);
const spec = BENCH_SCENARIOS.find((s) => s.name === name)!;
const b = buildScenario(spec.name, spec.jobs, spec.sites, spec.carbonPriceFenPerKg);
const s = parseScenario(Number(slot) === 60 ? b.scenario : resampleScenario(b.scenario, Number(slot) as 15));
const ix = buildIndex(s);
const r = await makeOptimal({ lns: lns === 'on' }).plan(s, { timeLimitSec: spec.timeLimitSec });
console.log(`${name} ${slot}: optimal (lns ${lns}) ${(r.objective / 100).toFixed(2)} ¥ in ${(r.solveMs / 1000).toFixed(1)} s; job model ${jobModelSize(ix)} work columns`);
for (const sec of secs.split(',').map(Number)) {
  const st = new PlanState(ix);
  for (const a of r.allocations) st.add(ix.jobById.get(a.job)!, ix.siteById.get(a.site)!, a.slot, a.units);
  const w = new HighsWorker();
  const t = performance.now();
  const p = await polishWithMip(st, w, sec, { ...(effort ? { mipHeuristicEffort: Number(effort) } : {}), ...(presolve ? { presolve: presolve as 'on' | 'off' } : {}) });
  await w.close();
  const after = evaluate(s, st.allocations(), ix).objective;
  console.log(`  polish ${sec} s: ${p.status}, ${p.columns} columns, incumbent ${(p.incumbent / 100).toFixed(2)}, bound ${(p.bound / 100).toFixed(2)}, saved ${(p.savedFen / 100).toFixed(2)} ¥ → ${(after / 100).toFixed(2)} ¥, ${((performance.now() - t) / 1000).toFixed(1)} s wall`);
}
