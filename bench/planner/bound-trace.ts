// Where the bench's bound by columns spends its time and what it gains, round by round, from saved
// multipliers and plan (price-capture.ts writes `<scenario>-<slot>-own.y.bin` and the optimal plan):
// per round the master's size, HiGHS' seconds on it, the pricing seconds, L at each point priced, the
// bound and the master's optimum. Each setting gets the same seconds, one after another, in one process.
// Time-limited: run under the bench lock.
//   flock /tmp/planner-bench.lock npx tsx bench/planner/bound-trace.ts <small|medium|large> <60|15> <seconds> [dir] [setting …]
// A setting is a comma list: groups=N (jobGroups, at most N groups; 0: a row per job; default the bench's),
// blocks=K (master rows summed over K slots; default the bench's masterSlots), smoothing=α, box=ρ (a dual
// box of relative half-width ρ around the best multipliers), adapt=1 (the box as a trust region), drop=K, perRound=N, solver=ipm, bench=1 (the
// bench's own box where it groups jobs).
import { readFileSync } from 'node:fs';
import { buildIndex, HighsWorker, lagrangianByColumns, type Allocation, type RoundTrace } from '@shuzhi/compute';
import { jobGroups } from '../../packages/compute/src/jobGroups.ts';
import { resampleScenario } from '../../packages/compute/src/resample.ts';
import { parseScenario } from '../../packages/compute/src/scenario.ts';
import { MASTER_BOX, masterGroups, masterSlots } from './column-bound.ts';
import { BENCH_SCENARIOS, buildScenario } from './scenarios.ts';

const [name = 'large', slot = '60', sec = '60', dir = '/tmp/placeprice', ...settings] = process.argv.slice(2);
const spec = BENCH_SCENARIOS.find((s) => s.name === name)!;
const b = buildScenario(spec.name, spec.jobs, spec.sites, spec.carbonPriceFenPerKg);
const s = parseScenario(Number(slot) === 60 ? b.scenario : resampleScenario(b.scenario, Number(slot) as 15));
const ix = buildIndex(s);
const tag = `${name}-${slot}`;
const raw = readFileSync(`${dir}/${tag}-own.y.bin`);
const own = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const plan = JSON.parse(readFileSync(`${dir}/${tag}-optimal-plan.json`, 'utf8')) as { objective: number; allocations: Allocation[] };
const yuan = (fen: number) => (fen / 100).toFixed(0);
console.log(`${tag}: optimal ${yuan(plan.objective)} ¥; ${ix.jobs.length} jobs × ${ix.T} slots`);
const worker = new HighsWorker();
try {
  for (const setting of settings.length ? settings : ['bench=1']) {
    const kv = Object.fromEntries(setting.split(',').filter(Boolean).map((x) => x.split('=') as [string, string]));
    const groups = kv.groups === undefined ? masterGroups(ix) : Number(kv.groups) > 0 ? jobGroups(ix, Number(kv.groups)) : null;
    const blocks = kv.blocks ? Number(kv.blocks) : masterSlots(ix);
    const began = performance.now(), until = began + Number(sec) * 1000;
    const at = () => ((performance.now() - began) / 1000).toFixed(1);
    console.log(`  ${setting}: ${groups ? `${groups.count} groups` : 'a row per job'}, master rows over ${blocks} slot(s)`);
    const c = await lagrangianByColumns(ix, {
      worker, stop: () => performance.now() > until, secondsLeft: () => (until - performance.now()) / 1000, start: own, plan: plan.allocations,
      ...(kv.bench === '1' && groups ? { box: MASTER_BOX } : {}),
      ...(groups ? { groups: groups.groupOf } : {}), ...(blocks > 1 ? { masterSlots: blocks } : {}),
      ...(kv.smoothing ? { smoothing: Number(kv.smoothing) } : {}), ...(kv.box ? { box: Number(kv.box) } : {}), ...(kv.adapt === '1' ? { boxAdaptive: true } : {}),
      ...(kv.drop ? { dropIdleAfter: Number(kv.drop) } : {}), ...(kv.perRound ? { columnsPerRound: Number(kv.perRound) } : {}),
      ...(kv.solver === 'ipm' || kv.solver === 'simplex' ? { masterSolver: kv.solver } : {}),
      onRound: (r: RoundTrace) => console.log(`    round ${r.rounds} at ${at()} s: bound ${yuan(r.bound)} ¥, master ${yuan(r.master)} ¥ (${r.masterRows}×${r.masterCols}, ${r.masterNonzeros} nz, ${r.masterSec.toFixed(2)} s), pricing ${r.pricingSec.toFixed(2)} s at L ${r.priced.map(yuan).join(' / ')}${r.box ? `, box ${r.box.rel}${r.box.binding ? ' binding' : ''}` : ''}, ${r.columns} columns`),
    });
    console.log(`  ${setting}: ${yuan(c.start)} → ${yuan(c.bound)} ¥ in ${c.rounds} rounds, ${at()} s (master ${c.master === null ? '–' : yuan(c.master)} ¥${c.converged ? ', converged' : ''}); optimal ${(((plan.objective - c.bound) / c.bound) * 100).toFixed(2)} % above`);
  }
} finally {
  await worker.close();
}
