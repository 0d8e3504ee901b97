import { useApi, useServerEvents } from '../api/context.tsx';
import { ErrorBox, Loading } from '../components/Feedback.tsx';
import { ShareBar } from '../components/ShareBar.tsx';
import { siteName, sitePflops } from '../charts/networkMapOption.ts';
import { formatKW, formatNumber, formatPflops } from '../format.ts';
import { useI18n } from '../i18n/I18nProvider.tsx';
import { Link } from '../router.tsx';
import { useInterval, useResource } from '../useResource.ts';

export function SitesPage() {
  const api = useApi();
  const { t, lang } = useI18n();
  const res = useResource(async () => {
    const [sites, regions] = await Promise.all([api.sites(), api.regions()]);
    return { sites, regions };
  }, []);
  useServerEvents(['site'], () => res.reload(), 1000);
  useInterval(() => res.reload(), 30_000);

  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('sites.title')}</h1>
        <button type="button" className="btn" onClick={res.reload}>
          {t('app.refresh')}
        </button>
      </div>
      {res.error && !res.data ? (
        <ErrorBox error={res.error} onRetry={res.reload} />
      ) : !res.data ? (
        <Loading />
      ) : res.data.sites.length === 0 ? (
        <p className="empty">{t('sites.empty')}</p>
      ) : (
        <div className="card card-flush">
          <table className="table" data-testid="sites-table">
            <thead>
              <tr>
                <th>{t('site.name')}</th>
                <th>{t('site.region')}</th>
                <th>{t('site.kind')}</th>
                <th>{t('site.engine')}</th>
                <th className="num">{t('site.pue')}</th>
                <th className="num">{t('site.pflops')}</th>
                <th className="num">{t('site.units')}</th>
                <th>{t('site.utilisation')}</th>
                <th>{t('site.greenNow')}</th>
                <th className="num">{t('site.renewableNow')}</th>
                <th className="num">{t('site.loadNow')}</th>
                <th className="num">{t('site.agents')}</th>
              </tr>
            </thead>
            <tbody>
              {res.data.sites.map((s) => {
                const region = res.data?.regions.find((r) => r.id === s.region);
                const units = s.pools.reduce((n, p) => n + p.units, 0);
                return (
                  <tr key={s.id}>
                    <td>
                      <Link to={`/compute/sites/${encodeURIComponent(s.id)}`} data-testid={`site-link-${s.id}`}>
                        {siteName(s, lang)}
                      </Link>
                      <div className="muted small mono">{s.id}</div>
                    </td>
                    <td>{region ? (lang === 'en' ? region.nameEn : region.nameZh) : s.region}</td>
                    <td>{t(`kind.${s.kind}`)}</td>
                    <td className="mono">{s.engine}</td>
                    <td className="num">{formatNumber(s.pue, lang, 2)}</td>
                    <td className="num">{formatPflops(sitePflops(s), lang)}</td>
                    <td className="num">
                      {s.live ? `${formatNumber(s.live.busyUnits, lang, 0)} / ` : ''}
                      {formatNumber(units, lang, 0)}
                    </td>
                    <td>
                      <ShareBar share={s.live?.utilisation} />
                    </td>
                    <td>
                      <ShareBar share={s.live?.greenShareNow} kind="green" />
                    </td>
                    <td className="num">{s.live ? formatKW(s.live.renewableKWNow, lang) : '—'}</td>
                    <td className="num">{s.live ? formatKW(s.live.loadKWNow, lang) : '—'}</td>
                    <td className="num">{s.live?.agentsOnline ?? '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
