import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { formatDateTime, formatFen, formatNumber } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useResource } from '../../useResource.ts';
import { billingApi } from './api.ts';

/** Print styles live with the page: on paper only the statement shows, in black on white. */
const PRINT_CSS = `
.statement { background: #fff; color: #111; max-width: 1100px; margin: 0 auto; padding: 24px; }
.statement table { width: 100%; border-collapse: collapse; font-size: 12px; }
.statement th, .statement td { border-bottom: 1px solid #ccc; padding: 4px 6px; text-align: left; }
.statement td.num, .statement th.num { text-align: right; font-variant-numeric: tabular-nums; }
.statement .sums { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; margin: 12px 0; }
@media print {
  body * { visibility: hidden; }
  .statement, .statement * { visibility: visible; }
  .statement { position: absolute; inset: 0; padding: 0; }
  .statement .no-print { display: none; }
  @page { size: A4 landscape; margin: 12mm; }
}`;

export function StatementPage({ month, tenantId }: { month: string; tenantId: string | undefined }) {
  const { t, lang } = useI18n();
  const s = useResource(() => billingApi.statement(month, tenantId), [month, tenantId]);
  if (s.error) return <ErrorBox error={s.error} onRetry={s.reload} />;
  if (!s.data) return <Loading />;
  const d = s.data;
  return (
    <div className="statement" data-testid="billing-statement">
      <style>{PRINT_CSS}</style>
      <div className="no-print toolbar">
        <Link to="/billing" className="btn">
          {t('billing.print.back')}
        </Link>
        <button type="button" className="btn btn-primary" onClick={() => window.print()}>
          {t('billing.print.print')}
        </button>
        <a className="btn" href={billingApi.csvUrl(month, tenantId)}>
          {t('billing.statements.csv')}
        </a>
      </div>
      <h1>{t('billing.print.title')}</h1>
      <p>
        <strong>{d.tenantName}</strong> <span className="mono">({d.tenantId})</span> · {d.month}
      </p>
      <div className="sums">
        <div>
          {t('billing.print.opening')}: <strong>{formatFen(d.openingFen)}</strong>
        </div>
        <div>
          {t('billing.col.topups')}: <strong>{formatFen(d.topUpsFen)}</strong>
        </div>
        <div>
          {t('billing.print.closing')}: <strong>{formatFen(d.closingFen)}</strong>
        </div>
        <div>
          {t('billing.col.charged')}: <strong>{formatFen(d.chargedFen)}</strong>
        </div>
        <div>
          {t('billing.col.voucher')}: <strong>{formatFen(d.voucherFen)}</strong>
        </div>
        <div>
          {t('billing.col.wallet')}: <strong>{formatFen(d.walletFen)}</strong>
        </div>
        <div>
          {t('billing.data.fees')}: <strong>{formatFen(d.dataFeesFen)}</strong>
        </div>
        <div>
          {t('billing.data.income')}: <strong>{formatFen(d.dataIncomeFen)}</strong>
        </div>
      </div>
      <table>
        <thead>
          <tr>
            <th>{t('billing.col.run')}</th>
            <th>{t('billing.col.site')}</th>
            <th>{t('billing.col.type')}</th>
            <th>{t('billing.col.ended')}</th>
            <th className="num">{t('billing.col.unitHours')}</th>
            <th className="num">{t('billing.col.energy')}</th>
            <th>{t('billing.col.price')}</th>
            <th className="num">{t('billing.col.charged')}</th>
            <th className="num">{t('billing.col.transfer')}</th>
            <th className="num">{t('billing.col.voucher')}</th>
            <th className="num">{t('billing.col.wallet')}</th>
          </tr>
        </thead>
        <tbody>
          {d.lines.map((l) => (
            <tr key={l.runId}>
              <td className="mono">{l.runId}</td>
              <td>{l.siteId}</td>
              <td>{l.resourceType}</td>
              <td>{formatDateTime(l.endedAt)}</td>
              <td className="num">{formatNumber(l.unitHours, lang, 2)}</td>
              <td className="num">{formatNumber(l.energyKWh, lang, 1)}</td>
              <td>{l.priceNote}</td>
              <td className="num">{formatFen(l.amountFen)}</td>
              <td className="num">{l.transferFen ? formatFen(l.transferFen) : '—'}</td>
              <td className="num">{formatFen(l.voucherFen)}</td>
              <td className="num">{formatFen(l.walletFen)}</td>
            </tr>
          ))}
          <tr>
            <td colSpan={7}>
              <strong>{t('billing.print.total')}</strong>
            </td>
            <td className="num">
              <strong>{formatFen(d.chargedFen)}</strong>
            </td>
            <td className="num">{formatFen(d.lines.reduce((a, l) => a + l.transferFen, 0))}</td>
            <td className="num">{formatFen(d.voucherFen)}</td>
            <td className="num">{formatFen(d.walletFen)}</td>
          </tr>
        </tbody>
      </table>
      {d.dataUses.length > 0 && (
        <>
          <h2>{t('billing.data.title')}</h2>
          <table>
            <thead>
              <tr>
                <th>{t('billing.data.use')}</th>
                <th>{t('billing.data.role')}</th>
                <th>{t('billing.data.counterparty')}</th>
                <th>{t('billing.col.site')}</th>
                <th>{t('billing.data.released')}</th>
                <th className="num">{t('billing.data.fee')}</th>
                <th className="num">{t('billing.data.commission')}</th>
                <th className="num">{t('billing.data.providerShare')}</th>
              </tr>
            </thead>
            <tbody>
              {d.dataUses.map((u) => (
                <tr key={`${u.useId}-${u.role}`}>
                  <td className="mono">{u.useId}</td>
                  <td>{t(u.role === 'consumer' ? 'billing.data.paid' : 'billing.data.earned')}</td>
                  <td className="mono">{u.counterpartyTenantId}</td>
                  <td>{u.siteId}</td>
                  <td>{formatDateTime(u.releasedAt)}</td>
                  <td className="num">{formatFen(u.feeFen)}</td>
                  <td className="num">{formatFen(u.platformFeeFen)}</td>
                  <td className="num">{formatFen(u.providerFen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <p className="muted small">{t('billing.print.note')}</p>
    </div>
  );
}
