import { useState } from 'react';
import type { MineFaceState, MineLinkError, MineLinkSecurity } from '@shuzhi/schema';
import { useUser } from '../../api/context.tsx';
import { useErrorText } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import type { MessageKey } from '../../i18n/zh-CN.ts';
import { useResource } from '../../useResource.ts';
import { mineApi } from './api.ts';
import { PKI_ROLES } from './model.ts';

/** Link errors the HMI explains in the operator's language; any other code shows the generic text and the server's detail. */
const EXPLAINED = ['MINE_OPCUA_PLC_CERT_UNTRUSTED', 'MINE_OPCUA_CLIENT_CERT_REJECTED', 'MINE_OPCUA_PLC_CERT_INVALID', 'MINE_OPCUA_SECURITY_UNSUPPORTED'] as const;

export function linkErrorKey(code: string): MessageKey {
  return (EXPLAINED as readonly string[]).includes(code) ? (`mine.link.${code}` as MessageKey) : 'mine.link.other';
}

/** Why the face is not connected, in words an engineer can act on. Nothing while connected. */
export function LinkStatus({ face }: { face: Pick<MineFaceState, 'connected' | 'linkError' | 'security'> }) {
  const { t } = useI18n();
  const e: MineLinkError | null = face.linkError;
  if (face.connected || !e) return null;
  return (
    <div className="error-box mine-link-error" role="alert" data-testid="mine-link-error" data-code={e.code}>
      <strong>{t('mine.link.title')}</strong>
      <span data-testid="mine-link-error-text">
        {t(linkErrorKey(e.code), { thumbprint: e.thumbprint ?? '—', mode: face.security.mode, policy: face.security.policy })}
      </span>
      <span className="muted small mono">{t('mine.link.detail', { message: e.message })}</span>
    </div>
  );
}

/** A face that runs without signing or encryption says so, loudly, on every screen that shows it. */
export function InsecureBanner({ security }: { security: MineLinkSecurity }) {
  const { t } = useI18n();
  if (security.mode !== 'None') return null;
  return (
    <div className="error-box mine-insecure-banner" role="alert" data-testid="mine-insecure-banner">
      <strong>{t('mine.security.mode', { mode: security.mode, policy: security.policy })}</strong>
      <span>{t('mine.security.noneBanner')}</span>
    </div>
  );
}

/** The face's Security panel: the link's mode, and for engineers the trust list with a Trust button per rejected certificate. */
export function SecurityPanel({ face }: { face: Pick<MineFaceState, 'id' | 'connected' | 'linkError' | 'security'> }) {
  const { t } = useI18n();
  const user = useUser();
  const errorText = useErrorText();
  const mayManage = user !== null && PKI_ROLES.includes(user.role);
  const certs = useResource(() => (mayManage ? mineApi.certificates() : Promise.resolve(null)), [mayManage, face.linkError?.thumbprint, face.connected]);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const trust = async (thumbprint: string) => {
    try {
      await mineApi.trustCertificate(thumbprint);
      setNote({ ok: true, text: t('mine.security.trusted.done') });
      certs.reload();
    } catch (e) {
      setNote({ ok: false, text: errorText(e) });
    }
  };
  const mine = face.linkError?.thumbprint ?? null;
  return (
    <div className="card" data-testid="mine-security-panel" id="security">
      <h2 className="card-title">{t('mine.security.title')}</h2>
      <p data-testid="mine-security-mode" data-mode={face.security.mode}>
        {t('mine.security.mode', { mode: face.security.mode, policy: face.security.policy })}
      </p>
      {!mayManage ? (
        <p className="muted small">{t('mine.security.rolesOnly')}</p>
      ) : certs.data ? (
        <>
          <p className="small">
            {t('mine.security.own')}: <span className="mono">{certs.data.own.thumbprint}</span>
          </p>
          <h3 className="small">{t('mine.security.rejected')}</h3>
          {certs.data.rejected.length === 0 ? (
            <p className="muted small">{t('mine.security.empty')}</p>
          ) : (
            <ul className="mine-cert-list">
              {certs.data.rejected.map((c) => (
                <li key={c.thumbprint} data-testid={`mine-cert-${c.thumbprint}`}>
                  <span className="mono">{c.thumbprint}</span> {c.subject} · {t('mine.security.validTo', { date: formatDateTime(c.validTo) })}
                  {c.thumbprint === mine && <b> · {t('mine.security.thisFace')}</b>}{' '}
                  <button type="button" className="btn btn-small" data-testid={`mine-cert-trust-${c.thumbprint}`} onClick={() => void trust(c.thumbprint)}>
                    {t('mine.security.trust')}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <h3 className="small">{t('mine.security.trusted')}</h3>
          {certs.data.trusted.length === 0 ? (
            <p className="muted small">{t('mine.security.empty')}</p>
          ) : (
            <ul className="mine-cert-list">
              {certs.data.trusted.map((c) => (
                <li key={c.thumbprint}>
                  <span className="mono">{c.thumbprint}</span> {c.subject} · {t('mine.security.validTo', { date: formatDateTime(c.validTo) })}
                </li>
              ))}
            </ul>
          )}
        </>
      ) : null}
      {note && <p className={note.ok ? 'notice' : 'form-error'}>{note.text}</p>}
    </div>
  );
}
