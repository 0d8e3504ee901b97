// Plans built from saved multipliers (price-capture.ts writes `own` and `columns`, price-capture-lp.ts
// `lp`), offline and deterministic: the baseline optimal runs today (placeAtDuals + improvePlan) against
// planAtPrices' variants, each plan's objective, its gap to the best known bound, seconds on this machine,
// its rule violations (checkPlan); PARTS=1 adds its gap to L(y) in parts (gapParts), SITES=1 the energy
// part of that gap site by site. No time limit: no bench lock needed (hold it for quiet timings).
//   npx tsx bench/planner/plan-at-prices.ts medium 60 columns|own|lp [bestBound¥] [variants,comma-separated] [/tmp/placeprice]
import { readFileSync } from 'node:fs';
import { dispatchSite } from '../../packages/compute/src/power.ts';
import { rowSide } from '../../packages/compute/src/lagrange.ts';
import { runFraction } from '../../packages/compute/src/planIndex.ts';
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
  noStorageRound: () => planAtPrices(ix, eb, y, { storageRounds: 0 }).st,
  storageFull: () => planAtPrices(ix, eb, y, { storageRounds: 1, storageBlend: 1 }).st,
  // storage rounds at other weights of the plan's dispatch prices (STORAGE_BLEND), one round or four
  ...Object.fromEntries([10, 15, 25, 35, 50].flatMap((b) => [1, 4].map((r) => [`b${b}r${r}`, () => planAtPrices(ix, eb, y, { storageRounds: r, storageBlend: b / 100 }).st]))),
  eject: () => planAtPrices(ix, eb, y, { ejectionRounds: 2 }).st,
};
/**
 * The energy part of the gap to L(y) site by site (the green-target row, global, left out): the site's
 * true energy and carbon cost (dispatchSite, storage included) less what y charges its busy kWh less the
 * site's own rows' and energy columns' share of L(y). Says where the plan and y disagree on energy.
 */
function energyBySite(allocations: ReturnType<PlanState['allocations']>): string[] {
  const T = ix.T, nS = ix.siteIds.length, nK = ix.types.length;
  const rowSite = new Int32Array(eb.numRows).fill(-1);
  for (let i = 0; i < nS * T; i++) for (const r of [eb.energyRow[i]!, eb.renewRow[i]!, eb.socRow[i]!]) if (r >= 0) rowSite[r] = Math.floor(i / T);
  const rest = new Float64Array(nS);
  for (let r = 0; r < eb.numRows; r++) if (rowSite[r]! >= 0) rest[rowSite[r]!]! += rowSide(model, y, r);
  for (let c = 0; c < eb.numCols; c++) {
    let rc = model.colCost[c]!, site = -1;
    for (let k = model.starts[c]!; k < model.starts[c + 1]!; k++) { rc -= y[model.indices[k]!]! * model.values[k]!; if (rowSite[model.indices[k]!]! >= 0) site = rowSite[model.indices[k]!]!; }
    if (site < 0) continue;
    const lo = model.colLower[c]!, hi = Math.min(model.colUpper[c]!, eb.impliedUpper[c]!);
    rest[site]! += rc * (rc >= 0 ? lo : hi);
  }
  const busy = new Float64Array(nS * T);
  const last = new Map<string, number>();
  for (const a of allocations) last.set(a.job, Math.max(last.get(a.job) ?? -1, a.slot));
  for (const a of allocations) {
    const info = ix.jobs[ix.jobById.get(a.job)!]!, site = ix.siteById.get(a.site)!;
    busy[site * T + a.slot]! += a.units * ix.busyKWh[site * nK + info.type]! * runFraction(info, a.slot === last.get(a.job));
  }
  return s.sites.map((site, si) => {
    const load = Array.from({ length: T }, (_, t) => ix.idleKWh[si * T + t]! + busy[si * T + t]!);
    const d = dispatchSite(s, site, load);
    let charged = 0;
    for (let t = 0; t < T; t++) charged += y[eb.energyRow[si * T + t]!]! * busy[si * T + t]!;
    const gap = d.costFen + s.carbonPriceFenPerKg * d.carbonKg - charged - rest[si]!;
    return `${site.id}${site.storage ? ' (storage)' : ''}${site.renewables ? ' (renewables)' : ''}: ${(gap / 100).toFixed(2)} ¥`;
  }).filter((line) => !line.endsWith(' 0.00 ¥') && !line.endsWith(' -0.00 ¥'));
}

const methods = methodArg ? methodArg.split(',') : Object.keys(variants);
for (const m of methods) {
  const t0 = performance.now();
  const st = variants[m]!();
  const sec = (performance.now() - t0) / 1000;
  const allocations = st.allocations();
  const e = evaluate(s, allocations, ix);
  const bad = checkPlan(s, allocations, ix);
  console.log(`${m.padEnd(9)} ${(e.objective / 100).toFixed(2).padStart(10)} ¥  gap ${(((e.objective - best) / best) * 100).toFixed(2)} %  ${sec.toFixed(2)} s  unserved ${e.unservedUnitHours}  violations ${bad.length}`);
  if (process.env.SITES) for (const line of energyBySite(allocations)) console.log('   ', line);
  if (process.env.PARTS) for (const line of gapLines(gapParts(ix, model, eb, y, allocations, 3))) console.log('   ', line);
}
