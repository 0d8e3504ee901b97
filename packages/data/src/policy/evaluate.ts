import type { DataAction, DataPurpose, DataRule, DataUsagePolicy } from '@shuzhi/schema';
import type { DataRuleCode } from '../errors.ts';
import { describe, holds, type ConstraintFacts } from './constraint.ts';

export interface ContractAsk {
  consumerTenantId: string;
  consumerRegion: string | null;
  purpose: DataPurpose;
  actions: DataAction[];
}

/** `PROVIDER_DECIDES`: the policy allows the request but the provider approves every request itself. */
export type RequestReasonCode = DataRuleCode | 'PROVIDER_DECIDES';

export interface RequestDecision {
  decision: 'agree' | 'ask-provider' | 'refuse';
  reasons: { code: RequestReasonCode; message: string }[];
}

/**
 * What the policy says of a request for a contract, at `atMs`. A prohibition that applies refuses; an
 * action no permission covers goes to the provider (who may still agree); everything permitted is
 * agreed at once unless the provider approves every request. `count` constraints are unknown here
 * (they are checked before each use), so they neither grant a permission nor trigger a prohibition now.
 */
export function evaluateRequest(policy: DataUsagePolicy, req: ContractAsk, atMs: number): RequestDecision {
  const facts: ConstraintFacts = {
    purpose: req.purpose,
    consumer: req.consumerTenantId,
    consumerRegion: req.consumerRegion,
    atMs,
  };
  const refusals: RequestDecision['reasons'] = [];
  const unpermitted: RequestDecision['reasons'] = [];
  for (const action of req.actions) {
    const prohibition = policy.prohibitions.find((r) => r.action === action && r.constraints.every((c) => holds(c, facts) === true));
    if (prohibition) {
      refusals.push({ code: 'ACTION_PROHIBITED', message: `the policy prohibits '${action}'${conditions(prohibition)}` });
      continue;
    }
    const rules = policy.permissions.filter((r) => r.action === action);
    // An unknown (count) neither blocks a permission nor triggers a prohibition at this point.
    const granted = rules.some((r) => r.constraints.every((c) => holds(c, facts) !== false));
    if (!granted) unpermitted.push({ code: 'ACTION_NOT_PERMITTED', message: notPermitted(action, rules, facts) });
  }
  if (!policy.resultsMayLeaveRegion && (req.consumerRegion === null || !policy.computeRegions.includes(req.consumerRegion))) {
    refusals.push({
      code: 'RESULT_REGION_NOT_ALLOWED',
      message: `results of this product stay in ${policy.computeRegions.join(', ')}; the consumer's home region is ${req.consumerRegion ?? 'not set'}`,
    });
  }
  // A refusal lists what else the provider would have had to agree to as well, so the consumer sees it all at once.
  if (refusals.length > 0) return { decision: 'refuse', reasons: [...refusals, ...unpermitted] };
  if (unpermitted.length > 0) return { decision: 'ask-provider', reasons: unpermitted };
  if (policy.approval === 'provider') {
    return { decision: 'ask-provider', reasons: [{ code: 'PROVIDER_DECIDES', message: 'the provider decides every request for this product' }] };
  }
  return { decision: 'agree', reasons: [] };
}

function conditions(rule: DataRule): string {
  return rule.constraints.length === 0 ? '' : ` when ${rule.constraints.map(describe).join(' and ')}`;
}

function notPermitted(action: DataAction, rules: DataRule[], facts: ConstraintFacts): string {
  if (rules.length === 0) return `no permission of the policy covers '${action}'; the provider may still agree`;
  const failing = rules.flatMap((r) => r.constraints.filter((c) => holds(c, facts) === false)).map(describe);
  return `'${action}' is permitted only when ${[...new Set(failing)].join('; or ')}; the provider may still agree`;
}
