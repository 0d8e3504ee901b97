/** Rates are integer basis points (1/10,000) so every split is exact integer arithmetic on fen. */
export type BasisPoints = number;
export const FULL_RATE_BP = 10_000;

/** What a programme allows: the rules every voucher it issued is held to at billing. */
export interface ProgrammeRules {
  id: string;
  /** Tenant kinds that may hold and use its vouchers (ai-company, studio, …). */
  tenantKinds: readonly string[];
  /** Sites whose compute it subsidises; a site also qualifies when its region is listed. */
  siteIds: readonly string[];
  regions: readonly string[];
  /** Subsidy rate per resource type; a type not listed is not subsidised. */
  ratesBp: Readonly<Record<string, BasisPoints>>;
  /** Most the programme pays for one tenant over its life, in fen. */
  capPerTenantFen: number;
  /** Runs that ended in [validFromMs, validToMs) qualify. */
  validFromMs: number;
  validToMs: number;
}

export type VoucherStatus = 'active' | 'expired';

export interface VoucherState {
  id: string;
  programmeId: string;
  tenantId: string;
  /** Derived from the ledger entries of the voucher's account; never stored apart from them. */
  balanceFen: number;
  validFromMs: number;
  expiresAtMs: number;
  status: VoucherStatus;
}

/** One bill for metered usage: what a finished run costs and where and when it ran. */
export interface Charge {
  tenantId: string;
  tenantKind: string;
  siteId: string;
  region: string;
  resourceType: string;
  amountFen: number;
  /** When the usage was incurred (the run's end). */
  atMs: number;
}
