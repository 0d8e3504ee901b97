import type { GovErrorCode } from '@shuzhi/gov';
import type { GovRowErrorCode } from './rows.ts';

/** HTTP status of each gov refusal: a transition the case's state does not allow is a conflict, not a bad request. */
export const GOV_ERROR_STATUS = {
  CATALOGUE_INVALID: 400,
  UNKNOWN_REFERENCE: 400,
  CERTIFICATE_FORMAT: 400,
  TRANSITION_NOT_ALLOWED: 409,
  WRONG_DEPARTMENT: 403,
  COMMITMENT_NOT_ALLOWED: 409,
  COMMITMENT_MISSING: 409,
  ISSUANCE_MISMATCH: 409,
  ALREADY_ISSUED: 409,
  NOT_READY_FOR_ISSUANCE: 409,
  // The holiday table lacks the year: the server's data needs updating, nothing the caller can fix.
  CALENDAR_OUT_OF_RANGE: 500,
  GOV_ROW_CORRUPT: 500,
} as const satisfies Record<GovErrorCode | GovRowErrorCode, number>;
