// Planner benchmark: fifo, greedy and optimal side by side on scenarios built from real data.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jobSlots, parseScenario, resampleScenario, slotHours, type Scenario, type SlotMinutes } from '@shuzhi/compute';
import { formatTable, planReport, type PlanReport } from '@shuzhi/server';
import { benchArgs } from '../args.ts';
import { ARRIVALS, BENCH_SCENARIOS, buildScenario, type Arrivals } from './scenarios.ts';
import { sideBySide } from './side-by-side.ts';

const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');

/** Published reductions quoted next to ours (not reproduced here). */
const PUBLISHED = [
  "Let's Wait Awhile (Wiesner et al., Middleware '21): ~5–9% carbon from temporal shifting",
  'GAIA (Hanafy et al., ASPLOS \'24): best policy ~27% carbon at 60% of the waiting of carbon-only scheduling',
];

const pct = (a: number, b: number) => (b > 0 ? `${(((b - a) / b) * 100).toFixed(1)}%` : '–');

/** Plans one scenario with every policy and prints its table, provenance and reductions against fifo. */
async function planAndPrint(name: string, s: Scenario, provenance: readonly string[], timeLimit: number): Promise<PlanReport> {
  process.stderr.write(`planner/${name}: ${s.jobs.length} jobs, ${s.sites.length} sites\n`);
  const rep = await planReport(s, ['fifo', 'greedy', 'optimal'], {
    timeLimitSec: timeLimit, onProgress: (t) => process.stderr.write(`  … ${t}\n`),
  });
  console.log(`\n== planner / ${name} ==`);
  console.log(formatTable(rep));
  console.log('data provenance:');
  for (const p of provenance) console.log(`  - ${p}`);
  const fifo = rep.results.find((r) => r.policy === 'fifo')!;
  // Policies that leave work unserved also save its energy; per served unit-hour compares like with like.
  const requested = s.jobs.reduce((n, j) => n + j.units * jobSlots(s, j) * slotHours(s), 0);
  const per = (v: number, r: { unservedUnitHours: number }) => v / Math.max(1e-9, requested - r.unservedUnitHours);
  console.log('reductions vs fifo   cost   carbon  | per served unit-hour: cost  carbon   (published, for comparison below)');
  for (const r of rep.results.filter((x) => x.policy !== 'fifo')) {
    console.log(`  ${r.policy.padEnd(16)} ${pct(r.costFen, fifo.costFen).padStart(6)}  ${pct(r.carbonKg, fifo.carbonKg).padStart(7)} |                      ${pct(per(r.costFen, r), per(fifo.costFen, fifo)).padStart(6)}  ${pct(per(r.carbonKg, r), per(fifo.carbonKg, fifo)).padStart(7)}`);
  }
  for (const p of PUBLISHED) console.log(`  ${p}`);
  return rep;
}

export async function run(args: string[]): Promise<void> {
  const a = benchArgs(
    'planner',
    args,
    {
      arrivals: { type: 'choice', choices: [...ARRIVALS, 'both'], default: 'both', help: 'real arrival times (trace), the earlier even spacing, or both side by side' },
      'slot-minutes': { type: 'choice', choices: ['15', '60', 'both'], default: 'both', help: 'plan at 15- or 60-minute slots (the hourly series resampled), or both side by side' },
    },
    { allowed: BENCH_SCENARIOS.map((s) => s.name), help: 'only these scenarios' },
  );
  if (!a) return;
  const only = a.positionals;
  const arrivalModes = a.arrivals === 'both' ? ARRIVALS : [a.arrivals as Arrivals];
  const slotLengths: SlotMinutes[] = a['slot-minutes'] === 'both' ? [60, 15] : [Number(a['slot-minutes']) as SlotMinutes];
  // The targets: medium under 10 s, large under 60 s with all three policies side by side.
  const timeLimit = 50;
  const out: (PlanReport & { name: string; provenance: string[] })[] = [];
  for (const spec of BENCH_SCENARIOS) for (const arrivals of arrivalModes) {
    if (only.length && !only.includes(spec.name)) continue;
    const base = arrivals === 'trace' ? spec.name : `${spec.name}, even arrivals`;
    const b = buildScenario(base, spec.jobs, spec.sites, spec.carbonPriceFenPerKg, arrivals);
    const bySlot: { slotMinutes: number; rep: PlanReport }[] = [];
    for (const slotMinutes of slotLengths) {
      const name = `${base}, ${slotMinutes}-min slots`;
      const s = parseScenario(slotMinutes === 60 ? b.scenario : resampleScenario(b.scenario, slotMinutes));
      const rep = await planAndPrint(name, s, b.provenance, timeLimit);
      out.push({ name, ...rep, provenance: b.provenance });
      bySlot.push({ slotMinutes, rep });
    }
    if (bySlot.length > 1) {
      console.log(`\n== planner / ${base}: the same work at ${bySlot.map((x) => x.slotMinutes).join('- and ')}-minute slots ==`);
      console.log(sideBySide(bySlot));
    }
  }
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'planner.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwrote ${path.join(RESULTS, 'planner.json')}`);
}
