import { useState } from 'react';
import { LangSwitch } from '../../components/LangSwitch.tsx';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { useResource } from '../../useResource.ts';
import { govApi } from './api.ts';
import { useText } from './text.ts';

/** Public: the QR code on a certificate leads here, no login. Shows valid, tampered or revoked. */
export function VerifyPage({ id }: { id: string }) {
  const { t } = useI18n();
  const tx = useText();
  const stored = useResource(() => govApi.verify(id), [id]);
  const [text, setText] = useState('');
  const [presented, setPresented] = useState<Awaited<ReturnType<typeof govApi.verifyText>> | null>(null);
  const r = presented ?? stored.data;
  return (
    <div className="page page-narrow gov-verify">
      <div className="page-head">
        <h1>{t('gov.verify.title')}</h1>
        <LangSwitch />
      </div>
      {stored.error && !stored.data ? <ErrorBox error={stored.error} onRetry={stored.reload} /> : !r ? <Loading /> : (
        <div className={`card gov-verdict gov-verdict-${r.result}`} data-testid="gov-verdict" data-result={r.result}>
          <h2>{t(`gov.verify.${r.result}`)}</h2>
          <p className="mono small">{r.certificateId}</p>
          {r.name && <p>{tx(r.name)} · {r.issuer}</p>}
          {r.holderName && <p>{t('gov.verify.holder')}: {r.holderName}</p>}
          {r.issuedAt && <p>{t('gov.verify.issued')}: {formatDateTime(r.issuedAt)}</p>}
          <p className="muted small">{t('gov.verify.checked', { at: formatDateTime(r.checkedAt) })}</p>
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
