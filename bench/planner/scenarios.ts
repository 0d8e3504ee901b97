// Builds planner scenarios (format v1) from real data and records which real series stands for which site.
import type { ScenarioInput } from '@shuzhi/compute';
import { alibabaGpu, gaiaAzure, gridSeries, RATES, reShapes, type TraceJob, type Zone } from './data.ts';

export interface BenchScenario {
  name: string;
  scenario: ScenarioInput;
  /** what real data each site and the jobs come from, and every conversion applied */
  provenance: string[];
}

const START = '2023-06-05T00:00:00Z';
const SLOTS = 168;
/** Hours over which a burst of releases must be absorbable (capacity sizing). */
const PEAK_WINDOW = 24;

/** Region → grid analogue (README of grid-carbon-price-2023 names Chile as the closest analogue to Xinjiang). */
const REGIONS: { region: string; zone: Zone; partner: string }[] = [
  { region: 'xinjiang', zone: 'CL-SIC', partner: 'chongqing' },
  { region: 'chongqing', zone: 'US-TEX-ERCO', partner: 'xinjiang' },
  { region: 'henan', zone: 'DE-LU', partner: 'xinjiang' },
  { region: 'shanghai', zone: 'US-CAL-CISO', partner: 'xinjiang' },
];

const SITE_SHAPES = [
  { suffix: 'a', kind: 'intelligent' as const, gpuShare: 0.5, cpuShare: 0.2, pue: 1.2 },
  { suffix: 'b', kind: 'general' as const, gpuShare: 0.2, cpuShare: 0.5, pue: 1.25 },
  { suffix: 'c', kind: 'supercomputing' as const, gpuShare: 0.3, cpuShare: 0.3, pue: 1.5 },
];

/** Deterministic hash in [0,1) so that flex, home and residency do not depend on any random state. */
function u01(i: number, salt: number): number {
  let x = (i * 2654435761 + salt * 40503) >>> 0;
  x ^= x >>> 16; x = Math.imul(x, 2246822507) >>> 0; x ^= x >>> 13; x = Math.imul(x, 3266489909) >>> 0; x ^= x >>> 16;
  return (x >>> 0) / 4294967296;
}

/**
 * The first `n` jobs of a trace, in file order; past its end the trace is taken again, each pass
 * arriving one whole trace span after the previous one, so arrival times keep increasing.
 */
function takeJobs(trace: TraceJob[], n: number): TraceJob[] {
  const first = trace[0]!.arrivalH;
  const span = trace[trace.length - 1]!.arrivalH - first + 1;
  const out: TraceJob[] = [];
  for (let i = 0; i < n; i++) {
    const tj = trace[i % trace.length]!;
    out.push({ ...tj, arrivalH: tj.arrivalH + Math.floor(i / trace.length) * span });
  }
  return out;
}

/** How arrival hours became release slots (for the provenance and the tests). */
export interface Compression {
  /** trace hours with at least one arrival */
  occupiedHours: number;
  /** busy trace hours that share one release slot (1 = every busy hour keeps its own slot) */
  hoursPerSlot: number;
  /** slots kept per idle trace hour between busy ones (1 = gaps kept as they are) */
  gapScale: number;
}

/**
 * Release slots from real arrival times, compressed into slots 0–`lastSlot` so that bursts stay bursts:
 * each trace hour with arrivals keeps its own slot (so a slot gets exactly the jobs that hour got) and
 * only the idle stretches between busy hours are shortened, all by the same factor. When there are more
 * busy hours than slots, `hoursPerSlot` consecutive busy hours share a slot — the least merging that
 * fits — and the provenance says so.
 */
