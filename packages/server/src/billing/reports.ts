import { and, eq, inArray, sql } from 'drizzle-orm';
import { account } from '@shuzhi/compute';
import type { ProgrammeReport, RevenueReport } from '@shuzhi/schema';
import type { Db } from '../db/client.ts';
import { tenants } from '../db/schema.ts';
import { billingCharges, billingEntries, billingRedemptions, billingTransactions, billingVouchers } from './db-schema.ts';
import { balanceOf, balancesOf, flowOf } from './ledger.ts';

const n = (v: unknown) => Number(v ?? 0);

/** What a programme issued, what was redeemed where, what expired and what is still outstanding. */
export async function programmeReport(db: Db, programmeId: string): Promise<ProgrammeReport> {
  const vouchers = await db.select().from(billingVouchers).where(eq(billingVouchers.programmeId, programmeId));
  const balances = await balancesOf(db, vouchers.map((v) => account.voucher(v.id)));
  const red = await db.select().from(billingRedemptions).where(eq(billingRedemptions.programmeId, programmeId));
  // Expired value is what the expiry transactions moved back into the budget.
  const expiredRows = await db
    .select({ tenantId: billingTransactions.tenantId, month: billingTransactions.month, fen: sql<string>`sum(${billingEntries.amountFen})` })
    .from(billingEntries)
    .innerJoin(billingTransactions, eq(billingTransactions.id, billingEntries.txnId))
    .where(and(eq(billingTransactions.kind, 'expire'), eq(billingEntries.account, account.budget(programmeId))))
    .groupBy(billingTransactions.tenantId, billingTransactions.month);
  const tenantIds = [...new Set([...vouchers.map((v) => v.tenantId), ...red.map((r) => r.tenantId)])];
  const names = new Map(
    tenantIds.length ? (await db.select({ id: tenants.id, name: tenants.name }).from(tenants).where(inArray(tenants.id, tenantIds))).map((t) => [t.id, t.name]) : [],
  );

  const byTenant = new Map<string, ProgrammeReport['byTenant'][number]>();
  const tenantRow = (id: string) => {
    let r = byTenant.get(id);
    if (!r) byTenant.set(id, (r = { tenantId: id, tenantName: names.get(id) ?? id, issuedFen: 0, redeemedFen: 0, expiredFen: 0, outstandingFen: 0 }));
    return r;
  };
  const byMonth = new Map<string, ProgrammeReport['byMonth'][number]>();
  const monthRow = (m: string) => {
    let r = byMonth.get(m);
    if (!r) byMonth.set(m, (r = { month: m, issuedFen: 0, redeemedFen: 0, expiredFen: 0 }));
    return r;
  };
  const shMonth = (d: Date) => {
    const x = new Date(d.getTime() + 8 * 3600_000);
    return `${x.getUTCFullYear()}-${String(x.getUTCMonth() + 1).padStart(2, '0')}`;
  };
  for (const v of vouchers) {
    const t = tenantRow(v.tenantId);
    t.issuedFen += v.faceFen;
    if (v.status === 'active') t.outstandingFen += balances.get(account.voucher(v.id)) ?? 0;
    monthRow(shMonth(v.issuedAt)).issuedFen += v.faceFen;
  }
  const bySite = new Map<string, ProgrammeReport['bySite'][number]>();
  for (const r of red) {
    tenantRow(r.tenantId).redeemedFen += r.fen;
    monthRow(r.month).redeemedFen += r.fen;
    const s = bySite.get(r.siteId) ?? { siteId: r.siteId, redeemedFen: 0, energyKWh: 0, greenKWh: 0, greenShare: 0 };
    s.redeemedFen += r.fen;
    s.energyKWh += r.energyKWh;
    s.greenKWh += r.greenKWh;
    bySite.set(r.siteId, s);
  }
  for (const e of expiredRows) {
    if (e.tenantId) tenantRow(e.tenantId).expiredFen += n(e.fen);
    monthRow(e.month).expiredFen += n(e.fen);
  }
  for (const s of bySite.values()) s.greenShare = s.energyKWh > 0 ? s.greenKWh / s.energyKWh : 0;
  const tenantsList = [...byTenant.values()].sort((a, b) => b.issuedFen - a.issuedFen);
  const sum = (f: (t: ProgrammeReport['byTenant'][number]) => number) => tenantsList.reduce((a, t) => a + f(t), 0);
  const energyKWh = red.reduce((a, r) => a + r.energyKWh, 0);
  const greenKWh = red.reduce((a, r) => a + r.greenKWh, 0);
  return {
    programmeId,
    fundedFen: await flowOf(db, account.budget(programmeId), 'fund'),
    budgetLeftFen: await balanceOf(db, account.budget(programmeId)),
    issuedFen: sum((t) => t.issuedFen),
    redeemedFen: sum((t) => t.redeemedFen),
    expiredFen: sum((t) => t.expiredFen),
    outstandingFen: sum((t) => t.outstandingFen),
    energyKWh,
    greenKWh,
    greenShare: energyKWh > 0 ? greenKWh / energyKWh : 0,
    byTenant: tenantsList,
    bySite: [...bySite.values()].sort((a, b) => b.redeemedFen - a.redeemedFen),
    byMonth: [...byMonth.values()].sort((a, b) => a.month.localeCompare(b.month)),
  };
}

/** The operator's view: what was billed at each site, how much vouchers paid, and the platform's fee. */
export async function revenueReport(db: Db, month?: string): Promise<RevenueReport> {
  const where = month ? eq(billingCharges.month, month) : undefined;
  const bySite = await db
    .select({
      siteId: billingCharges.siteId,
      billedFen: sql<string>`sum(${billingCharges.amountFen})`,
      voucherFen: sql<string>`sum(${billingCharges.voucherFen})`,
      feeFen: sql<string>`sum(${billingCharges.platformFeeFen})`,
      runs: sql<number>`count(*)::int`,
      energyKWh: sql<number>`sum(${billingCharges.energyKWh})::float8`,
      greenKWh: sql<number>`sum(${billingCharges.greenKWh})::float8`,
    })
    .from(billingCharges)
    .where(where)
    .groupBy(billingCharges.siteId);
  const byMonth = await db
    .select({
      month: billingCharges.month,
      billedFen: sql<string>`sum(${billingCharges.amountFen})`,
      voucherFen: sql<string>`sum(${billingCharges.voucherFen})`,
      feeFen: sql<string>`sum(${billingCharges.platformFeeFen})`,
    })
    .from(billingCharges)
    .where(where)
    .groupBy(billingCharges.month);
  const sites = bySite
    .map((s) => ({
      siteId: s.siteId,
      billedFen: n(s.billedFen),
      voucherFen: n(s.voucherFen),
      revenueFen: n(s.billedFen) - n(s.feeFen),
      runs: s.runs,
      energyKWh: n(s.energyKWh),
      greenKWh: n(s.greenKWh),
    }))
    .sort((a, b) => b.billedFen - a.billedFen);
  const billedFen = sites.reduce((a, s) => a + s.billedFen, 0);
  const voucherFen = sites.reduce((a, s) => a + s.voucherFen, 0);
  return {
    billedFen,
    voucherFen,
    walletFen: billedFen - voucherFen,
    platformFeeFen: bySite.reduce((a, s) => a + n(s.feeFen), 0),
    bySite: sites,
    byMonth: byMonth.map((m) => ({ month: m.month, billedFen: n(m.billedFen), voucherFen: n(m.voucherFen), platformFeeFen: n(m.feeFen) })).sort((a, b) => a.month.localeCompare(b.month)),
  };
}
