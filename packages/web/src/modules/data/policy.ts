import { DataActions, DataPurposes, type DataConstraint, type DataRule, type DataUsagePolicy } from '@shuzhi/schema';
import type { MessageKey, Params } from '../../i18n/dictionaries.ts';
import { formatFen } from '../../format.ts';

export type Translate = (key: MessageKey, params?: Params) => string;

/** One line of a policy as a person reads it: what it is about, and the rule. */
export interface PolicyLine {
  kind: 'permission' | 'prohibition' | 'duty' | 'output' | 'regions' | 'leave' | 'approval' | 'term';
  text: string;
}

const isOneOf = <T extends string>(list: readonly T[], v: string): v is T => (list as readonly string[]).includes(v);

export function actionWord(action: string, t: Translate): string {
  return isOneOf(DataActions, action) ? t(`data.action.${action}`) : action;
}

export function purposeWord(purpose: string, t: Translate): string {
  return isOneOf(DataPurposes, purpose) ? t(`data.purpose.${purpose}`) : purpose;
}

const OPERATORS = ['eq', 'neq', 'lt', 'lteq', 'gt', 'gteq', 'isAnyOf', 'isNoneOf'] as const;

/** A right operand in words: purposes by their names, lists joined the way the language joins them. */
function operandWords(c: DataConstraint, t: Translate): string {
  const one = (v: string | number) => (c.leftOperand === 'purpose' && typeof v === 'string' ? purposeWord(v, t) : String(v));
  return Array.isArray(c.rightOperand) ? c.rightOperand.map(one).join(t('data.policy.listSep')) : one(c.rightOperand);
}

/** "the purpose is one of research, planning"; an operand or operator the language does not know is shown as written. */
export function constraintWords(c: DataConstraint, t: Translate): string {
  const subject = isOneOf(['purpose', 'consumer', 'consumerRegion', 'dateTime', 'count'] as const, c.leftOperand)
    ? t(`data.operand.${c.leftOperand}`)
    : c.leftOperand;
  const op = isOneOf(OPERATORS, c.operator) ? t(`data.operator.${c.operator}`) : c.operator;
  return t('data.policy.constraint', { subject, op, value: operandWords(c, t) });
}

function ruleWords(r: DataRule, t: Translate): string {
  const action = actionWord(r.action, t);
  if (r.constraints.length === 0) return action;
  return t('data.policy.ruleWhen', { action, when: r.constraints.map((c) => constraintWords(c, t)).join(t('data.policy.and')) });
}

/**
 * The policy in plain words, in the order a consumer asks about it: what may I do, what not, what do I
 * owe, how are results made safe, where does it run, who decides, for how long.
 */
export function policyInWords(policy: DataUsagePolicy, feeFenPerUse: number, t: Translate): PolicyLine[] {
  const lines: PolicyLine[] = [];
  for (const p of policy.permissions) lines.push({ kind: 'permission', text: t('data.policy.may', { rule: ruleWords(p, t) }) });
  for (const p of policy.prohibitions) lines.push({ kind: 'prohibition', text: t('data.policy.mayNot', { rule: ruleWords(p, t) }) });
  for (const d of policy.duties) {
    lines.push({ kind: 'duty', text: d.action === 'pay-per-use' ? t('data.policy.payPerUse', { fee: formatFen(feeFenPerUse) }) : t('data.policy.attribute') });
  }
  const o = policy.output;
  lines.push({
    kind: 'output',
    text:
      o.kind === 'k-anonymity'
        ? t('data.policy.kAnonymity', { k: o.k })
        : t('data.policy.dp', { budget: o.epsilonBudget, perQuery: o.maxEpsilonPerQuery }),
  });
  lines.push({ kind: 'regions', text: t('data.policy.regions', { regions: policy.computeRegions.join(t('data.policy.listSep')) }) });
  lines.push({ kind: 'leave', text: policy.resultsMayLeaveRegion ? t('data.policy.mayLeave') : t('data.policy.mayNotLeave') });
  lines.push({ kind: 'approval', text: policy.approval === 'automatic' ? t('data.policy.automatic') : t('data.policy.provider') });
  lines.push({ kind: 'term', text: t('data.policy.days', { days: policy.contractDays }) });
  return lines;
}

/** The output rule in a few characters, for cards and tables: "k ≥ 10", "ε 3 (≤ 0.5 / query)". */
export function outputRuleShort(policy: DataUsagePolicy, t: Translate): string {
  const o = policy.output;
  return o.kind === 'k-anonymity' ? t('data.rule.k', { k: o.k }) : t('data.rule.dp', { budget: o.epsilonBudget });
}
