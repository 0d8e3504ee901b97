import type { RunRecords } from '../compute/run-records.ts';
import type { Db } from '../db/client.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import type { Logger } from '../log.ts';
import { Admission, type AdmissionResult } from './admission.ts';
import { priceFor } from './pricing.ts';
import { ChargeService } from './charges.ts';
import { DataFeeService } from './data-fees.ts';
import { ProgrammeService } from './programmes.ts';
import { StatementService } from './statements.ts';
import { TopUpService } from './topups.ts';

/** The platform's commission on every bill (3 %): an assumption of the demo, not a published figure. */
export const PLATFORM_FEE_BP = 300;
const SWEEP_MS = 30_000;

export interface BillingOptions {
  now?: () => number;
  feeBp?: number;
  /** SHUZHI_PAYMENT_HMAC_KEY: turns on the payment provider's signed callbacks. */
  paymentHmacKey?: string | undefined;
}

/**
 * Billing as a whole: finished runs are billed from the bus as they finish, and a sweep at start and
 * every half minute bills anything missed (a restart, a failed attempt) and expires vouchers.
 */
export class BillingService {
  readonly charges: ChargeService;
  readonly dataFees: DataFeeService;
  readonly programmes: ProgrammeService;
  readonly statements: StatementService;
  readonly topUps: TopUpService;
  readonly admission: Admission;
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inflight = new Set<Promise<unknown>>();
  private sweeping: Promise<void> | null = null;

  constructor(
    readonly db: Db,
    readonly bus: EventBus,
    private readonly log: Logger,
    /** Compute's finished runs, which this service charges. */
    runs: RunRecords,
    opts: BillingOptions = {},
  ) {
    const now = opts.now ?? Date.now;
    this.charges = new ChargeService(db, bus, runs, opts.feeBp ?? PLATFORM_FEE_BP);
    this.dataFees = new DataFeeService(db, bus, opts.feeBp ?? PLATFORM_FEE_BP);
    this.programmes = new ProgrammeService(db, bus, now);
    this.statements = new StatementService(db, bus, this.programmes, this.dataFees, now);
    this.topUps = new TopUpService(db, bus, log, now, opts.paymentHmacKey);
    this.admission = new Admission(db, now);
  }

  async start(): Promise<void> {
    this.unsubscribe = this.bus.subscribe((e) => this.onEvent(e));
    await this.sweep();
    this.timer = setInterval(() => void this.sweep(), SWEEP_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.inflight, this.sweeping]);
  }

  /**
   * May this task start at this site? Its estimate is the booked units × hours at the site's price (the
   * dearest hour of a time-of-use price: the run may fall in it) plus the data transfer.
   */
  async admitTask(t: { tenantId: string; type: string; units: number; hours: number }, siteId: string, transferFen: number): Promise<AdmissionResult> {
    const priced = await priceFor(this.db, siteId, t.type);
    const rate = priced ? Math.max(priced.price.fenPerUnitHour, ...(priced.price.touFenPerUnitHour ?? [])) : 0;
    return this.admission.canStart(t.tenantId, Math.ceil(t.units * t.hours * rate) + transferFen, { siteId, resourceType: t.type });
  }

  /** Resolves when every bill started so far has been written (tests and shutdown wait on it). */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  private onEvent(e: PublishedEvent): void {
    if (DataFeeService.handles(e)) {
      this.track(
        this.dataFees.post(e).catch((err: unknown) => {
          this.log.warn({ err, useId: e.entityId }, 'posting a data fee failed; the sweep will retry');
        }),
      );
      return;
    }
    if (e.kind !== 'job.status' || e.entity !== 'job') return;
    const status = e.data['status'];
    // A preempted run the tenant pays for is billed as it ends (the job goes on).
    const preemptedRun = e.data['preempted'] && e.data['billable'] === true && typeof e.data['runId'] === 'string' ? e.data['runId'] : null;
    if (preemptedRun) {
      this.track(
        this.charges.billRun(preemptedRun).catch((err: unknown) => {
          this.log.warn({ err, runId: preemptedRun }, 'billing a preempted run failed; the sweep will retry');
        }),
      );
      return;
    }
    const ended = typeof e.data['runId'] === 'string' ? e.data['runId'] : null;
    // An array's task that ended names its run; the array's own status stays `running` until the last.
    if (ended && e.data['arrayIndex'] !== undefined) {
      this.track(
        this.charges.billRun(ended).catch((err: unknown) => {
          this.log.warn({ err, runId: ended }, 'billing a finished run failed; the sweep will retry');
        }),
      );
      return;
    }
    if (status !== 'succeeded' && status !== 'failed') return;
    this.track(
      this.charges.billLatestRunOfJob(e.entityId).catch((err: unknown) => {
        // The sweep retries it; nothing is lost by failing here.
        this.log.warn({ err, jobId: e.entityId }, 'billing a finished run failed; the sweep will retry');
      }),
    );
  }

  private track(p: Promise<unknown>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /** Bills every finished run that has no statement line yet, posts data fees missed, then expires vouchers past their date and unpaid top-ups. */
  sweep(): Promise<void> {
    if (this.sweeping) return this.sweeping;
    this.sweeping = (async () => {
      try {
        for (;;) {
          const ids = await this.charges.unbilledRunIds(200);
          for (const id of ids) await this.charges.billRun(id);
          if (ids.length < 200) break;
        }
        await this.postMissedDataFees();
        const expired = await this.programmes.expireDue();
        if (expired) this.log.info({ expired }, 'vouchers expired; their value returned to the programmes');
        const unpaid = await this.topUps.expireDue();
        if (unpaid) this.log.info({ expired: unpaid }, 'top-ups not paid in time expired');
      } catch (err) {
        this.log.warn({ err }, 'billing sweep failed; it runs again shortly');
      }
    })().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  /** One bad event must not hold up the others: it is logged and retried on the next sweep. */
  private async postMissedDataFees(): Promise<void> {
    for (let after = 0; ; ) {
      const missed = await this.dataFees.unposted(after, 200);
      for (const e of missed) {
        await this.dataFees.post(e).catch((err: unknown) => this.log.warn({ err, useId: e.entityId }, 'posting a data fee failed; the next sweep retries'));
      }
      if (missed.length < 200) return;
      after = missed.at(-1)!.id;
    }
  }
}
