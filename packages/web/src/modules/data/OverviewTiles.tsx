import { useServerEvents } from '../../api/context.tsx';
import { FigureTile } from '../../components/FigureTile.tsx';
import { formatNumber } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { dataApi } from './api.ts';
import { domainName } from './common.tsx';

/** The data space on the overview wall: products, contracts and uses, and the domain that uses data most. */
export function DataOverviewTiles() {
  const { t, lang } = useI18n();
  const o = useResource(() => dataApi.overview(), []);
  useServerEvents(['data'], () => o.reload(), 1000);
  useInterval(() => o.reload(), 30_000);
  if (!o.data) return null;
  const sum = (k: 'products' | 'contracts' | 'uses') => o.data!.byDomain.reduce((n, d) => n + d[k], 0);
  const active = o.data.byDomain.filter((d) => d.products > 0);
  const used = o.data.byDomain.filter((d) => d.uses > 0).sort((a, b) => b.uses - a.uses);
  const top = used[0];
  const n = (v: number) => formatNumber(v, lang, 0);
  return (
    <>
      <FigureTile id="data-products" label={t('data.tile.products')} value={n(sum('products'))} sub={t('data.tile.domains', { n: active.length })} accent="violet" />
      <FigureTile id="data-contracts" label={t('data.tile.contracts')} value={n(sum('contracts'))} accent="cyan" />
      <FigureTile
        id="data-uses"
        label={t('data.tile.uses')}
        value={n(sum('uses'))}
        sub={top ? t('data.tile.top', { domain: domainName(top.domain, lang), n: n(top.uses) }) : undefined}
        accent="green"
        share={top ? top.uses / sum('uses') : undefined}
      />
      <FigureTile
        id="data-by-domain"
        label={t('data.tile.byDomain')}
        value={n(used.length)}
        sub={used.slice(0, 5).map((d) => `${domainName(d.domain, lang)} ${n(d.uses)}`).join(' · ')}
        accent="blue"
      />
    </>
  );
}
