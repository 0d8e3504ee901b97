import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { account, billPostings, priceUsageFen, splitBill, transfer, type ProgrammeRules, type VoucherState } from '@shuzhi/compute';
import type { BillRunResult, StatementLine } from '@shuzhi/schema';
import type { Db } from '../db/client.ts';
import type { RunRecords } from '../compute/run-records.ts';
import { sites, tenants } from '../db/schema.ts';
import { errors } from '../errors.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { balancesOf, claimKey, shanghaiMonth, writeEntries } from './ledger.ts';
import { priceFor } from './pricing.ts';
import { billingCharges, billingProgrammes, billingRedemptions, billingVouchers } from './db-schema.ts';

export type ProgrammeRow = typeof billingProgrammes.$inferSelect;
export type VoucherRow = typeof billingVouchers.$inferSelect;
type ChargeRow = typeof billingCharges.$inferSelect;

export const rulesOf = (p: ProgrammeRow): ProgrammeRules => ({
  id: p.id,
  tenantKinds: p.tenantKinds,
  siteIds: p.siteIds,
  regions: p.regions,
  ratesBp: p.ratesBp,
  capPerTenantFen: p.capPerTenantFen,
  validFromMs: p.validFrom.getTime(),
  validToMs: p.validTo.getTime(),
});

export const voucherStateOf = (v: VoucherRow, balanceFen: number): VoucherState => ({
  id: v.id,
  programmeId: v.programmeId,
  tenantId: v.tenantId,
  balanceFen,
  validFromMs: v.validFrom.getTime(),
  expiresAtMs: v.expiresAt.getTime(),
  status: v.status as VoucherState['status'],
});

export const toLine = (c: ChargeRow): StatementLine => ({
  runId: c.runId,
  jobId: c.jobId,
  siteId: c.siteId,
  resourceType: c.resourceType,
  runStatus: c.runStatus,
  unitHours: c.unitHours,
  energyKWh: c.energyKWh,
  greenKWh: c.greenKWh,
  startedAt: c.startedAt.toISOString(),
  endedAt: c.endedAt.toISOString(),
  priceNote: c.priceNote,
  amountFen: c.amountFen,
  transferFen: c.transferFen,
  voucherFen: c.voucherFen,
  walletFen: c.walletFen,
  billedAt: c.billedAt.toISOString(),
});

/**
 * Bills finished runs into statement lines. Each run is billed once, keyed by its id; the tenant's
 * active vouchers are locked (`FOR UPDATE`, in id order) for the split, so concurrent bills of one
 * tenant take turns and no voucher is ever overdrawn.
 */
