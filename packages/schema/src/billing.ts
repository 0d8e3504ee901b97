import { z } from 'zod';
import { isoTime, slug, Text } from './common.ts';
import { ResourceType, TenantKind } from './compute.ts';

/** Money is whole fen (分), never fractions or floats of yuan. */
export const Fen = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Signed fen for balances (a wallet may owe for work that already ran). */
export const SignedFen = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
/** One per money-moving call: a retry with the same key is answered with the first result, once. */
export const IdempotencyKey = z
  .string()
  .min(8)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - (8–128 characters)');
export const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month like 2026-06');
/** Subsidy rates in basis points: 3000 = 30 %. */
export const RateBp = z.number().int().min(0).max(10_000);

export const TopUpInput = z.object({
  /** Operators name the tenant; tenants top up their own wallet. */
  tenantId: Text(64).min(1).optional(),
  amountFen: Fen.min(1).max(10_000_000_000),
  idempotencyKey: IdempotencyKey,
});
export type TopUpInput = z.infer<typeof TopUpInput>;

/**
 * A top-up is a payment intent: asking for one moves no money. It is credited to the wallet only when
 * an operator confirms the payment arrived, or the payment provider's signed callback says so; a
 * pending one is cancelled by its tenant or expires.
 */
export const TopUpStates = ['pending', 'credited', 'cancelled', 'expired'] as const;
export const TopUpState = z.enum(TopUpStates);
export type TopUpState = z.infer<typeof TopUpState>;

export const TopUp = z.object({
  id: z.string(),
  tenantId: z.string(),
  amountFen: Fen,
  state: TopUpState,
  createdAt: isoTime,
  /** A pending top-up not paid by then expires. */
  expiresAt: isoTime,
  /** When it was credited, cancelled or expired. */
  decidedAt: isoTime.nullable(),
  /** How the payment was confirmed. */
  creditedVia: z.enum(['operator', 'payment-callback']).nullable(),
  /** The ledger transaction that credited the wallet. */
  txnId: z.string().nullable(),
  /** The wallet balance now (only what credited top-ups and bills moved). */
  balanceFen: SignedFen,
  /** True when this answers a retried call (same idempotency key, or an already credited intent). */
  replayed: z.boolean(),
});
export type TopUp = z.infer<typeof TopUp>;
/** What POST /api/billing/topups answers: the (pending) top-up. */
export const TopUpResult = TopUp;
export type TopUpResult = TopUp;

