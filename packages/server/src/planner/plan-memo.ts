import { createHash } from 'node:crypto';
import { planWithPrecedence, type Allocation, type PlanOptions, type PlanResult, type Policy, type PrecedenceEdge, type Scenario } from '@shuzhi/compute';

export type LivePlan = PlanResult & { rounds?: number; blocked?: string[] };

/** The live planner's time limit per solve: 10 s, and never more than half the re-plan cadence. */
export function replanTimeLimitSec(cadenceSec: number): number {
  return Math.max(1, Math.min(10, cadenceSec / 2));
}

const digest = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex');

/**
 * The live planner re-plans on a cadence and after every arrival, most often over the same inputs; and
 * with workflows waiting, each plan would first try the one-solve precedence MIP (up to its time
 * limit) before the rounds. This keeps the work from repeating:
 *  - the last plan is reused while the inputs are the same (a key over the policy, the scenario — the
 *    network's prices and free units, every job and its window, from the current slot — and the
 *    edges): no solve at all;
 *  - a DAG the one-solve MIP gave no plan for (its time limit, its size) is planned by rounds at once
 *    on the next re-plans, until the DAG changes (a key over the edges and the DAG's jobs).
 * Each plan's notes say which of the two it did.
 */
export class PlanMemo {
  private last: { key: string; result: LivePlan } | null = null;
  private mipGaveNothingFor: string | null = null;

  async plan(scenario: Scenario, edges: readonly PrecedenceEdge[], policy: Policy, opts: PlanOptions): Promise<{ result: LivePlan; solved: boolean }> {
    // A job's place in the queue is not an input: reordered, the same work needs no new plan.
    const key = digest({ policy: policy.name, scenario: { ...scenario, jobs: byId(scenario.jobs) }, edges: byJob(edges), limit: opts.timeLimitSec ?? null });
    if (this.last?.key === key) {
      const notes = [...this.last.result.notes.filter((n) => !n.startsWith(REUSED)), `${REUSED}: the inputs (network, free units, jobs, windows, dependencies) are those of the last plan, so it was not solved again`];
      return { result: { ...this.last.result, notes }, solved: false };
    }
    let result: LivePlan;
    if (edges.length === 0) result = await policy.plan(scenario, opts);
    else {
      const dag = dagKey(scenario, edges, policy);
      const skip = this.mipGaveNothingFor === dag;
      let gaveNothing = false;
      const once = policy.planDag;
      const planner: Policy = {
        name: policy.name,
        plan: (s, o) => policy.plan(s, o),
        ...(once && !skip
          ? {
              planDag: async (s: Scenario, e: readonly PrecedenceEdge[], o?: PlanOptions, start?: readonly Allocation[]) => {
                const r = await once.call(policy, s, e, o, start);
                gaveNothing = r === null;
                return r;
              },
            }
          : {}),
      };
      result = await planWithPrecedence(scenario, edges, planner, opts);
      if (!skip) this.mipGaveNothingFor = gaveNothing ? dag : null;
      if (skip) result = { ...result, notes: [...result.notes, 'the one-solve DAG MIP gave no plan for these workflows at an earlier re-plan: planned by rounds at once (the MIP is tried again when the workflows change)'] };
    }
    this.last = { key, result };
    return { result, solved: true };
  }
}

const REUSED = 'plan reused';

/** The DAG as the one-solve MIP sees it: the edges and the size of every job on one. */
function dagKey(scenario: Scenario, edges: readonly PrecedenceEdge[], policy: Policy): string {
  const onEdge = new Set(edges.flatMap((e) => [e.job, ...e.after]));
  const jobs = byId(scenario.jobs.filter((j) => onEdge.has(j.id))).map((j) => [j.id, j.type, j.units, j.hours]);
  return digest({ policy: policy.name, edges: byJob(edges), jobs });
}

// The queue's order changes with fair share while the work does not: keys list jobs and edges by id.
const byId = <J extends { id: string }>(jobs: readonly J[]) => [...jobs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
const byJob = (edges: readonly PrecedenceEdge[]) => [...edges].sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : 0));
