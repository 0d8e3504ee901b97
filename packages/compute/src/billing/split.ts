import { BillingRuleError } from './errors.ts';
import { voucherIneligibility, type IneligibleReason } from './eligibility.ts';
import { FULL_RATE_BP, type Charge, type ProgrammeRules, type VoucherState } from './types.ts';

export interface VoucherPart {
  voucherId: string;
  programmeId: string;
  fen: number;
}

export interface BillSplit {
  amountFen: number;
  /** In the order they paid: earliest expiry first. */
  parts: VoucherPart[];
  walletFen: number;
  /** Vouchers the tenant holds that could not pay, and why. */
  skipped: { voucherId: string; reason: IneligibleReason | 'programme-share-used' | 'tenant-cap-reached' | 'bill-paid' }[];
}

export function assertFen(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new BillingRuleError('BILLING_AMOUNT_INVALID', field, `${field} must be a whole, non-negative number of fen (got ${value}).`);
  }
}

/** Earliest expiry first; ties by issue order (id) so the split is a function of its inputs. */
export const byExpiry = (a: VoucherState, b: VoucherState) =>
  a.expiresAtMs - b.expiresAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The most a programme pays towards one charge: its rate of the bill, rounded down to whole fen (the
 * tenant, not the programme, carries the rounding), and never past what is left of its cap for the tenant.
 */
export function programmeShareFen(rules: ProgrammeRules, c: Charge, redeemedByTenantFen: number): number {
  const rate = rules.ratesBp[c.resourceType] ?? 0;
  if (!Number.isInteger(rate) || rate < 0 || rate > FULL_RATE_BP) {
    throw new BillingRuleError('BILLING_RATE_INVALID', `ratesBp.${c.resourceType}`, `a subsidy rate is whole basis points in 0..${FULL_RATE_BP} (got ${rate}).`);
  }
  const share = Math.floor((c.amountFen * rate) / FULL_RATE_BP);
  return Math.max(0, Math.min(share, rules.capPerTenantFen - redeemedByTenantFen));
}

/**
 * Splits a bill between the tenant's vouchers and its wallet. Eligible vouchers pay earliest expiry
 * first, each programme at most its rate of the bill and what is left of its cap for this tenant; the
 * wallet pays the rest. Parts plus wallet always equal the bill, and no voucher pays past its balance.
 */
export function splitBill(
  c: Charge,
  vouchers: readonly VoucherState[],
  programmes: ReadonlyMap<string, ProgrammeRules>,
  redeemedByTenantFen: Readonly<Record<string, number>> = {},
): BillSplit {
  assertFen(c.amountFen, 'amountFen');
  const shareLeft = new Map<string, number>();
  const parts: VoucherPart[] = [];
  const skipped: BillSplit['skipped'] = [];
  let left = c.amountFen;
  for (const v of [...vouchers].sort(byExpiry)) {
    assertFen(v.balanceFen, `vouchers.${v.id}.balanceFen`);
    const rules = programmes.get(v.programmeId);
    const why = rules ? voucherIneligibility(v, rules, c) : 'programme-mismatch';
    if (why || !rules) {
      skipped.push({ voucherId: v.id, reason: why ?? 'programme-mismatch' });
      continue;
    }
    if (left === 0) {
      skipped.push({ voucherId: v.id, reason: 'bill-paid' });
      continue;
    }
    if (!shareLeft.has(rules.id)) shareLeft.set(rules.id, programmeShareFen(rules, c, redeemedByTenantFen[rules.id] ?? 0));
    const share = shareLeft.get(rules.id)!;
    if (share === 0) {
      const capped = (redeemedByTenantFen[rules.id] ?? 0) >= rules.capPerTenantFen;
      skipped.push({ voucherId: v.id, reason: capped ? 'tenant-cap-reached' : 'programme-share-used' });
      continue;
    }
    const fen = Math.min(v.balanceFen, share, left);
    parts.push({ voucherId: v.id, programmeId: rules.id, fen });
    shareLeft.set(rules.id, share - fen);
    left -= fen;
  }
  return { amountFen: c.amountFen, parts, walletFen: left, skipped };
}

/** How much of a bill of `estimateFen` the tenant's vouchers could cover, for admission checks. */
export function voucherCoverFen(
  c: Charge,
  vouchers: readonly VoucherState[],
  programmes: ReadonlyMap<string, ProgrammeRules>,
  redeemedByTenantFen: Readonly<Record<string, number>> = {},
): number {
  const s = splitBill(c, vouchers, programmes, redeemedByTenantFen);
  return s.amountFen - s.walletFen;
}

