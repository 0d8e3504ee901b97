import { LazyEChart as EChart } from '../../charts/LazyEChart.tsx';
import { EmptyState, ErrorBox, Loading } from '../../components/Feedback.tsx';
import { FigureTile } from '../../components/FigureTile.tsx';
import { formatEnergyKWh, formatFen, formatPercent } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { useResource } from '../../useResource.ts';
import { billingApi } from './api.ts';
import { fenBars } from './common.tsx';

/** The operator's revenue: billed by site, what vouchers paid, the platform's fee. */
export function RevenuePage() {
  const { t, lang } = useI18n();
  const rev = useResource(() => billingApi.revenue(), []);
  if (rev.error) return <ErrorBox error={rev.error} onRetry={rev.reload} />;
  if (!rev.data) return <Loading />;
  const r = rev.data;
  return (
    <div className="page" data-testid="billing-revenue">
      <div className="page-head">
        <h1>{t('billing.revenue.title')}</h1>
        <button type="button" className="btn" onClick={rev.reload}>
          {t('app.refresh')}
        </button>
      </div>
      <div className="tile-grid">
        <FigureTile id="rev-billed" label={t('billing.revenue.billed')} value={formatFen(r.billedFen)} />
        <FigureTile id="rev-vouchers" label={t('billing.revenue.vouchers')} value={formatFen(r.voucherFen)} accent="green" share={r.billedFen ? r.voucherFen / r.billedFen : 0} />
        <FigureTile id="rev-wallet" label={t('billing.revenue.wallet')} value={formatFen(r.walletFen)} accent="cyan" />
        <FigureTile id="rev-fee" label={t('billing.revenue.fee')} value={formatFen(r.platformFeeFen)} accent="violet" />
      </div>
      <div className="card">
        <h2>{t('billing.revenue.bySite')}</h2>
        {r.bySite.length === 0 ? <EmptyState>{t('app.empty')}</EmptyState> : <EChart
          label={t('billing.revenue.bySite')}
          style={{ height: 280 }}
          option={fenBars(
            r.bySite.map((s) => s.siteId),
            [
              { name: t('billing.col.voucher'), data: r.bySite.map((s) => s.voucherFen), stack: 'b', color: '#2e9d5b' },
              { name: t('billing.col.wallet'), data: r.bySite.map((s) => s.billedFen - s.voucherFen), stack: 'b', color: '#3a6fd8' },
            ],
          )}
        />}
      </div>
      <div className="card card-flush">
        <table className="table" data-testid="billing-revenue-table">
          <thead>
            <tr>
              <th>{t('billing.col.site')}</th>
              <th className="num">{t('billing.col.runs')}</th>
              <th className="num">{t('billing.col.charged')}</th>
              <th className="num">{t('billing.col.voucher')}</th>
              <th className="num">{t('billing.col.revenue')}</th>
              <th className="num">{t('billing.col.energy')}</th>
              <th className="num">{t('billing.col.green')}</th>
            </tr>
          </thead>
          <tbody>
            {r.bySite.map((s) => (
              <tr key={s.siteId}>
                <td className="mono">{s.siteId}</td>
                <td className="num">{s.runs}</td>
                <td className="num">{formatFen(s.billedFen)}</td>
                <td className="num">{formatFen(s.voucherFen)}</td>
                <td className="num">{formatFen(s.revenueFen)}</td>
                <td className="num">{formatEnergyKWh(s.energyKWh, lang)}</td>
                <td className="num">{formatPercent(s.energyKWh ? s.greenKWh / s.energyKWh : 0, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
