import { BillingRuleError } from './errors.ts';
import { assertFen, type BillSplit } from './split.ts';
import { FULL_RATE_BP, type BasisPoints, type VoucherState } from './types.ts';

/**
 * Account names. Every balance is the signed sum of its entries: positive is money the account holds;
 * `external` is the world outside (bank transfers in), so it goes negative as money enters, and the
 * sum over all accounts is always zero.
 */
export const account = {
  wallet: (tenantId: string) => `wallet:${tenantId}`,
  budget: (programmeId: string) => `budget:${programmeId}`,
  voucher: (voucherId: string) => `voucher:${voucherId}`,
  revenue: (siteId: string) => `revenue:${siteId}`,
  /** A data provider's income from data fees (数据要素×): kept apart from its wallet, which pays. */
  provider: (tenantId: string) => `provider:${tenantId}`,
  platform: 'platform',
  external: 'external',
} as const;

const ACCOUNT_KINDS = ['wallet', 'budget', 'voucher', 'revenue', 'provider', 'platform', 'external'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

export function accountKind(name: string): AccountKind {
  const k = name.split(':', 1)[0];
  if ((ACCOUNT_KINDS as readonly string[]).includes(k!)) return k as AccountKind;
  throw new BillingRuleError('LEDGER_UNBALANCED', 'account', `unknown ledger account "${name}"`);
}

export interface Posting {
  account: string;
  /** Signed fen: + into the account, − out of it. */
  amountFen: number;
}

export function transfer(from: string, to: string, fen: number): Posting[] {
  assertFen(fen, 'amountFen');
  if (fen === 0) return [];
  return [
    { account: from, amountFen: -fen },
    { account: to, amountFen: fen },
  ];
}

export function isBalanced(postings: readonly Posting[]): boolean {
  return postings.every((p) => Number.isSafeInteger(p.amountFen)) && postings.reduce((a, p) => a + p.amountFen, 0) === 0;
}

export function assertBalanced(postings: readonly Posting[]): void {
  if (!isBalanced(postings)) {
    throw new BillingRuleError('LEDGER_UNBALANCED', 'postings', `a transaction's entries must be whole fen summing to zero (${JSON.stringify(postings)})`);
  }
}

/** The platform's commission on a bill, rounded down: the site keeps the rounding. */
export function platformFeeFen(amountFen: number, feeBp: BasisPoints): number {
  return Math.floor((amountFen * feeBp) / FULL_RATE_BP);
}

/** Entries for one billed run: vouchers and wallet pay; the site earns the bill less the platform's fee. */
export function billPostings(split: BillSplit, tenantId: string, siteId: string, feeBp: BasisPoints): Posting[] {
  const revenue = account.revenue(siteId);
  const out: Posting[] = [];
  for (const p of split.parts) out.push(...transfer(account.voucher(p.voucherId), revenue, p.fen));
  out.push(...transfer(account.wallet(tenantId), revenue, split.walletFen));
  out.push(...transfer(revenue, account.platform, platformFeeFen(split.amountFen, feeBp)));
  assertBalanced(out);
  return out;
}

/**
 * Entries for one released data use: the consumer's wallet pays the agreed fee to the provider, and
 * the platform takes its commission from the provider as it does from a site (rounded down, so the
 * provider keeps the rounding). Vouchers subsidise compute only, never data fees.
 */
export function dataFeePostings(consumerTenantId: string, providerTenantId: string, feeFen: number, feeBp: BasisPoints): Posting[] {
  const provider = account.provider(providerTenantId);
  const out = [...transfer(account.wallet(consumerTenantId), provider, feeFen), ...transfer(provider, account.platform, platformFeeFen(feeFen, feeBp))];
  assertBalanced(out);
  return out;
}

/** An expired voucher's remaining value goes back to its programme's budget. */
export function expiryPostings(v: Pick<VoucherState, 'id' | 'programmeId' | 'balanceFen'>): Posting[] {
  return transfer(account.voucher(v.id), account.budget(v.programmeId), v.balanceFen);
}

/** Active vouchers whose validity has ended by `nowMs`. */
export function dueForExpiry<V extends Pick<VoucherState, 'status' | 'expiresAtMs'>>(vouchers: readonly V[], nowMs: number): V[] {
  return vouchers.filter((v) => v.status === 'active' && v.expiresAtMs <= nowMs);
}

/** Sums entries per account. */
export function balancesOf(postings: readonly Posting[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of postings) m.set(p.account, (m.get(p.account) ?? 0) + p.amountFen);
  return m;
}
