import { createRng } from '@shuzhi/schema';

/** Xinjiang's cotton counties (real names); every field, reading and yield below is made up. */
export const COTTON_COUNTIES = ['沙湾', '玛纳斯', '石河子', '阿瓦提', '库车', '尉犁', '博乐', '精河'] as const;

const FIELDS_PER_COUNTY = 62;
const DAYS = 100;
const SEASON_START = Date.UTC(2025, 4, 1);

/**
 * A CLEARLY SYNTHETIC cotton-field sensor set (≈ 50,000 rows: 8 counties × 62 fields × 100 days of the
 * 2025 season), generated from a fixed seed so every install holds the same rows. Soil moisture dries
 * between drip-irrigation rounds, temperature follows the season, yield is one figure per field.
 */
export function cottonFieldsCsv(seed = 20250501): string {
  const rng = createRng(seed);
  const lines = ['county,field_id,date,soil_moisture_pct,temperature_c,yield_kg_per_mu'];
  COTTON_COUNTIES.forEach((county, ci) => {
    // Southern counties (阿瓦提, 库车, 尉犁) run warmer and drier in this made-up set.
    const south = ci >= 3 && ci <= 5;
    const baseMoisture = (south ? 19 : 24) + rng.next() * 3;
    const baseTemp = south ? 26 : 23;
    for (let f = 0; f < FIELDS_PER_COUNTY; f++) {
      const fieldId = `F${String(ci + 1).padStart(2, '0')}${String(f + 1).padStart(3, '0')}`;
      const fieldOffset = (rng.next() - 0.5) * 4;
      const irrigationEvery = rng.int(6, 9);
      const yieldKg = Math.round((south ? 380 : 420) + (rng.next() - 0.5) * 120 + fieldOffset * 5);
      for (let d = 0; d < DAYS; d++) {
        const date = new Date(SEASON_START + d * 86_400_000).toISOString().slice(0, 10);
        const sinceWater = d % irrigationEvery;
        const moisture = clamp(baseMoisture + fieldOffset + 6 - sinceWater * 1.4 + (rng.next() - 0.5) * 2, 5, 45);
        const season = Math.sin((Math.PI * d) / DAYS);
        const temp = baseTemp + 6 * season + (rng.next() - 0.5) * 6;
        lines.push(`${county},${fieldId},${date},${moisture.toFixed(1)},${temp.toFixed(1)},${yieldKg}`);
      }
    }
  });
  return `${lines.join('\n')}\n`;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
