import type { SiteInput } from '@shuzhi/schema';
import { localHour, stagingFor, type RegionLink, type Staging } from '@shuzhi/compute';

export interface PlacementJob {
  /** Set by the dispatcher; a plan-driven placement looks the job up by it. */
  jobId?: string;
  /** The job's tenant: a site a tenant owns takes only that tenant's work. */
  tenantId?: string;
  type: string;
  units: number;
  hours: number;
  regions: readonly string[];
  /** Sites the job may run at; empty or absent = any its regions allow. */
  sites?: readonly string[];
  /** Region where the job's data lives (its home site's region); null when it has no data to move. */
  homeRegion: string | null;
  dataGB: number;
}

export interface PlacementChoice {
  siteId: string;
  explanation: string;
  /** Data to move before the job can start there (zero when it runs in its home region). */
  staging: Staging | null;
}

export type PlaceFn = (
  job: PlacementJob,
  sites: readonly SiteInput[],
  freeUnits: (siteId: string, type: string) => number,
  nowMs: number,
  links: readonly RegionLink[],
) => PlacementChoice | null;

/**
 * Whether a site may run a job: data residency, the job's own site list and site ownership, checked
 * at placement and again at dispatch. A job that names no regions may run in any region (unlike the
 * planner's scenario format, where a job lists the regions it may use — see compute's
 * residencyAllows). A tenant's own site runs only that tenant's work, since its workers are the tenant's.
 */
export function siteMayRun(
  job: Pick<PlacementJob, 'regions' | 'sites' | 'tenantId'>,
  site: Pick<SiteInput, 'id' | 'region'> & { ownerTenantId?: string | null },
): boolean {
  if (site.ownerTenantId && site.ownerTenantId !== job.tenantId) return false;
  if (job.sites && job.sites.length > 0 && !job.sites.includes(site.id)) return false;
  return job.regions.length === 0 || job.regions.includes(site.region);
}

/**
 * Until the planner runs: the cheapest site with free capacity now — the booked unit-hours at the
 * pool's price plus moving the job's data there — then energy cost at this hour's tariff, among the
 * sites the job may run at.
 */
export const cheapestSiteNow: PlaceFn = (job, sites, freeUnits, nowMs, links) => {
  const hour = localHour(nowMs);
  let best: { site: SiteInput; fen: number; energyFen: number; staging: Staging | null } | null = null;
  for (const site of sites) {
    if (!siteMayRun(job, site)) continue;
    const pool = site.pools.find((p) => p.type === job.type);
    if (!pool || freeUnits(site.id, job.type) < job.units) continue;
    const staging = job.homeRegion ? stagingFor(links, job.homeRegion, site.region, job.dataGB) : null;
    if (job.homeRegion && !staging) continue;
    const fen = pool.fenPerUnitHour * job.units * job.hours + (staging?.fen ?? 0);
    const kWh = (site.pue * pool.busyW * job.units * job.hours) / 1000;
    const energyFen = kWh * (site.power.tariffFenPerKWh[hour] ?? 0);
    if (!best || fen < best.fen || (fen === best.fen && energyFen < best.energyFen)) best = { site, fen, energyFen, staging };
  }
  if (!best) return null;
  const moved = best.staging && best.staging.dataGB > 0 ? `; stages ${best.staging.dataGB} GB from ${best.staging.fromRegion} (¥${(best.staging.fen / 100).toFixed(2)}, ${Math.ceil(best.staging.seconds)} s)` : '';
  return {
    siteId: best.site.id,
    staging: best.staging,
    explanation: `cheapest site with ${job.units} free ${job.type} now: ${best.site.nameEn}, ¥${(best.fen / 100).toFixed(2)} for ${job.hours} h${moved}`,
  };
};
