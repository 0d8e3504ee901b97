// Planner benchmark: fifo, greedy and optimal side by side on scenarios built from real data, with every bound.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  exactBounds, getPolicy, jobSlots, makeOptimal, parseScenario, POLICY_NAMES, resampleScenario, slotHours, type Multipliers, type PlanResult, type Scenario, type SlotMinutes,
} from '@shuzhi/compute';
import { benchArgs } from '../args.ts';
import { BENCH_SCENARIOS, buildScenario } from './scenarios.ts';
import { arrayScenario, workflowScenario, type ArrayRow, type WorkflowRow } from './extra-scenarios.ts';
import { columnBound, masterRows, gapLines, type ColumnBound } from './column-bound.ts';
import { mergeByName, readJson } from './results.ts';
import { gapTo, provenMip, runTable, sideBySide, type PlannerRun } from './side-by-side.ts';

const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');

/** Published reductions quoted next to ours (not reproduced here). */
const PUBLISHED = [
  "Let's Wait Awhile (Wiesner et al., Middleware '21): ~5–9% carbon from temporal shifting",
  'GAIA (Hanafy et al., ASPLOS \'24): best policy ~27% carbon at 60% of the waiting of carbon-only scheduling',
];
/** Seconds each workflow plan (each round) gets unless --time-limit says otherwise: the small/medium target. */
const WORKFLOW_TIME_LIMIT_SEC = 10;
/** The exact MIP's bound is computed up to this many job-level columns (small at both slot lengths, medium hourly). */
const BOUND_MAX_COLUMNS = 700_000;

/**
 * Seconds the bound by columns gets where --bound-time is not given and 60 is too short: on large its
 * boxed master still gains every round at 60 s (bound-trace.ts); on medium the per-job master converges
 * in about 180 s hourly (12,748 ¥, 12,727 at 60 s) and the grouped one at 15 minutes reached 12,732 ¥ in
 * 180 s (12,701–12,716 at 60 s) of the 12,742 its hourly rows allow.
 */
const COLUMN_BOUND_SEC: Record<string, number> = { medium: 240, large: 150 };

const pct = (a: number, b: number) => (b > 0 ? `${(((b - a) / b) * 100).toFixed(1)}%` : '–');

