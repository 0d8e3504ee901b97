// The planner bench's two scenarios beyond small/medium/large: workflows (DAGs under precedence) and one
// 100,000-task array (the planner's view of it, and the dispatcher draining it on the real platform).
import {
  getPolicy, parseScenario, planWithPrecedence, plannedSpans, POLICY_NAMES, precedenceViolations, resampleScenario, servedInFull, type PlanResult, type Scenario, type SlotMinutes,
} from '@shuzhi/compute';
import { arrayRows, drainArray } from '../arrays/bench.ts';
import { buildScenario } from './scenarios.ts';
import { n, table } from './side-by-side.ts';
import { buildWorkflowScenario } from './workflows.ts';

export interface WorkflowRow {
  slotMinutes: number; policy: string; timeLimitSec: number; objectiveFen: number; costFen: number; carbonKg: number; deadlineMisses: number;
  unservedUnitHours: number; unservedJobs: number; rounds: number; blocked: number; violations: number; meanFlowH: number | null; solveMs: number;
  /** optimal only: what the one-solve MIP did with its warm start (the repaired rounds plan) */
  mipVsStart?: string;
}

/**
 * Every policy under precedence, at each slot length; the precedence is checked on every plan. Each
 * plan (each round of the rounds) gets `timeLimitSec`; optimal's one-solve MIP gets it once more, from
 * the repaired rounds plan as its start, whose own figures are the row "optimal, rounds (MIP's start)".
 */
export async function workflowScenario(count: number, slotLengths: readonly SlotMinutes[], timeLimitSec: number): Promise<WorkflowRow[]> {
  const wf = buildWorkflowScenario(count);
  console.log('\n== planner / workflows (GENERATED DAGs): data provenance ==');
  for (const p of wf.provenance) console.log(`  - ${p}`);
  const byShape = (shape: string) => wf.workflows.filter((w) => w.shape === shape);
  for (const shape of ['Montage', 'Epigenomics']) {
    const ws = byShape(shape);
    if (ws.length) console.log(`  ${ws.length} × ${shape}: ${ws[0]!.jobs} jobs each, critical path ${ws[0]!.criticalPathH} h`);
  }
  const rows: WorkflowRow[] = [];
  for (const slotMinutes of slotLengths) {
    const s = parseScenario(slotMinutes === 60 ? wf.scenario : resampleScenario(wf.scenario, slotMinutes));
    process.stderr.write(`planner/workflows, ${slotMinutes}-min slots: ${s.jobs.length} jobs, ${wf.edges.length} dependants\n`);
    const row = (policy: string, r: PlanResult, rounds: number, blocked: number, violations: number): WorkflowRow => ({
      slotMinutes, policy, timeLimitSec, objectiveFen: r.objective, costFen: r.costFen, carbonKg: r.carbonKg, deadlineMisses: r.deadlineMisses,
      unservedUnitHours: r.unservedUnitHours, unservedJobs: unservedJobs(s, r.allocations), rounds, blocked, violations, meanFlowH: meanFlowHours(s, r.allocations), solveMs: r.solveMs,
    });
    for (const policy of POLICY_NAMES) {
      process.stderr.write(`  … ${policy}\n`);
      const r = await planWithPrecedence(s, wf.edges, getPolicy(policy), { timeLimitSec });
      const at = row(policy, r, r.rounds, r.blocked.length, precedenceViolations(s, wf.edges, r.allocations).length);
      if (r.start) {
        // The rounds plan the MIP started from, as measured by the same run (its allocations are not kept: its figures are).
        rows.push({ ...at, policy: 'optimal, rounds (MIP\'s start)', objectiveFen: r.start.objective, unservedUnitHours: r.start.unservedUnitHours, rounds: r.start.rounds, solveMs: r.start.solveMs, costFen: NaN, carbonKg: NaN, deadlineMisses: NaN, unservedJobs: NaN, meanFlowH: null, violations: NaN, blocked: NaN });
        at.mipVsStart = r.start.kept === 'mip'
          ? (r.objective < r.start.objective ? `improved by ${n((r.start.objective - r.objective) / 100, 2)} ¥` : 'no better: start kept as is')
          : r.start.kept === 'rounds: MIP worse' ? 'MIP ended worse: start kept' : 'MIP gave no plan: start kept';
        at.policy = 'optimal (rounds, then MIP)';
        at.rounds = r.start.rounds;
      }
      rows.push(at);
    }
    // The same jobs with no precedence: what the dependencies cost (and a lower bound's reference).
    process.stderr.write('  … optimal, no DAG\n');
    const free = await getPolicy('optimal').plan(s, { timeLimitSec });
    rows.push(row('optimal, no DAG', free, 1, 0, precedenceViolations(s, wf.edges, free.allocations).length));
  }
  console.log(`\n== planner / workflows: ${wf.workflows.length} generated DAGs (${wf.scenario.jobs.length} jobs, ${wf.edges.length} with parents), 4 sites; every plan (every round) gets ${timeLimitSec} s, optimal's MIP ${timeLimitSec} s more ==`);
  console.log('precedence checked on every plan: "violations" counts dependants planned before a parent ended plus staging (0 expected; "no DAG" ignores the edges on purpose); "left out": dependants that could not start before their deadline after their parents; "unserved jobs": jobs not served in full');
  const num = (v: number, d = 0) => (Number.isNaN(v) ? '–' : n(v, d));
  console.log(table(
    ['slots', 'policy', 'objective ¥', 'cost ¥', 'carbon kg', 'misses', 'unserved unit-h', 'unserved jobs', 'left out', 'rounds', 'violations', 'mean flow h', 'solve s', 'MIP vs its start'],
    rows.map((r) => [`${r.slotMinutes} min`, r.policy, n(r.objectiveFen / 100), num(r.costFen / 100), num(r.carbonKg), num(r.deadlineMisses), n(r.unservedUnitHours, 1), num(r.unservedJobs), num(r.blocked), String(r.rounds), num(r.violations), r.meanFlowH === null ? '–' : n(r.meanFlowH, 1), n(r.solveMs / 1000, 1), r.mipVsStart ?? '']),
  ));
  return rows;
}

