import { useState } from 'react';
import type { DataProduct } from '@shuzhi/schema';
import { useServerEvents, useUser } from '../../api/context.tsx';
import { ErrorBox, Loading, useErrorText } from '../../components/Feedback.tsx';
import { FigureTile } from '../../components/FigureTile.tsx';
import { formatDateTime, formatFen, formatNumber } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useResource } from '../../useResource.ts';
import { dataApi } from './api.ts';
import { DomainTag, SyntheticBadge, useDataText } from './common.tsx';
import { purposeWord } from './policy.ts';
import { RegisterForm } from './RegisterForm.tsx';
import { UseList } from './UseList.tsx';

/** The provider's desk: its products (register, upload, withdraw), requests to decide, every use of its data, income, audit. */
export function ProviderPage() {
  const { t, lang } = useI18n();
  const tx = useDataText();
  const user = useUser();
  const me = user?.tenantId ?? null;
  const all = useResource(() => dataApi.products(), []);
  const contracts = useResource(() => dataApi.contracts(), []);
  const uses = useResource(() => dataApi.uses(), []);
  // Fees are a tenant's own (the server answers /api/data/income for tenants only): the operator sees no income here.
  const hasIncome = user?.role === 'tenant';
  const income = useResource(() => (hasIncome ? dataApi.income() : Promise.resolve(null)), [hasIncome]);
  const audit = useResource(() => dataApi.audit(), []);
  // The list holds the listed products and, for their provider, its drafts.
  const products = (all.data ?? []).filter((p) => user?.role === 'operator' || p.providerTenantId === me);
  const mine = new Set(products.map((p) => p.id));
  const pending = (contracts.data ?? []).filter((c) => c.state === 'requested' && (user?.role === 'operator' || c.providerTenantId === me));
  const myUses = (uses.data ?? []).filter((u) => user?.role === 'operator' || u.providerTenantId === me);
  const reload = () => {
    all.reload();
    contracts.reload();
    uses.reload();
    if (hasIncome) income.reload();
    audit.reload();
  };
  // A request, a use or a release anywhere in the provider's data shows here as it happens.
  useServerEvents(['data'], reload, 1000);

  return (
    <div className="page" data-testid="data-provider">
      <div className="page-head">
        <h1>{t('data.provider.title')}</h1>
        <button type="button" className="btn" onClick={reload}>
          {t('app.refresh')}
        </button>
      </div>
      <div className="tile-grid">
        <FigureTile id="data-my-products" label={t('data.provider.products')} value={formatNumber(products.length, lang, 0)} />
        <FigureTile id="data-my-pending" label={t('data.provider.pending')} value={formatNumber(pending.length, lang, 0)} accent="amber" />
        <FigureTile id="data-my-uses" label={t('data.provider.uses')} value={formatNumber(myUses.length, lang, 0)} accent="cyan" />
        <FigureTile id="data-my-income" label={t('data.provider.income')} value={income.data ? formatFen(income.data.earnedFen) : '—'} accent="green" />
      </div>

      <div className="card card-flush">
        <h2 className="card-title">{t('data.provider.products')}</h2>
        {all.error ? <ErrorBox error={all.error} onRetry={all.reload} /> : !all.data ? <Loading /> : products.length === 0 ? (
          <p className="empty">{t('data.provider.noProducts')}</p>
        ) : (
          <table className="table" data-testid="data-my-products">
            <thead>
              <tr>
                <th>{t('data.product.title')}</th>
                <th>{t('data.product.site')}</th>
                <th>{t('data.product.state')}</th>
                <th className="num">{t('data.product.rows')}</th>
                <th className="num">{t('data.product.fee')}</th>
                <th>{t('data.provider.dataset')}</th>
              </tr>
            </thead>
            <tbody>
              {products.map((p) => (
                <tr key={p.id} data-testid={`data-my-product-${p.id}`}>
                  <td>
                    <DomainTag domain={p.domain} /> <Link to={`/data/products/${encodeURIComponent(p.id)}`}>{tx(p.title)}</Link> <SyntheticBadge synthetic={p.synthetic} />
                  </td>
                  <td className="mono">{p.siteId}</td>
                  <td>{t(`data.product.state.${p.state}`)}</td>
                  <td className="num" data-testid="data-product-rows">
                    {p.rows === null ? '—' : formatNumber(p.rows, lang, 0)}
                  </td>
                  <td className="num">{formatFen(p.feeFenPerUse)}</td>
                  <td>
                    {p.state === 'draft' ? (
                      <DatasetUpload product={p} onDone={all.reload} />
                    ) : p.state === 'listed' ? (
                      <Withdraw product={p} onDone={all.reload} />
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      <RegisterForm onRegistered={all.reload} />

      <div className="card card-flush">
        <h2 className="card-title">{t('data.provider.requests')}</h2>
        {pending.length === 0 ? (
          <p className="empty">{t('data.provider.noRequests')}</p>
        ) : (
          <table className="table" data-testid="data-requests">
            <tbody>
              {pending.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/data/contracts/${encodeURIComponent(c.id)}`}>{c.id}</Link>
                  </td>
                  <td>{tx(c.productTitle)}</td>
                  <td className="mono">{c.consumerTenantId}</td>
                  <td>{purposeWord(c.purpose, t)}</td>
                  <td className="small">{c.note}</td>
                  <td>{formatDateTime(c.createdAt)}</td>
                  <td>
                    <Link className="btn btn-small btn-primary" to={`/data/contracts/${encodeURIComponent(c.id)}`}>
                      {t('data.provider.decide')}
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      <div className="card card-flush">
        <h2 className="card-title">{t('data.provider.useList')}</h2>
        {uses.error ? <ErrorBox error={uses.error} onRetry={uses.reload} /> : !uses.data ? <Loading /> : <UseList uses={myUses.filter((u) => mine.has(u.productId) || user?.role === 'operator')} showConsumer />}
      </div>

      {hasIncome && <div className="card card-flush">
        <h2 className="card-title">{t('data.provider.incomeTitle')}</h2>
        {income.error ? <ErrorBox error={income.error} onRetry={income.reload} /> : !income.data ? <Loading /> : (
          <table className="table" data-testid="data-income">
            <thead>
              <tr>
                <th>{t('data.provider.month')}</th>
                <th>{t('data.product.title')}</th>
                <th className="num">{t('data.provider.uses')}</th>
                <th className="num">{t('data.provider.income')}</th>
              </tr>
            </thead>
            <tbody>
              {income.data.asProvider.map((r) => (
                <tr key={`${r.month}/${r.productId}`} data-testid={`data-income-${r.productId}`}>
                  <td className="mono">{r.month}</td>
                  <td>{tx(r.productTitle)}</td>
                  <td className="num">{r.uses}</td>
                  <td className="num" data-testid="data-income-fee">
                    {formatFen(r.feeFen)}
                  </td>
                </tr>
              ))}
              <tr>
                <th colSpan={3}>{t('data.provider.total')}</th>
                <th className="num" data-testid="data-income-total">
                  {formatFen(income.data.earnedFen)}
                </th>
              </tr>
            </tbody>
          </table>
        )}
      </div>}

      <AuditTable audit={audit} />
    </div>
  );
}

/** The event's facts (ids, tenants, states, counts, fees) as key=value; events never carry rows or results. */
const auditDetail = (data: Record<string, unknown>) =>
  Object.entries(data)
    .filter(([, v]) => v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');

function AuditTable({ audit }: { audit: ReturnType<typeof useResource<Awaited<ReturnType<typeof dataApi.audit>>>> }) {
  const { t } = useI18n();
  return (
    <div className="card card-flush">
      <h2 className="card-title">{t('data.provider.audit')}</h2>
      {audit.error ? <ErrorBox error={audit.error} onRetry={audit.reload} /> : !audit.data ? <Loading /> : audit.data.length === 0 ? <p className="empty">{t('data.provider.noAudit')}</p> : (
        <table className="table" data-testid="data-audit">
          <thead>
            <tr>
              <th>{t('data.use.at')}</th>
              <th>{t('data.audit.kind')}</th>
              <th>{t('data.audit.subject')}</th>
              <th>{t('data.audit.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {audit.data.map((a) => (
              <tr key={a.id}>
                <td>{formatDateTime(a.at, true)}</td>
                <td className="mono small">{a.kind}</td>
                <td className="mono small">{a.entityId}</td>
                <td className="small mono">{auditDetail(a.data)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Withdrawn: no new contracts; agreed ones run until revoked or expired (the server's rule). */
function Withdraw({ product, onDone }: { product: DataProduct; onDone: () => void }) {
  const { t } = useI18n();
  const errText = useErrorText();
  const [error, setError] = useState('');
  return (
    <>
      <button
        type="button"
        className="btn btn-small"
        data-testid={`data-withdraw-${product.id}`}
        onClick={async () => {
          if (!window.confirm(t('data.provider.withdrawConfirm'))) return;
          try {
            await dataApi.withdraw(product.id);
            onDone();
          } catch (err) {
            setError(errText(err));
          }
        }}
      >
        {t('data.provider.withdraw')}
      </button>
      {error && <div className="field-error">{error}</div>}
    </>
  );
}

/** The dataset goes to the product's site as CSV; the page only ever learns the row count back. */
function DatasetUpload({ product, onDone }: { product: DataProduct; onDone: (p: DataProduct) => void }) {
  const { t, lang } = useI18n();
  const errText = useErrorText();
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  return (
    <div>
      <input
        type="file"
        accept=".csv,text/csv"
        disabled={busy}
        data-testid={`data-upload-${product.id}`}
        onChange={async (e) => {
          const file = e.target.files?.[0];
          if (!file) return;
          setBusy(true);
          setMsg(null);
          try {
            const updated = await dataApi.uploadDataset(product.id, await file.text());
            setMsg({ ok: true, text: t('data.provider.uploaded', { rows: formatNumber(updated.rows ?? 0, lang, 0), site: updated.siteId }) });
            onDone(updated);
          } catch (err) {
            setMsg({ ok: false, text: errText(err) });
          } finally {
            setBusy(false);
          }
        }}
      />
      {msg && (
        <div className={msg.ok ? 'small' : 'field-error'} data-testid={`data-upload-msg-${product.id}`}>
          {msg.text}
        </div>
      )}
    </div>
  );
}
