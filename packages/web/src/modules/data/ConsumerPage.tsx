import { useUser } from '../../api/context.tsx';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { FigureTile } from '../../components/FigureTile.tsx';
import { formatFen, formatNumber } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useResource } from '../../useResource.ts';
import { dataApi } from './api.ts';
import { ContractStateBadge, useDataText } from './common.tsx';
import { purposeWord } from './policy.ts';
import { UseList } from './UseList.tsx';
import { UseView } from './UseView.tsx';

/** The consumer's desk: its contracts with ε left, its queries and their results. */
export function ConsumerPage() {
  const { t, lang } = useI18n();
  const tx = useDataText();
  const user = useUser();
  const me = user?.tenantId ?? null;
  const contracts = useResource(async () => (await dataApi.contracts()).filter((c) => user?.role === 'operator' || c.consumerTenantId === me), [me]);
  const uses = useResource(async () => (await dataApi.uses()).filter((u) => user?.role === 'operator' || u.consumerTenantId === me), [me]);
  // Fees are a tenant's own (the server answers /api/data/income for tenants only).
  const hasFees = user?.role === 'tenant';
  const fees = useResource(() => (hasFees ? dataApi.income() : Promise.resolve(null)), [hasFees]);
  const released = (uses.data ?? []).filter((u) => u.state === 'released').length;
  return (
    <div className="page" data-testid="data-consumer">
      <div className="page-head">
        <h1>{t('data.consumer.title')}</h1>
        <Link to="/data" className="btn btn-primary">
          {t('data.consumer.find')}
        </Link>
      </div>
      <div className="tile-grid">
        <FigureTile id="data-my-contracts" label={t('data.consumer.contracts')} value={formatNumber((contracts.data ?? []).filter((c) => c.state === 'agreed').length, lang, 0)} />
        <FigureTile id="data-my-released" label={t('data.consumer.released')} value={formatNumber(released, lang, 0)} accent="green" />
        <FigureTile id="data-my-paid" label={t('data.consumer.paid')} value={fees.data ? formatFen(fees.data.paidFen) : '—'} accent="amber" />
      </div>
      <div className="card card-flush">
        <h2 className="card-title">{t('data.consumer.contracts')}</h2>
        {contracts.error ? <ErrorBox error={contracts.error} onRetry={contracts.reload} /> : !contracts.data ? <Loading /> : contracts.data.length === 0 ? (
          <p className="empty">{t('data.consumer.noContracts')}</p>
        ) : (
          <table className="table" data-testid="data-my-contracts">
            <thead>
              <tr>
                <th>{t('data.contract.title')}</th>
                <th>{t('data.contract.product')}</th>
                <th>{t('data.request.purpose')}</th>
                <th>{t('data.product.state')}</th>
                <th className="num">{t('data.contract.uses')}</th>
                <th className="num">{t('data.contract.epsilonLeft')}</th>
              </tr>
            </thead>
            <tbody>
              {contracts.data.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/data/contracts/${encodeURIComponent(c.id)}`}>{c.id}</Link>
                  </td>
                  <td>{tx(c.productTitle)}</td>
                  <td>{purposeWord(c.purpose, t)}</td>
                  <td>
                    <ContractStateBadge state={c.state} />
                  </td>
                  <td className="num">{c.uses}</td>
                  <td className="num">{c.epsilon ? `${formatNumber(c.epsilon.left, lang, 3)} / ${formatNumber(c.epsilon.budget, lang, 3)}` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div className="card card-flush">
        <h2 className="card-title">{t('data.consumer.uses')}</h2>
        {uses.error ? <ErrorBox error={uses.error} onRetry={uses.reload} /> : !uses.data ? <Loading /> : <UseList uses={uses.data} />}
      </div>
    </div>
  );
}

export function UsePage({ id }: { id: string }) {
  const { t } = useI18n();
  return (
    <div className="page">
      <Link to="/data/consumer" className="back">
        ← {t('data.nav.consumer')}
      </Link>
      <UseView id={id} />
    </div>
  );
}