export const TopUpQuery = z.object({
  tenantId: Text(64).min(1).optional(),
  state: TopUpState.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/**
 * The payment provider's callback (POST /api/public/billing/payment-callback). Signed with
 * HMAC-SHA256 under SHUZHI_PAYMENT_HMAC_KEY over `<timestamp>.<raw body>`, sent as
 * `X-Shuzhi-Signature: sha256=<hex>` with `X-Shuzhi-Timestamp: <Unix seconds>`.
 */
export const PaymentCallback = z.object({
  topUpId: Text(64).min(1),
  /** What was paid, in fen: must equal the top-up's amount. */
  amountFen: Fen.min(1),
  /** The provider's unique id of this notification: a replay with the same nonce credits nothing. */
  nonce: z.string().min(8).max(128).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - (8–128 characters)'),
  status: z.literal('paid'),
});
export type PaymentCallback = z.infer<typeof PaymentCallback>;
export const PaymentCallbackResult = z.object({ topUpId: z.string(), state: TopUpState, replayed: z.boolean() });
export type PaymentCallbackResult = z.infer<typeof PaymentCallbackResult>;

export const VoucherStatus = z.enum(['active', 'expired']);
export const Voucher = z.object({
  id: z.string(),
  programmeId: z.string(),
  programmeNameZh: z.string(),
  programmeNameEn: z.string(),
  tenantId: z.string(),
  faceFen: Fen,
  balanceFen: Fen,
  redeemedFen: Fen,
  expiredFen: Fen,
  validFrom: isoTime,
  expiresAt: isoTime,
  status: VoucherStatus,
});
export type Voucher = z.infer<typeof Voucher>;

export const Wallet = z.object({
  tenantId: z.string(),
  tenantName: z.string(),
  tenantKind: z.string(),
  balanceFen: SignedFen,
  month: Month,
  monthSpentFen: Fen,
  monthlyCapFen: Fen.nullable(),
  voucherBalanceFen: Fen,
  vouchers: z.array(Voucher),
});
export type Wallet = z.infer<typeof Wallet>;

export const BudgetInput = z.object({ monthlyCapFen: Fen.nullable() });
export type BudgetInput = z.infer<typeof BudgetInput>;

export const ProgrammeRulesInput = z.object({
  id: slug,
  nameZh: Text(200).min(1),
  nameEn: Text(200).min(1),
  issuer: Text(200).min(1),
  illustrative: z.boolean().default(false),
  tenantKinds: z.array(TenantKind).min(1),
  siteIds: z.array(Text(64).min(1)).default([]),
  regions: z.array(Text(64).min(1)).default([]),
  ratesBp: z.partialRecord(ResourceType, RateBp),
  capPerTenantFen: Fen.min(1),
  /** How long each issued voucher stays valid. */
  voucherDays: z.number().int().min(1).max(3660),
  validFrom: isoTime,
  validTo: isoTime,
});

export const ProgrammeInput = ProgrammeRulesInput.extend({
  budgetFen: Fen.min(1),
  /** Usernames of `programme` users who administer it. */
  admins: z.array(Text(64).min(1)).default([]),
  idempotencyKey: IdempotencyKey,
});
export type ProgrammeInput = z.infer<typeof ProgrammeInput>;

export const Programme = ProgrammeRulesInput.extend({
  illustrative: z.boolean(),
  siteIds: z.array(z.string()),
  regions: z.array(z.string()),
  fundedFen: Fen,
  budgetLeftFen: Fen,
  issuedFen: Fen,
  pendingApplications: z.number().int(),
});
export type Programme = z.infer<typeof Programme>;

export const ApplicationInput = z.object({
  requestedFen: Fen.min(1).max(10_000_000_000),
  purpose: Text(2000).min(1),
});
export type ApplicationInput = z.infer<typeof ApplicationInput>;

export const ApplicationStatus = z.enum(['pending', 'approved', 'rejected']);
export type ApplicationStatus = z.infer<typeof ApplicationStatus>;
export const Application = z.object({
  id: z.string(),
  programmeId: z.string(),
  tenantId: z.string(),
  tenantName: z.string(),
  tenantKind: z.string(),
  requestedFen: Fen,
  purpose: z.string(),
  status: ApplicationStatus,
  reason: z.string().nullable(),
  decidedAt: isoTime.nullable(),
  voucherId: z.string().nullable(),
  createdAt: isoTime,
});
export type Application = z.infer<typeof Application>;

export const DecisionInput = z
  .object({
    decision: z.enum(['approve', 'reject']),
    reason: Text(2000).default(''),
    /** Approve less than was asked; defaults to the requested amount. */
    amountFen: Fen.min(1).optional(),
    idempotencyKey: IdempotencyKey,
  })
  .refine((d) => d.decision === 'approve' || d.reason.trim().length > 0, {
    path: ['reason'],
    message: 'a rejection needs a reason the tenant can act on',
  });
export type DecisionInput = z.infer<typeof DecisionInput>;

export const StatementLine = z.object({
  runId: z.string(),
  jobId: z.string(),
  siteId: z.string(),
  resourceType: z.string(),
  runStatus: z.string(),
  unitHours: z.number(),
  energyKWh: z.number(),
  greenKWh: z.number(),
  startedAt: isoTime,
  endedAt: isoTime,
  priceNote: z.string(),
  /** Compute plus, on a job's first billed run, the fee for staging its data to another region. */
  amountFen: Fen,
  transferFen: Fen,
  voucherFen: Fen,
  walletFen: Fen,
  billedAt: isoTime,
});
export type StatementLine = z.infer<typeof StatementLine>;

export const StatementSummary = z.object({
  month: Month,
  runs: z.number().int(),
  chargedFen: Fen,
  voucherFen: Fen,
  walletFen: Fen,
  topUpsFen: Fen,
  /** Data fees the tenant's wallet paid for uses of others' data products (数据要素×). */
  dataFeesFen: Fen,
  /** What the tenant earned as a data provider: its products' fees less the platform's commission. */
  dataIncomeFen: Fen,
});
export type StatementSummary = z.infer<typeof StatementSummary>;

/** One released data use on a statement: a fee the tenant paid (consumer) or earned (provider). */
export const DataFeeLine = z.object({
  useId: z.string(),
  contractId: z.string(),
  productId: z.string(),
  siteId: z.string(),
  role: z.enum(['consumer', 'provider']),
  /** The other party: the provider for a fee paid, the consumer for income. */
  counterpartyTenantId: z.string(),
  feeFen: Fen,
  platformFeeFen: Fen,
  /** The provider's share: the fee less the platform's commission. */
  providerFen: Fen,
  releasedAt: isoTime,
});
export type DataFeeLine = z.infer<typeof DataFeeLine>;

export const Statement = StatementSummary.extend({
  tenantId: z.string(),
  tenantName: z.string(),
  openingFen: SignedFen,
  closingFen: SignedFen,
  lines: z.array(StatementLine),
  topUps: z.array(z.object({ txnId: z.string(), at: isoTime, amountFen: Fen })),
  bySite: z.array(z.object({ siteId: z.string(), amountFen: Fen, voucherFen: Fen, walletFen: Fen, energyKWh: z.number(), greenKWh: z.number() })),
  /** Data uses released this month, paid for or provided, oldest first. */
  dataUses: z.array(DataFeeLine),
  /** The provider account's balance at the end of the month: data income not yet paid out. */
  dataIncomeClosingFen: SignedFen,
});
export type Statement = z.infer<typeof Statement>;

const Totals = { issuedFen: Fen, redeemedFen: Fen, expiredFen: Fen, outstandingFen: Fen };
export const ProgrammeReport = z.object({
  programmeId: z.string(),
  fundedFen: Fen,
  budgetLeftFen: Fen,
  ...Totals,
  energyKWh: z.number(),
  greenKWh: z.number(),
  /** Green share of the compute the programme paid for (energy weighted by the share of each bill it paid). */
  greenShare: z.number(),
  byTenant: z.array(z.object({ tenantId: z.string(), tenantName: z.string(), ...Totals })),
  bySite: z.array(z.object({ siteId: z.string(), redeemedFen: Fen, energyKWh: z.number(), greenKWh: z.number(), greenShare: z.number() })),
  byMonth: z.array(z.object({ month: Month, issuedFen: Fen, redeemedFen: Fen, expiredFen: Fen })),
});
export type ProgrammeReport = z.infer<typeof ProgrammeReport>;

export const RevenueReport = z.object({
  billedFen: Fen,
  voucherFen: Fen,
  walletFen: Fen,
  platformFeeFen: Fen,
  bySite: z.array(z.object({ siteId: z.string(), billedFen: Fen, voucherFen: Fen, revenueFen: Fen, runs: z.number().int(), energyKWh: z.number(), greenKWh: z.number() })),
  byMonth: z.array(z.object({ month: Month, billedFen: Fen, voucherFen: Fen, platformFeeFen: Fen })),
});
export type RevenueReport = z.infer<typeof RevenueReport>;

export const PriceInput = z.object({
  fenPerUnitHour: z.number().min(0).max(10_000_000),
  touFenPerUnitHour: z.array(z.number().min(0).max(10_000_000)).length(24).nullable().default(null),
});
export type PriceInput = z.infer<typeof PriceInput>;
export const PriceEntry = PriceInput.extend({
  siteId: z.string(),
  resourceType: ResourceType,
  touFenPerUnitHour: z.array(z.number()).nullable(),
  /** `price-list` when the operator set it; `pool` when it is the site pool's list price. */
  source: z.enum(['price-list', 'pool']),
});
export type PriceEntry = z.infer<typeof PriceEntry>;

export const BillRunResult = z.object({ runId: z.string(), billed: z.boolean(), replayed: z.boolean(), line: StatementLine.nullable() });
export type BillRunResult = z.infer<typeof BillRunResult>;
