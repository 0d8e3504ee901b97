import { EngineError } from '@shuzhi/schema';

/** Stable codes: the server maps each to an HTTP status (packages/server/src/data/errors.ts). */
export const DATA_RULE_CODES = [
  'POLICY_INVALID',
  'QUERY_INVALID',
  'COLUMN_UNKNOWN',
  'COLUMN_NOT_ALLOWED',
  'RETURNS_RECORDS',
  'GROUP_BELOW_K',
  'BOUNDS_MISSING',
  'EPSILON_TOO_LARGE',
  'BUDGET_EXHAUSTED',
  'ACTION_NOT_PERMITTED',
  'ACTION_PROHIBITED',
  'ACTION_NOT_IN_CONTRACT',
  'CONTRACT_NOT_ACTIVE',
  'CONTRACT_EXPIRED',
  'USE_LIMIT_REACHED',
  'OUTSIDE_PERMITTED_TIME',
  'RESULT_REGION_NOT_ALLOWED',
  'JOIN_INVALID',
] as const;

export type DataRuleCode = (typeof DATA_RULE_CODES)[number];

/** A field-level problem: `path` names the field in the caller's input, e.g. `query.groupBy[1]`. */
export interface DataIssue {
  readonly path: string;
  readonly message: string;
}

/** Every error the data engine throws; `issues` lists each field at fault when there are several. */
export class DataRuleError extends EngineError<DataRuleCode> {
  declare readonly issues?: readonly DataIssue[];
  constructor(code: DataRuleCode, message: string, fields: Record<string, unknown> = {}, issues?: readonly DataIssue[]) {
    super(code, message, fields);
    if (issues) this.issues = issues;
  }
}
