// A/B of optimal's tuning switches: the same scenario planned under each setting in turn, in one process
// under the same load, with where the time went and the improvement steps' notes. A diagnostic script,
// not a benchmark: it computes no bound.
//   npx tsx bench/planner/tuning-ab.ts <small|medium|large> <60|15> <seconds|-> <setting> [setting …]
// ALL_NOTES=1 prints every note of each plan (where its candidates came from), not only the MIP stages'.
// A setting is a comma list of switches, e.g. pairs=0,dualSeeds=1 (see makeOptimal's tuning); 0/1 are off/on, other numbers
// are passed as numbers (reprice=0.55,heldShare=0.5), anything else as a string (dualMethod=bundle).
import { makeOptimal } from '../../packages/compute/src/optimal.ts';
import { resampleScenario } from '../../packages/compute/src/resample.ts';
import { parseScenario } from '../../packages/compute/src/scenario.ts';
import { BENCH_SCENARIOS, buildScenario } from './scenarios.ts';

const [name = 'small', slot = '60', sec = '-', ...settings] = process.argv.slice(2);
const spec = BENCH_SCENARIOS.find((s) => s.name === name)!;
const b = buildScenario(spec.name, spec.jobs, spec.sites, spec.carbonPriceFenPerKg);
const s = parseScenario(Number(slot) === 60 ? b.scenario : resampleScenario(b.scenario, Number(slot) as 15));
const limit = sec === '-' ? spec.timeLimitSec : Number(sec);
for (const setting of settings.length ? settings : ['']) {
  const tuning = Object.fromEntries(setting.split(',').filter(Boolean).map((kv) => { const [k, v] = kv.split('='); return [k!, v === '1' || v === 'true' ? true : v === '0' || v === 'false' ? false : Number.isNaN(Number(v)) ? v : Number(v)]; }));
  const phases: { phase: string; at: number }[] = [];
  const began = performance.now();
  const r = await makeOptimal(tuning).plan(s, { timeLimitSec: limit, onProgress: (p) => { if (phases.at(-1)?.phase !== p.phase) phases.push({ phase: p.phase, at: performance.now() - began }); } });
  console.log(`${name} ${slot} min, ${limit} s, ${setting || 'defaults'}: ${(r.objective / 100).toFixed(2)} ¥, ${r.unservedUnitHours} unit-hours unserved, ${(r.solveMs / 1000).toFixed(1)} s, ${r.method}`);
  console.log(`  ${phases.map((p, i) => `${p.phase} ${(((phases[i + 1]?.at ?? r.solveMs) - p.at) / 1000).toFixed(2)} s`).join('; ')}`);
  for (const n of (process.env.ALL_NOTES ? r.notes : r.notes.filter((x) => /^(window|site) MIPs|^pair exchange/.test(x)))) console.log(`  ${n}`);
}
