import { and, eq, inArray, sql } from 'drizzle-orm';
import { account, ADMISSION_TEXT, admit, voucherCoverFen } from '@shuzhi/compute';
import type { Db } from '../db/client.ts';
import { sites, tenants } from '../db/schema.ts';
import { rulesOf, voucherStateOf } from './charges.ts';
import { DataFeeService } from './data-fees.ts';
import { billingBudgets, billingCharges, billingProgrammes, billingRedemptions, billingVouchers } from './db-schema.ts';
import { balanceOf, balancesOf, shanghaiMonth } from './ledger.ts';

export interface AdmissionResult {
  ok: boolean;
  reason?: string;
}

/**
 * Budget admission: work starts only when the tenant can pay its estimate (wallet plus what its
 * vouchers would cover there) and stays inside its monthly cap, so a run never starts into debt.
 */
export class Admission {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  async canStart(tenantId: string, estimatedFen: number, where: { siteId?: string; resourceType?: string } = {}): Promise<AdmissionResult> {
    const month = shanghaiMonth(this.now());
    const [spent] = await this.db
      .select({ fen: sql<string>`coalesce(sum(${billingCharges.amountFen}), 0)` })
      .from(billingCharges)
      .where(and(eq(billingCharges.tenantId, tenantId), eq(billingCharges.month, month)));
    const [budget] = await this.db.select().from(billingBudgets).where(eq(billingBudgets.tenantId, tenantId));
    const estimateFen = Math.max(0, Math.ceil(estimatedFen));
    const verdict = admit({
      estimateFen,
      walletFen: await balanceOf(this.db, account.wallet(tenantId)),
      voucherCoverFen: await this.cover(tenantId, estimateFen, where),
      monthSpentFen: Number(spent?.fen ?? 0) + (await DataFeeService.monthFeesFen(this.db, tenantId, month)),
      monthlyCapFen: budget?.monthlyCapFen ?? null,
    });
    return verdict.ok ? { ok: true } : { ok: false, reason: `${verdict.reason}: ${ADMISSION_TEXT[verdict.reason].en}` };
  }

  /** Without a site and resource type no voucher is counted: only then is the answer sure. */
  private async cover(tenantId: string, estimateFen: number, where: { siteId?: string; resourceType?: string }): Promise<number> {
    if (!where.siteId || !where.resourceType) return 0;
    const held = await this.db
      .select()
      .from(billingVouchers)
      .where(and(eq(billingVouchers.tenantId, tenantId), eq(billingVouchers.status, 'active')));
    if (!held.length) return 0;
    const [tenant] = await this.db.select({ kind: tenants.kind }).from(tenants).where(eq(tenants.id, tenantId));
    const [site] = await this.db.select({ region: sites.region }).from(sites).where(eq(sites.id, where.siteId));
    const progIds = [...new Set(held.map((v) => v.programmeId))];
    const progs = await this.db.select().from(billingProgrammes).where(inArray(billingProgrammes.id, progIds));
    const redeemed = await this.db
      .select({ programmeId: billingRedemptions.programmeId, fen: sql<string>`sum(${billingRedemptions.fen})` })
      .from(billingRedemptions)
      .where(eq(billingRedemptions.tenantId, tenantId))
      .groupBy(billingRedemptions.programmeId);
    const balances = await balancesOf(this.db, held.map((v) => account.voucher(v.id)));
    return voucherCoverFen(
      { tenantId, tenantKind: tenant?.kind ?? '', siteId: where.siteId, region: site?.region ?? '', resourceType: where.resourceType, amountFen: estimateFen, atMs: this.now() },
      held.map((v) => voucherStateOf(v, balances.get(account.voucher(v.id)) ?? 0)),
      new Map(progs.map((p) => [p.id, rulesOf(p)])),
      Object.fromEntries(redeemed.map((r) => [r.programmeId, Number(r.fen)])),
    );
  }
}
