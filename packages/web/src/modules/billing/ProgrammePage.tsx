import { useState } from 'react';
import { LazyEChart as EChart } from '../../charts/LazyEChart.tsx';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { FigureTile } from '../../components/FigureTile.tsx';
import { formatEnergyKWh, formatFen, formatPercent } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { useResource } from '../../useResource.ts';
import { billingApi } from './api.ts';
import { fenBars } from './common.tsx';
import { ApplicationsTable } from './WalletPage.tsx';

/** A programme admin's desk: budget and reports with charts, and the applications to decide. */
export function ProgrammePage() {
  const { t, lang } = useI18n();
  const programmes = useResource(() => billingApi.programmes(), []);
  const [chosen, setChosen] = useState<string | null>(null);
  const id = chosen ?? programmes.data?.items[0]?.id ?? null;
  const prog = programmes.data?.items.find((p) => p.id === id);
  const report = useResource(() => (id ? billingApi.report(id) : Promise.resolve(null)), [id]);
  const apps = useResource(() => (id ? billingApi.applications(id) : Promise.resolve(null)), [id]);

  if (programmes.error) return <ErrorBox error={programmes.error} onRetry={programmes.reload} />;
  if (!programmes.data) return <Loading />;
  if (!prog) return <p className="empty">{t('billing.programme.none')}</p>;
  const r = report.data;
  return (
    <div className="page" data-testid="billing-programme">
      <div className="page-head">
        <h1>{lang === 'en' ? prog.nameEn : prog.nameZh}</h1>
        {programmes.data.items.length > 1 && (
          <div className="toolbar">
            <select value={prog.id} onChange={(e) => setChosen(e.target.value)} aria-label={t('billing.col.programme')}>
              {programmes.data.items.map((p) => (
                <option key={p.id} value={p.id}>
                  {lang === 'en' ? p.nameEn : p.nameZh}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      <p className="muted">
        {prog.issuer} · {t('billing.programme.pending', { n: prog.pendingApplications })}
      </p>
      {prog.illustrative && <p className="notice">{t('billing.programme.illustrative')}</p>}
      {report.error ? <ErrorBox error={report.error} onRetry={report.reload} /> : null}
      {r && (
        <>
          <div className="tile-grid">
            <FigureTile id="prog-budget" label={t('billing.programme.budget')} value={formatFen(r.budgetLeftFen)} sub={t('billing.programme.budgetSub', { total: formatFen(r.fundedFen) })} share={r.fundedFen ? r.budgetLeftFen / r.fundedFen : 0} />
            <FigureTile id="prog-issued" label={t('billing.programme.issued')} value={formatFen(r.issuedFen)} accent="violet" />
            <FigureTile id="prog-redeemed" label={t('billing.programme.redeemed')} value={formatFen(r.redeemedFen)} accent="green" />
            <FigureTile id="prog-outstanding" label={t('billing.programme.outstanding')} value={formatFen(r.outstandingFen)} accent="cyan" />
            <FigureTile id="prog-expired" label={t('billing.programme.expired')} value={formatFen(r.expiredFen)} accent="amber" />
            <FigureTile
              id="prog-green"
              label={t('billing.programme.green')}
              value={formatPercent(r.greenShare, lang)}
              sub={t('billing.programme.greenSub', { green: formatEnergyKWh(r.greenKWh, lang), energy: formatEnergyKWh(r.energyKWh, lang) })}
              share={r.greenShare}
              accent="green"
            />
          </div>
          <div className="chart-pair">
            <div className="card">
              <h2>{t('billing.programme.byTenant')}</h2>
              <EChart
                style={{ height: 280 }}
                option={fenBars(
                  r.byTenant.map((x) => x.tenantId),
                  [
                    { name: t('billing.programme.redeemed'), data: r.byTenant.map((x) => x.redeemedFen), stack: 'v', color: '#2e9d5b' },
                    { name: t('billing.programme.outstanding'), data: r.byTenant.map((x) => x.outstandingFen), stack: 'v', color: '#49a9c9' },
                    { name: t('billing.programme.expired'), data: r.byTenant.map((x) => x.expiredFen), stack: 'v', color: '#d99a2b' },
                  ],
                )}
              />
            </div>
            <div className="card">
              <h2>{t('billing.programme.byMonth')}</h2>
              <EChart
                style={{ height: 280 }}
                option={fenBars(
                  r.byMonth.map((m) => m.month),
                  [
                    { name: t('billing.programme.issued'), data: r.byMonth.map((m) => m.issuedFen), color: '#7b61c9' },
                    { name: t('billing.programme.redeemed'), data: r.byMonth.map((m) => m.redeemedFen), color: '#2e9d5b' },
                    { name: t('billing.programme.expired'), data: r.byMonth.map((m) => m.expiredFen), color: '#d99a2b' },
                  ],
                )}
              />
            </div>
          </div>
          <div className="card card-flush">
            <div className="card-head">
              <h2>{t('billing.programme.bySite')}</h2>
            </div>
            <table className="table" data-testid="billing-by-site">
              <thead>
                <tr>
                  <th>{t('billing.col.site')}</th>
                  <th className="num">{t('billing.col.redeemed')}</th>
                  <th className="num">{t('billing.col.energy')}</th>
                  <th className="num">{t('billing.col.green')}</th>
                </tr>
              </thead>
              <tbody>
                {r.bySite.map((s) => (
                  <tr key={s.siteId}>
                    <td className="mono">{s.siteId}</td>
                    <td className="num">{formatFen(s.redeemedFen)}</td>
                    <td className="num">{formatEnergyKWh(s.energyKWh, lang)}</td>
                    <td className="num">{formatPercent(s.greenShare, lang)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <ApplicationsTable
        items={apps.data?.items ?? []}
        onDecide={async (appId, d, reason) => {
          await billingApi.decide(appId, d, reason);
          apps.reload();
          report.reload();
          programmes.reload();
        }}
      />
    </div>
  );
}
