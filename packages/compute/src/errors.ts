import { EngineError } from '@shuzhi/schema';

/** Every code the compute engine (planner and billing rules) throws; the server maps each to an HTTP status. */
export const COMPUTE_ERROR_CODES = [
  'SCENARIO_INVALID',
  'SOLVER_FAILED',
  'POLICY_UNKNOWN',
  'BILLING_AMOUNT_INVALID',
  'BILLING_RATE_INVALID',
  'BILLING_PRICE_INVALID',
  'LEDGER_UNBALANCED',
  'SBATCH_INVALID',
] as const;
export type ComputeErrorCode = (typeof COMPUTE_ERROR_CODES)[number];

/** Base class for every error the compute engine throws; `code` is stable and safe to match on. */
export class ComputeError<Code extends ComputeErrorCode = ComputeErrorCode> extends EngineError<Code> {}

export interface ScenarioIssue {
  /** Path in the scenario document, e.g. `sites[2].grid.fenPerKWh`. */
  path: string;
  message: string;
}

/** The scenario document does not match scenario format v1; `issues` lists every bad field. */
export class ScenarioError extends ComputeError<'SCENARIO_INVALID'> {
  override readonly issues: readonly ScenarioIssue[];
  constructor(issues: readonly ScenarioIssue[]) {
    const lines = issues.slice(0, 20).map((i) => `  ${i.path || '(root)'}: ${i.message}`);
    const more = issues.length > 20 ? `\n  … and ${issues.length - 20} more` : '';
    super('SCENARIO_INVALID', `invalid scenario (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}${more}`);
    this.issues = issues;
  }
}

/** The LP/MIP solver failed in a way the planner could not recover from. */
export class SolverError extends ComputeError<'SOLVER_FAILED'> {
  readonly status: string;
  constructor(status: string, message: string, options?: { cause?: unknown }) {
    super('SOLVER_FAILED', message, { status }, options);
    this.status = status;
  }
}

/** A policy name that the planner does not know. */
export class UnknownPolicyError extends ComputeError<'POLICY_UNKNOWN'> {
  readonly policy: string;
  constructor(policy: string, known: readonly string[]) {
    super('POLICY_UNKNOWN', `unknown policy "${policy}"; use one of: ${known.join(', ')}`, { policy, known: [...known] });
    this.policy = policy;
  }
}
