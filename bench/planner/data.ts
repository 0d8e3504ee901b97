// Reads the real data sets in ../shared/data that the planner scenarios are built from.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const DATA_DIR = process.env.SHUZHI_DATA_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data');

function rows(file: string): string[][] {
  const text = readFileSync(path.join(DATA_DIR, file), 'utf8').replace(/^\uFEFF/, '');
  return text.split(/\r?\n/).slice(1).filter((l) => l.trim() !== '' && !/^,+$/.test(l)).map((l) => l.split(','));
}

/** Currency rates. EUR→USD and CLP→USD are the fixed rates the grid-carbon-price-2023 README gives. */
export const RATES = {
  usdPerEur: 1.07764,
  usdPerClp: 0.00108,
  /** Not in the README: a labelled assumption (2023 average is about 7.08 CNY per USD). */
  cnyPerUsd: 7.08,
} as const;

export type Zone = 'CL-SIC' | 'US-CAL-CISO' | 'US-TEX-ERCO' | 'DE-LU';

/** Hourly grid series for `hours` hours from `startUtcMs`: fen/kWh and direct gCO2/kWh. */
export function gridSeries(zone: Zone, startUtcMs: number, hours: number): { fenPerKWh: number[]; carbonGPerKWh: number[] } {
  const carbon = new Map<number, number>();
  for (const r of rows(`grid-carbon-price-2023/ci_${zone}_2023.csv`)) carbon.set(Date.parse(`${r[0]!.replace(' ', 'T')}Z`), Number(r[4]));
  const price = new Map<number, number>();
  for (const r of rows(`grid-carbon-price-2023/price_${zone}_2023.csv`)) {
    const ts = r[0]!;
    let ms: number;
    // Timestamp conventions per the README's table; June offsets (the benchmark week) for the naive local ones.
    if (zone === 'US-CAL-CISO') ms = Date.parse(`${ts.replace(' ', 'T')}Z`);
    else if (zone === 'US-TEX-ERCO') ms = Date.parse(ts.replace(' ', 'T'));
    else if (zone === 'DE-LU') ms = Date.parse(`${ts.replace(' ', 'T')}+02:00`);
    else ms = Date.parse(`${ts.replace(' ', 'T')}-04:00`);
    const v = Number(r[1]);
    const usdPerMWh = zone === 'DE-LU' ? v * RATES.usdPerEur : zone === 'CL-SIC' ? v * RATES.usdPerClp : v;
    price.set(ms, (usdPerMWh * RATES.cnyPerUsd * 100) / 1000);
  }
  const fen: number[] = [], co2: number[] = [];
  for (let h = 0; h < hours; h++) {
    const ms = startUtcMs + h * 3_600_000;
    const p = price.get(ms), c = carbon.get(ms);
    if (p === undefined || c === undefined) throw new Error(`${zone}: no data for ${new Date(ms).toISOString()}`);
    fen.push(Math.round(p * 100) / 100);
    co2.push(c);
  }
  return { fenPerKWh: fen, carbonGPerKWh: co2 };
}

/**
 * Inner Mongolia wind and solar capacity factors (Dec 2022, Asia/Shanghai) scaled to the domain sheet's
 * annual Xinjiang CFs (wind 0.25, solar 0.18). Licence CC BY-NC: benchmarks and tests only.
 */
export function reShapes(hours: number, startBjtHour: number): { wind: number[]; solar: number[] } {
  const r = rows('china-re-capacity-factors-dec2022/Dec_2022_RE_CF.csv');
  const windScale = 0.25 / 0.724, solarScale = 0.18 / 0.148;
  const wind: number[] = [], solar: number[] = [];
  for (let h = 0; h < hours; h++) {
    const row = r[(startBjtHour + h) % r.length]!;
    wind.push(Math.min(1, Number(row[2]) * windScale));
    solar.push(Math.min(1, Number(row[6]) * solarScale));
  }
  return { wind, solar };
}

export interface TraceJob { arrivalH: number; lengthH: number; units: number }

/** GAIA Azure trace (general cloud, CPU cores), in file order. */
export function gaiaAzure(): TraceJob[] {
  return rows('gaia-job-traces/azure-100k.csv').map((r) => ({ arrivalH: Number(r[0]), lengthH: Number(r[1]), units: Number(r[2]) }));
}

/** Alibaba GPU 2023 pods asking for ≥1 GPU: arrival = creation, length = deletion − scheduled (censored at trace end). */
export function alibabaGpu(): TraceJob[] {
  return rows('alibaba-gpu-trace-2023/openb_pod_list_default.csv')
    .filter((r) => Number(r[3]) >= 1)
    .map((r) => ({ arrivalH: Number(r[8]) / 3600, lengthH: Math.max(0.1, (Number(r[9]) - Number(r[10])) / 3600), units: Number(r[3]) }));
}
