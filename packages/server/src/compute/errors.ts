import type { ComputeErrorCode } from '@shuzhi/compute';

/**
 * HTTP status of each compute engine refusal (planner and billing rules): a bad scenario, policy or
 * amount is the caller's input. Left out on purpose, so they answer 500 INTERNAL and are logged as the
 * bugs they are: SOLVER_FAILED (the server's solver broke) and LEDGER_UNBALANCED (the server's own
 * postings do not sum to zero).
 */
export const COMPUTE_ERROR_STATUS = {
  SCENARIO_INVALID: 422,
  POLICY_UNKNOWN: 400,
  BILLING_AMOUNT_INVALID: 422,
  BILLING_RATE_INVALID: 422,
  BILLING_PRICE_INVALID: 422,
  SBATCH_INVALID: 422,
} as const satisfies Record<Exclude<ComputeErrorCode, 'SOLVER_FAILED' | 'LEDGER_UNBALANCED'>, number>;
