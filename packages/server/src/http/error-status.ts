import { EngineError } from '@shuzhi/schema';
import { DATA_ERROR_STATUS } from '../data/errors.ts';
import { DATA_PLANE_ERROR_STATUS } from '../data/plane/errors.ts';
import { GOV_ERROR_STATUS } from '../gov/errors.ts';
import { COMPUTE_ERROR_STATUS } from '../compute/errors.ts';
import { MINE_ERROR_STATUS } from '../mine/errors.ts';
import { RENDER_ERROR_STATUS } from '../render/errors.ts';

/**
 * Every engine's error code → HTTP status, one typed table per engine (each `as const satisfies
 * Record<ItsCode, number>`, so a new code without a status does not compile). Services throw engine
 * errors as they are; problem.ts is the one place they become HTTP answers.
 */
const TABLES: readonly Readonly<Record<string, number>>[] = [MINE_ERROR_STATUS, GOV_ERROR_STATUS, COMPUTE_ERROR_STATUS, RENDER_ERROR_STATUS, DATA_ERROR_STATUS, DATA_PLANE_ERROR_STATUS];

const STATUS_BY_CODE = new Map<string, number>();
for (const table of TABLES) {
  for (const [code, status] of Object.entries(table)) {
    const seen = STATUS_BY_CODE.get(code);
    // Two engines giving one code two meanings would make the answer depend on table order.
    if (seen !== undefined && seen !== status) throw new Error(`error code ${code} maps to both ${seen} and ${status}`);
    STATUS_BY_CODE.set(code, status);
  }
}

/** The HTTP status of an engine error, or null when its code is in no table (a bug: answered as 500 and logged). */
export function engineErrorStatus(err: EngineError): number | null {
  return STATUS_BY_CODE.get(err.code) ?? null;
}

export { EngineError };
