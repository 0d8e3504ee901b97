import { useServerEvents, useUser } from '../../api/context.tsx';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { formatNumber } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { mineApi } from './api.ts';
import { linkErrorKey } from './LinkSecurity.tsx';
import { WATCH_ROLES } from './model.ts';

/** The control room: every connected face with its mode, methane and open alarms. */
export function ControlPage() {
  const { t, lang } = useI18n();
  const user = useUser();
  const faces = useResource(() => mineApi.faces(), []);
  useServerEvents(['mine'], () => faces.reload(), 500);
  useInterval(() => faces.reload(), 5000);
  if (user && !WATCH_ROLES.includes(user.role)) return <p className="notice">{t('app.forbidden')}</p>;
  return (
    <div className="page" data-testid="mine-control">
      <div className="page-head">
        <h1>{t('mine.control.title')}</h1>
      </div>
      {faces.error && !faces.data ? (
        <ErrorBox error={faces.error} onRetry={faces.reload} />
      ) : !faces.data ? (
        <Loading />
      ) : faces.data.length === 0 ? (
        <p className="empty">{t('mine.faces.empty')}</p>
      ) : (
        <div className="mine-face-cards">
          {faces.data.map((f) => (
            <Link key={f.id} to={`/mine/faces/${encodeURIComponent(f.id)}`} className="card mine-face-card" data-testid={`mine-face-card-${f.id}`}>
              <h2>{f.name}</h2>
              <p>
                <span className={`badge mine-mode mine-mode-${f.mode}`}>{t(`mine.mode.${f.mode}`)}</span>{' '}
                <span className={`badge ${f.connected ? 'badge-succeeded' : 'badge-failed'}`}>{t(f.connected ? 'mine.face.connected' : 'mine.face.disconnected')}</span>{' '}
                {f.security.mode === 'None' && (
                  <span className="badge badge-failed" data-testid={`mine-face-insecure-${f.id}`} title={t('mine.security.noneBanner')}>
                    {t('mine.security.insecure')}
                  </span>
                )}
              </p>
              {!f.connected && f.linkError && (
                <p className="form-error small" data-testid={`mine-face-link-${f.id}`} data-code={f.linkError.code}>
                  {t(linkErrorKey(f.linkError.code), { thumbprint: f.linkError.thumbprint ?? '—', mode: f.security.mode, policy: f.security.policy })}
                </p>
              )}
              <div className="facts">
                <div className="fact">
                  <span>{t('mine.face.maxCh4')}</span>
                  <b>{f.maxCh4Pct === null ? '—' : `${formatNumber(f.maxCh4Pct, lang, 2)} %`}</b>
                </div>
                <div className="fact">
                  <span>{t('mine.face.openAlarms')}</span>
                  <b>{f.openAlarms}</b>
                </div>
              </div>
              <p className="muted small mono">{f.endpoint}</p>
              <span className="btn btn-small btn-primary">{t('mine.faces.open')}</span>
            </Link>
          ))}
        </div>
      )}
    </div>
  );
}
