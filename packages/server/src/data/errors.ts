import { EngineError } from '@shuzhi/schema';
import type { DataRuleCode } from '@shuzhi/data';

/** The data module's own refusals (the rules' are @shuzhi/data's DataRuleError, the plane's DataPlaneError). */
export const DATA_SERVER_CODES = [
  'DATA_PRODUCT_NOT_FOUND',
  'DATA_CONTRACT_NOT_FOUND',
  'PRODUCT_NOT_LISTED',
  'PRODUCT_NOT_DRAFT',
  'CONTRACT_ALREADY_DECIDED',
  'CONTRACT_NOT_REVOCABLE',
  'SITE_UNKNOWN',
  'TENANT_UNKNOWN',
  'TENANT_REQUIRED',
] as const;
export type DataServerCode = (typeof DATA_SERVER_CODES)[number];

export class DataServerError extends EngineError<DataServerCode> {}

export const dataErrors = {
  productNotFound: (id: string) => new DataServerError('DATA_PRODUCT_NOT_FOUND', `No data product "${id}" (or you may not see it).`),
  contractNotFound: (id: string) => new DataServerError('DATA_CONTRACT_NOT_FOUND', `No data contract "${id}" (or you may not see it).`),
};

/**
 * HTTP status of each data-space refusal. A policy or query the rules cannot accept is 422 (well-formed,
 * refused content); a contract or product whose state does not allow the step is 409.
 */
export const DATA_ERROR_STATUS = {
  POLICY_INVALID: 422,
  QUERY_INVALID: 422,
  COLUMN_UNKNOWN: 422,
  COLUMN_NOT_ALLOWED: 422,
  RETURNS_RECORDS: 422,
  GROUP_BELOW_K: 422,
  BOUNDS_MISSING: 422,
  EPSILON_TOO_LARGE: 422,
  JOIN_INVALID: 422,
  ACTION_NOT_PERMITTED: 422,
  ACTION_PROHIBITED: 422,
  ACTION_NOT_IN_CONTRACT: 422,
  RESULT_REGION_NOT_ALLOWED: 422,
  OUTSIDE_PERMITTED_TIME: 409,
  BUDGET_EXHAUSTED: 409,
  CONTRACT_NOT_ACTIVE: 409,
  CONTRACT_EXPIRED: 409,
  USE_LIMIT_REACHED: 409,
  DATA_PRODUCT_NOT_FOUND: 404,
  DATA_CONTRACT_NOT_FOUND: 404,
  PRODUCT_NOT_LISTED: 409,
  PRODUCT_NOT_DRAFT: 409,
  CONTRACT_ALREADY_DECIDED: 409,
  CONTRACT_NOT_REVOCABLE: 409,
  SITE_UNKNOWN: 422,
  TENANT_UNKNOWN: 422,
  TENANT_REQUIRED: 400,
} as const satisfies Record<DataRuleCode | DataServerCode, number>;
