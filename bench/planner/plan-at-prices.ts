// Plans built from saved multipliers (price-capture.ts writes them), offline and deterministic: the
// baseline optimal runs today (placeAtDuals + improvePlan) against planAtPrices' variants, each plan's
// objective, its gap to the best known bound, seconds on this machine, its rule violations (checkPlan) and
// its gap to L(y) in parts (gapParts). No time limit: no bench lock needed.
//   npx tsx bench/planner/plan-at-prices.ts medium 60 columns [bestBound¥] [methods,comma-separated] [/tmp/placeprice]
import { readFileSync } from 'node:fs';
import { buildIndex, checkPlan, edfOrder, evaluate, gapParts, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH, lagrangianBound } from '@shuzhi/compute';
import { energyBlockModel } from '../../packages/compute/src/energyBlock.ts';
import { improvePlan } from '../../packages/compute/src/improve.ts';
import { placeAtDuals } from '../../packages/compute/src/pricedPlacement.ts';
import { planAtPrices } from '../../packages/compute/src/planAtPrices.ts';
import type { PlanState } from '../../packages/compute/src/planState.ts';
import { resampleScenario } from '../../packages/compute/src/resample.ts';
import { parseScenario } from '../../packages/compute/src/scenario.ts';
import { gapLines } from './column-bound.ts';
import { BENCH_SCENARIOS, buildScenario } from './scenarios.ts';

const [name = 'medium', slot = '60', which = 'columns', bestArg = '', methodArg = '', dir = '/tmp/placeprice'] = process.argv.slice(2);
const spec = BENCH_SCENARIOS.find((s) => s.name === name)!;
const b = buildScenario(spec.name, spec.jobs, spec.sites, spec.carbonPriceFenPerKg);
const s = parseScenario(Number(slot) === 60 ? b.scenario : resampleScenario(b.scenario, Number(slot) as 15));
const ix = buildIndex(s);
const { eb, model } = energyBlockModel(ix, GREEN_SHORTFALL_PENALTY_FEN_PER_KWH);
const tag = `${name}-${slot}-${which}`;
const raw = readFileSync(`${dir}/${tag}.y.bin`);
const y = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const meta = JSON.parse(readFileSync(`${dir}/${tag}.json`, 'utf8')) as { bound: number };
const L = lagrangianBound(ix, model, eb, y);
const best = bestArg ? Number(bestArg) * 100 : L;
console.log(`${tag}: L(y) ${(L / 100).toFixed(2)} ¥ (saved ${(meta.bound / 100).toFixed(2)} ¥), best known bound ${(best / 100).toFixed(0)} ¥`);

// base: what optimal runs today. The rest: planAtPrices with one part changed from its defaults.
const variants: Record<string, () => PlanState> = {
  base: () => { const st = placeAtDuals(ix, eb, y); improvePlan(st, edfOrder(s), { maxPasses: 4, serveFirst: true }); return st; },
  placed: () => planAtPrices(ix, eb, y, { searches: ['marginal'], anneal: [], passes: 0 }).st,
  default: () => { const r = planAtPrices(ix, eb, y); console.log('   ', JSON.stringify(r.objectives), 'kept', r.kept); return r.st; },
  storageAtY: () => planAtPrices(ix, eb, y, { searches: ['storageAtY'] }).st,
  marginal: () => planAtPrices(ix, eb, y, { searches: ['marginal'] }).st,
  noAnneal: () => planAtPrices(ix, eb, y, { anneal: [], passes: 4 }).st,
  anneal3: () => planAtPrices(ix, eb, y, { anneal: [1, 0.5, 0.25], passes: 4 }).st,
  capPlaced: () => planAtPrices(ix, eb, y, { placeAtMarginal: true }).st,
  capPlacedMarginal: () => planAtPrices(ix, eb, y, { placeAtMarginal: true, searches: ['marginal'] }).st,
  onePass: () => planAtPrices(ix, eb, y, { passes: 1 }).st,
  eject: () => planAtPrices(ix, eb, y, { ejectionRounds: 2 }).st,
};
const methods = methodArg ? methodArg.split(',') : Object.keys(variants);
for (const m of methods) {
  const t0 = performance.now();
  const st = variants[m]!();
  const sec = (performance.now() - t0) / 1000;
  const allocations = st.allocations();
  const e = evaluate(s, allocations, ix);
  const bad = checkPlan(s, allocations, ix);
  console.log(`${m.padEnd(9)} ${(e.objective / 100).toFixed(2).padStart(10)} ¥  gap ${(((e.objective - best) / best) * 100).toFixed(2)} %  ${sec.toFixed(2)} s  unserved ${e.unservedUnitHours}  violations ${bad.length}`);
  if (process.env.PARTS) for (const line of gapLines(gapParts(ix, model, eb, y, allocations, 3))) console.log('   ', line);
}
