import { bigint, bigserial, boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const fen = (name: string) => bigint(name, { mode: 'number' });

/** A voucher programme (算力券): who issues, whom and what it subsidises, and how much. */
export const billingProgrammes = pgTable('billing_programmes', {
  id: text('id').primaryKey(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  issuer: text('issuer').notNull(),
  /** True when the rules are made up for the demo rather than taken from a published scheme. */
  illustrative: boolean('illustrative').notNull().default(false),
  tenantKinds: jsonb('tenant_kinds').notNull().$type<string[]>(),
  siteIds: jsonb('site_ids').notNull().$type<string[]>(),
  regions: jsonb('regions').notNull().$type<string[]>(),
  ratesBp: jsonb('rates_bp').notNull().$type<Record<string, number>>(),
  capPerTenantFen: fen('cap_per_tenant_fen').notNull(),
  voucherDays: integer('voucher_days').notNull(),
  validFrom: ts('valid_from').notNull(),
  validTo: ts('valid_to').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** Which programme a `programme` user administers. */
export const billingProgrammeAdmins = pgTable('billing_programme_admins', {
  userId: text('user_id').primaryKey(),
  programmeId: text('programme_id').notNull(),
});

export const billingApplications = pgTable(
  'billing_applications',
  {
    id: text('id').primaryKey(),
    programmeId: text('programme_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    requestedFen: fen('requested_fen').notNull(),
    purpose: text('purpose').notNull(),
    status: text('status').notNull(),
    reason: text('reason'),
    decidedBy: text('decided_by'),
    decidedAt: ts('decided_at'),
    voucherId: text('voucher_id'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('billing_applications_programme').on(t.programmeId, t.status), index('billing_applications_tenant').on(t.tenantId)],
);

/** A voucher's value is never stored here: it is the sum of its account's ledger entries. */
export const billingVouchers = pgTable(
  'billing_vouchers',
  {
    id: text('id').primaryKey(),
    programmeId: text('programme_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    applicationId: text('application_id'),
    faceFen: fen('face_fen').notNull(),
    validFrom: ts('valid_from').notNull(),
    expiresAt: ts('expires_at').notNull(),
    status: text('status').notNull(),
    issuedAt: ts('issued_at').notNull().defaultNow(),
  },
  (t) => [index('billing_vouchers_tenant').on(t.tenantId, t.status), index('billing_vouchers_programme').on(t.programmeId)],
);

/** One balanced transaction; the idempotency key makes a retried call find the first one. */
export const billingTransactions = pgTable(
  'billing_transactions',
  {
    id: text('id').primaryKey(),
    idemKey: text('idem_key').notNull(),
    /** Hash of what was asked: the same key with a different request is refused, not replayed. */
    requestHash: text('request_hash').notNull(),
    kind: text('kind').notNull(),
    tenantId: text('tenant_id'),
    programmeId: text('programme_id'),
    siteId: text('site_id'),
    memo: text('memo').notNull().default(''),
    month: text('month').notNull(),
    actor: text('actor'),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('billing_transactions_key').on(t.idemKey), index('billing_transactions_tenant').on(t.tenantId, t.month)],
);

/** Append-only; balances are sums over these rows. */
export const billingEntries = pgTable(
  'billing_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    txnId: text('txn_id').notNull(),
    account: text('account').notNull(),
    amountFen: fen('amount_fen').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('billing_entries_account').on(t.account), index('billing_entries_txn').on(t.txnId)],
);

/** A statement line: one finished run, billed once (the run id is the key). */
export const billingCharges = pgTable(
  'billing_charges',
  {
    runId: text('run_id').primaryKey(),
    txnId: text('txn_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    jobId: text('job_id').notNull(),
    siteId: text('site_id').notNull(),
    region: text('region').notNull(),
    resourceType: text('resource_type').notNull(),
    runStatus: text('run_status').notNull(),
    unitHours: doublePrecision('unit_hours').notNull(),
    energyKWh: doublePrecision('energy_kwh').notNull(),
    greenKWh: doublePrecision('green_kwh').notNull(),
    startedAt: ts('started_at').notNull(),
    endedAt: ts('ended_at').notNull(),
    priceNote: text('price_note').notNull(),
    /** Everything billed for the run: compute, plus the job's data transfer on its first billed run. */
    amountFen: fen('amount_fen').notNull(),
    transferFen: fen('transfer_fen').notNull().default(0),
    voucherFen: fen('voucher_fen').notNull(),
    walletFen: fen('wallet_fen').notNull(),
    platformFeeFen: fen('platform_fee_fen').notNull(),
    month: text('month').notNull(),
    billedAt: ts('billed_at').notNull().defaultNow(),
  },
  (t) => [index('billing_charges_tenant_month').on(t.tenantId, t.month), index('billing_charges_site_month').on(t.siteId, t.month)],
);

/** Which voucher paid how much of which charge, with the energy it subsidised (for reports). */
export const billingRedemptions = pgTable(
  'billing_redemptions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    txnId: text('txn_id').notNull(),
    runId: text('run_id').notNull(),
    voucherId: text('voucher_id').notNull(),
    programmeId: text('programme_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    siteId: text('site_id').notNull(),
    fen: fen('fen').notNull(),
    /** The run's energy weighted by the share of its bill this voucher paid. */
    energyKWh: doublePrecision('energy_kwh').notNull(),
    greenKWh: doublePrecision('green_kwh').notNull(),
    month: text('month').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('billing_redemptions_programme').on(t.programmeId), index('billing_redemptions_tenant').on(t.tenantId, t.programmeId)],
);

/** Price list: fen per unit-hour per site and resource type, optionally by hour of day. */
export const billingPrices = pgTable(
  'billing_prices',
  {
    siteId: text('site_id').notNull(),
    resourceType: text('resource_type').notNull(),
    fenPerUnitHour: doublePrecision('fen_per_unit_hour').notNull(),
    touFenPerUnitHour: jsonb('tou_fen_per_unit_hour').$type<number[] | null>(),
    updatedBy: text('updated_by').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.resourceType] })],
);

/** A tenant's own monthly spending cap: work that would pass it does not start. */
export const billingBudgets = pgTable('billing_budgets', {
  tenantId: text('tenant_id').primaryKey(),
  monthlyCapFen: fen('monthly_cap_fen'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/**
 * A top-up as a payment intent. Asking moves no money; the wallet is credited (a `topup` transaction
 * keyed by the intent) only when an operator confirms it or the provider's signed callback arrives.
 */
export const billingTopUps = pgTable(
  'billing_topups',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    amountFen: fen('amount_fen').notNull(),
    /** pending → credited | cancelled | expired */
    state: text('state').notNull(),
    /** `topup:<tenant>:<client key>`: the same request retried finds this intent. */
    idemKey: text('idem_key').notNull(),
    requestHash: text('request_hash').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    decidedAt: ts('decided_at'),
    /** The operator's user id, or `payment-callback`. */
    decidedBy: text('decided_by'),
    creditedVia: text('credited_via'),
    /** The nonce of the provider callback that credited it. */
    paymentRef: text('payment_ref'),
    txnId: text('txn_id'),
  },
  (t) => [uniqueIndex('billing_topups_key').on(t.idemKey), index('billing_topups_tenant').on(t.tenantId, t.createdAt), index('billing_topups_state').on(t.state, t.expiresAt)],
);

/** Every accepted payment callback by its nonce: a replay finds its row and credits nothing. */
export const billingPaymentCallbacks = pgTable('billing_payment_callbacks', {
  nonce: text('nonce').primaryKey(),
  topUpId: text('topup_id').notNull(),
  amountFen: fen('amount_fen').notNull(),
  /** `credited` (this callback credited the top-up) or `duplicate` (it already was). */
  result: text('result').notNull(),
  receivedAt: ts('received_at').notNull().defaultNow(),
});

/**
 * A data fee (数据要素×): one released data use, posted once from the data module's
 * `data.use.released` event (the use id is the key), with both parties for their statements.
 */
export const billingDataFees = pgTable(
  'billing_data_fees',
  {
    useId: text('use_id').primaryKey(),
    txnId: text('txn_id').notNull(),
    contractId: text('contract_id').notNull(),
    productId: text('product_id').notNull(),
    consumerTenantId: text('consumer_tenant_id').notNull(),
    providerTenantId: text('provider_tenant_id').notNull(),
    siteId: text('site_id').notNull(),
    feeFen: fen('fee_fen').notNull(),
    platformFeeFen: fen('platform_fee_fen').notNull(),
    /** The Shanghai month of the release (the event's time), not of the posting. */
    month: text('month').notNull(),
    releasedAt: ts('released_at').notNull(),
    billedAt: ts('billed_at').notNull().defaultNow(),
  },
  (t) => [index('billing_data_fees_consumer').on(t.consumerTenantId, t.month), index('billing_data_fees_provider').on(t.providerTenantId, t.month)],
);
