import type { PrecedenceEdge } from './precedence.ts';
import type { Scenario } from './scenario.ts';

/** One piece of a plan: `units` of the job's resource type busy at `site` during `slot`. */
export interface Allocation {
  job: string;
  site: string;
  slot: number;
  units: number;
}

export interface PlanMetrics {
  objective: number;
  costFen: number;
  energyKWh: number;
  greenKWh: number;
  greenShare: number;
  carbonKg: number;
  transferFen: number;
  deadlineMisses: number;
  unservedUnitHours: number;
}

export interface LowerBound {
  objective: number;
  costFen: number;
  carbonKg: number;
}

export interface PlanProgress {
  policy: string;
  phase: string;
  /** 0..1 when known */
  fraction?: number;
}

export interface PlanOptions {
  timeLimitSec?: number;
  onProgress?: (p: PlanProgress) => void;
  /** Measures solveMs; defaults to `performance.now`. Not used for any planning decision. */
  clock?: { now(): number };
}

export interface PlanResult extends PlanMetrics {
  policy: PolicyName;
  allocations: Allocation[];
  solveMs: number;
  /** The LP relaxation optimum, when the policy solved one. */
  lowerBound?: LowerBound;
  /** Each lower bound the policy computed (fen): `lowerBound.objective` is the best of them. */
  bounds?: { lagrangian?: number; lp?: number; mip?: { objective: number; gap: number | null; status: string } };
  /** How the plan was made, in a few words (optimal: which model, or that it fell back to a heuristic and why). */
  method?: string;
  /** What the policy did that a reader should know (aggregation, rounding repairs, time limits). */
  notes: string[];
}

export const POLICY_NAMES = ['fifo', 'greedy', 'optimal'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export interface Policy {
  readonly name: PolicyName;
  plan(scenario: Scenario, opts?: PlanOptions): Promise<PlanResult>;
  /**
   * Plans a DAG with its precedence inside the policy's own model, in one solve, from `start` (a plan keeping
   * every edge) when given; null when it cannot (planWithPrecedence then keeps its rounds plan).
   */
  planDag?(scenario: Scenario, edges: readonly PrecedenceEdge[], opts?: PlanOptions, start?: readonly Allocation[]): Promise<(PlanResult & { rounds: number; blocked: string[] }) | null>;
}