/** Jobs not served in full by `allocations`. */
function unservedJobs(s: Scenario, allocations: Parameters<typeof plannedSpans>[0]): number {
  const spans = plannedSpans(allocations, s.slotMinutes / 60);
  return s.jobs.filter((j) => !servedInFull(j, spans.get(j.id))).length;
}

/** Mean over workflows of (last step's end − first release), hours; null when a workflow is not fully planned. */
function meanFlowHours(s: Scenario, allocations: Parameters<typeof plannedSpans>[0]): number | null {
  const spans = plannedSpans(allocations, s.slotMinutes / 60);
  const flows = new Map<string, { release: number; end: number; missing: boolean }>();
  for (const j of s.jobs) {
    const w = j.id.slice(0, j.id.indexOf('.'));
    const f = flows.get(w) ?? { release: j.release, end: 0, missing: false };
    const sp = spans.get(j.id);
    if (!sp) f.missing = true;
    else f.end = Math.max(f.end, sp.end);
    flows.set(w, f);
  }
  const done = [...flows.values()].filter((f) => !f.missing);
  if (done.length < flows.size) return null;
  return done.reduce((a, f) => a + (f.end - f.release), 0) / done.length * (s.slotMinutes / 60);
}

export interface ArrayRow { what: string; value: string }

/** Seconds each policy gets to plan the array beside the trace jobs: the small/medium target. */
const ARRAY_PLAN_LIMIT_SEC = 10;

/**
 * One `tasks`-task array with cap `cap`: the planner plans it as the platform's queue presents it (one
 * job `cap` units wide and ceil(tasks / cap) task-lengths long, see PlanningQueue.queued) beside the small
 * scenario's 1,000 trace jobs, with every policy; then the real platform's dispatcher drains it (the
 * arrays bench, folded in here).
 */
export async function arrayScenario(tasks: number, cap: number, taskHours: number, drainSeconds: number, baselineJobs: number): Promise<ArrayRow[]> {
  const base = buildScenario('array', 1_000, 4, 0).scenario;
  const width = Math.min(tasks, cap);
  const hours = taskHours * Math.ceil(tasks / width);
  const cpuUnits = Math.max(...base.sites.map((x) => x.pools.find((p) => p.type === 'cpu')!.units));
  // A cap wider than any site's CPU pool could not run at once anywhere: the block is as wide as the largest.
  const units = Math.min(width, cpuUnits);
  const blockHours = Math.round((hours * width / units) * 100) / 100;
  const s = parseScenario({
    ...base,
    jobs: [...base.jobs, { id: 'array', type: 'cpu', units, hours: blockHours, release: 0, deadline: base.slots, flex: 'rigid', home: base.sites[0]!.id, dataGB: 0, regions: base.regions }],
  });
  const rows: ArrayRow[] = [{ what: 'as the planner sees it', value: `one job of ${units} cpu units × ${blockHours} h (${tasks.toLocaleString('en')} tasks of ${taskHours} h, cap ${cap}) beside ${base.jobs.length} trace jobs` }];
  for (const policy of POLICY_NAMES) {
    const t0 = performance.now();
    const r = await getPolicy(policy).plan(s, { timeLimitSec: ARRAY_PLAN_LIMIT_SEC });
    const ms = performance.now() - t0;
    const mine = r.allocations.filter((a) => a.job === 'array' && a.units > 0);
    const planned = mine.length ? `array planned at ${mine[0]!.site} from slot ${Math.min(...mine.map((a) => a.slot))}` : 'array not planned';
    rows.push({ what: `${policy}: plan time (limit ${ARRAY_PLAN_LIMIT_SEC} s)`, value: `${n(ms / 1000, 2)} s (${planned}; ${r.deadlineMisses} deadline misses among all ${s.jobs.length} jobs)` });
  }
  const d = await drainArray({ tasks, cap, seconds: drainSeconds, baselineJobs });
  console.log(`\n== planner / a ${tasks.toLocaleString('en')}-task array ==`);
  console.log(table(['measure', 'value'], rows.map((r) => [r.what, r.value])));
  console.log(`\nthe platform (PGlite, ${d.site}, ${d.siteUnits} cpu units, an instant engine — a fake: tasks start and end at once, every state change written):`);
  const measured = arrayRows(d, { tasks, cap, seconds: drainSeconds });
  console.log(table(['measure', 'array', 'baseline'], measured.map((r) => [r.measure, r.array, r.baseline])));
  rows.push(...measured.map((r) => ({ what: r.measure, value: r.baseline ? `${r.array} | baseline: ${r.baseline}` : r.array })));
  return rows;
}
