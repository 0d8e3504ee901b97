// The aggregated LP's size against the multipliers it gives: for each LP setting, HiGHS' time on it, its
// value, the Lagrangian bound L at its duals (lagrangianStart, on the planner's own slots) and what
// planAtPrices places there. Optimal's own LP is `optimal`; `default` is its grid with every job pooled. A diagnostic script (its times depend on
// the machine's load: hold the bench lock):
//   npx tsx bench/planner/lp-curve.ts <small|medium|large> <60|15> <setting> [setting …]
// A setting is a comma list: optimal | default | budget=N (pricingGrid's rows + columns) | f=F,w=W (F slots merged
// per LP slot, deadline buckets of W LP slots) | job (the job-level LP relaxation); then optionally
// solver=ipm|simplex|choose, crossover=off (with ipm), presolve=off, caps=1 (chainRateCaps), rigid=1 (rigid-block chains), blocks=24:12 (their lengths, hours; auto: optimal's choice, rigidBlockHours; autoN: its N weightiest lengths), place=0 (no placement).
import { buildIndex, HighsWorker, resampleScenario } from '@shuzhi/compute';
import { parseScenario } from '../../packages/compute/src/scenario.ts';
import { pricesOnPlannerSlots, pricingGrid, pricingGridAt, type PricingGrid } from '../../packages/compute/src/coarseLp.ts';
import { buildChainModel, rigidBlockHours } from '../../packages/compute/src/chainModel.ts';
import { buildJobModel } from '../../packages/compute/src/jobModel.ts';
import { lagrangianStart } from '../../packages/compute/src/lagrange.ts';
import { aggregatedLp, LP_SHARE, LP_SIZE_PER_SEC, MIN_LP_SIZE, ONE_SEARCH_MAX_JOBS, RIGID_BLOCK_LENGTHS } from '../../packages/compute/src/optimal.ts';
import { planAtPrices } from '../../packages/compute/src/planAtPrices.ts';
import { evaluate } from '../../packages/compute/src/evaluate.ts';
import type { EnergyBlock } from '../../packages/compute/src/energyBlock.ts';
import type { LpModel } from '../../packages/compute/src/lp.ts';
import type { SolveRequest } from '../../packages/compute/src/solver.ts';
import { BENCH_SCENARIOS, buildScenario } from './scenarios.ts';

const [name = 'medium', slot = '60', ...settings] = process.argv.slice(2);
const spec = BENCH_SCENARIOS.find((x) => x.name === name)!;
const b = buildScenario(spec.name, spec.jobs, spec.sites, spec.carbonPriceFenPerKg);
const s = parseScenario(Number(slot) === 60 ? b.scenario : resampleScenario(b.scenario, Number(slot) as 15));
const ix = buildIndex(s);
const yuan = (fen: number) => (fen / 100).toFixed(2);
const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(2);

/** rigid=1: rigid-block chains; blocks=24:12:6 their lengths in hours (else every rigid length its own) */
const gridOpts = (kv: Record<string, string>) => ({ rigidBlocks: kv.rigid === '1', ...(kv.blocks ? { blockHours: kv.blocks.startsWith('auto') ? rigidBlockHours(ix, Number(kv.blocks.slice(4) || RIGID_BLOCK_LENGTHS)) : kv.blocks.split(':').map(Number) } : {}) });

/** The LP of one setting and how its duals map onto the planner's slots. */
function lpOf(kv: Record<string, string>): { label: string; model: LpModel; toPlanner: (y: Float64Array) => { model: LpModel; eb: EnergyBlock; y: Float64Array } } {
  if ('optimal' in kv) {
    const { grid, cm, blockHours } = aggregatedLp(ix, spec.timeLimitSec);
    return {
      label: `optimal's LP (${grid.factor} slot(s) per LP slot, buckets of ${grid.width}, blocks of ${blockHours.join(', ') || '–'} h, ${grid.classes.length} classes, ${cm.chains.size} chains)`,
      model: cm.model,
      toPlanner: (y) => (grid.factor === 1 ? { model: cm.model, eb: cm.eb, y } : pricesOnPlannerSlots(ix, grid, cm.eb, y)),
    };
  }
  if ('job' in kv) {
    const jm = buildJobModel(ix);
    const { integrality: _drop, ...model } = jm.model;
    return { label: 'job-level LP', model, toPlanner: (y) => ({ model, eb: jm.eb, y }) };
  }
  const grid: PricingGrid = kv.f !== undefined
    ? pricingGridAt(ix, Number(kv.f), Number(kv.w ?? 1), gridOpts(kv))
    : pricingGrid(ix, kv.budget !== undefined ? Number(kv.budget) : Math.max(MIN_LP_SIZE, LP_SIZE_PER_SEC * LP_SHARE * spec.timeLimitSec), gridOpts(kv));
  const cm = buildChainModel(grid.ix, grid.classes, grid.width, { rateCaps: kv.caps === '1' });
  return {
    label: `chain LP${kv.rigid === '1' ? ' with rigid blocks' : ''}${kv.caps === '1' ? ' with rate caps' : ''}, ${grid.factor} slot(s) per LP slot, buckets of ${grid.width}, ${grid.classes.length} classes, ${cm.chains.size} chains`,
    model: cm.model,
    toPlanner: (y) => (grid.factor === 1 ? { model: cm.model, eb: cm.eb, y } : pricesOnPlannerSlots(ix, grid, cm.eb, y)),
  };
}

const worker = new HighsWorker();
try {
  for (const setting of settings.length ? settings : ['default']) {
    const kv = Object.fromEntries(setting.split(',').filter(Boolean).map((x) => [x.split('=')[0]!, x.split('=')[1] ?? '1']));
    let t0 = performance.now();
    const lp = lpOf(kv);
    const built = secs(t0);
    t0 = performance.now();
    const req: SolveRequest = { model: lp.model, timeLimitSec: 120, duals: true };
    if (kv.solver) req.solver = kv.solver as SolveRequest['solver'];
    if (kv.presolve) req.presolve = kv.presolve as 'on' | 'off';
    if (kv.crossover) req.crossover = kv.crossover as 'on' | 'off';
    const r = await worker.solve(req);
    const solved = secs(t0);
    const head = `${name} ${slot} min [${setting}] ${lp.label}: ${lp.model.numCols} cols × ${lp.model.numRows} rows (built ${built} s), ${r.statusName} in ${solved} s`;
    if (!r.optimal) { console.log(head); continue; }
    const p = lp.toPlanner(r.rowDual);
    t0 = performance.now();
    const L = lagrangianStart(ix, p.model, p.eb, p.y).value;
    const lSec = secs(t0);
    let placed = '';
    if (kv.place !== '0') {
      t0 = performance.now();
      const pr = planAtPrices(ix, p.eb, p.y, ix.jobs.length > ONE_SEARCH_MAX_JOBS ? { searches: ['storageAtY'] } : {});
      const e = evaluate(s, pr.st.allocations(), ix);
      placed = `; planAtPrices ${yuan(e.objective)} ¥${e.unservedUnitHours > 0 ? ` (${e.unservedUnitHours} unit-hours unserved)` : ''} in ${secs(t0)} s`;
    }
    console.log(`${head}; LP ${yuan(r.objective)} ¥; L at its duals ${yuan(L)} ¥ (${lSec} s)${placed}`);
  }
} finally {
  await worker.close();
}
