// A/B of pair exchange (exchangePairs) inside optimal: the same scenario planned with it off, then on, in
// one process under the same load. A diagnostic script, not a benchmark: it computes no bound.
//   npx tsx bench/planner/pair-ab.ts <small|medium|large> <60|15> [seconds, default the bench's limit]
import { makeOptimal } from '../../packages/compute/src/optimal.ts';
import { resampleScenario } from '../../packages/compute/src/resample.ts';
import { parseScenario } from '../../packages/compute/src/scenario.ts';
import { BENCH_SCENARIOS, buildScenario } from './scenarios.ts';

const [name = 'small', slot = '60', sec] = process.argv.slice(2);
const spec = BENCH_SCENARIOS.find((s) => s.name === name)!;
const b = buildScenario(spec.name, spec.jobs, spec.sites, spec.carbonPriceFenPerKg);
const s = parseScenario(Number(slot) === 60 ? b.scenario : resampleScenario(b.scenario, Number(slot) as 15));
const limit = sec ? Number(sec) : spec.timeLimitSec;
for (const pairs of [false, true]) {
  const r = await makeOptimal({ pairs }).plan(s, { timeLimitSec: limit });
  console.log(`${name} ${slot} min, ${limit} s, pair exchange ${pairs ? 'on ' : 'off'}: ${(r.objective / 100).toFixed(2)} ¥, ${r.unservedUnitHours} unit-hours unserved, ${(r.solveMs / 1000).toFixed(1)} s, ${r.method}`);
  for (const n of r.notes.filter((x) => /^(window|site) MIPs|^pair exchange/.test(x))) console.log(`  ${n}`);
}
