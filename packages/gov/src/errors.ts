import type { FieldError } from './field-errors.ts';

/** Every error the gov engine throws. `code` is stable: the HTTP layer maps it to problem+json. */
export class GovError extends Error {
  readonly code: string;
  readonly fields: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, fields: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.fields = fields;
  }
}

/** Input failed field-level validation; `errors` says which field and why, in zh and en. */
export class CatalogueInvalidError extends GovError {
  readonly errors: readonly FieldError[];
  constructor(errors: readonly FieldError[]) {
    super(
      'CATALOGUE_INVALID',
      `Catalogue item is invalid: ${errors.map((e) => `${e.field}: ${e.message.en}`).join('; ')}`,
      { errors },
    );
    this.errors = errors;
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
  constructor(code: string, message: string, fields: Record<string, unknown> = {}) {
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