/** Plans one scenario with every policy (same input, one run), computes the bounds, prints the table and the reductions against fifo. */
async function planAndPrint(name: string, s: Scenario, slotMinutes: number, timeLimit: number, boundTime: number, columnsTime: number): Promise<PlannerRun> {
  process.stderr.write(`planner/${name}: ${s.jobs.length} jobs, ${s.sites.length} sites\n`);
  const results: PlanResult[] = [];
  // optimal as the registry has it, but telling the bench its best multipliers for the bound by columns below
  let multipliers: Multipliers | null = null;
  const optimal = makeOptimal({ onMultipliers: (m) => { multipliers = m; } });
  for (const policy of POLICY_NAMES) {
    results.push(await (policy === 'optimal' ? optimal : getPolicy(policy)).plan(s, {
      timeLimitSec: timeLimit,
      onProgress: (p) => process.stderr.write(`  … ${p.policy}: ${p.phase}${p.fraction !== undefined ? ` ${(p.fraction * 100).toFixed(0)}%` : ''}\n`),
    }));
  }
  const opt = results.find((r) => r.policy === 'optimal')!;
  process.stderr.write('  … exact bounds (job-level LP and MIP)\n');
  // A bound the solver cannot finish (HiGHS aborts when its WebAssembly memory runs out) is reported,
  // not a crash: the policies' rows and their own bounds still stand.
  let exactFailure: string | null = null;
  const exact = boundTime > 0
    ? await exactBounds(s, { timeLimitSec: boundTime, maxColumns: BOUND_MAX_COLUMNS }).catch((e: unknown) => {
        exactFailure = e instanceof Error ? e.message : String(e);
        return null;
      })
    : null;
  process.stderr.write('  … Lagrangian dual by column generation\n');
  let columnsFailure: string | null = null;
  const columns: ColumnBound | null = columnsTime > 0
    ? await columnBound(s, multipliers, opt, columnsTime).catch((e: unknown) => {
        columnsFailure = e instanceof Error ? e.message : String(e);
        return null;
      })
    : null;
  const mip = exact
    ? provenMip(exact.mip, exact.lp, boundTime)
    : opt.bounds?.mip ? { ...opt.bounds.mip, incumbent: null, timeLimitSec: timeLimit } : null;
  // Every bound is a lower bound on every integral plan; the tightest (largest) one is the one to measure against.
  const candidates: { value: number | null | undefined; from: string }[] = [
    // Optimal's own first: a bound by columns that gained nothing on it (the same L at the same multipliers) is not credited.
    { value: opt.bounds?.lagrangian, from: "Lagrangian, optimal's own (aggregated LP's duals)" },
    { value: columns?.bound, from: `Lagrangian by columns${masterRows(columns?.groups ?? null, columns?.masterSlots)}, ${columns?.rounds} rounds in ${columns?.seconds.toFixed(0)} s${columns?.converged ? (columns.masterSlots > 1 ? ' (converged: the best bound with multipliers constant over its master slots)' : ' (converged: the Lagrangian dual\'s optimum)') : ''}` },
    { value: opt.bounds?.lp, from: "job-level LP relaxation, optimal's own" },
    { value: opt.bounds?.mip?.objective, from: `exact job-level MIP's proven bound, optimal's own (within its ${timeLimit} s)` },
    { value: exact?.lp, from: 'job-level LP relaxation (separate solve)' },
    { value: exact ? mip?.objective : null, from: `exact job-level MIP's proven bound (HiGHS, separate solve, ${boundTime} s)` },
  ];
  const finite = candidates.filter((c): c is { value: number; from: string } => typeof c.value === 'number' && Number.isFinite(c.value));
  const best = finite.reduce<{ value: number; from: string } | null>((b, c) => (b === null || c.value > b.value ? c : b), null);
  const run: PlannerRun = {
    slotMinutes, timeLimitSec: timeLimit, results,
    bounds: {
      lagrangian: opt.bounds?.lagrangian ?? null, lp: exact?.lp ?? opt.bounds?.lp ?? null, mip,
      columns: columns ? { bound: columns.bound, start: columns.start, rounds: columns.rounds, columns: columns.columns, seconds: columns.seconds, master: columns.master, converged: columns.converged, groups: columns.groups, masterSlots: columns.masterSlots } : null,
      gapParts: columns ? { ...columns.parts, jobs: { ...columns.parts.jobs } } : null,
      best: best?.value ?? null, bestFrom: best?.from ?? null,
    },
  };
  console.log(`\n== planner / ${name} ==`);
  console.log(`scenario: ${s.jobs.length} jobs, ${s.sites.length} sites, ${s.regions.length} regions, ${s.slots} slots of ${s.slotMinutes} min from ${s.start}; every policy gets ${timeLimit} s`);
  console.log('objective = cost + transfer + carbon price × carbon + unserved penalty (¥ = 100 fen)');
  console.log(runTable(run));
  for (const note of opt.notes) console.log(`note: optimal: ${note}`);
  if (exactFailure) console.log(`note: exact job-level bounds not computed: ${exactFailure}`);
  if (columnsFailure) console.log(`note: Lagrangian bound by columns not computed: ${columnsFailure}`);
  if (columns) for (const line of gapLines(columns.parts, columns.groups, columns.masterSlots)) console.log(line);
  const fifo = results.find((r) => r.policy === 'fifo')!;
  // Policies that leave work unserved also save its energy; per served unit-hour compares like with like.
  const requested = s.jobs.reduce((k, j) => k + j.units * jobSlots(s, j) * slotHours(s), 0);
  const per = (v: number, r: { unservedUnitHours: number }) => v / Math.max(1e-9, requested - r.unservedUnitHours);
  console.log('reductions vs fifo   cost   carbon  | per served unit-hour: cost  carbon   (published, for comparison below)');
  for (const r of results.filter((x) => x.policy !== 'fifo')) {
    console.log(`  ${r.policy.padEnd(16)} ${pct(r.costFen, fifo.costFen).padStart(6)}  ${pct(r.carbonKg, fifo.carbonKg).padStart(7)} |                      ${pct(per(r.costFen, r), per(fifo.costFen, fifo)).padStart(6)}  ${pct(per(r.carbonKg, r), per(fifo.carbonKg, fifo)).padStart(7)}`);
  }
  for (const p of PUBLISHED) console.log(`  ${p}`);
  return run;
}

