import { useState } from 'react';
import type { DataContract } from '@shuzhi/schema';
import { useUser } from '../../api/context.tsx';
import { ErrorBox, Loading, useErrorText } from '../../components/Feedback.tsx';
import { formatDateTime, formatFen, formatNumber } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useResource } from '../../useResource.ts';
import { dataApi } from './api.ts';
import { ContractStateBadge, PolicyWords, useDataText } from './common.tsx';
import { actionWord, purposeWord } from './policy.ts';
import { QueryBuilder } from './QueryBuilder.tsx';
import { Reasons } from './ProductPage.tsx';
import { UseList } from './UseList.tsx';
import { UseView } from './UseView.tsx';

/** A contract: its signed terms, the signature check, its uses; the consumer queries from here, the provider decides or revokes. */
export function ContractPage({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const tx = useDataText();
  const user = useUser();
  const contract = useResource(() => dataApi.contract(id), [id]);
  const productId = contract.data?.productId;
  const product = useResource(() => (productId ? dataApi.product(productId) : Promise.resolve(null)), [productId]);
  const uses = useResource(async () => (await dataApi.uses(id)).filter((u) => u.contractId === id), [id]);
  const [current, setCurrent] = useState<string | null>(null);
  if (contract.error) return <ErrorBox error={contract.error} onRetry={contract.reload} />;
  if (!contract.data) return <Loading />;
  const c = contract.data;
  const consumer = user?.tenantId === c.consumerTenantId;
  const provider = user?.tenantId === c.providerTenantId || user?.role === 'operator';
  const reload = () => {
    contract.reload();
    uses.reload();
  };
  return (
    <div className="page" data-testid="data-contract" data-contract-id={c.id}>
      <Link to={consumer ? '/data/consumer' : '/data/provider'} className="back">
        ← {t(consumer ? 'data.nav.consumer' : 'data.nav.provider')}
      </Link>
      <div className="page-head">
        <h1>
          {t('data.contract.title')} <span className="mono">{c.id}</span>
        </h1>
        <ContractStateBadge state={c.state} />
      </div>
      <div className="facts">
        <div className="fact">
          <span>{t('data.contract.product')}</span>
          <b>
            <Link to={`/data/products/${encodeURIComponent(c.productId)}`}>{tx(c.productTitle)}</Link>
          </b>
        </div>
        <div className="fact">
          <span>{t('data.contract.parties')}</span>
          <b className="mono">
            {c.providerTenantId} → {c.consumerTenantId}
          </b>
        </div>
        <div className="fact">
          <span>{t('data.request.purpose')}</span>
          <b>{purposeWord(c.purpose, t)}</b>
        </div>
        <div className="fact">
          <span>{t('data.request.actions')}</span>
          <b>{c.actions.map((a) => actionWord(a, t)).join(t('data.policy.listSep'))}</b>
        </div>
        <div className="fact">
          <span>{t('data.contract.uses')}</span>
          <b data-testid="data-contract-uses">{c.uses}</b>
        </div>
        {c.epsilon && (
          <div className="fact">
            <span>{t('data.contract.epsilonLeft')}</span>
            <b data-testid="data-contract-epsilon">
              {formatNumber(c.epsilon.left, lang, 3)} / {formatNumber(c.epsilon.budget, lang, 3)}
            </b>
          </div>
        )}
        {c.terms && (
          <div className="fact">
            <span>{t('data.contract.term')}</span>
            <b>
              {formatDateTime(c.terms.agreedAt)} – {formatDateTime(c.terms.expiresAt)}
            </b>
          </div>
        )}
        {c.terms && (
          <div className="fact">
            <span>{t('data.product.fee')}</span>
            <b>{t('data.product.feePerUse', { fee: formatFen(c.terms.feeFenPerUse) })}</b>
          </div>
        )}
      </div>
      {c.note && <p className="muted">“{c.note}”</p>}
      <Reasons contract={c} />
      {c.terms && (
        <div className="card">
          <h2>{t('data.contract.terms')}</h2>
          <PolicyWords product={{ policy: c.terms.policy, feeFenPerUse: c.terms.feeFenPerUse }} />
        </div>
      )}
      <Signature contract={c} />
      {provider && !consumer && <ProviderActions contract={c} onDone={reload} />}
      {consumer && c.state === 'agreed' && product.data && (
        <QueryBuilder
          contractId={c.id}
          product={product.data}
          onSubmitted={(u) => {
            setCurrent(u.id);
            reload();
          }}
        />
      )}
      {current && <UseView key={current} id={current} />}
      <div className="card card-flush">
        <h2 className="card-title">{t('data.contract.useList')}</h2>
        {uses.error ? <ErrorBox error={uses.error} onRetry={uses.reload} /> : !uses.data ? <Loading /> : <UseList uses={uses.data} onOpen={setCurrent} />}
      </div>
    </div>
  );
}

/** The Ed25519 signature over the terms, and a check anyone with access can run. */
function Signature({ contract }: { contract: DataContract }) {
  const { t } = useI18n();
  const errText = useErrorText();
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState('');
  if (!contract.proof) return <p className="muted">{t('data.contract.unsigned')}</p>;
  return (
    <div className="card" data-testid="data-signature">
      <h2>{t('data.contract.signature')}</h2>
      <p className="small">
        {contract.proof.alg} · {t('data.contract.keyId')} <span className="mono">{contract.proof.keyId}</span>
      </p>
      <p className="mono small" style={{ wordBreak: 'break-all' }}>
        {contract.proof.signature}
      </p>
      <button
        type="button"
        className="btn"
        data-testid="data-verify"
        onClick={async () => {
          setError('');
          try {
            setResult((await dataApi.verify(contract.id)).result);
          } catch (err) {
            setError(errText(err));
          }
        }}
      >
        {t('data.contract.verify')}
      </button>{' '}
      {result && (
        <b data-testid="data-verdict" data-result={result} className={result === 'valid' ? '' : 'field-error'}>
          {t(`data.verify.${result as 'valid' | 'tampered' | 'unsigned'}`)}
        </b>
      )}
      {error && <p className="form-error">{error}</p>}
    </div>
  );
}

/** The provider's side: agree or decline a request, revoke an agreed contract; a reason goes with each. */
function ProviderActions({ contract, onDone }: { contract: DataContract; onDone: () => void }) {
  const { t } = useI18n();
  const errText = useErrorText();
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const act = async (f: () => Promise<unknown>) => {
    setError('');
    try {
      await f();
      onDone();
    } catch (err) {
      setError(errText(err));
    }
  };
  if (contract.state !== 'requested' && contract.state !== 'agreed') return null;
  return (
    <div className="card">
      <div className="field">
        <label htmlFor="data-reason">{t('data.contract.reason')}</label>
        <input id="data-reason" value={reason} onChange={(e) => setReason(e.target.value)} data-testid="data-reason" />
      </div>
      <div className="toolbar">
        {contract.state === 'requested' ? (
          <>
            <button type="button" className="btn btn-primary" data-testid="data-agree" onClick={() => act(() => dataApi.decide(contract.id, 'agree', reason))}>
              {t('data.contract.agree')}
            </button>
            <button type="button" className="btn btn-danger" data-testid="data-decline" onClick={() => act(() => dataApi.decide(contract.id, 'decline', reason))}>
              {t('data.contract.decline')}
            </button>
          </>
        ) : (
          <button
            type="button"
            className="btn btn-danger"
            data-testid="data-revoke"
            onClick={() => (reason.trim() ? act(() => dataApi.revoke(contract.id, reason.trim())) : setError(t('data.contract.reasonNeeded')))}
          >
            {t('data.contract.revoke')}
          </button>
        )}
      </div>
      {error && <p className="form-error">{error}</p>}
    </div>
  );
}
