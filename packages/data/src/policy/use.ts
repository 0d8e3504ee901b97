import type { DataAction, DataConstraint, DataContractState, DataPurpose, DataQuery, DataUsagePolicy } from '@shuzhi/schema';
import { DataRuleError } from '../errors.ts';
import { AGREEMENT_OPERANDS, describe, holds, type ConstraintFacts } from './constraint.ts';

/** What `checkUse` needs of a contract (the server's row, with times in ms). */
export interface UsableContract {
  state: DataContractState;
  expiresAtMs: number;
  actions: DataAction[];
  /** Uses made so far under this contract. */
  uses: number;
  policy: DataUsagePolicy;
  purpose: DataPurpose;
  consumerTenantId: string;
  consumerRegion: string | null;
}

/**
 * Whether one more use may run under this contract at `atMs`; throws DataRuleError saying why not.
 * The contract's actions are what was agreed (a provider may have agreed to an action no permission
 * covered), so here only the use-time constraints (dateTime, count) of the action's permissions apply.
 */
export function checkUse(contract: UsableContract, query: DataQuery, atMs: number): void {
  if (contract.state !== 'agreed') {
    throw new DataRuleError('CONTRACT_NOT_ACTIVE', `this contract is ${contract.state}, not agreed; ask for a new contract to use the data`, {
      state: contract.state,
    });
  }
  if (atMs >= contract.expiresAtMs) {
    throw new DataRuleError('CONTRACT_EXPIRED', `this contract expired at ${new Date(contract.expiresAtMs).toISOString()}; ask for a new contract`, {
      expiresAt: new Date(contract.expiresAtMs).toISOString(),
    });
  }
  const action = query.action;
  if (!contract.actions.includes(action)) {
    throw new DataRuleError('ACTION_NOT_IN_CONTRACT', `this contract covers ${contract.actions.join(', ')}, not '${action}'; ask for a contract that includes it`, {
      action,
      actions: contract.actions,
    });
  }
  const facts: ConstraintFacts = {
    purpose: contract.purpose,
    consumer: contract.consumerTenantId,
    consumerRegion: contract.consumerRegion,
    atMs,
    count: contract.uses + 1,
  };
  const prohibition = contract.policy.prohibitions.find((r) => r.action === action && r.constraints.every((c) => holds(c, facts) === true));
  if (prohibition) {
    throw new DataRuleError('ACTION_PROHIBITED', `the policy prohibits '${action}' when ${prohibition.constraints.map(describe).join(' and ')}`, { action });
  }
  const useTime = (c: DataConstraint) => !AGREEMENT_OPERANDS.has(c.leftOperand);
  // The permissions this contract was agreed under; all of the action's when the provider agreed beyond them.
  const rules = contract.policy.permissions.filter((r) => r.action === action);
  const agreed = rules.filter((r) => r.constraints.every((c) => useTime(c) || holds(c, facts) === true));
  const candidates = agreed.length > 0 ? agreed : rules;
  if (candidates.length === 0) return;
  if (candidates.some((r) => r.constraints.filter(useTime).every((c) => holds(c, facts) === true))) return;
  const failing = candidates.flatMap((r) => r.constraints.filter((c) => useTime(c) && holds(c, facts) === false));
  const time = failing.find((c) => c.leftOperand === 'dateTime');
  if (time) {
    throw new DataRuleError(
      'OUTSIDE_PERMITTED_TIME',
      `'${action}' is permitted only when ${describe(time)}; it is now ${new Date(atMs).toISOString()}. Use the data within the permitted time`,
      { action, constraint: time },
    );
  }
  const count = failing.find((c) => c.leftOperand === 'count');
  const limit = count ? countBound(count) : Infinity;
  if (Number.isFinite(limit)) throw useLimitReached(limit, contract.uses, { action, constraint: count });
  throw new DataRuleError('USE_LIMIT_REACHED', `this use would break the policy's limit (${count ? describe(count) : 'count'}); ${contract.uses} made`, {
    action,
    uses: contract.uses,
    constraint: count,
  });
}

/**
 * The most uses the policy's count constraints allow for this action — the most permissive of its
 * permissions; null = no limit. The server guards its use counter with it (`uses < limit`).
 */
export function useLimit(policy: DataUsagePolicy, action: string): number | null {
  const perRule = policy.permissions.filter((r) => r.action === action).map((r) => Math.min(...r.constraints.map(countBound)));
  const most = perRule.length ? Math.max(...perRule) : Infinity;
  return Number.isFinite(most) ? most : null;
}

/** The refusal once a contract's uses reach its limit. */
export function useLimitReached(limit: number, uses: number, fields: Record<string, unknown> = {}): DataRuleError {
  return new DataRuleError('USE_LIMIT_REACHED', `this contract allows ${limit} uses; ${uses} made. Ask for a new contract to continue`, { ...fields, uses });
}

/** `count lteq N` and `count eq N`: N uses; `count lt N`: N−1. Other constraints do not bound the count. */
function countBound(c: DataConstraint): number {
  if (c.leftOperand !== 'count' || typeof c.rightOperand !== 'number') return Infinity;
  if (c.operator === 'lteq' || c.operator === 'eq') return c.rightOperand;
  if (c.operator === 'lt') return c.rightOperand - 1;
  return Infinity;
}
