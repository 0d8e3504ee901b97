import { repairDag } from './dagRepair.ts';
import { evaluate } from './evaluate.ts';
import type { Allocation, PlanOptions, PlanResult, Policy } from './policy.ts';
import { jobSlots } from './power.ts';
import { plannedSpans, precedenceViolations, precedenceWindows, servedInFull, type PrecedenceEdge } from './precedence.ts';
import type { Scenario } from './scenario.ts';

/**
 * Plans `scenario` with `policy` so that no dependant starts before its parents end (plus staging).
 * Rounds first: the windows are first narrowed by `precedenceWindows`. Each round plans,
 * finds dependants that start too early and raises their release to the earliest slot the last plan
 * allows; a job that can no longer start before its deadline (or whose parent is not served) is left
 * out. Releases only rise and are bounded by the horizon, so the rounds end; the last plan has no
 * violation. Rounds fix parents before their dependants are placed, so a workflow may end with work
 * unserved that another placement of it serves: such workflows are placed again (repairDag).
 * A policy that can put the precedence inside its own model (`planDag`) then plans the DAG in one
 * solve, started from the rounds plan; its plan is taken when it is no worse (by evaluate()).
 */
export async function planWithPrecedence(scenario: Scenario, edges: readonly PrecedenceEdge[], policy: Policy, opts?: PlanOptions): Promise<DagPlanResult> {
  const rounds = await planByRounds(scenario, edges, policy, opts);
  if (!policy.planDag) return rounds;
  const once = await policy.planDag(scenario, edges, opts, rounds.allocations);
  const fen = (v: number) => `${(v / 100).toFixed(2)} ¥`;
  const start = (kept: WarmStart['kept']): WarmStart => ({ rounds: rounds.rounds, objective: rounds.objective, unservedUnitHours: rounds.unservedUnitHours, solveMs: rounds.solveMs, kept });
  if (!once) return { ...rounds, start: start('rounds: no MIP plan'), notes: [...rounds.notes, 'the one-solve DAG MIP, warm-started from this plan, gave no plan: the rounds plan stands'] };
  const solveMs = rounds.solveMs + once.solveMs;
  // Both plans keep every edge; the one-solve MIP started from the rounds plan, so it is kept only where it is at least as good.
  if (once.objective <= rounds.objective) {
    const verdict = once.objective < rounds.objective ? `improved it by ${fen(rounds.objective - once.objective)}` : 'did not improve it';
    return { ...once, solveMs, start: start('mip'), notes: [...once.notes, `warm start: the repaired rounds plan (${rounds.rounds} round(s), objective ${fen(rounds.objective)}); the MIP ${verdict}`] };
  }
  return { ...rounds, solveMs, start: start('rounds: MIP worse'), notes: [...rounds.notes, `the one-solve DAG MIP, warm-started from this plan, ended worse (${fen(once.objective)} against ${fen(rounds.objective)}): the rounds plan stands`] };
}

/** The repaired rounds plan a one-solve DAG MIP was started from, and which of the two was kept. */
export interface WarmStart {
  rounds: number;
  objective: number;
  unservedUnitHours: number;
  solveMs: number;
  kept: 'mip' | 'rounds: MIP worse' | 'rounds: no MIP plan';
}

export type DagPlanResult = PlanResult & { rounds: number; blocked: string[]; start?: WarmStart };

/** The rounds (see planWithPrecedence), then the repair of workflows left short. */
async function planByRounds(scenario: Scenario, edges: readonly PrecedenceEdge[], policy: Policy, opts?: PlanOptions): Promise<PlanResult & { rounds: number; blocked: string[] }> {
  const windows = precedenceWindows(scenario, edges);
  const release = new Map(scenario.jobs.map((j) => [j.id, windows.get(j.id)!.release]));
  // A dependant whose parents cannot all end in time for it to run before its deadline cannot be served.
  const blocked = new Set(scenario.jobs.filter((j) => windows.get(j.id)!.release + jobSlots(scenario, j) > windows.get(j.id)!.deadline).map((j) => j.id));
  let solveMs = 0;
  for (let rounds = 1; ; rounds++) {
    const jobs = scenario.jobs.filter((j) => !blocked.has(j.id)).map((j) => ({ ...j, release: release.get(j.id)!, deadline: windows.get(j.id)!.deadline }));
    const plan = await policy.plan({ ...scenario, jobs }, opts);
    solveMs += plan.solveMs;
    const violations = precedenceViolations({ ...scenario, jobs }, edges.filter((e) => !blocked.has(e.job)), plan.allocations);
    // A dependant of a blocked job would be reported as never startable by the check above too.
    for (const e of edges) if (!blocked.has(e.job) && e.after.some((p) => blocked.has(p))) violations.push({ job: e.job, parent: '', earliest: Infinity, start: 0 });
    if (violations.length === 0) {
      const { allocations, notes: repairNotes, stillBlocked, servedNow: served } = repairWorkflows(scenario, edges, plan.allocations, blocked);
      // The last round's notes on work it could not serve hold no more for work the repair served.
      const servedNow = (note: string) => {
        const id = /^not served: ([^:]+):/.exec(note)?.[1];
        return id !== undefined && served(id);
      };
      const notes = [...plan.notes.filter((n) => !servedNow(n)), ...repairNotes];
      if (stillBlocked.length) notes.push(`${stillBlocked.length} dependant(s) could not start before their deadline after their parents: ${stillBlocked.slice(0, 5).join(', ')}`);
      return { ...plan, ...evaluate(scenario, allocations), allocations, solveMs, notes, rounds, blocked: stillBlocked };
    }
    for (const v of violations) {
      const next = Math.max(release.get(v.job)!, v.earliest);
      if (next >= windows.get(v.job)!.deadline) blocked.add(v.job);
      else release.set(v.job, next);
    }
  }
}

/**
 * The rounds' plan with its workflows that left work unserved placed again where that serves more
 * (repairDag), unless the repair broke an edge (never expected: then the rounds' plan stands).
 */
function repairWorkflows(
  scenario: Scenario, edges: readonly PrecedenceEdge[], allocations: Allocation[], blocked: ReadonlySet<string>,
): { allocations: Allocation[]; notes: string[]; stillBlocked: string[]; servedNow: (jobId: string) => boolean } {
  const jobs = new Map(scenario.jobs.map((j) => [j.id, j]));
  const servedIn = (a: readonly Allocation[]) => {
    const spans = plannedSpans(a, scenario.slotMinutes / 60);
    return (id: string) => jobs.has(id) && servedInFull(jobs.get(id)!, spans.get(id));
  };
  const r = repairDag(scenario, edges, allocations);
  if (r.workflows === 0 || precedenceViolations(scenario, edges, r.allocations).length > 0) {
    return { allocations, notes: [], stillBlocked: [...blocked], servedNow: servedIn(allocations) };
  }
  const servedNow = servedIn(r.allocations);
  return {
    allocations: r.allocations,
    notes: [`workflow repair: ${r.workflows} workflow(s) with unserved work placed again, parents first, each job after its parents' end plus staging (cheapest start leaving its dependants room, else earliest): ${r.servedMore} job(s) more served in full`],
    stillBlocked: [...blocked].filter((id) => !servedNow(id)),
    servedNow,
  };
}
