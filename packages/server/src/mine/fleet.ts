import { createRng } from '@shuzhi/schema';
import type { MineFleet, MineFleetMine } from '@shuzhi/schema';

/**
 * The regional fleet for the overview: 66 producing mines, 29 accepted as intelligent. Those two
 * numbers come from the project brief and have no source yet (domain sheet §0), and the names and
 * production figures below are generated demo data — the API says so with `unverified`.
 */
export const FLEET_TOTAL = 66;
export const FLEET_INTELLIGENT = 29;

const AREAS = [
  { zh: '准东', en: 'Zhundong' },
  { zh: '哈密', en: 'Hami' },
  { zh: '伊犁', en: 'Ili' },
  { zh: '库拜', en: 'Kubai' },
  { zh: '吐鲁番', en: 'Turpan' },
  { zh: '和丰', en: 'Hefeng' },
] as const;

/** Park–Miller: the fleet is the same on every start. */
export function demoFleet(liveFaces: ReadonlyMap<string, { faceId: string; connected: boolean }>): MineFleet {
  const rng = createRng(20240601);
  const rand = (): number => rng.next();
  const mines: MineFleetMine[] = [];
  for (let i = 1; i <= FLEET_TOTAL; i++) {
    const area = AREAS[(i - 1) % AREAS.length]!;
    const id = `mine-${String(i).padStart(2, '0')}`;
    const intelligent = i <= FLEET_INTELLIGENT;
    const capacity = Math.round((intelligent ? 4 + rand() * 16 : 0.9 + rand() * 4) * 10) / 10;
    // a day's output at 300 working days a year, with ±15 % day-to-day variation
    const today = Math.round(((capacity * 1e6) / 300) * (0.85 + rand() * 0.3));
    const live = liveFaces.get(id);
    mines.push({
      id,
      nameZh: `${area.zh}${String(i).padStart(2, '0')}号煤矿`,
      nameEn: `${area.en} mine ${String(i).padStart(2, '0')}`,
      area: area.en,
      intelligent,
      grade: !intelligent ? 'none' : i <= 3 ? 'advanced' : i <= 18 ? 'intermediate' : 'primary',
      capacityMtPerYear: capacity,
      outputTodayT: today,
      outputMonthKt: Math.round((today * 26) / 100) / 10,
      faceId: live?.faceId ?? null,
      live: live?.connected ?? false,
    });
  }
  return {
    mines,
    total: FLEET_TOTAL,
    intelligent: FLEET_INTELLIGENT,
    unverified: true,
    note: '66 producing / 29 intelligent: unverified (no source found); names and production figures are demo data',
  };
}
