import { useCallback, useMemo, useState } from 'react';
import { useApi, useServerEvents } from '../api/context.tsx';
import type { EChartsCoreOption } from '../charts/echarts.ts';
import { LazyGeoChart } from '../charts/LazyGeoChart.tsx';
import { fromTo, networkMapOption, regionLabel, siteName, type MapView } from '../charts/networkMapOption.ts';
import { useI18n } from '../i18n/I18nProvider.tsx';
import { useInterval, useResource } from '../useResource.ts';
import { ErrorBox, Loading } from './Feedback.tsx';
import '../charts/map.css';

/** How many items each series of the drawn chart holds: read back from the chart, not from what was asked. */
function seriesCounts(held: EChartsCoreOption): Record<string, number> {
  const series = (held.series ?? []) as { id?: string; data?: unknown[] }[];
  return Object.fromEntries(series.map((s) => [s.id ?? '', s.data?.length ?? 0]));
}

/**
 * The compute network on a map of China: sites, inter-region links, and the data that moved over them.
 * `data-map-*` on the figure count what the chart drew; a text list under it says the same for screen readers.
 */
export function NetworkMap({ dark = false, height = 520, view = 'regional', big = false, roam = false }: { dark?: boolean; height?: number; view?: MapView; big?: boolean; roam?: boolean }) {
  const api = useApi();
  const { t, lang } = useI18n();
  const geo = useResource(async () => {
    const [regions, links, flows] = await Promise.all([api.regions(), api.links(), api.flows()]);
    return { regions, links, flows };
  }, []);
  const sites = useResource(() => api.sites(), []);
  useServerEvents(['site', 'overview'], () => sites.reload(), 1000);
  useServerEvents(['job'], () => geo.reload(), 5000);
  useInterval(() => sites.reload(), 30_000);
  const [drawn, setDrawn] = useState<Record<string, number> | null>(null);
  const onOption = useCallback((held: EChartsCoreOption) => setDrawn(seriesCounts(held)), []);

  const option = useMemo(
    () =>
      geo.data && sites.data
        ? networkMapOption({ ...geo.data, sites: sites.data }, { t, lang }, dark, { view, big, roam })
        : null,
    [geo.data, sites.data, t, lang, dark, view, big, roam],
  );

  if (geo.error) return <ErrorBox error={geo.error} onRetry={geo.reload} />;
  if (sites.error && !sites.data) return <ErrorBox error={sites.error} onRetry={sites.reload} />;
  if (!option || !geo.data || !sites.data) return <Loading />;
  const regionName = new Map(geo.data.regions.map((r) => [r.id, regionLabel(r, lang)]));
  return (
    <figure
      className="network-map"
      data-testid="network-map"
      data-map-view={view}
      data-map-sites={drawn ? (drawn['sites'] ?? 0) + (drawn['sites-offline'] ?? 0) : undefined}
      data-map-links={drawn ? drawn['links'] : undefined}
      data-map-flows={drawn ? drawn['flows'] : undefined}
    >
      <LazyGeoChart option={option} style={{ height }} onOption={onOption} />
      <figcaption className="sr-only">
        <span>{t('map.a11ySites')}</span>
        <ul>
          {sites.data.map((s) => (
            <li key={s.id} {...(lang === 'ug' ? { lang: 'zh-CN' } : {})}>{siteName(s, lang)}</li>
          ))}
        </ul>
        <span>{t('map.a11yLinks')}</span>
        <ul>
          {geo.data.links.map((l) => (
            <li key={`${l.from}-${l.to}`}>
              {fromTo(regionName.get(l.from) ?? l.from, regionName.get(l.to) ?? l.to, lang)}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
