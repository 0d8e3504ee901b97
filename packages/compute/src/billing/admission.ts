export type AdmissionRefusal = 'insufficient-funds' | 'monthly-cap';

export const ADMISSION_TEXT = {
  'insufficient-funds': { en: 'wallet and usable vouchers do not cover the estimated cost; top up the wallet', zh: '钱包余额与可用算力券不足以支付预估费用，请充值' },
  'monthly-cap': { en: 'the estimated cost would pass the tenant’s monthly budget cap', zh: '预估费用将超出租户月度预算上限' },
} as const satisfies Record<AdmissionRefusal, { en: string; zh: string }>;

/**
 * Whether work may start: the tenant must be able to pay its estimate now (wallet plus the part its
 * vouchers would cover) and stay within its monthly cap, so work stops before it starts rather than
 * running into debt.
 */
export function admit(args: {
  estimateFen: number;
  walletFen: number;
  voucherCoverFen: number;
  monthSpentFen: number;
  monthlyCapFen: number | null;
}): { ok: true } | { ok: false; reason: AdmissionRefusal } {
  const est = Math.max(0, Math.ceil(args.estimateFen));
  if (args.monthlyCapFen !== null && args.monthSpentFen + est > args.monthlyCapFen) return { ok: false, reason: 'monthly-cap' };
  if (args.walletFen + Math.min(args.voucherCoverFen, est) < est) return { ok: false, reason: 'insufficient-funds' };
  return { ok: true };
}
