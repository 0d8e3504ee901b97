import { CatalogueInvalidError, GovError } from '@shuzhi/gov';
import { AppError } from '../errors.ts';

/** HTTP status of each engine error code; anything unlisted is a conflict with the case's current state. */
const statusOf: Record<string, number> = {
  CATALOGUE_INVALID: 400,
  UNKNOWN_REFERENCE: 400,
  CERTIFICATE_FORMAT: 400,
  WRONG_DEPARTMENT: 403,
  CALENDAR_OUT_OF_RANGE: 500,
};

/** Engine errors → problem+json with the engine's stable code; field errors keep their paths. */
export function toAppError(err: unknown): unknown {
  if (err instanceof CatalogueInvalidError) {
    return new AppError('VALIDATION_FAILED', 400, err.message, {
      errors: err.errors.map((e) => ({ path: e.field, message: `${e.message.zh} / ${e.message.en}` })),
    });
  }
  if (err instanceof GovError) return new AppError(err.code, statusOf[err.code] ?? 409, err.message, { cause: err });
  return err;
}

export async function mapGov<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAppError(err);
  }
}
