// Where the plan's gap goes: optimal's plan against HiGHS' exact job-level MIP's plan on one bench scenario,
// job by job (site, start, each job's marginal objective). A diagnostic script, not a benchmark or a test:
//   npx tsx bench/planner/compare-exact.ts [small|medium] [60|15] [policy seconds] [MIP seconds]
import { evaluate } from '../../packages/compute/src/evaluate.ts';
import { applyJobSolution, buildJobModel } from '../../packages/compute/src/jobModel.ts';
import { optimal } from '../../packages/compute/src/optimal.ts';
import { buildIndex, type PlanIndex } from '../../packages/compute/src/planIndex.ts';
import { PlanState } from '../../packages/compute/src/planState.ts';
import type { Allocation } from '../../packages/compute/src/policy.ts';
import { resampleScenario } from '../../packages/compute/src/resample.ts';
import { parseScenario, type Scenario } from '../../packages/compute/src/scenario.ts';
import { HighsWorker } from '../../packages/compute/src/solver.ts';
import { BENCH_SCENARIOS, buildScenario } from './scenarios.ts';

const [name = 'small', slotArg = '60', policySec = '10', mipSec = '60'] = process.argv.slice(2);
const spec = BENCH_SCENARIOS.find((s) => s.name === name)!;
const b = buildScenario(spec.name, spec.jobs, spec.sites, spec.carbonPriceFenPerKg);
const s: Scenario = parseScenario(Number(slotArg) === 60 ? b.scenario : resampleScenario(b.scenario, Number(slotArg) as 15));
const ix: PlanIndex = buildIndex(s);

// How the budget is spent: the wall-clock time between the planner's progress phases (each phase runs until the next begins).
const phases: { phase: string; at: number }[] = [];
const began = performance.now();
const ours = await optimal.plan(s, { timeLimitSec: Number(policySec), onProgress: (p) => { if (phases.at(-1)?.phase !== p.phase) phases.push({ phase: p.phase, at: performance.now() - began }); } });
console.log(`optimal: ${(ours.objective / 100).toFixed(2)} ¥ (${ours.method}), ${(ours.solveMs / 1000).toFixed(1)} s`);
phases.forEach((p, i) => console.log(`  ${(((phases[i + 1]?.at ?? ours.solveMs) - p.at) / 1000).toFixed(2)} s  ${p.phase}`));
for (const n of ours.notes) console.log(`  note: ${n}`);

const jm = buildJobModel(ix);
const worker = new HighsWorker();
const r = await worker.solve({ model: jm.model, timeLimitSec: Number(mipSec), mipRelGap: 1e-6 });
await worker.close();
const exactSt = new PlanState(ix);
applyJobSolution(jm, r.colValue, exactSt);
const exact = exactSt.allocations();
const eo = evaluate(s, exact, ix), oo = evaluate(s, ours.allocations, ix);
console.log(`exact MIP (${r.statusName}, ${mipSec} s): ${(eo.objective / 100).toFixed(2)} ¥, HiGHS bound ${(r.mipDualBound / 100).toFixed(2)} ¥; ours ${(oo.objective / 100).toFixed(2)} ¥; difference ${((oo.objective - eo.objective) / 100).toFixed(2)} ¥`);
console.log(`  ours: cost ${(oo.costFen / 100).toFixed(2)} ¥, transfer ${(oo.transferFen / 100).toFixed(2)} ¥, green ${oo.greenKWh.toFixed(0)} kWh, carbon ${oo.carbonKg.toFixed(0)} kg, unserved ${oo.unservedUnitHours}`);
console.log(`  exact: cost ${(eo.costFen / 100).toFixed(2)} ¥, transfer ${(eo.transferFen / 100).toFixed(2)} ¥, green ${eo.greenKWh.toFixed(0)} kWh, carbon ${eo.carbonKg.toFixed(0)} kg, unserved ${eo.unservedUnitHours}`);

const byJob = (allocs: readonly Allocation[]) => {
  const m = new Map<string, Allocation[]>();
  for (const a of allocs) { const l = m.get(a.job) ?? []; l.push(a); m.set(a.job, l); }
  return m;
};
/** A job's marginal objective in a plan: the plan's objective less that of the plan without the job, its unserved penalty taken back. */
const marginal = (allocs: readonly Allocation[], job: string) => {
  const full = evaluate(s, allocs, ix);
  const without = evaluate(s, allocs.filter((a) => a.job !== job), ix);
  const info = ix.jobs[ix.jobById.get(job)!]!;
  return full.objective - without.objective + info.work * ix.slotHours * 100_000 * (info.job.weight ?? 1);
};
const ob = byJob(ours.allocations), eb = byJob(exact);
const describe = (l: Allocation[] | undefined) => {
  if (!l?.length) return 'unserved';
  const sites = [...new Set(l.map((a) => a.site))].join('+');
  return `${sites}@${Math.min(...l.map((a) => a.slot))}`;
};
const rows: { job: string; flex: string; ours: string; exact: string; siteDiff: boolean; delta: number }[] = [];
for (const info of ix.jobs) {
  const id = info.job.id;
  const o = ob.get(id), e = eb.get(id);
  const key = (l: Allocation[] | undefined) => (l ?? []).map((a) => `${a.site}:${a.slot}:${a.units}`).sort().join(',');
  if (key(o) === key(e)) continue;
  const siteSet = (l: Allocation[] | undefined) => [...new Set((l ?? []).map((a) => a.site))].sort().join('+');
  rows.push({ job: id, flex: info.job.flex, ours: describe(o), exact: describe(e), siteDiff: siteSet(o) !== siteSet(e), delta: marginal(ours.allocations, id) - marginal(exact, id) });
}
rows.sort((a, b) => b.delta - a.delta);
const sum = (f: (r: typeof rows[number]) => boolean) => rows.filter(f).reduce((t, r) => t + r.delta, 0) / 100;
console.log(`\njobs placed differently: ${rows.length} of ${ix.jobs.length}; with a different site set: ${rows.filter((r) => r.siteDiff).length}`);
console.log(`sum of marginal differences (ours − exact, ¥; marginals interact, so the sum is not the total): site differs ${sum((r) => r.siteDiff).toFixed(2)}, same sites ${sum((r) => !r.siteDiff).toFixed(2)}`);
for (const flex of ['rigid', 'malleable', 'divisible']) console.log(`  ${flex}: ${rows.filter((r) => r.flex === flex).length} jobs, site differs ${rows.filter((r) => r.flex === flex && r.siteDiff).length}, Σ ${sum((r) => r.flex === flex).toFixed(2)} ¥`);
console.log('\njob | flex | ours site@start | exact site@start | marginal ours − exact ¥');
for (const r of rows.slice(0, 25)) console.log(`${r.job} | ${r.flex} | ${r.ours} | ${r.exact} | ${(r.delta / 100).toFixed(2)}`);
console.log('…');
for (const r of rows.slice(-5)) console.log(`${r.job} | ${r.flex} | ${r.ours} | ${r.exact} | ${(r.delta / 100).toFixed(2)}`);
