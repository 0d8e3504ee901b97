import { EngineError } from '@shuzhi/schema';

/**
 * The data plane's own refusals (the rules' codes — budget, contract, limits — are @shuzhi/data's
 * DataRuleError). DATASET_INVALID / DATASET_MISSING: a provider's file; RESIDENCY: a use reached a site
 * its policy does not allow; PLAN_UNSAFE: a compiled plan that is not one read-only statement (a bug,
 * never the caller's fault).
 */
export type DataPlaneErrorCode = 'DATASET_INVALID' | 'DATASET_MISSING' | 'RESIDENCY' | 'PLAN_UNSAFE';

export class DataPlaneError extends EngineError<DataPlaneErrorCode> {}

/** HTTP status of each; the data module's status table (data/errors.ts) includes it. */
export const DATA_PLANE_ERROR_STATUS = {
  DATASET_INVALID: 400,
  DATASET_MISSING: 409,
  RESIDENCY: 409,
  PLAN_UNSAFE: 500,
} as const satisfies Record<DataPlaneErrorCode, number>;