export function releaseSlots(arrivalsH: readonly number[], lastSlot = 143): { slots: number[]; compression: Compression } {
  const lo = arrivalsH.reduce((m, a) => Math.min(m, a), Infinity);
  const hourOf = arrivalsH.map((a) => Math.floor(a - lo));
  const hours = [...new Set(hourOf)].sort((a, b) => a - b);
  const hoursPerSlot = Math.ceil(hours.length / (lastSlot + 1));
  // Busy hours grouped hoursPerSlot at a time; a group spans from its first to its last busy hour.
  const groupOf = new Map(hours.map((h, i) => [h, Math.floor(i / hoursPerSlot)]));
  const groups = Math.ceil(hours.length / hoursPerSlot);
  const first = (g: number) => hours[g * hoursPerSlot]!;
  const last = (g: number) => hours[Math.min(hours.length, (g + 1) * hoursPerSlot) - 1]!;
  let idle = 0;
  for (let g = 1; g < groups; g++) idle += first(g) - last(g - 1) - 1;
  const room = lastSlot - (groups - 1);
  const gapScale = idle > room ? room / idle : 1;
  const slotOfGroup: number[] = [0];
  for (let g = 1; g < groups; g++) slotOfGroup.push(slotOfGroup[g - 1]! + 1 + Math.floor((first(g) - last(g - 1) - 1) * gapScale));
  return {
    slots: hourOf.map((h) => slotOfGroup[groupOf.get(h)!]!),
    compression: { occupiedHours: hours.length, hoursPerSlot, gapScale },
  };
}

/** Most jobs released in one slot (or arriving in one hour, given whole hours). */
export function peakPerSlot(releases: readonly number[]): number {
  const per = new Map<number, number>();
  for (const r of releases) per.set(r, (per.get(r) ?? 0) + 1);
  return Math.max(...per.values());
}

