import { EngineError } from '@shuzhi/schema';

/**
 * The data plane's and the use pipeline's own refusals (the engine's DataRuleError codes are
 * @shuzhi/data's). DATASET_*: a provider's file; RESIDENCY: a use reached a site its policy does not
 * allow; BUDGET_EXHAUSTED: the consumer's ε on the product would be exceeded; CONTRACT_NOT_ACTIVE: the
 * contract was revoked or expired; USE_LIMIT_REACHED: the contract's count constraint is used up;
 * PLAN_UNSAFE: a compiled plan that is not one read-only statement (a bug, never the caller's fault).
 */
export const dataPlaneErrorCodes = [
  'DATASET_INVALID',
  'DATASET_MISSING',
  'RESIDENCY',
  'BUDGET_EXHAUSTED',
  'CONTRACT_NOT_ACTIVE',
  'USE_LIMIT_REACHED',
  'PLAN_UNSAFE',
] as const;
export type DataPlaneErrorCode = (typeof dataPlaneErrorCodes)[number];

export class DataPlaneError extends EngineError<DataPlaneErrorCode> {}

/** HTTP status of each (listed in http/error-status.ts through the data module's table). */
export const DATA_PLANE_ERROR_STATUS = {
  DATASET_INVALID: 400,
  DATASET_MISSING: 409,
  RESIDENCY: 409,
  BUDGET_EXHAUSTED: 409,
  CONTRACT_NOT_ACTIVE: 409,
  USE_LIMIT_REACHED: 409,
  PLAN_UNSAFE: 500,
} as const satisfies Record<DataPlaneErrorCode, number>;
