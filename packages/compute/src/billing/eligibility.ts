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

/** What each reason tells a tenant or a programme admin, in both languages. */
export const INELIGIBLE_TEXT = {
  'other-tenant': { en: 'the voucher belongs to another tenant', zh: '该券属于其他租户' },
  'voucher-expired': { en: 'the voucher had expired when the run ended', zh: '运行结束时该券已过期' },
  'voucher-not-yet-valid': { en: 'the voucher was not yet valid when the run ended', zh: '运行结束时该券尚未生效' },
  'voucher-empty': { en: 'the voucher has no value left', zh: '该券余额为零' },
  'programme-mismatch': { en: 'the voucher names another programme', zh: '该券不属于此计划' },
  'programme-closed': { en: 'the run ended outside the programme’s validity window', zh: '运行结束时间不在计划有效期内' },
  'tenant-kind': { en: 'the programme does not cover this kind of tenant', zh: '计划不覆盖此类租户' },
  site: { en: 'the programme does not cover this site or region', zh: '计划不覆盖此站点或地区' },
  'resource-type': { en: 'the programme does not subsidise this resource type', zh: '计划不补贴此资源类型' },
} as const satisfies Record<IneligibleReason, { en: string; zh: string }>;

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
