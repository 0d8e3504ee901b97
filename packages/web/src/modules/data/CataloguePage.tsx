import { useEffect, useState } from 'react';
import { DataDomains, type DataDomain, type DataProduct } from '@shuzhi/schema';
import { useApi } from '../../api/context.tsx';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { formatFen, formatNumber } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link, replaceRouteQuery, routeQueryParam } from '../../router.tsx';
import { useResource } from '../../useResource.ts';
import { dataApi } from './api.ts';
import { domainName, DomainTag, SyntheticBadge, useDataText } from './common.tsx';
import { outputRuleShort } from './policy.ts';

const asDomain = (v: string | null): DataDomain | undefined => (DataDomains as readonly string[]).includes(v ?? '') ? (v as DataDomain) : undefined;

/** 数据目录: every listed product, narrowed by domain, region, provider and free text (kept in the link). */
export function CataloguePage() {
  const { t, lang } = useI18n();
  const api = useApi();
  const [domain, setDomain] = useState(() => asDomain(routeQueryParam('domain')));
  const [region, setRegion] = useState(() => routeQueryParam('region') ?? '');
  const [provider, setProvider] = useState(() => routeQueryParam('provider') ?? '');
  const [q, setQ] = useState(() => routeQueryParam('q') ?? '');
  const filter = { domain, region: region || undefined, provider: provider || undefined, q: q.trim() || undefined };
  const products = useResource(() => dataApi.products(filter), [domain, region, provider, q.trim()]);
  useEffect(() => replaceRouteQuery({ domain, region, provider, q: q.trim() }), [domain, region, provider, q]);
  const domains = useResource(() => dataApi.domains(), []);
  const regions = useResource(() => api.regions(), []);
  // Providers to pick from: those with anything listed, whatever the other filters say.
  const everything = useResource(() => dataApi.products(), []);
  const providers = [...new Map((everything.data ?? []).map((p) => [p.providerTenantId, p.providerName])).entries()];
  const count = new Map((domains.data ?? []).map((d) => [d.domain, d.products]));

  return (
    <div className="page" data-testid="data-catalogue">
      <div className="page-head">
        <h1>{t('data.catalogue.title')}</h1>
      </div>
      <p className="hint">{t('data.catalogue.hint')}</p>
      <div className="data-chips" role="group" aria-label={t('data.catalogue.domain')}>
        <button type="button" className="data-chip" aria-pressed={!domain} onClick={() => setDomain(undefined)}>
          {t('data.catalogue.allDomains')}
        </button>
        {DataDomains.map((d) => (
          <button key={d} type="button" className="data-chip" aria-pressed={domain === d} data-testid={`data-chip-${d}`} onClick={() => setDomain(domain === d ? undefined : d)}>
            {domainName(d, lang)}
            <b>{count.get(d) ?? 0}</b>
          </button>
        ))}
      </div>
      <div className="toolbar card">
        <label className="inline-field">
          {t('data.catalogue.region')}
          <select value={region} onChange={(e) => setRegion(e.target.value)} data-testid="data-filter-region">
            <option value="">{t('data.catalogue.any')}</option>
            {(regions.data ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {lang === 'en' ? r.nameEn : r.nameZh}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          {t('data.catalogue.provider')}
          <select value={provider} onChange={(e) => setProvider(e.target.value)} data-testid="data-filter-provider">
            <option value="">{t('data.catalogue.any')}</option>
            {providers.map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          {t('data.catalogue.search')}
          <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('data.catalogue.searchHint')} data-testid="data-search" />
        </label>
      </div>
      {products.error ? <ErrorBox error={products.error} onRetry={products.reload} /> : !products.data ? <Loading /> : products.data.length === 0 ? (
        <p className="empty">{t('data.catalogue.none')}</p>
      ) : (
        <div className="data-cards">
          {products.data.map((p) => (
            <ProductCard key={p.id} p={p} />
          ))}
        </div>
      )}
    </div>
  );
}

function ProductCard({ p }: { p: DataProduct }) {
  const { t, lang } = useI18n();
  const tx = useDataText();
  return (
    <div className="card data-card" data-testid={`data-product-${p.id}`}>
      <div>
        <DomainTag domain={p.domain} /> <SyntheticBadge synthetic={p.synthetic} />
      </div>
      <h3>
        <Link to={`/data/products/${encodeURIComponent(p.id)}`}>{tx(p.title)}</Link>
      </h3>
      <dl>
        <dt>{t('data.product.provider')}</dt>
        <dd>{p.providerName}</dd>
        <dt>{t('data.product.site')}</dt>
        <dd className="mono">
          {p.siteId} · {p.regionId}
        </dd>
        <dt>{t('data.product.rows')}</dt>
        <dd>{p.rows === null ? t('data.product.noDataset') : formatNumber(p.rows, lang, 0)}</dd>
        <dt>{t('data.product.fee')}</dt>
        <dd>{t('data.product.feePerUse', { fee: formatFen(p.feeFenPerUse) })}</dd>
        <dt>{t('data.product.output')}</dt>
        <dd>{outputRuleShort(p.policy, t)}</dd>
      </dl>
    </div>
  );
}
