import type { Flow, Link, Region, Site } from '@shuzhi/schema';
import type { EChartsCoreOption } from './echarts.ts';
import { formatFen, formatKW, formatPercent, formatPflops } from '../format.ts';
import type { I18n } from '../i18n/I18nProvider.tsx';
import { XINJIANG_PREFECTURES, geoNameMap, placeName } from './geo/names.ts';

/** Xinjiang's extent (°E, °N): always inside the regional view, whatever sites are registered. */
const XINJIANG_BOX = { lon: [73.5, 96.4], lat: [34.3, 49.2] } as const;
/**
 * The national view's frame: mainland China with the South China Sea islands inset that ECharts adds to a
 * map named `china` (bottom right, see charts/geo/README.md).
 */
const CHINA_FRAME = { lon: [73, 135.5], lat: [17.5, 54] } as const;
/**
 * The regional view never reaches south of this latitude, so it never shows the South China Sea and stays a
 * regional map (which needs no national inset) even when a site is registered far south-east.
 */
const REGIONAL_SOUTH_LIMIT = 24;

/** The map drawn under the sites: the regional view (Xinjiang and the west, the default) or the whole country. */
export type MapView = 'regional' | 'national';

/** [[west, north], [east, south]] in degrees: what the geo component fits into its box. */
export function mapBounds(view: MapView, points: readonly { lon: number; lat: number }[]): [[number, number], [number, number]] {
  if (view === 'national') return [[CHINA_FRAME.lon[0], CHINA_FRAME.lat[1]], [CHINA_FRAME.lon[1], CHINA_FRAME.lat[0]]];
  const lons = [XINJIANG_BOX.lon[0], XINJIANG_BOX.lon[1], ...points.map((p) => p.lon)];
  const lats = [XINJIANG_BOX.lat[0], XINJIANG_BOX.lat[1], ...points.map((p) => p.lat)];
  const pad = 1.5;
  return [
    [Math.min(...lons) - pad, Math.max(...lats) + pad],
    [Math.max(...lons) + pad, Math.max(REGIONAL_SOUTH_LIMIT, Math.min(...lats) - pad)],
  ];
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Operators name their sites in Chinese and English only: a Uyghur page shows the Chinese name. */
export function siteName(site: { nameZh: string; nameEn: string }, lang: string): string {
  return lang === 'en' ? site.nameEn : site.nameZh;
}

/** From → to, pointing the way a right-to-left page reads (Uyghur: the first name is on the right). */
export function fromTo(from: string, to: string, lang: string): string {
  return lang === 'ug' ? `${from} ← ${to}` : `${from} → ${to}`;
}

/** A region (a province-level area) in the page's language: Uyghur from the map's sourced names. */
export function regionLabel(region: { nameZh: string; nameEn: string }, lang: string): string {
  return lang === 'en' ? region.nameEn : placeName(region.nameZh, lang);
}

export function sitePflops(site: Site): number {
  return site.live?.pflopsOnline ?? site.pools.reduce((sum, p) => sum + p.units * p.pflopsPerUnit, 0);
}

interface SitePoint {
  value: [number, number, number, number];
  name: string;
  site: Site;
}

/** Xinjiang's areas as the geo component names them (after `nameMap`, in the page's language). */
function xinjiangRegions(lang: string): string[] {
  return XINJIANG_PREFECTURES.map((n) => placeName(n, lang));
}

/** The name the geometry is registered under: ECharts adds the South China Sea inset to a map called `china`. */
export const CHINA_MAP = 'china';

export interface MapOptions {
  view: MapView;
  /** The wall's large type, read from a distance; the console's default otherwise. */
  big?: boolean;
  /** Let the user pan and zoom (the network map page); the wall takes no input. */
  roam?: boolean;
}

export function networkMapOption(
  { regions, links, sites, flows = [] }: { regions: Region[]; links: Link[]; sites: Site[]; flows?: Flow[] },
  { t, lang }: Pick<I18n, 't' | 'lang'>,
  dark: boolean,
  { view, big = false, roam = false }: MapOptions = { view: 'regional' },
): EChartsCoreOption {
  const fg = dark ? '#cfe3ff' : '#1f2d3d';
  const regionById = new Map(regions.map((r) => [r.id, r]));
  const font = big ? 18 : 12;

  const maxPflops = Math.max(1, ...sites.map(sitePflops));
  const point = (s: Site): SitePoint => ({
    value: [s.lon, s.lat, s.live?.greenShareNow ?? 0, sitePflops(s)],
    name: siteName(s, lang),
    site: s,
  });
  // Sites without live figures go in their own grey series rather than showing as 0 % green.
  const sitePoints = sites.filter((s) => s.live).map(point);
  const offlinePoints = sites.filter((s) => !s.live).map(point);
  const scale = big ? 1.5 : 1;
  const siteSymbolSize = (v: number[]) => scale * (10 + 34 * Math.sqrt((v[3] ?? 0) / maxPflops));

  const regionName = (id: string) => {
    const r = regionById.get(id);
    return r ? regionLabel(r, lang) : id;
  };

  const ends = (from: string, to: string) => {
    const a = regionById.get(from);
    const b = regionById.get(to);
    return a && b ? [[a.lon, a.lat], [b.lon, b.lat]] : null;
  };
  const linkData = links.flatMap((l) => {
    const coords = ends(l.from, l.to);
    return coords ? [{ coords, link: l, lineStyle: { width: Math.min(6, 1 + Math.log10(1 + l.gbps)) } }] : [];
  });
  // Data that moved between regions in the last days: a moving mark along the arc, thicker with volume.
  const flowData = flows.flatMap((f) => {
    const coords = ends(f.from, f.to);
    if (!coords || f.dataGB <= 0) return [];
    return [
      {
        coords,
        flow: f,
        lineStyle: { width: Math.min(8, 1 + Math.log10(1 + f.dataGB)) },
        label: { show: true, formatter: t('map.flowLabel', { gb: Math.round(f.dataGB), jobs: f.jobs }), color: fg, fontSize: font - 1 },
      },
    ];
  });

  const bounds = mapBounds(view, [...regions, ...sites]);
  const nameMap = geoNameMap(lang);
  const areaColor = dark ? '#13294a' : '#e8eef7';
  const border = dark ? '#3b5f92' : '#9fb3cc';

  return {
    backgroundColor: 'transparent',
    textStyle: { color: fg },
    geo: {
      map: CHINA_MAP,
      boundingCoords: bounds,
      roam,
      ...(nameMap ? { nameMap } : {}),
      label: { show: false },
      itemStyle: { areaColor, borderColor: border, borderWidth: 0.8 },
      emphasis: { label: { show: true, color: fg }, itemStyle: { areaColor: dark ? '#1d3b66' : '#d3e0f2' } },
      // Xinjiang is drawn by its prefectures; they carry the flag set by charts/geo/make-geo.mts.
      regions: xinjiangRegions(lang).map((name) => ({
        name,
        itemStyle: { areaColor: dark ? '#1a3a63' : '#d6e6fb', borderColor: dark ? '#5a8fd6' : '#6d93c7' },
      })),
      selectedMode: false,
      tooltip: { show: true },
    },
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (p: { seriesId?: string; componentType?: string; name?: string; data?: unknown }) => {
        if (p.componentType === 'geo') return escapeHtml(p.name ?? '');
        if (p.seriesId === 'sites' || p.seriesId === 'sites-offline') {
          const s = (p.data as SitePoint).site;
          const live = s.live;
          const rows: [string, string][] = [
            [t('site.region'), regionName(s.region)],
            [t('site.kind'), t(`kind.${s.kind}`)],
            [t('site.pflops'), formatPflops(sitePflops(s), lang)],
          ];
          if (live) {
            rows.push(
              [t('site.utilisation'), formatPercent(live.utilisation, lang)],
              [t('site.units'), `${live.busyUnits} / ${live.totalUnits}`],
              [t('site.greenNow'), formatPercent(live.greenShareNow, lang)],
              [t('site.renewableNow'), formatKW(live.renewableKWNow, lang)],
              [t('site.loadNow'), formatKW(live.loadKWNow, lang)],
              [t('site.agents'), String(live.agentsOnline)],
            );
          } else rows.push([t('site.utilisation'), t('site.noLive')]);
          return `<b>${escapeHtml(siteName(s, lang))}</b><br/>${rows
            .map(([k, v]) => `${escapeHtml(k)}: <b>${escapeHtml(v)}</b>`)
            .join('<br/>')}`;
        }
        if (p.seriesId === 'links') {
          const { link: l } = p.data as { link: Link };
          return escapeHtml(t('map.linkTooltip', { from: regionName(l.from), to: regionName(l.to), gbps: l.gbps, price: formatFen(l.fenPerGB) }));
        }
        if (p.seriesId === 'flows') {
          const { flow: f } = p.data as { flow: Flow };
          return `${escapeHtml(fromTo(regionName(f.from), regionName(f.to), lang))}<br/>${escapeHtml(
            t('map.flowTooltip', { gb: Math.round(f.dataGB), jobs: f.jobs, cost: formatFen(f.fen) }),
          )}`;
        }
        if (p.seriesId === 'regions') return escapeHtml((p.data as { name: string }).name);
        return '';
      },
    },
    visualMap: {
      type: 'continuous',
      seriesIndex: 3,
      dimension: 2,
      min: 0,
      max: 1,
      calculable: false,
      orient: 'vertical',
      left: 12,
      bottom: 12,
      itemWidth: big ? 16 : 10,
      itemHeight: big ? 160 : 100,
      text: [t('map.green100'), '0%'],
      textStyle: { color: fg, fontSize: font },
      inRange: { color: ['#d9534f', '#f0ad4e', '#3fb950'] },
    },
    series: [
      {
        id: 'regions',
        type: 'scatter',
        coordinateSystem: 'geo',
        name: t('map.regions'),
        symbol: 'diamond',
        symbolSize: big ? 14 : 10,
        itemStyle: { color: 'transparent', borderColor: dark ? '#6fa8ff' : '#2f6fdf', borderWidth: 1.5 },
        label: { show: true, position: 'bottom', color: fg, fontSize: font, fontWeight: 'bold', formatter: '{b}' },
        data: regions.map((r) => ({ name: regionLabel(r, lang), value: [r.lon, r.lat] })),
        z: 2,
      },
      {
        id: 'links',
        type: 'lines',
        coordinateSystem: 'geo',
        name: t('map.links'),
        lineStyle: { color: dark ? '#4c8dff' : '#7ea6e8', opacity: 0.55, curveness: 0.2, type: 'dashed' },
        data: linkData,
        z: 1,
      },
      {
        id: 'flows',
        type: 'lines',
        coordinateSystem: 'geo',
        name: t('map.flows'),
        effect: { show: true, period: 4, symbol: 'arrow', symbolSize: big ? 10 : 6, trailLength: 0.15, color: dark ? '#8fd3ff' : '#2f6fdf' },
        lineStyle: { color: dark ? '#8fd3ff' : '#2f6fdf', opacity: 0.8, curveness: 0.2 },
        data: flowData,
        z: 2,
      },
      {
        id: 'sites',
        type: 'scatter',
        coordinateSystem: 'geo',
        name: t('map.sites'),
        symbolSize: siteSymbolSize,
        itemStyle: { borderColor: dark ? '#0b1a2e' : '#fff', borderWidth: 1, opacity: 0.92 },
        label: { show: true, position: 'right', color: fg, formatter: '{b}', fontSize: font },
        data: sitePoints,
        // Xinjiang's sites sit close together; overlapping names are hidden, the tooltip still has them.
        labelLayout: { hideOverlap: true },
        z: 3,
      },
      {
        id: 'sites-offline',
        type: 'scatter',
        coordinateSystem: 'geo',
        name: t('map.sites'),
        symbolSize: siteSymbolSize,
        itemStyle: { color: '#7d8a9c', borderColor: dark ? '#0b1a2e' : '#fff', borderWidth: 1, opacity: 0.8 },
        label: { show: true, position: 'right', color: fg, formatter: '{b}', fontSize: font },
        data: offlinePoints,
        labelLayout: { hideOverlap: true },
        z: 3,
      },
    ],
  };
}