export class ChargeService {
  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly runs: RunRecords,
    private readonly feeBp: number,
  ) {}

  async billRun(runId: string, actor: string | null = null): Promise<BillRunResult> {
    const run = await this.runs.get(runId);
    if (!run) throw errors.notFound('run', runId);
    const { tenantId, resourceType: type, jobTransferFen } = run;
    if (!run.billable || !run.endedAt || run.unitHours === null) {
      throw errors.conflict('RUN_NOT_FINISHED', `Run ${runId} is ${run.status}; only succeeded, failed or billable preempted runs with metered usage are billed.`);
    }
    const [tenant] = await this.db.select().from(tenants).where(eq(tenants.id, tenantId));
    const [site] = await this.db.select({ region: sites.region }).from(sites).where(eq(sites.id, run.siteId));
    const priced = await priceFor(this.db, run.siteId, type);
    // A site or pool removed since the run still bills what the meter recorded at the time.
    const computeFen = priced
      ? priceUsageFen({ unitHours: run.unitHours, startMs: run.startedAt.getTime(), endMs: run.endedAt.getTime(), price: priced.price, ...(run.activeSpans ? { spans: run.activeSpans } : {}) })
      : Math.max(0, Math.round(run.costFen ?? 0));
    const priceNote = priced?.note ?? 'metered cost (no current price)';
    const month = shanghaiMonth(run.endedAt);
    const region = site?.region ?? '';
    const ev: PublishedEvent[] = [];
    const out = await this.db.transaction(async (tx) => {
      const claim = await claimKey(tx, {
        key: `run:${runId}`,
        request: { runId },
        kind: 'charge',
        month,
        tenantId,
        siteId: run.siteId,
        memo: `run ${runId} of job ${run.jobId}`,
        actor,
      });
      if (claim.replayed) return { replayed: true as const };
      // Staging the job's data to another region is billed once, with the first run billed; the wallet
      // pays it (vouchers subsidise compute) and it goes to the platform, which runs the links.
      const [transferBilled] = jobTransferFen > 0
        ? await tx.select({ runId: billingCharges.runId }).from(billingCharges)
            .where(and(eq(billingCharges.jobId, run.jobId), sql`${billingCharges.transferFen} > 0`)).limit(1)
        : [];
      const transferFen = jobTransferFen > 0 && !transferBilled ? Math.round(jobTransferFen) : 0;
      const amountFen = computeFen + transferFen;
      const held = await tx
        .select()
        .from(billingVouchers)
        .where(and(eq(billingVouchers.tenantId, tenantId), eq(billingVouchers.status, 'active')))
        .orderBy(asc(billingVouchers.id))
        .for('update');
      const balances = await balancesOf(tx, held.map((v) => account.voucher(v.id)));
      const programmeIds = [...new Set(held.map((v) => v.programmeId))];
      const progRows = programmeIds.length ? await tx.select().from(billingProgrammes).where(inArray(billingProgrammes.id, programmeIds)) : [];
      const redeemedRows = programmeIds.length
        ? await tx
            .select({ programmeId: billingRedemptions.programmeId, fen: sql<string>`sum(${billingRedemptions.fen})` })
            .from(billingRedemptions)
            .where(and(eq(billingRedemptions.tenantId, tenantId), inArray(billingRedemptions.programmeId, programmeIds)))
            .groupBy(billingRedemptions.programmeId)
        : [];
      const split = splitBill(
        { tenantId, tenantKind: tenant?.kind ?? '', siteId: run.siteId, region, resourceType: type, amountFen: computeFen, atMs: run.endedAt!.getTime() },
        held.map((v) => voucherStateOf(v, balances.get(account.voucher(v.id)) ?? 0)),
        new Map(progRows.map((p) => [p.id, rulesOf(p)])),
        Object.fromEntries(redeemedRows.map((r) => [r.programmeId, Number(r.fen)])),
      );
      const postings = [...billPostings(split, tenantId, run.siteId, this.feeBp), ...transfer(account.wallet(tenantId), account.platform, transferFen)];
      await writeEntries(tx, claim.txnId, postings);
      const voucherFen = computeFen - split.walletFen;
      const walletFen = split.walletFen + transferFen;
      const energy = run.energyKWh ?? 0;
      const green = run.greenKWh ?? 0;
      await tx.insert(billingCharges).values({
        runId,
        txnId: claim.txnId,
        tenantId,
        jobId: run.jobId,
        siteId: run.siteId,
        region,
        resourceType: type,
        runStatus: run.status,
        unitHours: run.unitHours!,
        energyKWh: energy,
        greenKWh: green,
        startedAt: run.startedAt,
        endedAt: run.endedAt!,
        priceNote,
        amountFen,
        transferFen,
        voucherFen,
        walletFen,
        platformFeeFen: postings.filter((p) => p.account === account.platform).reduce((a, p) => a + p.amountFen, 0) - transferFen,
        month,
      });
      if (split.parts.length) {
        await tx.insert(billingRedemptions).values(
          split.parts.map((part) => ({
            txnId: claim.txnId,
            runId,
            voucherId: part.voucherId,
            programmeId: part.programmeId,
            tenantId,
            siteId: run.siteId,
            fen: part.fen,
            energyKWh: computeFen > 0 ? (energy * part.fen) / computeFen : 0,
            greenKWh: computeFen > 0 ? (green * part.fen) / computeFen : 0,
            month,
          })),
        );
      }
      await this.bus.record(tx, ev, {
        kind: 'billing.charged',
        entity: 'billing-charge',
        entityId: runId,
        tenantId,
        actor,
        data: { jobId: run.jobId, siteId: run.siteId, amountFen, transferFen, voucherFen, walletFen, vouchers: split.parts },
      });
      return { replayed: false as const };
    });
    this.bus.publish(ev);
    const [line] = await this.db.select().from(billingCharges).where(eq(billingCharges.runId, runId));
    return { runId, billed: true, replayed: out.replayed, line: line ? toLine(line) : null };
  }

  /** Bills the latest attempt of a job that just finished (the bus says which job, not which run). */
  async billLatestRunOfJob(jobId: string): Promise<BillRunResult | null> {
    const runId = await this.runs.latestFinishedOfJob(jobId);
    return runId ? this.billRun(runId) : null;
  }

  /** Finished runs with usage that have no statement line yet (after a restart, or a missed event). */
  unbilledRunIds(limit = 500): Promise<string[]> {
    return this.runs.finishedWithout(billingCharges.runId, limit);
  }
}
