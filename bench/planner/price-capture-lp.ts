// Saves the aggregated LP's duals on the planner's slots, as optimal computes them before it places at
// them (the multipliers placeAtDuals gets today), for plan-at-prices.ts (`lp`). The LP is solved to its
// optimum with no time limit, so the result does not depend on the machine's load: no bench lock needed.
//   npx tsx bench/planner/price-capture-lp.ts medium 60 [/tmp/placeprice]
import { writeFileSync, mkdirSync } from 'node:fs';
import { buildIndex, HighsWorker, lagrangianBound } from '@shuzhi/compute';
import { pricesOnPlannerSlots } from '../../packages/compute/src/coarseLp.ts';
import { aggregatedLp } from '../../packages/compute/src/optimal.ts';
import { resampleScenario } from '../../packages/compute/src/resample.ts';
import { parseScenario } from '../../packages/compute/src/scenario.ts';
import { BENCH_SCENARIOS, buildScenario } from './scenarios.ts';

const [name = 'medium', slot = '60', dir = '/tmp/placeprice'] = process.argv.slice(2);
const spec = BENCH_SCENARIOS.find((s) => s.name === name)!;
const b = buildScenario(spec.name, spec.jobs, spec.sites, spec.carbonPriceFenPerKg);
const s = parseScenario(Number(slot) === 60 ? b.scenario : resampleScenario(b.scenario, Number(slot) as 15));
mkdirSync(dir, { recursive: true });
const ix = buildIndex(s);
const { grid, cm } = aggregatedLp(ix, spec.timeLimitSec);
const worker = new HighsWorker();
const t0 = performance.now();
const lp = await worker.solve({ model: cm.model, timeLimitSec: 600, duals: true });
await worker.close();
if (!lp.optimal) throw new Error(`LP ${lp.statusName}`);
const prices = grid.factor === 1 ? { model: cm.model, eb: cm.eb, y: lp.rowDual } : pricesOnPlannerSlots(ix, grid, cm.eb, lp.rowDual);
const y = Float64Array.from(prices.y.subarray(0, prices.eb.numRows));
const bound = lagrangianBound(ix, prices.model, prices.eb, y);
console.log(`${name}-${slot} LP ${(lp.objective / 100).toFixed(2)} ¥ in ${((performance.now() - t0) / 1000).toFixed(1)} s, L at its duals ${(bound / 100).toFixed(2)} ¥`);
writeFileSync(`${dir}/${name}-${slot}-lp.y.bin`, Buffer.from(y.buffer));
writeFileSync(`${dir}/${name}-${slot}-lp.json`, JSON.stringify({ bound }));
