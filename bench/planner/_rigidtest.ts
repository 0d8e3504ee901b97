import { buildIndex, HighsWorker, resampleScenario } from '@shuzhi/compute';
import { parseScenario } from '../../packages/compute/src/scenario.ts';
import { buildJobModel } from '../../packages/compute/src/jobModel.ts';
import { BENCH_SCENARIOS, buildScenario } from './scenarios.ts';
const [name='small', slot='60'] = process.argv.slice(2);
const spec = BENCH_SCENARIOS.find((x) => x.name === name)!;
const b = buildScenario(spec.name, spec.jobs, spec.sites, spec.carbonPriceFenPerKg);
const s0 = parseScenario(Number(slot) === 60 ? b.scenario : resampleScenario(b.scenario, Number(slot) as 15));
const w = new HighsWorker();
for (const v of ['asis', 'rigid->malleable', 'all->divisible']) {
  const s = { ...s0, jobs: s0.jobs.map((j) => v === 'asis' ? j : v === 'rigid->malleable' ? (j.flex === 'rigid' ? { ...j, flex: 'malleable' as const } : j) : { ...j, flex: 'divisible' as const }) };
  const ix = buildIndex(s);
  const { integrality: _d, ...m } = buildJobModel(ix).model;
  const r = await w.solve({ model: m, timeLimitSec: 120, solver: 'ipm' });
  console.log(v, r.statusName, (r.objective / 100).toFixed(2));
}
await w.close();
