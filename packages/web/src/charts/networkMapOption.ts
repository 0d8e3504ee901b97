import type { Flow, Link, Region, Site } from '@shuzhi/schema';
import type { EChartsCoreOption } from './echarts.ts';
import { formatFen, formatKW, formatPercent, formatPflops } from '../format.ts';
import type { I18n } from '../i18n/I18nProvider.tsx';

/** Rough extent of Xinjiang (°E, °N), drawn as a labelled box so the Hami/Karamay sites read in context. */
const XINJIANG_BOX = { lon: [73.5, 96.4], lat: [34.3, 49.2] } as const;
/** Mainland China's extent: the frame of the map even when only a few regions are registered. */
const CHINA_FRAME = { lon: [73, 136], lat: [17, 54] } as const;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function siteName(site: { nameZh: string; nameEn: string }, lang: string): string {
  return lang === 'en' ? site.nameEn : site.nameZh;
}

export function sitePflops(site: Site): number {
  return site.live?.pflopsOnline ?? site.pools.reduce((sum, p) => sum + p.units * p.pflopsPerUnit, 0);
}

interface SitePoint {
  value: [number, number, number, number];
  name: string;
  site: Site;
}

export function networkMapOption(
  { regions, links, sites, flows = [] }: { regions: Region[]; links: Link[]; sites: Site[]; flows?: Flow[] },
  { t, lang }: Pick<I18n, 't' | 'lang'>,
  dark: boolean,
): EChartsCoreOption {
  const fg = dark ? '#cfe3ff' : '#1f2d3d';
  const faint = dark ? 'rgba(120,170,255,0.18)' : 'rgba(31,45,61,0.10)';
  const regionById = new Map(regions.map((r) => [r.id, r]));

  const lons = [...regions.map((r) => r.lon), ...sites.map((s) => s.lon)];
  const lats = [...regions.map((r) => r.lat), ...sites.map((s) => s.lat)];
  const minLon = Math.floor(Math.min(CHINA_FRAME.lon[0], ...lons) - 1);
  const maxLon = Math.ceil(Math.max(CHINA_FRAME.lon[1], ...lons) + 1);
  const minLat = Math.floor(Math.min(CHINA_FRAME.lat[0], ...lats) - 1);
  const maxLat = Math.ceil(Math.max(CHINA_FRAME.lat[1], ...lats) + 1);

  const maxPflops = Math.max(1, ...sites.map(sitePflops));
  const point = (s: Site): SitePoint => ({
    value: [s.lon, s.lat, s.live?.greenShareNow ?? 0, sitePflops(s)],
    name: siteName(s, lang),
    site: s,
  });
  // Sites without live figures go in their own grey series rather than showing as 0 % green.
  const sitePoints = sites.filter((s) => s.live).map(point);
  const offlinePoints = sites.filter((s) => !s.live).map(point);
  const siteSymbolSize = (v: number[]) => 10 + 34 * Math.sqrt((v[3] ?? 0) / maxPflops);

  const regionName = (id: string) => {
    const r = regionById.get(id);
    return r ? (lang === 'en' ? r.nameEn : r.nameZh) : id;
  };

  const linkData = links
    .map((l) => {
      const a = regionById.get(l.from);
      const b = regionById.get(l.to);
      if (!a || !b) return null;
      // Data that moved over the link in the last days: the arc thickens and carries its volume.
      const flow = flows.find((f) => f.from === l.from && f.to === l.to);
      const width = Math.min(8, 1 + Math.log10(1 + l.gbps) + (flow ? Math.log10(1 + flow.dataGB) : 0));
      return {
        coords: [[a.lon, a.lat], [b.lon, b.lat]],
        link: l,
        flow,
        lineStyle: { width },
        ...(flow
          ? { label: { show: true, formatter: t('map.flowLabel', { gb: Math.round(flow.dataGB), jobs: flow.jobs }), color: fg, fontSize: 11 } }
          : {}),
      };
    })
    .filter((x) => x !== null);

  return {
    backgroundColor: 'transparent',
    textStyle: { color: fg },
    grid: { left: 48, right: 24, top: 24, bottom: 40 },
    xAxis: {
      type: 'value',
      min: minLon,
      max: maxLon,
      name: t('map.lon'),
      nameLocation: 'middle',
      nameGap: 26,
      axisLabel: { color: fg, formatter: '{value}°' },
      splitLine: { lineStyle: { color: faint } },
    },
    yAxis: {
      type: 'value',
      min: minLat,
      max: maxLat,
      name: t('map.lat'),
      axisLabel: { color: fg, formatter: '{value}°' },
      splitLine: { lineStyle: { color: faint } },
    },
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (p: { seriesId?: string; data?: unknown }) => {
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
          const { link: l, flow } = p.data as { link: Link; flow?: Flow };
          const base = t('map.linkTooltip', { from: regionName(l.from), to: regionName(l.to), gbps: l.gbps, price: formatFen(l.fenPerGB) });
          const moved = flow ? t('map.flowTooltip', { gb: Math.round(flow.dataGB), jobs: flow.jobs, cost: formatFen(flow.fen) }) : '';
          return escapeHtml(base) + (moved ? `<br/>${escapeHtml(moved)}` : '');
        }
        if (p.seriesId === 'regions') return escapeHtml((p.data as { name: string }).name);
        return '';
      },
    },
    visualMap: {
      type: 'continuous',
      seriesIndex: 2,
      dimension: 2,
      min: 0,
      max: 1,
      calculable: false,
      orient: 'horizontal',
      right: 24,
      top: 0,
      itemWidth: 10,
      itemHeight: 120,
      text: ['100%', '0%'],
      textStyle: { color: fg },
      inRange: { color: ['#d9534f', '#f0ad4e', '#3fb950'] },
    },
    series: [
      {
        id: 'regions',
        type: 'scatter',
        name: t('map.regions'),
        symbol: 'diamond',
        symbolSize: 10,
        itemStyle: { color: 'transparent', borderColor: dark ? '#6fa8ff' : '#2f6fdf', borderWidth: 1.5 },
        label: { show: true, position: 'bottom', color: fg, fontSize: 12, formatter: '{b}' },
        data: regions.map((r) => ({ name: lang === 'en' ? r.nameEn : r.nameZh, value: [r.lon, r.lat] })),
        markArea: {
          silent: true,
          itemStyle: { color: dark ? 'rgba(64,158,255,0.07)' : 'rgba(47,111,223,0.06)', borderColor: faint, borderType: 'dashed', borderWidth: 1 },
          label: { show: true, position: 'insideTopLeft', color: fg, opacity: 0.7 },
          data: [[{ name: t('map.xinjiang'), coord: [XINJIANG_BOX.lon[0], XINJIANG_BOX.lat[1]] }, { coord: [XINJIANG_BOX.lon[1], XINJIANG_BOX.lat[0]] }]],
        },
        z: 2,
      },
      {
        id: 'links',
        type: 'lines',
        name: t('map.links'),
        coordinateSystem: 'cartesian2d',
        polyline: false,
        effect: { show: true, period: 5, symbolSize: 4, trailLength: 0.2, color: dark ? '#8fd3ff' : '#2f6fdf' },
        lineStyle: { color: dark ? '#4c8dff' : '#7ea6e8', opacity: 0.6, curveness: 0.2 },
        data: linkData,
        z: 1,
      },
      {
        id: 'sites',
        type: 'scatter',
        name: t('map.sites'),
        symbolSize: siteSymbolSize,
        itemStyle: { borderColor: dark ? '#0b1a2e' : '#fff', borderWidth: 1, opacity: 0.92 },
        label: { show: true, position: 'right', color: fg, formatter: '{b}', fontSize: 12 },
        data: sitePoints,
        // Xinjiang's sites sit close together; overlapping names are hidden, the tooltip still has them.
        labelLayout: { hideOverlap: true },
        z: 3,
      },
      {
        id: 'sites-offline',
        type: 'scatter',
        name: t('map.sites'),
        symbolSize: siteSymbolSize,
        itemStyle: { color: '#7d8a9c', borderColor: dark ? '#0b1a2e' : '#fff', borderWidth: 1, opacity: 0.8 },
        label: { show: true, position: 'right', color: fg, formatter: '{b}', fontSize: 12 },
        data: offlinePoints,
        labelLayout: { hideOverlap: true },
        z: 3,
      },
    ],
  };
}
