// A/B of the bench's longer Lagrangian ascent: optimal plans the scenario once (its own time limit), then
// each setting ascends from optimal's best multipliers for the same seconds, in one process under the
// same load. A diagnostic script, not a benchmark:
//   npx tsx bench/planner/ascent-ab.ts <small|medium|large> <60|15> <seconds> <setting> [setting …]
// A setting is a comma list, e.g. deflect=1,theta=0.05.
import { fifo, gapParts, HighsWorker, lagrangianByColumns, makeOptimal, type Multipliers } from '@shuzhi/compute';
import { resampleScenario } from '../../packages/compute/src/resample.ts';
import { parseScenario } from '../../packages/compute/src/scenario.ts';
import { BENCH_SCENARIOS, buildScenario } from './scenarios.ts';
import { gapLines, longerBound } from './longer-bound.ts';

const [name = 'small', slot = '60', sec = '30', ...settings] = process.argv.slice(2);
const spec = BENCH_SCENARIOS.find((s) => s.name === name)!;
const b = buildScenario(spec.name, spec.jobs, spec.sites, spec.carbonPriceFenPerKg);
const s = parseScenario(Number(slot) === 60 ? b.scenario : resampleScenario(b.scenario, Number(slot) as 15));
let m: Multipliers | null = null;
const opt = await makeOptimal({ onMultipliers: (x) => { m = x; } }).plan(s, { timeLimitSec: spec.timeLimitSec });
const results = [opt, await fifo.plan(s)];
if (!m) throw new Error('optimal found no multipliers (exact MIP or no LP)');
const own: Multipliers = m;
console.log(`${name} ${slot} min: optimal ${(opt.objective / 100).toFixed(2)} ¥ in ${(opt.solveMs / 1000).toFixed(1)} s, its Lagrangian bound ${(own.bound / 100).toFixed(2)} ¥`);
for (const setting of settings.length ? settings : ['deflect=1']) {
  const kv = Object.fromEntries(setting.split(',').filter(Boolean).map((x) => x.split('=') as [string, string]));
  const r = await longerBound(own, results, Number(sec), { deflect: kv.deflect === "1", ...(kv.theta ? { theta: Number(kv.theta) } : {}), ...(kv.patience ? { patience: Number(kv.patience) } : {}) });
  console.log(`  ${setting}: ${(r.start / 100).toFixed(2)} → ${(r.bound / 100).toFixed(2)} ¥ in ${r.iterations} steps, ${r.seconds.toFixed(1)} s; optimal ${(((opt.objective - r.bound) / r.bound) * 100).toFixed(2)}% above`);
  for (const line of gapLines(r.parts)) console.log(`    ${line}`);
}

// The Lagrangian dual by column generation from the same multipliers, for the same seconds.
const worker = new HighsWorker();
try {
  for (const smoothing of [0.5, 0]) {
    const began = performance.now();
    const until = began + Number(sec) * 1000;
    const c = await lagrangianByColumns(own.ix, { worker, stop: () => performance.now() > until, secondsLeft: () => (until - performance.now()) / 1000, start: own.y, plan: opt.allocations, smoothing });
    console.log(`  columns, smoothing ${smoothing}: ${(c.start / 100).toFixed(2)} → ${(c.bound / 100).toFixed(2)} ¥ in ${c.rounds} rounds (${c.columns} columns, master ${c.master === null ? '–' : (c.master / 100).toFixed(2)} ¥${c.converged ? ', converged' : ''}), ${((performance.now() - began) / 1000).toFixed(1)} s; optimal ${(((opt.objective - c.bound) / c.bound) * 100).toFixed(2)}% above`);
    for (const line of gapLines(gapParts(own.ix, c.model, c.eb, c.y, opt.allocations))) console.log(`    ${line}`);
  }
} finally {
  await worker.close();
}
