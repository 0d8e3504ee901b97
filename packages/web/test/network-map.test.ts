import { describe, expect, it } from 'vitest';
import type { Link, Region, Site } from '@shuzhi/schema';
import { networkMapOption } from '../src/charts/networkMapOption.ts';
import { translate } from '../src/i18n/dictionaries.ts';

const regions: Region[] = [
  { id: 'xinjiang', nameZh: '新疆', nameEn: 'Xinjiang', lat: 43.8, lon: 87.6 },
  { id: 'chongqing', nameZh: '重庆', nameEn: 'Chongqing', lat: 29.56, lon: 106.55 },
];
const links: Link[] = [
  { from: 'xinjiang', to: 'chongqing', gbps: 100, fenPerGB: 5 },
  { from: 'xinjiang', to: 'nowhere', gbps: 10, fenPerGB: 5 },
];
const site = (id: string, pflops: number, live: boolean): Site => ({
  id, nameZh: id, nameEn: id, region: 'xinjiang', kind: 'intelligent', engine: 'agent', lat: 42.8, lon: 93.5, pue: 1.2, slurm: null,
  pools: [{ type: 'gpu', units: 100, busyW: 700, idleW: 100, pflopsPerUnit: pflops / 100, fenPerUnitHour: 900 }],
  power: { tariffFenPerKWh: Array(24).fill(30), carbonGPerKWh: Array(24).fill(600), renewables: null, storage: null },
  ...(live ? { live: { busyUnits: 50, totalUnits: 100, utilisation: 0.5, greenShareNow: 0.9, pflopsOnline: pflops, agentsOnline: 1, engineOnline: true, engineNote: null, renewableKWNow: 1, loadKWNow: 1 } } : {}),
});

type Series = { id: string; data: unknown[]; symbolSize?: (v: number[]) => number };
const t = (key: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate('en', key, p);

describe('networkMapOption', () => {
  const opt = networkMapOption({ regions, links, sites: [site('hami', 4000, true), site('small', 40, true), site('cold', 100, false)] }, { t, lang: 'en' }, true) as {
    series: Series[];
    visualMap: { seriesIndex: number; dimension: number };
  };
  const byId = (id: string) => opt.series.find((s) => s.id === id)!;

  it('draws links only between known regions', () => {
    expect(byId('links').data).toHaveLength(1);
  });
  it('colours live sites by green share and keeps sites without live figures apart', () => {
    expect(opt.series[opt.visualMap.seriesIndex]?.id).toBe('sites');
    const live = byId('sites').data as { value: number[] }[];
    expect(live.map((p) => p.value[opt.visualMap.dimension])).toEqual([0.9, 0.9]);
    expect((byId('sites-offline').data as { name: string }[]).map((p) => p.name)).toEqual(['cold']);
  });
  it('sizes sites by PFLOPS', () => {
    const size = byId('sites').symbolSize!;
    const [big, small] = (byId('sites').data as { value: number[] }[]).map((p) => size(p.value));
    expect(big).toBeGreaterThan(small!);
  });
});
