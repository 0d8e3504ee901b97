import { useState } from 'react';
import { Iso, LangPicker, Tx, interpolate, useDoorFormat } from '../../doors/citizen/common.tsx';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { useResource } from '../../useResource.ts';
import { govApi } from './api.ts';

/**
 * Public: the QR code on a certificate leads here, no login. Shows valid, tampered or revoked. Whoever holds
 * the paper reads it in their language (Uyghur too, right to left): the citizen doors' language picker and
 * dates; names and ids from the certificate stay isolated runs.
 */
export function VerifyPage({ id }: { id: string }) {
  const { t } = useI18n();
  const fmt = useDoorFormat();
  const stored = useResource(() => govApi.verify(id), [id]);
  const [text, setText] = useState('');
  const [presented, setPresented] = useState<Awaited<ReturnType<typeof govApi.verifyText>> | null>(null);
  const r = presented ?? stored.data;
  return (
    <div className="page page-narrow gov-verify">
      <div className="page-head">
        <h1>{t('gov.verify.title')}</h1>
        {/* The door's light-background variant of the picker (this page has no door bar). */}
        <div className="door-settings">
          <LangPicker />
        </div>
      </div>
      {stored.error && !stored.data ? <ErrorBox error={stored.error} onRetry={stored.reload} /> : !r ? <Loading /> : (
        <div className={`card gov-verdict gov-verdict-${r.result}`} data-testid="gov-verdict" data-result={r.result}>
          <h2>{t(`gov.verify.${r.result}`)}</h2>
          <p className="mono small"><Iso>{r.certificateId}</Iso></p>
          {r.name && <p><Tx text={r.name} /> · <Iso>{r.issuer}</Iso></p>}
          {r.holderName && <p>{t('gov.verify.holder')}: <Iso>{r.holderName}</Iso></p>}
          {r.issuedAt && <p data-testid="gov-verify-issued">{t('gov.verify.issued')}: {fmt.date(r.issuedAt)}</p>}
          <p className="muted small">{interpolate(t('gov.verify.checked'), { at: fmt.date(r.checkedAt) })}</p>
        </div>
      )}
      <div className="card">
        <h2 id="gov-verify-paste">{t('gov.verify.paste')}</h2>
        <textarea aria-labelledby="gov-verify-paste" data-testid="gov-verify-text" rows={6} style={{ width: '100%' }} value={text} onChange={(e) => setText(e.target.value)} />
        <button type="button" className="btn" data-testid="gov-verify-check" onClick={() => govApi.verifyText(id, text).then(setPresented)}>
          {t('gov.verify.check')}
        </button>
      </div>
    </div>
  );
}
