import { eq } from 'drizzle-orm';
import { meterRun, siteLoadKW } from '@shuzhi/compute';
import type { JobState } from '@shuzhi/render';
import type { ExternalWorkApi } from '../compute/external-work.ts';
import type { NetworkStore } from '../compute/network-store.ts';
import type { Tx } from '../db/client.ts';
import { renderJobs } from './db-schema.ts';
import type { FarmState, JobMeta, Usage } from './state.ts';

type MeterArgs = Parameters<typeof meterRun>[0];
interface SiteForMeter {
  site: MeterArgs['site'] & { pools: MeterArgs['pool'][] };
  pool: MeterArgs['pool'];
}

/**
 * A finished render job is also compute work of type `render`, recorded through compute's external
 * work API: a run per settlement carrying the metered energy. Node time is summed over attempts and
 * metered as one node running that long up to now.
 */
export class FarmMeter {
  /** Read at start and once a minute, so metering inside the batch's transaction reads nothing more. */
  private site: SiteForMeter | null = null;

  constructor(
    private readonly state: FarmState,
    private readonly network: NetworkStore,
    private readonly compute: ExternalWorkApi,
    private readonly siteId: string,
  ) {}

  /** The render site and pool as last read (power.ts reads its tariffs, renewables and idle power). */
  get siteNow(): SiteForMeter | null {
    return this.site;
  }

  async refreshSite(): Promise<void> {
    try {
      const site = await this.network.getSite(this.siteId);
      const pool = site.pools.find((p) => p.type === 'render');
      this.site = pool ? { site: site as unknown as SiteForMeter['site'], pool } : null;
    } catch {
      this.site = null;
    }
  }

  async meter(tx: Tx, m: JobMeta, state: JobState): Promise<void> {
    const ms = m.nodeMs - m.meteredMs;
    const s = this.site;
    if (!s || ms <= 0) return;
    const end = this.state.clock.now();
    const u = meterRun({ site: s.site, pool: s.pool, units: 1, startMs: end - ms, endMs: end, siteLoadKW: siteLoadKW(s.site, s.site.pools, { render: this.state.busyNodes() }) });
    const nodeHours = ms / 3_600_000;
    await this.compute.record(
      tx,
      {
        id: m.id,
        tenantId: m.tenantId,
        name: `[render] ${m.name}`,
        type: 'render',
        siteId: this.siteId,
        hours: nodeHours,
        priority: m.spec.priority,
        command: `render ${m.spec.renderer} frames ${m.spec.frames}`,
        releaseAt: m.createdAt,
        createdBy: m.createdBy,
      },
      { status: state === 'completed' ? 'succeeded' : (state as 'failed' | 'cancelled'), startedAt: new Date(end - ms), endedAt: new Date(end), usage: u },
    );
    const prev = m.usage ?? { nodeHours: 0, energyKWh: 0, greenKWh: 0, carbonG: 0, costFen: 0 };
    const usage: Usage = {
      nodeHours: prev.nodeHours + nodeHours,
      energyKWh: prev.energyKWh + u.energyKWh,
      greenKWh: prev.greenKWh + u.greenKWh,
      carbonG: prev.carbonG + u.carbonG,
      costFen: prev.costFen + u.costFen,
    };
    await tx.update(renderJobs).set({ usage, nodeMs: m.nodeMs }).where(eq(renderJobs.id, m.id));
    m.usage = usage;
    m.meteredMs = m.nodeMs;
  }
}
