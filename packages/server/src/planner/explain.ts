import type { Scenario, ScenarioJob, ScenarioSite } from '@shuzhi/compute';
import { lastSlotFraction, localHour, slotHours } from '@shuzhi/compute';

export interface JobCost { costFen: number; carbonG: number }

/**
 * What running `units` of a job's type at `site` for slots [from, to) costs on its own: the energy above
 * idle (PUE × (busy − idle) × the part of each slot it runs), green first up to the site's renewable output above its idle load,
 * then the grid at that hour's tariff and carbon intensity.
 */
export function jobCostAt(s: Scenario, site: ScenarioSite, job: ScenarioJob, units: number, from: number, to: number): JobCost {
  const pool = site.pools.find((p) => p.type === job.type);
  if (!pool) return { costFen: 0, carbonG: 0 };
  const h = slotHours(s);
  let costFen = 0, carbonG = 0;
  let idleW = 0;
  for (const p of site.pools) idleW += p.units * p.idleW;
  for (let t = from; t < to && t < s.slots; t++) {
    const run = t === to - 1 ? lastSlotFraction(s, job) : 1;
    const kwh = (site.pue * units * (pool.busyW - pool.idleW) * h * run) / 1000;
    const renew = (site.renewables?.kW[t] ?? 0) * h;
    const spare = Math.max(0, renew - (site.pue * idleW * h) / 1000);
    const tariff = site.grid.fenPerKWh[t] ?? 0;
    const greenOk = site.renewables !== undefined && site.renewables.fenPerKWh <= tariff + (s.carbonPriceFenPerKg * (site.grid.carbonGPerKWh[t] ?? 0)) / 1000;
    const green = greenOk ? Math.min(kwh, spare) : 0;
    costFen += green * (site.renewables?.fenPerKWh ?? 0) + (kwh - green) * tariff;
    carbonG += (kwh - green) * (site.grid.carbonGPerKWh[t] ?? 0);
  }
  return { costFen, carbonG };
}

/** Tariff period of an hour against the site's own day: valley / flat / peak and the ratio to the day's mean. */
export function periodLabel(tariff24: readonly number[], hour: number): string {
  const mean = tariff24.reduce((a, b) => a + b, 0) / Math.max(1, tariff24.length);
  const r = mean > 0 ? (tariff24[hour] ?? 0) / mean : 1;
  const name = r <= 0.75 ? 'valley' : r >= 1.25 ? 'peak' : 'flat';
  return `${name} ×${r.toFixed(2)} of the day's mean tariff`;
}

const hhmm = (ms: number) => {
  const h = localHour(ms);
  const m = Math.floor((ms / 60_000) % 60);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
};

const money = (fen: number) => `¥${(Math.abs(fen) / 100).toFixed(Math.abs(fen) < 1000 ? 2 : 0)}`;
const mass = (g: number) => (Math.abs(g) >= 1000 ? `${(Math.abs(g) / 1000).toFixed(1)} kg` : `${Math.round(Math.abs(g))} g`);

/** "Shihezi 13:00–15:00 (valley ×0.40 …): ¥41 and 12 kg CO2 less than running now at home (Hami)" */
export function explanation(args: {
  siteName: string; startMs: number; endMs: number; period: string;
  saved: JobCost; homeName: string | null; startsNow: boolean;
}): string {
  const { saved } = args;
  const when = `${args.siteName} ${hhmm(args.startMs)}–${hhmm(args.endMs)} Beijing time (${args.period})`;
  const ref = args.homeName ? `running now at home (${args.homeName})` : 'running now here';
  if (Math.abs(saved.costFen) < 0.5 && Math.abs(saved.carbonG) < 0.5) return `${when}: same cost and carbon as ${ref}`;
  const money1 = `${money(saved.costFen)} ${saved.costFen >= 0 ? 'less' : 'more'}`;
  const co2 = `${mass(saved.carbonG)} CO2 ${saved.carbonG >= 0 ? 'less' : 'more'}`;
  return `${when}${args.startsNow ? ', starts now' : ''}: ${money1} and ${co2} than ${ref}`;
}
