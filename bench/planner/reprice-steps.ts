// Offline diagnostic (no time limit): how much cheaper placement at given prices gets as the subgradient
// ascent improves the multipliers. Solves optimal's aggregated LP, runs the ascent from its duals, and
// re-places (placeAtDuals + improvePlan, 4 passes) at the best multipliers after each checkpoint.
//   npx tsx bench/planner/reprice-steps.ts <small|medium|large> <60|15> <limit s> <steps,steps,…>
import { pricesOnPlannerSlots } from '../../packages/compute/src/coarseLp.ts';
import { evaluate } from '../../packages/compute/src/evaluate.ts';
import { lagrangianAscent, lagrangianStart } from '../../packages/compute/src/lagrange.ts';
import { aggregatedLp, LP_SIZE_PER_SEC, placeAtPrices } from '../../packages/compute/src/optimal.ts';
import { buildIndex } from '../../packages/compute/src/planIndex.ts';
import { resampleScenario } from '../../packages/compute/src/resample.ts';
import { parseScenario } from '../../packages/compute/src/scenario.ts';
import { HighsWorker } from '../../packages/compute/src/solver.ts';
import { BENCH_SCENARIOS, buildScenario } from './scenarios.ts';

const [name = 'medium', slot = '60', sec = '-', checkpoints = '0,10,20,40,80,160', sizePerSec = String(LP_SIZE_PER_SEC)] = process.argv.slice(2);
const spec = BENCH_SCENARIOS.find((s) => s.name === name)!;
const b = buildScenario(spec.name, spec.jobs, spec.sites, spec.carbonPriceFenPerKg);
const s = parseScenario(Number(slot) === 60 ? b.scenario : resampleScenario(b.scenario, Number(slot) as 15));
const limit = sec === '-' ? spec.timeLimitSec : Number(sec);
const ix = buildIndex(s);
const { grid, cm } = aggregatedLp(ix, limit, { lpPace: Number(sizePerSec) });
const worker = new HighsWorker();
let t = performance.now();
const lp = await worker.solve({ model: cm.model, timeLimitSec: 600, duals: true });
await worker.close();
console.log(`${name} ${slot}: LP factor ${grid.factor} width ${grid.width} ${cm.model.numCols} cols ${cm.model.numRows} rows, ${lp.statusName} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
const prices = grid.factor === 1 ? { model: cm.model, eb: cm.eb, y: lp.rowDual } : pricesOnPlannerSlots(ix, grid, cm.eb, lp.rowDual);
const start = lagrangianStart(ix, prices.model, prices.eb, prices.y);
const steps = checkpoints.split(',').map(Number);
const snaps: { it: number; y: Float64Array; bound: number }[] = [{ it: 0, y: Float64Array.from(prices.y), bound: start.value }];
let last = 0;
t = performance.now();
const a = await lagrangianAscent(ix, prices.model, prices.eb, prices.y, {
  target: Number(process.env.TARGET ?? 0) || { small: 1_600_00, medium: 13_031_00, large: 128_287_00 }[name]!, stop: () => false, start, maxIterations: Math.max(...steps),
  onBest: (y, bound, it) => { last = it; snaps.push({ it, y: Float64Array.from(y), bound }); },
});
console.log(`ascent ${a.iterations} steps in ${((performance.now() - t) / 1000).toFixed(1)} s: ${(a.start / 100).toFixed(0)} → ${(a.bound / 100).toFixed(0)} ¥ (last best at ${last})`);
// Variants (REPRICE_HELD=share,share…: local search first with that share of the capacity prices; REPRICE_MEAN=1 also tries each checkpoint's mean of the bests since the previous one).
const held = (process.env.REPRICE_HELD ?? '0').split(',').map(Number);
const place = (label: string, y: Float64Array) => {
  for (const h of held) {
    const t0 = performance.now();
    const { st } = placeAtPrices(ix, prices.eb, y, () => false, { heldShare: h });
    const e = evaluate(s, st.allocations(), ix);
    console.log(`  ${label}${h ? `, held share ${h}` : ''}: ${(e.objective / 100).toFixed(2)} ¥, ${e.unservedUnitHours} unit-hours unserved, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
};
let prev = -1;
for (const k of steps) {
  const snap = snaps.filter((x) => x.it <= k).at(-1)!;
  place(`after ${k} steps (best at ${snap.it}, bound ${(snap.bound / 100).toFixed(0)} ¥)`, snap.y);
  const since = snaps.filter((x) => x.it > prev && x.it <= k);
  if (process.env.REPRICE_MEAN && since.length > 1) {
    const mean = new Float64Array(snap.y.length);
    for (const x of since) for (let i = 0; i < mean.length; i++) mean[i]! += x.y[i]! / since.length;
    place(`  mean of ${since.length} bests in (${prev}, ${k}]`, mean);
  }
  prev = k;
}
