import type { Scenario, ScenarioJob, ScenarioLink, ScenarioSite } from './scenario.ts';
import { dispatchStorage, loadPrices, type StorageInput } from './storageFlow.ts';

/** Hours in one planning slot. */
export function slotHours(s: Scenario): number {
  return s.slotMinutes / 60;
}

/** Whole slots of work a job needs: work is quantised to slots (a 0.5 h job holds its units for one slot). */
export function jobSlots(s: Scenario, job: ScenarioJob): number {
  return Math.max(1, Math.ceil(job.hours / slotHours(s) - 1e-9));
}

/**
 * Fraction of its last slot a rigid job runs. A job starts at a slot boundary and runs `hours` straight,
 * so every slot but the last is run in full; capacity is still held for the whole last slot.
 */
export function lastSlotFraction(s: Scenario, job: ScenarioJob): number {
  return Math.min(1, Math.max(0, job.hours / slotHours(s) - (jobSlots(s, job) - 1)));
}

/**
 * Fraction of each unit-slot a malleable or divisible job runs: the planner hands out its unit-slots one
 * by one, so its unit-hours are spread evenly over the `units × slots` unit-slots it holds.
 */
export function jobFill(s: Scenario, job: ScenarioJob): number {
  return Math.min(1, job.hours / (jobSlots(s, job) * slotHours(s)));
}

/** Extra facility energy (kWh) of one unit busy for one slot instead of idle: PUE × (busyW − idleW) × h. */
export function busyKWhPerUnitSlot(s: Scenario, site: ScenarioSite, type: string): number {
  const pool = site.pools.find((p) => p.type === type);
  if (!pool) return 0;
  return (site.pue * (pool.busyW - pool.idleW) * slotHours(s)) / 1000;
}

/**
 * Facility energy (kWh) of a site in one slot when every unit idles: PUE × Σ units × idleW × h.
 * Every policy pays it, so it is counted the same way everywhere.
 */
export function idleKWh(s: Scenario, site: ScenarioSite): number {
  let w = 0;
  for (const p of site.pools) w += p.units * p.idleW;
  return (site.pue * w * slotHours(s)) / 1000;
}

/** Renewable energy (kWh) a site can draw in slot t. */
export function renewableKWh(s: Scenario, site: ScenarioSite, t: number): number {
  return site.renewables ? (site.renewables.kW[t] ?? 0) * slotHours(s) : 0;
}

/** What one grid kWh costs in the objective at slot t: tariff + carbon price × intensity. */
export function gridEffectiveFenPerKWh(s: Scenario, site: ScenarioSite, t: number): number {
  return (site.grid.fenPerKWh[t] ?? 0) + (s.carbonPriceFenPerKg * (site.grid.carbonGPerKWh[t] ?? 0)) / 1000;
}

/** Own renewables are drawn in a slot only when they are no dearer than the grid (economic dispatch). */
export function greenPreferred(s: Scenario, site: ScenarioSite, t: number): boolean {
  return site.renewables !== undefined && site.renewables.fenPerKWh <= gridEffectiveFenPerKWh(s, site, t);
}

export interface SiteDispatch {
  energyKWh: number;
  greenKWh: number;
  gridKWh: number;
  costFen: number;
  carbonKg: number;
}

/** A site's storage dispatch problem for a load profile (kWh per slot). */
export function siteStorageInput(s: Scenario, site: ScenarioSite, loadKWh: ArrayLike<number>): StorageInput {
  const T = s.slots;
  const renew = new Float64Array(T), eff = new Float64Array(T);
  for (let t = 0; t < T; t++) { renew[t] = renewableKWh(s, site, t); eff[t] = gridEffectiveFenPerKWh(s, site, t); }
  const st = site.storage;
  return {
    T, load: loadKWh, renew, gridEff: eff, renewFen: site.renewables?.fenPerKWh ?? 0,
    kWh: st?.kWh ?? 0, perSlotKWh: (st?.kW ?? 0) * slotHours(s), efficiency: st?.efficiency ?? 1,
  };
}

/** Each slot's price (fen, energy and carbon) of one more kWh at a site over a load profile, storage re-dispatched (loadPrices). */
export function siteLoadPrices(s: Scenario, site: ScenarioSite, loadKWh: ArrayLike<number>): Float64Array {
  return loadPrices(siteStorageInput(s, site, loadKWh));
}

/**
 * Splits a site's load series into renewable, storage and grid energy at least objective cost (the rule
 * every policy is measured by, and the same optimum as the planner LP's energy block for that load):
 * renewables first where not dearer than the grid, storage charged from renewables and discharged by a
 * min-cost flow over time (storageFlow.ts). Storage starts empty.
 */
export function dispatchSite(s: Scenario, site: ScenarioSite, loadKWh: ArrayLike<number>): SiteDispatch {
  const T = s.slots;
  const d = dispatchStorage(siteStorageInput(s, site, loadKWh));
  const renewFen = site.renewables?.fenPerKWh ?? 0;
  const out: SiteDispatch = { energyKWh: 0, greenKWh: 0, gridKWh: 0, costFen: 0, carbonKg: 0 };
  for (let t = 0; t < T; t++) {
    out.energyKWh += loadKWh[t] ?? 0;
    out.greenKWh += d.green[t]! + d.discharge[t]!;
    out.gridKWh += d.grid[t]!;
    out.costFen += (d.green[t]! + d.charge[t]!) * renewFen + d.grid[t]! * (site.grid.fenPerKWh[t] ?? 0);
    out.carbonKg += (d.grid[t]! * (site.grid.carbonGPerKWh[t] ?? 0)) / 1000;
  }
  return out;
}

/** The data link between two regions, in either direction (links are symmetric unless both are given). */
export function findLink(s: Scenario, a: string, b: string): ScenarioLink | undefined {
  return s.links.find((l) => l.from === a && l.to === b) ?? s.links.find((l) => l.from === b && l.to === a);
}

export interface Transfer {
  fen: number;
  /** Whole slots between release and the first slot the data is there. */
  delaySlots: number;
}

/**
 * Moving a job's data from its home region to another: fenPerGB × GB, and GB×8/gbps seconds rounded up
 * to whole slots. Same region: free and instant. No link: undefined (the job cannot run there).
 */
export function transferBetween(s: Scenario, fromRegion: string, toRegion: string, dataGB: number): Transfer | undefined {
  if (fromRegion === toRegion) return { fen: 0, delaySlots: 0 };
  const link = findLink(s, fromRegion, toRegion);
  if (!link) return undefined;
  const seconds = (dataGB * 8) / link.gbps;
  return { fen: link.fenPerGB * dataGB, delaySlots: Math.ceil(seconds / (s.slotMinutes * 60) - 1e-9) };
}

/** Data residency: a job may run only at sites whose region is in its `regions`. */
export function residencyAllows(job: ScenarioJob, site: ScenarioSite): boolean {
  return job.regions.includes(site.region);
}
