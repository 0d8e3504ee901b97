import { describe, expect, it } from 'vitest';
import type { Flow, Link, Region, Site } from '@shuzhi/schema';
import { mapBounds, networkMapOption } from '../src/charts/networkMapOption.ts';
import { GEO_NAMES_EN, GEO_NAMES_UG, XINJIANG_PREFECTURES } from '../src/charts/geo/names.ts';
import geometry from '../src/charts/geo/china-xinjiang.json';
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

const flows: Flow[] = [
  { from: 'xinjiang', to: 'chongqing', jobs: 3, dataGB: 120, fen: 600 },
  { from: 'chongqing', to: 'xinjiang', jobs: 1, dataGB: 0, fen: 0 },
  { from: 'nowhere', to: 'xinjiang', jobs: 2, dataGB: 5, fen: 25 },
];

type Series = { id: string; data: unknown[]; coordinateSystem?: string; effect?: { show: boolean }; symbolSize?: (v: number[]) => number };
type Geo = { map: string; boundingCoords: [[number, number], [number, number]]; nameMap?: Record<string, string>; regions: { name: string }[] };
const t = (key: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate('en', key, p);

describe('networkMapOption', () => {
  const sites = [site('hami', 4000, true), site('small', 40, true), site('cold', 100, false)];
  const opt = networkMapOption({ regions, links, sites, flows }, { t, lang: 'en' }, true, { view: 'regional' }) as {
    series: Series[];
    geo: Geo;
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
  it('puts every site on the map of China, each series on the geo coordinate system', () => {
    expect(opt.geo.map).toBe('china');
    expect(opt.series.every((x) => x.coordinateSystem === 'geo')).toBe(true);
    const points = [...byId('sites').data, ...byId('sites-offline').data] as { value: number[]; name: string }[];
    expect(points.map((p) => p.name).sort()).toEqual(['cold', 'hami', 'small']);
    expect(points.every((p) => p.value[0] === 93.5 && p.value[1] === 42.8)).toBe(true);
  });
  it('draws a moving mark for each flow that carried data between known regions', () => {
    const f = byId('flows');
    expect(f.effect?.show).toBe(true);
    expect((f.data as { flow: Flow; coords: number[][] }[]).map((d) => [d.flow.from, d.flow.to, d.coords])).toEqual([
      ['xinjiang', 'chongqing', [[87.6, 43.8], [106.55, 29.56]]],
    ]);
  });
  it('names areas in English with a name for every area of the geometry, and emphasises Xinjiang', () => {
    const names = geometry.features.map((f) => f.properties.name);
    expect(names.filter((n) => !(n in GEO_NAMES_EN))).toEqual([]);
    expect(names).not.toContain('新疆');
    expect(XINJIANG_PREFECTURES.filter((n) => !names.includes(n))).toEqual([]);
    expect(opt.geo.nameMap).toBe(GEO_NAMES_EN);
    expect(opt.geo.regions.map((r) => r.name)).toContain('Hami');
    const zh = networkMapOption({ regions, links, sites }, { t, lang: 'zh-CN' }, false, { view: 'regional' }) as { geo: Geo };
    expect(zh.geo.nameMap).toBeUndefined();
    expect(zh.geo.regions.map((r) => r.name)).toContain('哈密市');
  });
  it('names areas, regions and their links in Uyghur with a name for every area; sites keep their Chinese name', () => {
    const names = geometry.features.map((f) => f.properties.name);
    expect(names.filter((n) => !(n in GEO_NAMES_UG))).toEqual([]);
    const tUg = (key: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate('ug', key, p);
    const ug = networkMapOption({ regions, links, sites: [site('哈密（伊吾）先进计算集群', 100, true)], flows }, { t: tUg, lang: 'ug' }, false, { view: 'regional' }) as {
      geo: Geo;
      series: Series[];
      tooltip: { formatter: (p: unknown) => string };
    };
    expect(ug.geo.nameMap).toBe(GEO_NAMES_UG);
    // The emphasised prefectures must carry the names nameMap gives them, or ECharts would not find them.
    expect(ug.geo.regions.map((r) => r.name)).toEqual(XINJIANG_PREFECTURES.map((n) => GEO_NAMES_UG[n]));
    expect(ug.geo.regions.map((r) => r.name)).toContain('ئۈرۈمچى');
    expect((ug.series.find((s) => s.id === 'regions')!.data as { name: string }[]).map((r) => r.name)).toEqual(['شىنجاڭ', 'چوڭچىڭ']);
    expect((ug.series.find((s) => s.id === 'sites')!.data as { name: string }[]).map((r) => r.name)).toEqual(['哈密（伊吾）先进计算集群']);
    const link = ug.series.find((s) => s.id === 'links')!.data[0];
    expect(ug.tooltip.formatter({ seriesId: 'links', data: link })).toContain('شىنجاڭ');
    // A flow from Xinjiang to Chongqing reads right to left: the arrow points from the first name to the second.
    const flow = ug.series.find((s) => s.id === 'flows')!.data[0];
    expect(ug.tooltip.formatter({ seriesId: 'flows', data: flow })).toContain('شىنجاڭ ← چوڭچىڭ');
  });
});

describe('mapBounds', () => {
  it('frames Xinjiang and every point in the regional view, never reaching the South China Sea', () => {
    const [[w, n], [e, s]] = mapBounds('regional', [{ lon: 113.6, lat: 34.7 }, { lon: 110, lat: 18 }]);
    expect(w).toBeLessThan(73.5);
    expect(n).toBeGreaterThan(49.2);
    expect(e).toBeGreaterThan(113.6);
    expect(s).toBe(24);
  });
  it('frames the whole country, the South China Sea inset included, in the national view', () => {
    const [[w, n], [e, s]] = mapBounds('national', []);
    expect([w, n, e, s]).toEqual([73, 54, 135.5, 17.5]);
  });
});