export function buildScenario(name: string, jobCount: number, siteCount: 12 | 4, carbonPriceFenPerKg = 0): BenchScenario {
  const startMs = Date.parse(START);
  const provenance: string[] = [
    `start ${START}, ${SLOTS} hourly slots; grid series from grid-carbon-price-2023 (Electricity Maps carbon, direct gCO2/kWh; market prices) aligned on UTC hours`,
    `price conversion: EUR→USD ${RATES.usdPerEur}, CLP→USD ${RATES.usdPerClp} (README rates); USD→CNY ${RATES.cnyPerUsd} (assumption, not from the README); fen/kWh = currency/MWh × rate × 100 / 1000`,
    'renewables: Inner Mongolia IM_WIND/IM_SOLAR capacity factors, Dec 2022 (china-re-capacity-factors-dec2022, CC BY-NC, benchmark use only), scaled to annual CFs wind 0.25 / solar 0.18, first week, shifted to BJT; winter shape used in a June week',
  ];
  const sites: ScenarioInput['sites'] = [];
  const regions = siteCount === 12 ? REGIONS : REGIONS.slice(0, 2);
  const perRegion = siteCount === 12 ? 3 : 2;
  const re = reShapes(SLOTS, 8); // 00:00 UTC = 08:00 BJT

  // Jobs: GPU from the Alibaba 2023 trace, CPU from GAIA's Azure trace; arrivals compressed into the week.
  const nGpu = Math.round(jobCount * 0.3), nCpu = jobCount - nGpu;
  const gpuTrace = takeJobs(alibabaGpu(), nGpu);
  const cpuTrace = takeJobs(gaiaAzure(), nCpu);
  provenance.push(`jobs: ${nGpu} GPU jobs from alibaba-gpu-trace-2023 openb_pod_list_default (pods with ≥1 GPU, reused cyclically; units = num_gpu; length = deletion − scheduled), ${nCpu} CPU jobs from gaia-job-traces azure-100k (units = cpus), in file order`);
  const gpu = releaseSlots(gpuTrace.map((j) => j.arrivalH)), cpu = releaseSlots(cpuTrace.map((j) => j.arrivalH));
  const gpuRelease = gpu.slots, cpuRelease = cpu.slots;
  const spanH = (t: TraceJob[]) => Math.round(t[t.length - 1]!.arrivalH - t[0]!.arrivalH);
  const peakHour = (t: TraceJob[]) => peakPerSlot(t.map((j) => Math.floor(j.arrivalH - t[0]!.arrivalH)));
  const how = (c: Compression) => c.hoursPerSlot === 1
    ? `each of its ${c.occupiedHours} busy hours its own slot, idle gaps × ${c.gapScale.toFixed(3)}`
    : `${c.occupiedHours} busy hours, ${c.hoursPerSlot} consecutive busy hours per slot (more busy hours than slots), idle gaps × ${c.gapScale.toFixed(3)}`;
  provenance.push(`arrivals: each trace's real arrival times compressed into slots 0–143 keeping bursts — GPU (span ${spanH(gpuTrace)} h): ${how(gpu.compression)}, peak ${peakPerSlot(gpuRelease)} jobs in one slot (trace: ${peakHour(gpuTrace)} in one hour); CPU (span ${spanH(cpuTrace)} h): ${how(cpu.compression)}, peak ${peakPerSlot(cpuRelease)} jobs in one slot (trace: ${peakHour(cpuTrace)} in one hour); lengths capped at 24 h; slack 6 h for jobs ≤ 2 h and 24 h otherwise (GAIA waiting limits); deadline ≤ 168`);
  provenance.push('flex by deterministic hash: GPU 50% rigid / 30% malleable / 20% divisible; CPU 40% / 30% / 30%; 40% of jobs restricted to their home region (residency), the rest may also use one partner region; data 2 GB per GPU-hour, 0.05 GB per core-hour');

  const jobs: ScenarioInput['jobs'] = [];
  let gpuWork = 0, cpuWork = 0;
  // Work released per slot, per type: what the capacity has to absorb when the trace bursts.
  const released = { gpu: new Array<number>(SLOTS).fill(0), cpu: new Array<number>(SLOTS).fill(0) };
  const addJobs = (trace: TraceJob[], releases: number[], type: 'gpu' | 'cpu', salt: number) => {
    trace.forEach((tj, i) => {
      const id = `${type}${i}`;
      const release = releases[i]!;
      const hours = Math.min(24, Math.round(tj.lengthH * 100) / 100);
      const slots = Math.max(1, Math.ceil(hours));
      const slack = hours <= 2 ? 6 : 24;
      const deadline = Math.min(SLOTS, release + slots + slack);
      const f = u01(i, salt);
      const flex = type === 'gpu' ? (f < 0.5 ? 'rigid' : f < 0.8 ? 'malleable' : 'divisible') : (f < 0.4 ? 'rigid' : f < 0.7 ? 'malleable' : 'divisible');
      const homeSite = Math.floor(u01(i, salt + 1) * sites.length);
      const site = sites[homeSite]!;
      const reg = regions.find((r) => r.region === site.region)!;
      const allowed = u01(i, salt + 2) < 0.4 ? [reg.region] : [reg.region, reg.partner];
      const units = Math.max(1, Math.min(type === 'gpu' ? 8 : 32, tj.units));
      const work = units * slots;
      if (type === 'gpu') gpuWork += work; else cpuWork += work;
      released[type][release]! += work;
      jobs.push({ id, type, units, hours, release, deadline, flex, home: site.id, dataGB: Math.round(work * (type === 'gpu' ? 2 : 0.05) * 100) / 100, regions: allowed });
    });
  };

  for (const r of regions) {
    const grid = gridSeries(r.zone, startMs, SLOTS);
    for (let k = 0; k < perRegion; k++) {
      const shape = SITE_SHAPES[k]!;
      const id = `${r.region}-${shape.suffix}`;
      sites.push({
        id, region: r.region, kind: shape.kind, pue: r.region === 'xinjiang' ? Math.min(shape.pue, 1.2) : shape.pue,
        pools: [], grid,
      });
      provenance.push(`site ${id}: grid = ${r.zone} 2023 (price_${r.zone}_2023.csv, ci_${r.zone}_2023.csv)`);
    }
  }
  addJobs(gpuTrace, gpuRelease, 'gpu', 11);
  addJobs(cpuTrace, cpuRelease, 'cpu', 23);

  // Capacity so that the network would be ~45% busy if work were spread evenly, and — since arrivals
  // burst — so that the busiest day's releases would keep it at most 90% busy over that day.
  const peakDay = (w: number[]) => Math.max(...w.map((_, t) => w.slice(t, t + PEAK_WINDOW).reduce((n, x) => n + x, 0))) / PEAK_WINDOW;
  const gpuPerSlot = Math.max(gpuWork / SLOTS / 0.45, peakDay(released.gpu) / 0.9);
  const cpuPerSlot = Math.max(cpuWork / SLOTS / 0.45, peakDay(released.cpu) / 0.9);
  const shareSum = (key: 'gpuShare' | 'cpuShare') => regions.length * SITE_SHAPES.slice(0, perRegion).reduce((n, s) => n + s[key], 0);
  sites.forEach((site, i) => {
    const shape = SITE_SHAPES[i % perRegion]!;
    site.pools = [
      { type: 'gpu', units: Math.max(16, Math.ceil((gpuPerSlot * shape.gpuShare) / shareSum('gpuShare'))), busyW: 875, idleW: 350, pflopsPerUnit: 0.989 },
      { type: 'cpu', units: Math.max(64, Math.ceil((cpuPerSlot * shape.cpuShare) / shareSum('cpuShare'))), busyW: 7, idleW: 2.5 },
    ];
    if (site.region === 'xinjiang') {
      // Own wind + solar sized to about the site's busy load; a battery at the first site.
      const busyKW = site.pools.reduce((n, p) => n + p.units * p.busyW, 0) / 1000 * (site.pue ?? 1.2);
      const windKW = Math.round(busyKW * 0.8), solarKW = Math.round(busyKW * 1.0);
      site.renewables = { kW: re.wind.map((w, t) => Math.round((w * windKW + re.solar[t]! * solarKW) * 10) / 10), fenPerKWh: 20 };
      provenance.push(`site ${site.id}: renewables = ${windKW} kW wind × IM_WIND + ${solarKW} kW solar × IM_SOLAR at 20 fen/kWh (assumption)`);
      if (i % perRegion === 0) {
        site.storage = { kWh: Math.round(busyKW * 2), kW: Math.round(busyKW * 0.5), efficiency: 0.9 };
        provenance.push(`site ${site.id}: storage ${site.storage.kWh} kWh / ${site.storage.kW} kW, 90% round trip (assumption)`);
      }
    }
  });
  provenance.push(`pools: GPU 875 W busy / 350 W idle per GPU, CPU 7 W / 2.5 W per core (domain sheet §5 planning values); capacity sized to the larger of ~45% average load and 90% of the busiest ${PEAK_WINDOW} h of releases (GPU ${Math.round(gpuPerSlot)}, CPU ${Math.round(cpuPerSlot)} units network-wide; the peak decides when it is larger: GPU ${gpuPerSlot > gpuWork / SLOTS / 0.45 ? 'yes' : 'no'}, CPU ${cpuPerSlot > cpuWork / SLOTS / 0.45 ? 'yes' : 'no'}); at least 16 GPUs / 64 cores per site`);
  const links: ScenarioInput['links'] = [];
  for (const r of regions) if (r.region !== 'xinjiang' && regions.some((x) => x.region === r.partner)) links.push({ from: 'xinjiang', to: r.region, gbps: 100, fenPerGB: 5 });
  provenance.push(carbonPriceFenPerKg > 0
    ? `carbon price ${carbonPriceFenPerKg} fen/kg CO2 (= ${carbonPriceFenPerKg * 10} ¥/t; a named assumption: a shadow price well above China's ETS (~60–100 ¥/t in 2023–24) so that carbon weighs in the objective)`
    : 'carbon price 0: the objective is money only (carbon is reported, not priced)');
  provenance.push('links: xinjiang ↔ every other region, 100 Gbps, 5 fen/GB (DESIGN example values, assumption)');
  return {
    name,
    scenario: {
      version: 1, start: START, slotMinutes: 60, slots: SLOTS, carbonPriceFenPerKg, greenShareTarget: null,
      regions: regions.map((r) => r.region), links, sites, jobs,
    },
    provenance,
  };
}

/** timeLimitSec: what every policy gets on the scenario — the targets (medium under 10 s, large under 60 s; small as medium). */
export const BENCH_SCENARIOS = [
  { name: 'small', jobs: 1_000, sites: 4 as const, carbonPriceFenPerKg: 0, timeLimitSec: 10 },
  { name: 'medium', jobs: 10_000, sites: 12 as const, carbonPriceFenPerKg: 100, timeLimitSec: 10 },
  { name: 'large', jobs: 100_000, sites: 12 as const, carbonPriceFenPerKg: 100, timeLimitSec: 60 },
];
