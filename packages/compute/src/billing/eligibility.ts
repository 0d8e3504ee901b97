import type { Charge, ProgrammeRules, VoucherState } from './types.ts';

export type IneligibleReason =
  | 'other-tenant'
  | 'voucher-expired'
  | 'voucher-not-yet-valid'
  | 'voucher-empty'
  | 'programme-mismatch'
  | 'programme-closed'
  | 'tenant-kind'
  | 'site'
  | 'resource-type';

/** Whether a site is inside a programme's whitelist, by id or by region. */
export function siteEligible(rules: ProgrammeRules, siteId: string, region: string): boolean {
  return rules.siteIds.includes(siteId) || rules.regions.includes(region);
}

/** Why a programme would not subsidise this charge at all, whatever voucher pays; null when it would. */
export function programmeIneligibility(rules: ProgrammeRules, c: Charge): IneligibleReason | null {
  if (c.atMs < rules.validFromMs || c.atMs >= rules.validToMs) return 'programme-closed';
  if (!rules.tenantKinds.includes(c.tenantKind)) return 'tenant-kind';
  if (!siteEligible(rules, c.siteId, c.region)) return 'site';
  if (!((rules.ratesBp[c.resourceType] ?? 0) > 0)) return 'resource-type';
  return null;
}

/** Why this voucher may not pay towards this charge; null when it may. */
export function voucherIneligibility(v: VoucherState, rules: ProgrammeRules, c: Charge): IneligibleReason | null {
  if (v.programmeId !== rules.id) return 'programme-mismatch';
  if (v.tenantId !== c.tenantId) return 'other-tenant';
  if (v.status !== 'active' || c.atMs >= v.expiresAtMs) return 'voucher-expired';
  if (c.atMs < v.validFromMs) return 'voucher-not-yet-valid';
  if (v.balanceFen <= 0) return 'voucher-empty';
  return programmeIneligibility(rules, c);
}
