import type { SiteInput } from '@shuzhi/schema';
import { errors } from '../errors.ts';
import { localHour, poolMismatch, stagingFor, wantsAccelerator, type AcceleratorRequest, type RegionLink, type Staging } from '@shuzhi/compute';

export interface PlacementJob extends AcceleratorRequest {
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
  job: Pick<PlacementJob, 'regions' | 'sites' | 'tenantId' | 'accelerator' | 'minMemGB' | 'oneGroup'> & { type?: string; units?: number },
  site: Pick<SiteInput, 'id' | 'region'> & { ownerTenantId?: string | null; pools?: SiteInput['pools'] },
): boolean {
  if (site.ownerTenantId && site.ownerTenantId !== job.tenantId) return false;
  if (!acceleratorFits(job, site)) return false;
  if (job.sites && job.sites.length > 0 && !job.sites.includes(site.id)) return false;
  return job.regions.length === 0 || job.regions.includes(site.region);
}

/** Whether the site's pool of the job's type has the accelerator, memory and group size the job asks. */
export function acceleratorFits(
  job: AcceleratorRequest & { type?: string; units?: number },
  site: { pools?: SiteInput['pools'] },
): boolean {
  if (!wantsAccelerator(job)) return true;
  const pool = site.pools?.find((p) => p.type === job.type);
  return pool !== undefined && poolMismatch(pool, job.type ?? pool.type, job.units ?? 0, job) === null;
}

/**
 * Refuses at submit (400 naming the field) a job that asks for an accelerator no pool it may use has:
 * the field is the job's ask that the closest pool misses (model first, then memory, then group).
 */
export function refuseUnplaceable(
  job: AcceleratorRequest & Pick<PlacementJob, 'type' | 'units' | 'regions' | 'sites'>,
  sites: readonly SiteInput[],
): void {
  if (!wantsAccelerator(job)) return;
  const misses: { field: string; message: string; site: string }[] = [];
  for (const s of sites) {
    if (!siteMayRun({ regions: job.regions, sites: job.sites ?? [] }, s)) continue;
    const pool = s.pools.find((p) => p.type === job.type);
    if (!pool) continue;
    const miss = poolMismatch(pool, job.type, job.units, job);
    if (!miss) return;
    misses.push({ ...miss, site: s.id });
  }
  const rank = ['accelerator', 'minMemGB', 'oneGroup', 'units'];
  misses.sort((a, b) => rank.indexOf(b.field) - rank.indexOf(a.field));
  const best = misses[0];
  throw errors.validation([
    best
      ? { path: best.field, message: `no ${job.type} pool the job may use has it (closest: ${best.site}, ${best.message})` }
      : { path: 'accelerator', message: `no site the job may use has a ${job.type} pool` },
  ]);
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
