/**
 * Live metering of what ran: energy from the power model, the green part from the site's renewable
 * output at that hour, carbon from the grid's hourly intensity, money from the pool's price.
 * Site power here is the platform's form (24-hour local tables plus a renewable model), not the
 * planner's scenario series.
 */

export interface MeterPool {
  type: string;
  units: number;
  busyW: number;
  idleW: number;
  fenPerUnitHour: number;
}

export interface MeterSite {
  lat: number;
  lon: number;
  pue: number;
  power: {
    tariffFenPerKWh: number[];
    carbonGPerKWh: number[];
    renewables: { solarKW: number; windKW: number; fenPerKWh: number } | null;
  };
}

/** Xinjiang runs on Beijing time in the tariff tables even though the sun is two hours later. */
const TARIFF_UTC_OFFSET_H = 8;

export function localHour(atMs: number): number {
  return Math.floor((atMs / 3600_000 + TARIFF_UTC_OFFSET_H) % 24 + 24) % 24;
}

/**
 * Clear-sky solar capacity factor (0..1) at a place and time: sun elevation from the standard
 * declination/hour-angle formulas, output ∝ sin(elevation) scaled by a typical 0.8 system factor.
 */
export function clearSkySolarFactor(lat: number, lon: number, atMs: number): number {
  const d = new Date(atMs);
  const start = Date.UTC(d.getUTCFullYear(), 0, 0);
  const day = Math.floor((atMs - start) / 86_400_000);
  const decl = (23.44 * Math.PI) / 180 * Math.sin(((2 * Math.PI) / 365) * (day - 81));
  const utcH = d.getUTCHours() + d.getUTCMinutes() / 60;
  const solarTime = utcH + lon / 15;
  const hourAngle = ((solarTime - 12) * 15 * Math.PI) / 180;
  const phi = (lat * Math.PI) / 180;
  const sinEl = Math.sin(phi) * Math.sin(decl) + Math.cos(phi) * Math.cos(decl) * Math.cos(hourAngle);
  return sinEl > 0 ? 0.8 * sinEl : 0;
}

/**
 * A smooth wind capacity-factor shape: stronger at night, a daily swing and a slow multi-day swell.
 * It is a model, not a measurement; the UI says so.
 */
export function windShapeFactor(lon: number, atMs: number): number {
  const h = atMs / 3600_000;
  const local = ((h + lon / 15) % 24 + 24) % 24;
  const diurnal = 0.1 * Math.cos(((local - 3) / 24) * 2 * Math.PI);
  const synoptic = 0.12 * Math.sin((h / 97) * 2 * Math.PI + lon);
  return Math.max(0.02, Math.min(0.95, 0.3 + diurnal + synoptic));
}

export function renewableKW(site: MeterSite, atMs: number): number {
  const r = site.power.renewables;
  if (!r) return 0;
  return r.solarKW * clearSkySolarFactor(site.lat, site.lon, atMs) + r.windKW * windShapeFactor(site.lon, atMs);
}

/** Facility load in kW: PUE × (busy units at busy power + the rest idling). */
export function siteLoadKW(site: MeterSite, pools: readonly MeterPool[], busyByType: Record<string, number>): number {
  let w = 0;
  for (const p of pools) {
    const busy = Math.min(p.units, busyByType[p.type] ?? 0);
    w += busy * p.busyW + (p.units - busy) * p.idleW;
  }
  return (site.pue * w) / 1000;
}

export interface RunUsage {
  unitHours: number;
  energyKWh: number;
  greenKWh: number;
  carbonG: number;
  /** What the tenant is billed: unit-hours at the pool's price. */
  costFen: number;
  /** What the energy cost the site: green at the renewable price, the rest at the grid tariff. */
  energyCostFen: number;
}

/** A stretch of time, [startMs, endMs). */
export interface Span {
  startMs: number;
  endMs: number;
}

/**
 * The parts of a run's span [startMs, endMs) in which it ran: the span less the intervals it was
 * suspended in place (an open suspension, `toMs` null, lasts to the end), in time order.
 */
export function activeSpans(startMs: number, endMs: number, suspended: readonly { fromMs: number; toMs: number | null }[] = []): Span[] {
  const cuts = suspended
    .map((s) => ({ from: Math.max(startMs, s.fromMs), to: Math.min(endMs, s.toMs ?? endMs) }))
    .filter((s) => s.to > s.from)
    .sort((a, b) => a.from - b.from);
  const out: Span[] = [];
  let t = startMs;
  for (const c of cuts) {
    if (c.from > t) out.push({ startMs: t, endMs: c.from });
    t = Math.max(t, c.to);
  }
  if (endMs > t) out.push({ startMs: t, endMs });
  return out;
}

/**
 * Meters a run hour by hour. The green share of each hour is the site's renewable output over its
 * whole load at that time, so a run is credited with its fair part of the site's green power. A run
 * suspended in place (Slurm's `scontrol suspend`) draws no busy power and holds no billed unit-hours
 * while suspended: only its active spans (activeSpans) are metered.
 */
export function meterRun(args: {
  site: MeterSite;
  pool: MeterPool;
  units: number;
  startMs: number;
  endMs: number;
  siteLoadKW: number;
  /** Intervals the run was suspended in; `toMs` null: still suspended at `endMs`. */
  suspended?: readonly { fromMs: number; toMs: number | null }[];
}): RunUsage {
  const { site, pool, units } = args;
  let energyKWh = 0;
  let greenKWh = 0;
  let carbonG = 0;
  let energyCostFen = 0;
  let activeMs = 0;
  for (const span of activeSpans(args.startMs, args.endMs, args.suspended)) {
    activeMs += span.endMs - span.startMs;
    let t = span.startMs;
    while (t < span.endMs) {
      const hourEnd = Math.min(span.endMs, (Math.floor(t / 3600_000) + 1) * 3600_000);
      const h = (hourEnd - t) / 3600_000;
      const kWh = (site.pue * units * pool.busyW * h) / 1000;
      const load = Math.max(args.siteLoadKW, (site.pue * units * pool.busyW) / 1000);
      const greenShare = load > 0 ? Math.min(1, renewableKW(site, t) / load) : 0;
      const green = kWh * greenShare;
      const grid = kWh - green;
      const hour = localHour(t);
      energyKWh += kWh;
      greenKWh += green;
      carbonG += grid * (site.power.carbonGPerKWh[hour] ?? 0);
      energyCostFen += grid * (site.power.tariffFenPerKWh[hour] ?? 0) + green * (site.power.renewables?.fenPerKWh ?? 0);
      t = hourEnd;
    }
  }
  const unitHours = (units * activeMs) / 3600_000;
  return {
    unitHours,
    energyKWh,
    greenKWh,
    carbonG,
    costFen: Math.round(unitHours * pool.fenPerUnitHour),
    energyCostFen: Math.round(energyCostFen),
  };
}
