import { assertFen } from './split.ts';

export type IssueRefusal = 'budget-exhausted' | 'tenant-cap' | 'tenant-kind' | 'programme-closed' | 'amount-zero';

export const ISSUE_REFUSAL_TEXT = {
  'budget-exhausted': { en: 'the programme budget has less left than this amount', zh: '计划剩余预算不足' },
  'tenant-cap': { en: 'this would take the tenant past the programme’s cap per tenant', zh: '超过计划的单一租户上限' },
  'tenant-kind': { en: 'the programme does not cover this kind of tenant', zh: '计划不覆盖此类租户' },
  'programme-closed': { en: 'the programme is outside its validity window', zh: '计划不在有效期内' },
  'amount-zero': { en: 'a voucher must be worth at least one fen', zh: '券面额至少 1 分' },
} as const satisfies Record<IssueRefusal, { en: string; zh: string }>;

/**
 * Whether a voucher of `amountFen` may be issued: within what is left of the budget and of the tenant's
 * cap (everything already issued to the tenant counts, spent or not), to an eligible kind, while open.
 */
export function issuanceRefusal(args: {
  amountFen: number;
  budgetLeftFen: number;
  issuedToTenantFen: number;
  capPerTenantFen: number;
  tenantKind: string;
  tenantKinds: readonly string[];
  nowMs: number;
  validFromMs: number;
  validToMs: number;
}): IssueRefusal | null {
  assertFen(args.amountFen, 'amountFen');
  if (args.amountFen === 0) return 'amount-zero';
  if (args.nowMs < args.validFromMs || args.nowMs >= args.validToMs) return 'programme-closed';
  if (!args.tenantKinds.includes(args.tenantKind)) return 'tenant-kind';
  if (args.issuedToTenantFen + args.amountFen > args.capPerTenantFen) return 'tenant-cap';
  if (args.amountFen > args.budgetLeftFen) return 'budget-exhausted';
  return null;
}
