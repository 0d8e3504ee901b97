import { useMemo } from 'react';
import { useApi, useServerEvents } from '../api/context.tsx';
import { LazyEChart as EChart } from '../charts/LazyEChart.tsx';
import { networkMapOption } from '../charts/networkMapOption.ts';
import { useI18n } from '../i18n/I18nProvider.tsx';
import { useInterval, useResource } from '../useResource.ts';
import { ErrorBox, Loading } from './Feedback.tsx';

export function NetworkMap({ dark = false, height = 520 }: { dark?: boolean; height?: number }) {
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

  const option = useMemo(
    () =>
      geo.data && sites.data ? networkMapOption({ ...geo.data, sites: sites.data }, { t, lang }, dark) : null,
    [geo.data, sites.data, t, lang, dark],
  );

  if (geo.error) return <ErrorBox error={geo.error} onRetry={geo.reload} />;
  if (sites.error && !sites.data) return <ErrorBox error={sites.error} onRetry={sites.reload} />;
  if (!option) return <Loading />;
  return <EChart option={option} style={{ height }} />;
}
