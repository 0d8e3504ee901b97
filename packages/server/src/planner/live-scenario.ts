import { jobSlots, localHour, renewableKW, type PrecedenceEdge, type ScenarioInput } from '@shuzhi/compute';
import type { Link, PlannerSettings, SiteInput } from '@shuzhi/schema';
import type { QueuedJob } from '../compute/planning.ts';

/** Milliseconds in one planning slot. */
export function slotMs(slotMinutes: number): number {
  return slotMinutes * 60_000;
}

/** A queued job as the scenario takes it: compute's queue entry, times in ms, not pinned to sites. */
export type LiveJob = Pick<QueuedJob, 'id' | 'tenantId' | 'type' | 'units' | 'hours' | 'home' | 'dataGB' | 'regions'> & {
  releaseAt: number;
  deadlineAt: number | null;
  /** Priority weight (job priority and its tenant's fair share, see compute's plannerWeight). */
  weight?: number;
  /** Jobs of the same plan it waits for (listed before it). */
  after?: readonly string[];
};

export interface LiveScenario {
  scenario: ScenarioInput;
  startMs: number;
  /** live job id → scenario job id is the same; jobs left out (released after the horizon) */
  skipped: string[];
  /** Precedence among the planned jobs. */
  edges: PrecedenceEdge[];
}

/**
 * The live network as a planner scenario: slots of `settings.slotMinutes` from the start of the current
 * slot over `horizonHours`; each site's 24-hour tariff and carbon tables laid over the horizon in Beijing
 * time (a sub-hour slot takes its hour's value); renewables from the site's
 * solar/wind model at each slot's midpoint; pool capacity minus the units already handed out or running.
 * The platform runs a job as one task (all units, one site, contiguous), so every job is planned rigid.
 */
export function buildLiveScenario(args: {
  nowMs: number;
  settings: PlannerSettings;
  sites: readonly SiteInput[];
  links: readonly Link[];
  jobs: readonly LiveJob[];
  busyUnits: (siteId: string, type: string) => number;
}): LiveScenario {
  const { nowMs, settings } = args;
  const slotLen = slotMs(settings.slotMinutes);
  const startMs = Math.floor(nowMs / slotLen) * slotLen;
  const slotsPerHour = 60 / settings.slotMinutes;
  const T = settings.horizonHours * slotsPerHour;
  const regions = [...new Set(args.sites.map((s) => s.region))].sort();
  const sites: ScenarioInput['sites'] = args.sites.map((s) => {
    const at = (t: number) => startMs + t * slotLen;
    return {
      id: s.id, region: s.region, kind: s.kind, pue: s.pue,
      pools: s.pools.map((p) => ({
        type: p.type, units: Math.max(0, p.units - args.busyUnits(s.id, p.type)), busyW: p.busyW, idleW: p.idleW,
        fenPerUnitHour: p.fenPerUnitHour, pflopsPerUnit: p.pflopsPerUnit,
      })),
      grid: {
        fenPerKWh: Array.from({ length: T }, (_, t) => s.power.tariffFenPerKWh[localHour(at(t))] ?? 0),
        carbonGPerKWh: Array.from({ length: T }, (_, t) => s.power.carbonGPerKWh[localHour(at(t))] ?? 0),
      },
      ...(s.power.renewables
        ? { renewables: { kW: Array.from({ length: T }, (_, t) => renewableKW(s, at(t) + slotLen / 2)), fenPerKWh: s.power.renewables.fenPerKWh } }
        : {}),
      ...(s.power.storage && s.power.storage.kWh > 0 ? { storage: s.power.storage } : {}),
    };
  });
  const byId = new Map(args.sites.map((s) => [s.id, s]));
  const links = args.links.filter((l) => regions.includes(l.from) && regions.includes(l.to) && l.from !== l.to);
  const jobs: ScenarioInput['jobs'] = [];
  const skipped: string[] = [];
  const edges: PrecedenceEdge[] = [];
  const planned = new Set<string>();
  for (const j of args.jobs) {
    const allowed = j.regions.length ? j.regions.filter((r) => regions.includes(r)) : regions;
    // A dependant's parent left out leaves it out too.
    if (j.after?.some((p) => !planned.has(p))) { skipped.push(j.id); continue; }
    let home = j.home ? byId.get(j.home) : undefined;
    // The scenario needs a home site inside the allowed regions; without one the job has no data to move
    // from a home (a dependant's data comes from its parents: its precedence edge stages it).
    const dataGB = home && allowed.includes(home.region) ? j.dataGB : 0;
    if (!home || !allowed.includes(home.region)) home = args.sites.find((s) => allowed.includes(s.region) && s.pools.some((p) => p.type === j.type));
    if (!home || allowed.length === 0) { skipped.push(j.id); continue; }
    const release = Math.max(0, Math.floor((j.releaseAt - startMs) / slotLen));
    if (release >= T) { skipped.push(j.id); continue; }
    const need = Math.max(1, Math.ceil(j.hours * slotsPerHour - 1e-9));
    // A deadline inside a slot rounds down: finishing in that slot could be too late.
    const due = j.deadlineAt !== null ? Math.floor((j.deadlineAt - startMs) / slotLen) : release + need + settings.defaultSlackHours * slotsPerHour;
    const deadline = Math.min(T, Math.max(release + 1, due));
    planned.add(j.id);
    if (j.after?.length) edges.push({ job: j.id, after: [...j.after], ...(j.home ? {} : { dataGB: j.dataGB }) });
    jobs.push({
      id: j.id, tenant: j.tenantId, type: j.type, units: j.units, hours: j.hours, release, deadline,
      flex: 'rigid', home: home.id, dataGB, regions: allowed,
      ...(j.weight !== undefined ? { weight: j.weight } : {}),
    });
  }
  return {
    startMs, skipped, edges,
    scenario: {
      version: 1, start: new Date(startMs).toISOString(), slotMinutes: settings.slotMinutes, slots: T,
      carbonPriceFenPerKg: settings.carbonPriceFenPerKg, greenShareTarget: settings.greenShareTarget,
      regions, links, sites, jobs,
    },
  };
}

export { jobSlots };
