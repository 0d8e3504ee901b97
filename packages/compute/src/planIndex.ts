import {
  busyKWhPerUnitSlot, gridEffectiveFenPerKWh, greenPreferred, idleKWh, jobFill, jobSlots, lastSlotFraction,
  renewableKWh, residencyAllows, slotHours, transferBetween,
} from './power.ts';
import type { Scenario, ScenarioJob } from './scenario.ts';

/** A site where a job may run, and what going there costs. */
export interface SiteOption {
  site: number;
  /** First slot work may start there (release + data transfer delay). */
  firstSlot: number;
  transferFen: number;
  remote: boolean;
}

export interface JobInfo {
  index: number;
  job: ScenarioJob;
  type: number;
  /** Slots of work at full size. */
  slots: number;
  /** Work in unit-slots (capacity is held in whole slots). */
  work: number;
  /** Fraction of a slot each unit-slot runs, for energy: malleable and divisible jobs (jobFill). */
  fill: number;
  /** Fraction of its last slot a rigid job runs (lastSlotFraction); its other slots run in full. */
  tail: number;
  homeSite: number;
  options: SiteOption[];
}

/** Scenario facts precomputed into flat arrays so that policies and evaluation share one view. */
export interface PlanIndex {
  scenario: Scenario;
  slotHours: number;
  T: number;
  types: string[];
  siteIds: string[];
  siteRegion: string[];
  /** units of pool (site, type), 0 if absent: index site * types.length + type */
  poolUnits: Int32Array;
  /** kWh per busy unit-slot above idle, by (site, type) */
  busyKWh: Float64Array;
  /** by site * T + t */
  idleKWh: Float64Array;
  renewKWh: Float64Array;
  gridEffFen: Float64Array;
  greenPref: Uint8Array;
  renewFen: Float64Array;
  jobs: JobInfo[];
  jobById: Map<string, number>;
  siteById: Map<string, number>;
}

export function buildIndex(s: Scenario): PlanIndex {
  const T = s.slots;
  const types = [...new Set(s.sites.flatMap((x) => x.pools.map((p) => p.type)))].sort();
  const typeIdx = new Map(types.map((t, i) => [t, i]));
  const nS = s.sites.length;
  const nK = types.length;
  const poolUnits = new Int32Array(nS * nK);
  const busyKWh = new Float64Array(nS * nK);
  const idle = new Float64Array(nS * T);
  const renew = new Float64Array(nS * T);
  const eff = new Float64Array(nS * T);
  const pref = new Uint8Array(nS * T);
  const renewFen = new Float64Array(nS);
  s.sites.forEach((site, si) => {
    for (const p of site.pools) {
      const k = typeIdx.get(p.type)!;
      poolUnits[si * nK + k] = p.units;
      busyKWh[si * nK + k] = busyKWhPerUnitSlot(s, site, p.type);
    }
    const idleSlot = idleKWh(s, site);
    renewFen[si] = site.renewables?.fenPerKWh ?? 0;
    for (let t = 0; t < T; t++) {
      idle[si * T + t] = idleSlot;
      renew[si * T + t] = renewableKWh(s, site, t);
      eff[si * T + t] = gridEffectiveFenPerKWh(s, site, t);
      pref[si * T + t] = greenPreferred(s, site, t) ? 1 : 0;
    }
  });
  const siteById = new Map(s.sites.map((x, i) => [x.id, i]));
  const jobs: JobInfo[] = s.jobs.map((job, index) => {
    const type = typeIdx.get(job.type) ?? -1;
    const slots = jobSlots(s, job);
    const homeSite = siteById.get(job.home)!;
    const homeRegion = s.sites[homeSite]!.region;
    const options: SiteOption[] = [];
    s.sites.forEach((site, si) => {
      if (type < 0 || poolUnits[si * nK + type]! <= 0 || !residencyAllows(job, site)) return;
      const tr = transferBetween(s, homeRegion, site.region, job.dataGB);
      if (!tr) return;
      const firstSlot = job.release + tr.delaySlots;
      if (firstSlot >= job.deadline) return;
      if (job.flex === 'rigid' && (firstSlot + slots > job.deadline || poolUnits[si * nK + type]! < job.units)) return;
      options.push({ site: si, firstSlot, transferFen: tr.fen, remote: site.region !== homeRegion });
    });
    return {
      index, job, type, slots, work: job.units * slots, fill: jobFill(s, job), tail: lastSlotFraction(s, job), homeSite, options,
    };
  });
  return {
    scenario: s, slotHours: slotHours(s), T, types,
    siteIds: s.sites.map((x) => x.id), siteRegion: s.sites.map((x) => x.region),
    poolUnits, busyKWh, idleKWh: idle, renewKWh: renew, gridEffFen: eff, greenPref: pref, renewFen,
    jobs, jobById: new Map(s.jobs.map((j, i) => [j.id, i])), siteById,
  };
}

/**
 * Fraction of a slot one of the job's unit-slots actually runs (what its energy, carbon and cost count):
 * a rigid job's last slot runs `tail`, its others in full; other jobs run `fill` of every unit-slot.
 */
export function runFraction(info: JobInfo, lastOfRigid: boolean): number {
  if (info.job.flex !== 'rigid') return info.fill;
  return lastOfRigid ? info.tail : 1;
}
