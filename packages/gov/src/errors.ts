import { EngineError } from '@shuzhi/schema';
import type { FieldError } from './field-errors.ts';

/** Stable codes: the HTTP layer maps each to a status (packages/server/src/gov/errors.ts). */
export const GOV_ERROR_CODES = [
  'CATALOGUE_INVALID',
  'UNKNOWN_REFERENCE',
  'CERTIFICATE_FORMAT',
  'TRANSITION_NOT_ALLOWED',
  'WRONG_DEPARTMENT',
  'COMMITMENT_NOT_ALLOWED',
  'COMMITMENT_MISSING',
  'ISSUANCE_MISMATCH',
  'ALREADY_ISSUED',
  'NOT_READY_FOR_ISSUANCE',
  'CALENDAR_OUT_OF_RANGE',
] as const;

export type GovErrorCode = (typeof GOV_ERROR_CODES)[number];

/** Every error the gov engine throws. */
export class GovError extends EngineError<GovErrorCode> {}

/** Input failed field-level validation; `issues` says which field and why, in zh and en. */
export class CatalogueInvalidError extends GovError {
  override readonly issues: readonly { path: string; message: string }[];
  constructor(errors: readonly FieldError[]) {
    super(
      'CATALOGUE_INVALID',
      `Catalogue item is invalid: ${errors.map((e) => `${e.field}: ${e.message.en}`).join('; ')}`,
      { errors },
    );
    this.issues = errors.map((e) => ({ path: e.field, message: `${e.message.zh} / ${e.message.en}` }));
  }
}

/** A task action that the state table does not allow from the current state (HTTP 409). */
export class TransitionNotAllowedError extends GovError {
  constructor(serviceId: string, from: string, action: string, reason?: string) {
    super(
      'TRANSITION_NOT_ALLOWED',
      `Task ${serviceId} cannot '${action}' while '${from}'${reason ? `: ${reason}` : ''}. Reload the application and pick an allowed action.`,
      { serviceId, from, action, reason },
    );
  }
}

/** A guard on an action failed although the state allows it (missing commitment, unmet dependency…). */
export class GuardFailedError extends GovError {
  constructor(code: 'WRONG_DEPARTMENT' | 'COMMITMENT_NOT_ALLOWED' | 'COMMITMENT_MISSING' | 'ISSUANCE_MISMATCH', message: string, fields: Record<string, unknown> = {}) {
    super(code, message, fields);
  }
}

export class AlreadyIssuedError extends GovError {
  constructor(applicationId: string) {
    super('ALREADY_ISSUED', `Application ${applicationId} has already been issued; results are issued once. Look up the issued certificates instead.`, { applicationId });
  }
}

export class NotReadyForIssuanceError extends GovError {
  constructor(applicationId: string, openTasks: readonly string[]) {
    super('NOT_READY_FOR_ISSUANCE', `Application ${applicationId} still has unfinished tasks (${openTasks.join(', ')}); finish them before issuing.`, { applicationId, openTasks });
  }
}

/** A date outside the years the holiday table covers: refusing beats a silently wrong due date. */
export class CalendarOutOfRangeError extends GovError {
  constructor(date: string, firstYear: number, lastYear: number) {
    super('CALENDAR_OUT_OF_RANGE', `No holiday table for ${date}; the calendar covers ${firstYear}–${lastYear}. Add that year's holiday notice to the calendar data.`, { date, firstYear, lastYear });
  }
}

export class UnknownReferenceError extends GovError {
  constructor(kind: string, id: string) {
    super('UNKNOWN_REFERENCE', `Unknown ${kind} '${id}'. Check the id against the catalogue.`, { kind, id });
  }
}

export class CertificateFormatError extends GovError {
  constructor(message: string, fields: Record<string, unknown> = {}) {
    super('CERTIFICATE_FORMAT', message, fields);
  }
}
