// Saves the multipliers a plan-at-prices experiment works from (plan-at-prices.ts reads them): optimal's
// own (its onMultipliers hook, after its ascent) for a scenario, its plan, and optionally the Lagrangian
// dual's multipliers by column generation started from them (`columns` seconds, 0 = none).
// Time-limited: run under the bench lock.
//   flock /tmp/planner-bench.lock npx tsx bench/planner/price-capture.ts medium 60 170 [/tmp/placeprice]
import { writeFileSync, mkdirSync } from 'node:fs';
import { HighsWorker, lagrangianByColumns, makeOptimal, type Multipliers } from '@shuzhi/compute';
import { resampleScenario } from '../../packages/compute/src/resample.ts';
import { parseScenario } from '../../packages/compute/src/scenario.ts';
import { BENCH_SCENARIOS, buildScenario } from './scenarios.ts';

const [name = 'medium', slot = '60', sec = '0', dir = '/tmp/placeprice'] = process.argv.slice(2);
const spec = BENCH_SCENARIOS.find((s) => s.name === name)!;
const b = buildScenario(spec.name, spec.jobs, spec.sites, spec.carbonPriceFenPerKg);
const s = parseScenario(Number(slot) === 60 ? b.scenario : resampleScenario(b.scenario, Number(slot) as 15));
mkdirSync(dir, { recursive: true });
const tag = `${name}-${slot}`;
const save = (what: string, y: Float64Array, meta: object) => {
  writeFileSync(`${dir}/${tag}-${what}.y.bin`, Buffer.from(y.buffer, y.byteOffset, y.byteLength));
  writeFileSync(`${dir}/${tag}-${what}.json`, JSON.stringify(meta));
};
let m: Multipliers | null = null;
const t0 = performance.now();
const opt = await makeOptimal({ onMultipliers: (x) => { m = x; } }).plan(s, { timeLimitSec: spec.timeLimitSec });
const own = m as Multipliers | null;
console.log(tag, 'optimal', opt.objective / 100, 'in', ((performance.now() - t0) / 1000).toFixed(1), 's; own bound', own ? own.bound / 100 : '–');
writeFileSync(`${dir}/${tag}-optimal-plan.json`, JSON.stringify({ objective: opt.objective, allocations: opt.allocations }));
if (own) save('own', own.y, { bound: own.bound });
if (own && Number(sec) > 0) {
  const worker = new HighsWorker();
  const started = performance.now();
  const until = started + Number(sec) * 1000;
  const c = await lagrangianByColumns(own.ix, { worker, stop: () => performance.now() > until, secondsLeft: () => (until - performance.now()) / 1000, start: own.y, plan: opt.allocations });
  const seconds = (performance.now() - started) / 1000;
  console.log(tag, 'columns bound', c.bound / 100, 'rounds', c.rounds, 'converged', c.converged, 'in', seconds.toFixed(1), 's');
  save('columns', c.y, { bound: c.bound, rounds: c.rounds, converged: c.converged, seconds });
  await worker.close();
}