export async function run(args: string[]): Promise<void> {
  const a = benchArgs(
    'planner',
    args,
    {
      'slot-minutes': { type: 'choice', choices: ['15', '60', 'both'], default: 'both', help: 'plan at 15- or 60-minute slots (the hourly series resampled), or both side by side' },
      'time-limit': { type: 'count', default: 10, help: 'seconds every policy gets per scenario; default: the issue\'s targets, 10 s for small and medium, 60 s for large' },
      'bound-time': { type: 'count', default: 60, help: 'seconds HiGHS gets for each exact bound (job-level LP, then MIP) where the job-level model has at most 700,000 columns, and then the Lagrangian dual by column generation gets on every scenario (default: 60, the bound by columns 240 on medium and 150 on large; 0: no bounds beyond optimal\'s own)' },
      workflows: { type: 'count', default: 12, help: 'generated DAGs in the workflow scenario (Montage and Epigenomics alternating)' },
      'array-tasks': { type: 'count', default: 100_000, help: 'tasks in the array scenario' },
      'array-cap': { type: 'count', default: 1000, help: 'the array\'s %cap' },
      'drain-seconds': { type: 'count', default: 60, help: 'the drain window: tasks finished within it are counted' },
      'array-baseline-jobs': { type: 'count', default: 1000, help: 'separate one-task jobs submitted beside the array as its baseline (0: none)' },
    },
    { allowed: [...BENCH_SCENARIOS.map((s) => s.name), 'workflow', 'array'], help: 'only these scenarios (small, medium, large, workflow, array)' },
  );
  if (!a) return;
  const only = a.positionals;
  const slotLengths: SlotMinutes[] = a['slot-minutes'] === 'both' ? [60, 15] : [Number(a['slot-minutes']) as SlotMinutes];
  const limitFor = (spec: { timeLimitSec: number }) => (a.given.has('time-limit') ? a['time-limit'] as number : spec.timeLimitSec);
  const out: { name: string; slotMinutes: number; timeLimitSec: number; provenance: string[]; results: Omit<PlanResult, 'allocations'>[]; bounds: PlannerRun['bounds']; optimalGapToBestBound: string }[] = [];
  const summary: string[][] = [];
  for (const spec of BENCH_SCENARIOS) {
    if (only.length && !only.includes(spec.name)) continue;
    const b = buildScenario(spec.name, spec.jobs, spec.sites, spec.carbonPriceFenPerKg);
    console.log(`\n== planner / ${spec.name}: data provenance ==`);
    for (const p of b.provenance) console.log(`  - ${p}`);
    const runs: PlannerRun[] = [];
    for (const slotMinutes of slotLengths) {
      const name = `${spec.name}, ${slotMinutes}-min slots`;
      const s = parseScenario(slotMinutes === 60 ? b.scenario : resampleScenario(b.scenario, slotMinutes));
      const boundTime = a['bound-time'] as number;
      const columnsTime = a.given.has('bound-time') ? boundTime : COLUMN_BOUND_SEC[spec.name] ?? boundTime;
      const r = await planAndPrint(name, s, slotMinutes, limitFor(spec), boundTime, columnsTime);
      const opt = r.results.find((x) => x.policy === 'optimal')!;
      out.push({
        name, slotMinutes, timeLimitSec: r.timeLimitSec, provenance: b.provenance, results: r.results.map(({ allocations: _drop, ...rest }) => rest),
        bounds: r.bounds, optimalGapToBestBound: gapTo(opt.objective, r.bounds.best),
      });
      summary.push([name, ...r.results.map((x) => `${x.policy} ${(x.objective / 100).toFixed(0)} ¥ / ${x.deadlineMisses} misses / ${(x.solveMs / 1000).toFixed(1)} s`), `time limit ${r.timeLimitSec} s`, `best bound ${r.bounds.best === null ? '–' : `${(r.bounds.best / 100).toFixed(0)} ¥ (${r.bounds.bestFrom})`}`, `optimal ${gapTo(opt.objective, r.bounds.best)} above it`, `optimal planned by: ${opt.method ?? '–'}`]);
      runs.push(r);
    }
    if (runs.length > 1) {
      console.log(`\n== planner / ${spec.name}: the same work at ${runs.map((x) => x.slotMinutes).join('- and ')}-minute slots ==`);
      console.log(sideBySide(runs));
    }
  }
  let workflows: WorkflowRow[] = [];
  if (!only.length || only.includes('workflow')) workflows = await workflowScenario(a.workflows, slotLengths, a.given.has('time-limit') ? a['time-limit'] as number : WORKFLOW_TIME_LIMIT_SEC);
  let array: ArrayRow[] = [];
  if (!only.length || only.includes('array')) array = await arrayScenario(a['array-tasks'], a['array-cap'], 0.05, a['drain-seconds'], a['array-baseline-jobs']);
  console.log('\n== planner: summary ==');
  for (const row of summary) console.log(row.join(' | '));
  mkdirSync(RESULTS, { recursive: true });
  // A run of some scenarios replaces those scenarios' rows and keeps the others' from earlier runs.
  const plannerJson = path.join(RESULTS, 'planner.json');
  writeFileSync(plannerJson, `${JSON.stringify(mergeByName(readJson(plannerJson, []), out, BENCH_SCENARIOS.map((x) => x.name)), null, 2)}\n`);
  const extraJson = path.join(RESULTS, 'planner-workflows-arrays.json');
  const extra = readJson<{ workflows?: WorkflowRow[]; array?: ArrayRow[] }>(extraJson, {});
  if (workflows.length || array.length) {
    writeFileSync(extraJson, `${JSON.stringify({ workflows: workflows.length ? workflows : extra.workflows ?? [], array: array.length ? array : extra.array ?? [] }, null, 2)}\n`);
  }
  console.log(`\nwrote ${plannerJson}${out.length ? '' : ' (no small/medium/large row run: kept as it was)'}${workflows.length || array.length ? ` and ${extraJson}` : ''}`);
}
