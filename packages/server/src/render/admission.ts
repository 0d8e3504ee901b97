import { eq } from 'drizzle-orm';
import type { RenderJobPlan } from '@shuzhi/render';
import type { ExternalWorkApi } from '../compute/external-work.ts';
import { renderJobs } from './db-schema.ts';
import type { BatchWriter } from './persist.ts';
import type { FarmState, JobMeta } from './state.ts';

/**
 * Node time a frame is assumed to take when a job asks to start. Deliberately low (the shared CC0
 * scene takes 1–3 s a frame here; studio frames take minutes): admission refuses a studio that
 * cannot pay even for a cheap run, and metering settles the real node time after the job.
 */
export const ESTIMATE_NODE_SECONDS_PER_FRAME = 30;

/**
 * Billing admission for render jobs, as compute's dispatcher does for compute tasks: a job whose
 * studio cannot pay (billing's rules, registered as compute.externalWork.admit) is held out of the
 * dispatcher with the reason shown, and is let in by `readmit` (the farm's sweep) once it can.
 */
export class RenderAdmission {
  private readmitting: Promise<void> | null = null;

  constructor(
    private readonly state: FarmState,
    private readonly compute: ExternalWorkApi,
    private readonly writer: BatchWriter,
    private readonly siteId: string,
    /** Hands an admitted job to the dispatcher. */
    private readonly release: (m: JobMeta) => void,
  ) {}

  /** Why the tenant's job may not start now, or null (also when no billing check is registered). */
  async waitReason(tenantId: string, plan: RenderJobPlan): Promise<string | null> {
    const admit = this.compute.admit;
    if (!admit) return null;
    const hours = (plan.frameCount * ESTIMATE_NODE_SECONDS_PER_FRAME) / 3600;
    const verdict = await admit({ tenantId, type: 'render', siteId: this.siteId, units: 1, hours }).catch((err: unknown) => ({
      ok: false,
      reason: `admission check failed: ${(err as Error).message}`,
    }));
    return verdict.ok ? null : `waiting for billing admission: ${verdict.reason ?? 'not admitted'}`;
  }

  /** Asks again for every held job (one pass at a time); admitted jobs go to the dispatcher. */
  readmit(): Promise<void> {
    this.readmitting ??= this.pass().finally(() => (this.readmitting = null));
    return this.readmitting;
  }

  private async pass(): Promise<void> {
    for (const m of [...this.state.jobs.values()]) {
      if (m.waiting === null) continue;
      // Jobs are in creation order, so an upstream admitted in this pass already let its dependants in.
      const upstream = m.spec.after.find((d) => this.state.jobs.get(d.job)?.waiting !== null);
      const reason = upstream ? `waiting for upstream job ${upstream.job} to be admitted` : await this.waitReason(m.tenantId, m.plan);
      if (m.waiting === null) continue; // cancelled meanwhile
      if (reason !== null) {
        if (reason !== m.waiting) this.note(m, reason);
        continue;
      }
      this.note(m, null);
      this.release(m);
    }
  }

  /** Records a changed reason (or the admission) on the job row and as an event. */
  note(m: JobMeta, reason: string | null): void {
    m.waiting = reason;
    this.writer.addHook((tx) => tx.update(renderJobs).set({ admissionWait: reason }).where(eq(renderJobs.id, m.id)).then(() => undefined));
    this.writer.addEvent({ kind: 'render.job.admission', entity: 'render-job', entityId: m.id, tenantId: m.tenantId, data: reason ? { waiting: reason } : { admitted: true } });
  }
}
