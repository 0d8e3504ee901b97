// How good multipliers a planner could get in a few seconds from the aggregated LP's duals, and what a plan
// placed at them costs: the LP solved as optimal solves it, then for each budget and method the Lagrangian
// bound reached and the plan optimal places there (placeAtPrices: planAtPrices) at its best multipliers (and, for the masters, at
// the last master's duals). A diagnostic script, not a benchmark (hold the bench lock):
//   npx tsx bench/planner/quick-multipliers.ts <small|medium|large> <60|15> <seconds,…> [method …]
// A method: ascent (subgradient, as optimal's; ascent:deflect:theta=0.05:patience=5 to vary it), bundle
// (the proximal bundle method, dualBundle.ts; bundle:theta=0.1:cuts=24:escale=100 to vary it; escale scales the
// steps on the energy rows, for the ascent too), jobs (the per-job master by columns), groups=N (the master
// over at most N groups of jobs). Default: ascent jobs groups=300 groups=1000.
import { buildIndex, evaluate, HighsWorker, lagrangianAscent, lagrangianByColumns, resampleScenario, type PlanIndex } from '@shuzhi/compute';
import { parseScenario } from '../../packages/compute/src/scenario.ts';
import { pricesOnPlannerSlots } from '../../packages/compute/src/coarseLp.ts';
import { lagrangianStart } from '../../packages/compute/src/lagrange.ts';
import { aggregatedLp, placeAtPrices } from '../../packages/compute/src/optimal.ts';
import { energyRowScale, lagrangianBundle } from '../../packages/compute/src/dualBundle.ts';
import { jobGroups } from '../../packages/compute/src/jobGroups.ts';
import type { EnergyBlock } from '../../packages/compute/src/energyBlock.ts';
import { BENCH_SCENARIOS, buildScenario } from './scenarios.ts';

const [name = 'medium', slot = '60', budgets = '2,4,8', ...methods] = process.argv.slice(2);
const spec = BENCH_SCENARIOS.find((x) => x.name === name)!;
const b = buildScenario(spec.name, spec.jobs, spec.sites, spec.carbonPriceFenPerKg);
const s = parseScenario(Number(slot) === 60 ? b.scenario : resampleScenario(b.scenario, Number(slot) as 15));
const ix = buildIndex(s);
const yuan = (fen: number) => (fen / 100).toFixed(2);
const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

/** The plan optimal places at y (placeAtPrices: planAtPrices): its objective, unserved unit-hours and seconds. */
function placeAt(ix: PlanIndex, eb: EnergyBlock, y: Float64Array): string {
  const t0 = performance.now();
  const { st } = placeAtPrices(ix, eb, y, () => false);
  const e = evaluate(s, st.allocations(), ix);
  return `${yuan(e.objective)} ¥${e.unservedUnitHours > 0 ? ` (${e.unservedUnitHours} unit-hours unserved)` : ''} in ${secs(t0)} s`;
}

const worker = new HighsWorker();
try {
  const { grid, cm } = aggregatedLp(ix, spec.timeLimitSec);
  let t0 = performance.now();
  const lp = await worker.solve({ model: cm.model, timeLimitSec: 120, duals: true });
  if (!lp.optimal) throw new Error(`aggregated LP: ${lp.statusName}`);
  const prices = grid.factor === 1 ? { model: cm.model, eb: cm.eb, y: lp.rowDual } : pricesOnPlannerSlots(ix, grid, cm.eb, lp.rowDual);
  console.log(`${name} ${slot} min: aggregated LP in ${secs(t0)} s`);
  t0 = performance.now();
  const start = lagrangianStart(ix, prices.model, prices.eb, prices.y);
  const { st: plan } = placeAtPrices(ix, prices.eb, prices.y, () => false);
  const planned = evaluate(s, plan.allocations(), ix);
  console.log(`  L at the LP's duals ${yuan(start.value)} ¥; placed there + local search ${yuan(planned.objective)} ¥ (${secs(t0)} s with L)`);
  for (const sec of budgets.split(',').map(Number)) {
    for (const method of methods.length ? methods : ['ascent', 'jobs', 'groups=300', 'groups=1000']) {
      t0 = performance.now();
      const until = t0 + sec * 1000;
      const stop = () => performance.now() > until;
      if (method.startsWith('ascent') || method.startsWith('bundle')) {
        // ascent[:deflect][:theta=x][:patience=n], bundle[:theta=x][:cuts=n]
        const kv = Object.fromEntries(method.split(':').slice(1).map((x) => [x.split('=')[0], x.split('=')[1] ?? '1']));
        const opts = {
          target: planned.objective, stop, start, deflect: kv.deflect === '1', ...(kv.escale ? { rowScale: energyRowScale(prices.eb, Number(kv.escale)) } : {}),
          ...(kv.theta ? { theta: Number(kv.theta) } : {}), ...(kv.patience ? { patience: Number(kv.patience) } : {}), ...(kv.cuts ? { maxCuts: Number(kv.cuts) } : {}),
        };
        const a = method.startsWith('bundle') ? await lagrangianBundle(ix, prices.model, prices.eb, prices.y, opts) : await lagrangianAscent(ix, prices.model, prices.eb, prices.y, opts);
        console.log(`  ${sec} s ${method}: bound ${yuan(a.bound)} ¥ in ${a.iterations} steps (${secs(t0)} s); placed at its y: ${placeAt(ix, prices.eb, a.y)}`);
        continue;
      }
      const groups = method.startsWith('groups=') ? jobGroups(ix, Number(method.slice(7))) : null;
      const c = await lagrangianByColumns(ix, {
        worker, stop, secondsLeft: () => (until - performance.now()) / 1000, start: prices.y, plan: plan.allocations(),
        ...(groups ? { groups: groups.groupOf } : {}),
      });
      console.log(`  ${sec} s ${method}${groups ? ` (${groups.count})` : ''}: bound ${yuan(c.bound)} ¥ in ${c.rounds} rounds (${secs(t0)} s); placed at its y: ${placeAt(ix, c.eb, c.y)}; at the master's duals: ${c.rounds ? placeAt(ix, c.eb, c.yMaster) : '–'}`);
    }
  }
} finally {
  await worker.close();
}
