import { useMemo } from 'react';
import { useApi, useServerEvents } from '../api/context.tsx';
import { ApiError } from '../api/client.ts';
import { LazyEChart as EChart } from '../charts/LazyEChart.tsx';
import { siteName, sitePflops } from '../charts/networkMapOption.ts';
import { renewableVsLoadOption, tariffCarbonOption } from '../charts/powerOptions.ts';
import { ErrorBox, Loading } from '../components/Feedback.tsx';
import { ShareBar } from '../components/ShareBar.tsx';
import { formatFen, formatKW, formatNumber, formatPercent, formatPflops } from '../format.ts';
import { useI18n } from '../i18n/I18nProvider.tsx';
import { Link } from '../router.tsx';
import { useInterval, useResource } from '../useResource.ts';
import { SiteWorkers } from './workers/SiteWorkers.tsx';

function PowerCharts({ siteId }: { siteId: string }) {
  const api = useApi();
  const { t } = useI18n();
  const power = useResource(() => api.sitePower(siteId, 48), [siteId]);
  // The curve starts "now"; an hourly refresh keeps it from drifting into the past on a wall display.
  useInterval(() => power.reload(), 10 * 60_000);
  const options = useMemo(
    () => (power.data ? { load: renewableVsLoadOption(power.data, { t }), tariff: tariffCarbonOption(power.data, { t }) } : null),
    [power.data, t],
  );
  if (power.error && !power.data) return <ErrorBox error={power.error} onRetry={power.reload} />;
  if (!options || !power.data) return <Loading />;
  return (
    <>
      <p className="model-note" data-testid="power-model">
        {t('site.modelNote', { model: power.data.model })}
      </p>
      <div className="chart-pair">
        <div className="card">
          <h3>{t('site.powerChart')}</h3>
          <EChart option={options.load} style={{ height: 300 }} />
        </div>
        <div className="card">
          <h3>{t('site.tariffChart')}</h3>
          <EChart option={options.tariff} style={{ height: 300 }} />
        </div>
      </div>
    </>
  );
}

export function SiteDetailPage({ id }: { id: string }) {
  const api = useApi();
  const { t, lang } = useI18n();
  const site = useResource(() => api.site(id), [id]);
  const regions = useResource(() => api.regions(), []);
  useServerEvents(['site'], () => site.reload(), 1000);
  useInterval(() => site.reload(), 30_000);

  if (site.error && !site.data) {
    return (
      <div className="page">
        <Link to="/compute/sites" className="back">
          ← {t('site.backToList')}
        </Link>
        {site.error instanceof ApiError && site.error.status === 404 ? (
          <p className="empty">{site.error.message}</p>
        ) : (
          <ErrorBox error={site.error} onRetry={site.reload} />
        )}
      </div>
    );
  }
  if (!site.data) return <Loading />;
  const s = site.data;
  const region = regions.data?.find((r) => r.id === s.region);
  const live = s.live;
  const rn = s.power.renewables;
  const st = s.power.storage;

  return (
    <div className="page">
      <Link to="/compute/sites" className="back">
        ← {t('site.backToList')}
      </Link>
      <div className="page-head">
        <h1>
          {siteName(s, lang)} <span className="muted mono small">{s.id}</span>
        </h1>
      </div>

      <div className="facts">
        <div className="fact">
          <span>{t('site.region')}</span>
          <b>{region ? (lang === 'en' ? region.nameEn : region.nameZh) : s.region}</b>
        </div>
        <div className="fact">
          <span>{t('site.kind')}</span>
          <b>{t(`kind.${s.kind}`)}</b>
        </div>
        <div className="fact">
          <span>{t('site.engine')}</span>
          <b className="mono">{s.engine}</b>
        </div>
        <div className="fact">
          <span>{t('site.pue')}</span>
          <b>{formatNumber(s.pue, lang, 2)}</b>
        </div>
        <div className="fact">
          <span>{t('site.location')}</span>
          <b>
            {formatNumber(s.lat, lang, 2)}°N {formatNumber(s.lon, lang, 2)}°E
          </b>
        </div>
        <div className="fact">
          <span>{t('site.pflops')}</span>
          <b>{formatPflops(sitePflops(s), lang)}</b>
        </div>
        <div className="fact">
          <span>{t('site.utilisation')}</span>
          <b>{live ? <ShareBar share={live.utilisation} /> : t('site.noLive')}</b>
        </div>
        <div className="fact">
          <span>{t('site.greenNow')}</span>
          <b>{live ? <ShareBar share={live.greenShareNow} kind="green" /> : '—'}</b>
        </div>
        <div className="fact">
          <span>{t('site.renewableNow')}</span>
          <b>{live ? formatKW(live.renewableKWNow, lang) : '—'}</b>
        </div>
        <div className="fact">
          <span>{t('site.loadNow')}</span>
          <b>{live ? formatKW(live.loadKWNow, lang) : '—'}</b>
        </div>
        <div className="fact">
          <span>{s.engine === 'slurm' ? t('site.engine') : t('site.agents')}</span>
          <b>{s.engine === 'slurm' ? (live ? (live.engineOnline ? t('site.engineSlurmReady') : t('site.engineOffline')) : '—') : (live?.agentsOnline ?? '—')}</b>
        </div>
        {live && !live.engineOnline && live.engineNote && <p className="hint">{live.engineNote}</p>}
      </div>

      <h2>{t('site.pools')}</h2>
      <div className="card card-flush">
        <table className="table">
          <thead>
            <tr>
              <th>{t('pool.type')}</th>
              <th className="num">{t('pool.units')}</th>
              <th className="num">{t('pool.busyW')}</th>
              <th className="num">{t('pool.idleW')}</th>
              <th className="num">{t('pool.pflopsPerUnit')}</th>
              <th className="num">{t('pool.price')}</th>
            </tr>
          </thead>
          <tbody>
            {s.pools.map((p, i) => (
              <tr key={`${p.type}-${i}`}>
                <td>{t(`resource.${p.type}`)}</td>
                <td className="num">{formatNumber(p.units, lang, 0)}</td>
                <td className="num">{formatNumber(p.busyW, lang, 0)} W</td>
                <td className="num">{formatNumber(p.idleW, lang, 0)} W</td>
                <td className="num">{formatNumber(p.pflopsPerUnit, lang, 4)}</td>
                <td className="num">{formatFen(p.fenPerUnitHour)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <SiteWorkers site={s} />

      <h2>{t('site.power')}</h2>
      <div className="facts">
        <div className="fact">
          <span>{t('site.renewables')}</span>
          <b>
            {rn
              ? `${t('site.solarKW')} ${formatKW(rn.solarKW, lang)} · ${t('site.windKW')} ${formatKW(rn.windKW, lang)} · ${t('site.greenPrice')} ${formatNumber(rn.fenPerKWh, lang, 2)} ${t('unit.fenPerKWh')}`
              : t('site.noRenewables')}
          </b>
        </div>
        <div className="fact">
          <span>{t('site.storage')}</span>
          <b>
            {st
              ? t('site.storageValue', {
                  kWh: formatNumber(st.kWh, lang, 0),
                  kW: formatNumber(st.kW, lang, 0),
                  eff: formatPercent(st.efficiency, lang, 0),
                })
              : t('site.noStorage')}
          </b>
        </div>
      </div>
      <PowerCharts siteId={s.id} />
    </div>
  );
}
