// A/B of ways to tighten the Lagrangian bound past optimal's own: optimal plans the scenario once (its own
// time limit), then subgradient ascent (each setting) and column generation (Wentges-smoothed and plain)
// start from optimal's best multipliers and get the same seconds each, in one process under the same load.
// A diagnostic script, not a benchmark:
//   npx tsx bench/planner/ascent-ab.ts <small|medium|large> <60|15> <seconds> [setting …]
// A setting is a comma list: for the subgradient ascent, e.g. deflect=1,theta=0.05,patience=20; with
// columns=1 for column generation, e.g. columns=1,smoothing=0.5,perRound=2000,solver=ipm (default: columns=1
// with smoothing 0.5, then 0); groups=N for the master over at most N groups of jobs (jobGroups), trace=1
// to print the bound after every round, drop=K to let a column leave the master after K masters at 0,
// blocks=K for a master on the shared rows summed over K slots (masterSlots; 4 at 15-minute slots: hourly rows).
import { gapParts, HighsWorker, lagrangianAscent, lagrangianByColumns, makeOptimal, type Multipliers } from '@shuzhi/compute';
import { resampleScenario } from '../../packages/compute/src/resample.ts';
import { parseScenario } from '../../packages/compute/src/scenario.ts';
import { jobGroups } from '../../packages/compute/src/jobGroups.ts';
import { BENCH_SCENARIOS, buildScenario } from './scenarios.ts';
import { gapLines } from './column-bound.ts';

const [name = 'small', slot = '60', sec = '30', ...settings] = process.argv.slice(2);
const spec = BENCH_SCENARIOS.find((s) => s.name === name)!;
const b = buildScenario(spec.name, spec.jobs, spec.sites, spec.carbonPriceFenPerKg);
const s = parseScenario(Number(slot) === 60 ? b.scenario : resampleScenario(b.scenario, Number(slot) as 15));
let m: Multipliers | null = null;
const opt = await makeOptimal({ onMultipliers: (x) => { m = x; } }).plan(s, { timeLimitSec: spec.timeLimitSec });
if (!m) throw new Error('optimal found no multipliers (exact MIP or no LP)');
const own: Multipliers = m;
const yuan = (fen: number) => (fen / 100).toFixed(2);
const above = (bound: number) => `optimal ${(((opt.objective - bound) / bound) * 100).toFixed(2)}% above`;
const timer = () => { const began = performance.now(), until = began + Number(sec) * 1000; return { stop: () => performance.now() > until, left: () => (until - performance.now()) / 1000, took: () => ((performance.now() - began) / 1000).toFixed(1) }; };
console.log(`${name} ${slot} min: optimal ${yuan(opt.objective)} ¥ in ${(opt.solveMs / 1000).toFixed(1)} s, its Lagrangian bound ${yuan(own.bound)} ¥`);
const worker = new HighsWorker();
try {
  for (const setting of settings.length ? settings : ['columns=1,smoothing=0.5', 'columns=1,smoothing=0']) {
    const kv = Object.fromEntries(setting.split(',').filter(Boolean).map((x) => x.split('=') as [string, string]));
    const t = timer();
    if (kv.columns === '1') {
      const grouped = kv.groups ? jobGroups(own.ix, Number(kv.groups)) : null;
      if (grouped) console.log(`  ${grouped.count} groups (buckets of ${grouped.width} slots)`);
      const c = await lagrangianByColumns(own.ix, {
        worker, stop: t.stop, secondsLeft: t.left, start: own.y, plan: opt.allocations,
        ...(kv.smoothing ? { smoothing: Number(kv.smoothing) } : {}), ...(kv.perRound ? { columnsPerRound: Number(kv.perRound) } : {}),
        ...(kv.solver === 'ipm' || kv.solver === 'simplex' ? { masterSolver: kv.solver } : {}),
        ...(grouped ? { groups: grouped.groupOf } : {}), ...(kv.drop ? { dropIdleAfter: Number(kv.drop) } : {}),
        ...(kv.blocks ? { masterSlots: Number(kv.blocks) } : {}),
        ...(kv.trace === '1' ? { onRound: (r: { rounds: number; bound: number; master: number; columns: number }) => console.log(`    round ${r.rounds} at ${t.took()} s: bound ${yuan(r.bound)} ¥, master ${yuan(r.master)} ¥, ${r.columns} columns`) } : {}),
      });
      console.log(`  ${setting}: ${yuan(c.start)} → ${yuan(c.bound)} ¥ in ${c.rounds} rounds (${c.columns} columns, master ${c.master === null ? '–' : yuan(c.master)} ¥${c.converged ? ', converged' : ''}), ${t.took()} s; ${above(c.bound)}`);
      for (const line of gapLines(gapParts(own.ix, c.model, c.eb, c.y, opt.allocations), grouped?.count ?? null, Number(kv.blocks ?? 1))) console.log(`    ${line}`);
      continue;
    }
    const r = await lagrangianAscent(own.ix, own.model, own.eb, own.y, {
      target: opt.objective, stop: t.stop, deflect: kv.deflect === '1',
      ...(kv.theta ? { theta: Number(kv.theta) } : {}), ...(kv.patience ? { patience: Number(kv.patience) } : {}),
    });
    console.log(`  subgradient ${setting}: ${yuan(r.start)} → ${yuan(r.bound)} ¥ in ${r.iterations} steps, ${t.took()} s; ${above(r.bound)}`);
  }
} finally {
  await worker.close();
}
