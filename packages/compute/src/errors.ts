/** Base class for every error the compute engine throws; `code` is stable and safe to match on. */
export class ComputeError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export interface ScenarioIssue {
  /** Path in the scenario document, e.g. `sites[2].grid.fenPerKWh`. */
  path: string;
  message: string;
}

/** The scenario document does not match scenario format v1; `issues` lists every bad field. */
export class ScenarioError extends ComputeError {
  readonly issues: readonly ScenarioIssue[];
  constructor(issues: readonly ScenarioIssue[]) {
    const lines = issues.slice(0, 20).map((i) => `  ${i.path || '(root)'}: ${i.message}`);
    const more = issues.length > 20 ? `\n  … and ${issues.length - 20} more` : '';
    super('SCENARIO_INVALID', `invalid scenario (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}${more}`);
    this.issues = issues;
  }
}

/** The LP/MIP solver failed in a way the planner could not recover from. */
export class SolverError extends ComputeError {
  readonly status: string;
  constructor(status: string, message: string, options?: { cause?: unknown }) {
    super('SOLVER_FAILED', message, options);
    this.status = status;
  }
}

/** A policy name that the planner does not know. */
export class UnknownPolicyError extends ComputeError {
  readonly policy: string;
  constructor(policy: string, known: readonly string[]) {
    super('POLICY_UNKNOWN', `unknown policy "${policy}"; use one of: ${known.join(', ')}`);
    this.policy = policy;
  }
}
