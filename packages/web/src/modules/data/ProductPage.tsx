import { useState, type FormEvent } from 'react';
import { DataActions, DataPurposes, type DataAction, type DataContract, type DataProduct, type DataPurpose } from '@shuzhi/schema';
import { useUser } from '../../api/context.tsx';
import { ErrorBox, Loading, useErrorText } from '../../components/Feedback.tsx';
import { formatDateTime, formatFen, formatNumber } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useResource } from '../../useResource.ts';
import { dataApi, newIdempotencyKey } from './api.ts';
import { ContractStateBadge, DomainTag, PolicyWords, SyntheticBadge, useDataText } from './common.tsx';
import { actionWord, purposeWord } from './policy.ts';

/** A product as a consumer weighs it: what it holds, under which rules, and the form to ask for its use. */
export function ProductPage({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const tx = useDataText();
  const user = useUser();
  const product = useResource(() => dataApi.product(id), [id]);
  const contracts = useResource(() => (user?.role === 'tenant' ? dataApi.contracts() : Promise.resolve([])), [user?.role]);
  if (product.error) return <ErrorBox error={product.error} onRetry={product.reload} />;
  if (!product.data) return <Loading />;
  const p = product.data;
  const mine = (contracts.data ?? []).filter((c) => c.productId === p.id && c.consumerTenantId === user?.tenantId);
  const own = user?.tenantId === p.providerTenantId;
  return (
    <div className="page" data-testid="data-product" data-product-id={p.id}>
      <Link to="/data" className="back">
        ← {t('data.catalogue.title')}
      </Link>
      <div className="page-head">
        <h1>{tx(p.title)}</h1>
        <div>
          <DomainTag domain={p.domain} /> <SyntheticBadge synthetic={p.synthetic} />
        </div>
      </div>
      <p>{tx(p.description)}</p>
      <div className="facts">
        <div className="fact">
          <span>{t('data.product.provider')}</span>
          <b>{p.providerName}</b>
        </div>
        <div className="fact">
          <span>{t('data.product.site')}</span>
          <b className="mono">
            {p.siteId} · {p.regionId}
          </b>
        </div>
        <div className="fact">
          <span>{t('data.product.rows')}</span>
          <b>{p.rows === null ? t('data.product.noDataset') : formatNumber(p.rows, lang, 0)}</b>
        </div>
        <div className="fact">
          <span>{t('data.product.fee')}</span>
          <b>{t('data.product.feePerUse', { fee: formatFen(p.feeFenPerUse) })}</b>
        </div>
        <div className="fact">
          <span>{t('data.product.licence')}</span>
          <b>{p.licence}</b>
        </div>
        <div className="fact">
          <span>{t('data.product.state')}</span>
          <b>{t(`data.product.state.${p.state}`)}</b>
        </div>
      </div>
      <div className="card">
        <h2>{t('data.product.policy')}</h2>
        <PolicyWords product={p} />
      </div>
      <SchemaTable product={p} />
      <Preview product={p} />
      <div className="card">
        <h2>{t('data.product.provenance')}</h2>
        <p>
          <span className="muted">{t('data.product.source')}：</span>
          {p.source}
        </p>
        <p>
          <span className="muted">{t('data.product.quality')}：</span>
          {p.quality || '—'}
        </p>
        <p className="muted small">{t('data.product.listed', { at: formatDateTime(p.createdAt) })}</p>
      </div>
      {mine.length > 0 && (
        <div className="card">
          <h2>{t('data.product.myContracts')}</h2>
          <ul>
            {mine.map((c) => (
              <li key={c.id}>
                <Link to={`/data/contracts/${encodeURIComponent(c.id)}`}>{c.id}</Link> <ContractStateBadge state={c.state} /> {purposeWord(c.purpose, t)}
              </li>
            ))}
          </ul>
        </div>
      )}
      {user?.role === 'tenant' && !own && p.state === 'listed' && <RequestForm product={p} onDone={contracts.reload} />}
    </div>
  );
}

function SchemaTable({ product }: { product: DataProduct }) {
  const { t } = useI18n();
  const tx = useDataText();
  return (
    <div className="card card-flush">
      <h2 className="card-title">{t('data.product.schema')}</h2>
      <table className="table" data-testid="data-schema">
        <thead>
          <tr>
            <th>{t('data.schema.name')}</th>
            <th>{t('data.schema.type')}</th>
            <th>{t('data.schema.role')}</th>
            <th>{t('data.schema.unit')}</th>
            <th>{t('data.schema.values')}</th>
            <th>{t('data.schema.description')}</th>
          </tr>
        </thead>
        <tbody>
          {product.schema.columns.map((c) => (
            <tr key={c.name}>
              <td className="mono">{c.name}</td>
              <td>{c.type}</td>
              <td title={t(`data.role.${c.role}.hint`)}>{t(`data.role.${c.role}`)}</td>
              <td>{c.unit ?? '—'}</td>
              <td className="small">{c.bounds ? `[${c.bounds[0]}, ${c.bounds[1]}]` : c.categories ? c.categories.join(', ') : '—'}</td>
              <td className="small">{c.description ? tx(c.description) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The preview is drawn from the schema, never from the rows: said above the table, not in small print. */
function Preview({ product }: { product: DataProduct }) {
  const { t } = useI18n();
  if (product.preview.length === 0) return null;
  const cols = product.schema.columns.map((c) => c.name).filter((n) => product.preview.some((r) => n in r));
  return (
    <div className="card card-flush">
      <h2 className="card-title">{t('data.preview.title')}</h2>
      <p className="notice" data-testid="data-preview-note" style={{ margin: '0 16px 8px' }}>
        {t('data.preview.note')}
      </p>
      <table className="table" data-testid="data-preview">
        <thead>
          <tr>
            {cols.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {product.preview.map((r, i) => (
            <tr key={i}>
              {cols.map((c) => (
                <td key={c}>{String(r[c] ?? '—')}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Ask to use the product: purpose, actions, a note; the answer (agreed at once, or waiting, or declined with reasons) shows here. */
function RequestForm({ product, onDone }: { product: DataProduct; onDone: () => void }) {
  const { t } = useI18n();
  const errText = useErrorText();
  const allowed = DataActions.filter((a) => product.policy.permissions.some((p) => p.action === a));
  const [purpose, setPurpose] = useState<DataPurpose>(DataPurposes[0]);
  const [actions, setActions] = useState<DataAction[]>(allowed.slice(0, 1));
  const [note, setNote] = useState('');
  const [key] = useState(newIdempotencyKey);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [contract, setContract] = useState<DataContract | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (actions.length === 0) return setError(t('data.request.pickAction'));
    setBusy(true);
    setError('');
    try {
      setContract(await dataApi.request({ productId: product.id, purpose, actions, note: note.trim(), idempotencyKey: key }));
      onDone();
    } catch (err) {
      setError(errText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={submit} data-testid="data-request-form">
      <h2>{t('data.request.title')}</h2>
      <div className="field">
        <label htmlFor="data-purpose">{t('data.request.purpose')}</label>
        <select id="data-purpose" value={purpose} onChange={(e) => setPurpose(e.target.value as DataPurpose)} data-testid="data-request-purpose">
          {DataPurposes.map((p) => (
            <option key={p} value={p}>
              {purposeWord(p, t)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <span className="label">{t('data.request.actions')}</span>
        <div className="checks">
          {allowed.map((a) => (
            <label key={a} className="check">
              <input
                type="checkbox"
                checked={actions.includes(a)}
                data-testid={`data-request-action-${a}`}
                onChange={(e) => setActions(e.target.checked ? [...actions, a] : actions.filter((x) => x !== a))}
              />
              {actionWord(a, t)}
            </label>
          ))}
        </div>
      </div>
      <div className="field">
        <label htmlFor="data-note">{t('data.request.note')}</label>
        <textarea id="data-note" rows={3} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} data-testid="data-request-note" />
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="data-request-submit">
          {t('data.request.submit')}
        </button>
      </div>
      {contract && (
        <div className="notice" data-testid="data-request-answer">
          <ContractStateBadge state={contract.state} />{' '}
          <Link to={`/data/contracts/${encodeURIComponent(contract.id)}`} data-testid="data-request-contract">
            {t('data.request.open', { id: contract.id })}
          </Link>
          <Reasons contract={contract} />
        </div>
      )}
    </form>
  );
}

export function Reasons({ contract }: { contract: DataContract }) {
  if (contract.reasons.length === 0) return null;
  return (
    <ul data-testid="data-contract-reasons">
      {contract.reasons.map((r, i) => (
        <li key={i}>
          <span className="mono small">{r.code}</span> {r.message}
        </li>
      ))}
    </ul>
  );
}
