import type { SiteInput } from '@shuzhi/schema';
import { localHour } from '@shuzhi/compute';

export interface PlacementJob {
  type: string;
  units: number;
  hours: number;
  regions: readonly string[];
}

export interface PlacementChoice {
  siteId: string;
  explanation: string;
}

/**
 * Until the planner runs: the cheapest site with free capacity now (price of the booked
 * unit-hours, then energy cost at this hour's tariff), among sites that can run the job at all.
 */
export function cheapestSiteNow(
  job: PlacementJob,
  sites: readonly SiteInput[],
  freeUnits: (siteId: string, type: string) => number,
  nowMs: number,
): PlacementChoice | null {
  const hour = localHour(nowMs);
  let best: { site: SiteInput; fen: number; energyFen: number } | null = null;
  for (const site of sites) {
    if (job.regions.length > 0 && !job.regions.includes(site.region)) continue;
    const pool = site.pools.find((p) => p.type === job.type);
    if (!pool || freeUnits(site.id, job.type) < job.units) continue;
    const fen = pool.fenPerUnitHour * job.units * job.hours;
    const kWh = (site.pue * pool.busyW * job.units * job.hours) / 1000;
    const energyFen = kWh * (site.power.tariffFenPerKWh[hour] ?? 0);
    if (!best || fen < best.fen || (fen === best.fen && energyFen < best.energyFen)) best = { site, fen, energyFen };
  }
  if (!best) return null;
  return {
    siteId: best.site.id,
    explanation: `cheapest site with ${job.units} free ${job.type} now: ${best.site.nameEn}, ¥${(best.fen / 100).toFixed(2)} for ${job.hours} h`,
  };
}
