/**
 * The data space's rules (数据要素×, 可信数据空间), pure: usage policies in ODRL terms, contract terms and
 * their signatures, the checks a query passes before it runs, and the output rules a result passes
 * before it is released (k-anonymity; differential privacy with discrete Laplace noise). Time and
 * randomness come in as arguments.
 */
export { DATA_RULE_CODES, DataRuleError, type DataRuleCode, type DataIssue } from './errors.ts';
export { validatePolicy, type PolicyIssue } from './policy/validate.ts';
export { evaluateRequest, type ContractAsk, type RequestDecision, type RequestReasonCode } from './policy/evaluate.ts';
export { checkUse, useLimit, useLimitReached, type UsableContract } from './policy/use.ts';
export { planQuery, type QueryPlan } from './query/plan.ts';
export type { OutputFn, SqlOutput as PlanOutput, SqlParam } from './query/sql.ts';
export { releaseResult, type RawResult } from './output/release.ts';
export { discreteLaplace, type UniformSource } from './output/noise.ts';
export { contractSigningInput, signContract, verifyContract } from './contract.ts';
export { previewRows, type PreviewRow } from './preview.ts';
