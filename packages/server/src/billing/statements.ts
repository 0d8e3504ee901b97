import { and, asc, eq, lt, sql } from 'drizzle-orm';
import { account } from '@shuzhi/compute';
import type { Statement, StatementSummary, Wallet } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { tenants } from '../db/schema.ts';
import { errors } from '../errors.ts';
import type { EventBus } from '../events/bus.ts';
import { toLine } from './charges.ts';
import { DataFeeService } from './data-fees.ts';
import { billingBudgets, billingCharges, billingEntries, billingTransactions } from './db-schema.ts';
import { balanceOf, shanghaiMonth } from './ledger.ts';
import type { ProgrammeService } from './programmes.ts';

/** Wallets, monthly statements (JSON and CSV) and the tenant's own spending cap. Top-ups: topups.ts. */
export class StatementService {
  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly programmes: ProgrammeService,
    private readonly dataFees: DataFeeService,
    private readonly now: () => number,
  ) {}

  async tenant(tenantId: string) {
    const [t] = await this.db.select().from(tenants).where(eq(tenants.id, tenantId));
    if (!t) throw errors.notFound('tenant', tenantId);
    return t;
  }

  async monthSpentFen(tenantId: string, month: string): Promise<number> {
    const [r] = await this.db
      .select({ fen: sql<string>`coalesce(sum(${billingCharges.amountFen}), 0)` })
      .from(billingCharges)
      .where(and(eq(billingCharges.tenantId, tenantId), eq(billingCharges.month, month)));
    return Number(r?.fen ?? 0) + (await DataFeeService.monthFeesFen(this.db, tenantId, month));
  }

  async monthlyCapFen(tenantId: string): Promise<number | null> {
    const [b] = await this.db.select().from(billingBudgets).where(eq(billingBudgets.tenantId, tenantId));
    return b?.monthlyCapFen ?? null;
  }

  async setBudget(p: Principal, tenantId: string, monthlyCapFen: number | null): Promise<Wallet> {
    await this.tenant(tenantId);
    await this.db
      .insert(billingBudgets)
      .values({ tenantId, monthlyCapFen })
      .onConflictDoUpdate({ target: billingBudgets.tenantId, set: { monthlyCapFen, updatedAt: new Date() } });
    return this.wallet(tenantId);
  }

  async wallet(tenantId: string): Promise<Wallet> {
    const t = await this.tenant(tenantId);
    const month = shanghaiMonth(this.now());
    const vouchers = await this.programmes.vouchers({ tenantId });
    return {
      tenantId,
      tenantName: t.name,
      tenantKind: t.kind,
      balanceFen: await balanceOf(this.db, account.wallet(tenantId)),
      month,
      monthSpentFen: await this.monthSpentFen(tenantId, month),
      monthlyCapFen: await this.monthlyCapFen(tenantId),
      voucherBalanceFen: vouchers.filter((v) => v.status === 'active').reduce((a, v) => a + v.balanceFen, 0),
      vouchers,
    };
  }

  async months(tenantId: string): Promise<StatementSummary[]> {
    await this.tenant(tenantId);
    const charged = await this.db
      .select({
        month: billingCharges.month,
        runs: sql<number>`count(*)::int`,
        chargedFen: sql<string>`sum(${billingCharges.amountFen})`,
        voucherFen: sql<string>`sum(${billingCharges.voucherFen})`,
        walletFen: sql<string>`sum(${billingCharges.walletFen})`,
      })
      .from(billingCharges)
      .where(eq(billingCharges.tenantId, tenantId))
      .groupBy(billingCharges.month);
    const topups = await this.topUpsByMonth(tenantId);
    const data = await this.dataFees.byMonth(tenantId);
    const months = [...new Set([...charged.map((c) => c.month), ...topups.keys(), ...data.keys()])].sort().reverse();
    return months.map((month) => {
      const c = charged.find((x) => x.month === month);
      return {
        month,
        runs: c?.runs ?? 0,
        chargedFen: Number(c?.chargedFen ?? 0),
        voucherFen: Number(c?.voucherFen ?? 0),
        walletFen: Number(c?.walletFen ?? 0),
        topUpsFen: topups.get(month) ?? 0,
        dataFeesFen: data.get(month)?.feesFen ?? 0,
        dataIncomeFen: data.get(month)?.incomeFen ?? 0,
      };
    });
  }

  private async topUpsByMonth(tenantId: string): Promise<Map<string, number>> {
    const rows = await this.db
      .select({ month: billingTransactions.month, fen: sql<string>`sum(${billingEntries.amountFen})` })
      .from(billingEntries)
      .innerJoin(billingTransactions, eq(billingTransactions.id, billingEntries.txnId))
      .where(and(eq(billingTransactions.kind, 'topup'), eq(billingEntries.account, account.wallet(tenantId))))
      .groupBy(billingTransactions.month);
    return new Map(rows.map((r) => [r.month, Number(r.fen)]));
  }

  async statement(tenantId: string, month: string): Promise<Statement> {
    const t = await this.tenant(tenantId);
    const wallet = account.wallet(tenantId);
    const [opening] = await this.db
      .select({ fen: sql<string>`coalesce(sum(${billingEntries.amountFen}), 0)` })
      .from(billingEntries)
      .innerJoin(billingTransactions, eq(billingTransactions.id, billingEntries.txnId))
      .where(and(eq(billingEntries.account, wallet), lt(billingTransactions.month, month)));
    const [moved] = await this.db
      .select({ fen: sql<string>`coalesce(sum(${billingEntries.amountFen}), 0)` })
      .from(billingEntries)
      .innerJoin(billingTransactions, eq(billingTransactions.id, billingEntries.txnId))
      .where(and(eq(billingEntries.account, wallet), eq(billingTransactions.month, month)));
    const lines = (
      await this.db
        .select()
        .from(billingCharges)
        .where(and(eq(billingCharges.tenantId, tenantId), eq(billingCharges.month, month)))
        .orderBy(asc(billingCharges.endedAt), asc(billingCharges.runId))
    ).map(toLine);
    const topUps = await this.db
      .select({ txnId: billingTransactions.id, at: billingTransactions.at, fen: billingEntries.amountFen })
      .from(billingEntries)
      .innerJoin(billingTransactions, eq(billingTransactions.id, billingEntries.txnId))
      .where(and(eq(billingTransactions.kind, 'topup'), eq(billingEntries.account, wallet), eq(billingTransactions.month, month)))
      .orderBy(asc(billingTransactions.at));
    const bySite = new Map<string, Statement['bySite'][number]>();
    for (const l of lines) {
      const s = bySite.get(l.siteId) ?? { siteId: l.siteId, amountFen: 0, voucherFen: 0, walletFen: 0, energyKWh: 0, greenKWh: 0 };
      s.amountFen += l.amountFen;
      s.voucherFen += l.voucherFen;
      s.walletFen += l.walletFen;
      s.energyKWh += l.energyKWh;
      s.greenKWh += l.greenKWh;
      bySite.set(l.siteId, s);
    }
    const openingFen = Number(opening?.fen ?? 0);
    const sum = (f: (l: (typeof lines)[number]) => number) => lines.reduce((a, l) => a + f(l), 0);
    const dataUses = await this.dataFees.lines(tenantId, month);
    const dataSum = (role: 'consumer' | 'provider', f: (l: (typeof dataUses)[number]) => number) =>
      dataUses.filter((l) => l.role === role).reduce((a, l) => a + f(l), 0);
    return {
      tenantId,
      tenantName: t.name,
      month,
      runs: lines.length,
      chargedFen: sum((l) => l.amountFen),
      voucherFen: sum((l) => l.voucherFen),
      walletFen: sum((l) => l.walletFen),
      topUpsFen: topUps.reduce((a, x) => a + x.fen, 0),
      dataFeesFen: dataSum('consumer', (l) => l.feeFen),
      dataIncomeFen: dataSum('provider', (l) => l.providerFen),
      openingFen,
      closingFen: openingFen + Number(moved?.fen ?? 0),
      lines,
      topUps: topUps.map((x) => ({ txnId: x.txnId, at: x.at.toISOString(), amountFen: x.fen })),
      bySite: [...bySite.values()].sort((a, b) => b.amountFen - a.amountFen),
      dataUses,
      dataIncomeClosingFen: await this.dataFees.incomeBalanceFen(tenantId, month),
    };
  }

  async statementCsv(tenantId: string, month: string): Promise<string> {
    const s = await this.statement(tenantId, month);
    const yuan = (fen: number) => (fen / 100).toFixed(2);
    const rows: (string | number)[][] = [
      ['statement', s.tenantId, s.tenantName, s.month],
      ['opening_fen', s.openingFen, 'top_ups_fen', s.topUpsFen, 'closing_fen', s.closingFen],
      [],
      ['run_id', 'job_id', 'site_id', 'resource_type', 'status', 'started_at', 'ended_at', 'unit_hours', 'energy_kwh', 'green_kwh', 'price', 'amount_fen', 'voucher_fen', 'wallet_fen', 'amount_yuan', 'transfer_fen'],
      ...s.lines.map((l) => [
        l.runId,
        l.jobId,
        l.siteId,
        l.resourceType,
        l.runStatus,
        l.startedAt,
        l.endedAt,
        l.unitHours.toFixed(4),
        l.energyKWh.toFixed(3),
        l.greenKWh.toFixed(3),
        l.priceNote,
        l.amountFen,
        l.voucherFen,
        l.walletFen,
        yuan(l.amountFen),
        l.transferFen,
      ]),
      ['total', '', '', '', '', '', '', '', '', '', '', s.chargedFen, s.voucherFen, s.walletFen, yuan(s.chargedFen), s.lines.reduce((a, l) => a + l.transferFen, 0)],
      [],
      ['data_use_id', 'role', 'counterparty', 'contract_id', 'product_id', 'site_id', 'released_at', 'fee_fen', 'platform_fee_fen', 'provider_fen'],
      ...s.dataUses.map((d) => [d.useId, d.role, d.counterpartyTenantId, d.contractId, d.productId, d.siteId, d.releasedAt, d.feeFen, d.platformFeeFen, d.providerFen]),
      ['data_fees_fen', s.dataFeesFen, 'data_income_fen', s.dataIncomeFen, 'data_income_closing_fen', s.dataIncomeClosingFen],
    ];
    return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
  }
}

/** RFC 4180 quoting, and a leading quote on cells a spreadsheet would run as a formula. */
export function csvCell(v: string | number): string {
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
