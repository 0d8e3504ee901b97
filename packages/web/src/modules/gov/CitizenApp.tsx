import type { ReactNode } from 'react';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link, navigate } from '../../router.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { ApplicationDetail } from './ApplicationDetail.tsx';
import { ApplyForm } from './ApplyForm.tsx';
import { govApi } from './api.ts';
import { useText } from './text.ts';

/** The citizen / enterprise app: laid out for a phone (a narrow column with a bottom tab bar). */
export function Phone({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="gov-phone" data-testid="gov-phone">
      <div className="gov-phone-body">{children}</div>
      <nav className="gov-tabs">
        <Link to="/gov/app">{t('gov.app.home')}</Link>
        <Link to="/gov/app/certificates">{t('gov.app.certificates')}</Link>
        <Link to="/gov/app/data" data-testid="gov-tab-data">{t('gov.app.data')}</Link>
      </nav>
    </div>
  );
}

export function CitizenHome() {
  const { t } = useI18n();
  const tx = useText();
  const me = useResource(() => govApi.me(), []);
  const apps = useResource(() => govApi.applications(), []);
  const notes = useResource(() => govApi.notifications(), []);
  const grants = useResource(() => govApi.grants(), []);
  const cat = useResource(() => govApi.catalogue(), []);
  useInterval(() => {
    apps.reload();
    notes.reload();
    grants.reload();
  }, 5000);
  const subject = me.data?.role === 'enterprise' ? 'enterprise' : 'individual';
  return (
    <Phone>
      <h2>{t('gov.app.title')}</h2>
      {me.data?.person && <p className="muted">{me.data.enterprise?.name ?? me.data.person.name} · {me.data.person.residentIdMasked}</p>}
      {notes.data && notes.data.length > 0 && (
        <div className="card notice" data-testid="gov-notifications">
          {notes.data.slice(0, 5).map((n) => (
            <p key={n.id} data-kind={n.kind}>{tx(n.message)} <span className="muted small">{formatDateTime(n.at)}</span></p>
          ))}
        </div>
      )}
      {grants.data && grants.data.length > 0 && (
        <div className="card" data-testid="gov-grants">
          <h3>{t('gov.app.grants')}</h3>
          <ul>{grants.data.map((g) => <li key={g.id}>{tx(g.benefit)}</li>)}</ul>
        </div>
      )}
      <div className="card">
        <h3>{t('gov.app.mine')}</h3>
        {apps.error ? <ErrorBox error={apps.error} /> : !apps.data ? <Loading /> : apps.data.items.length === 0 ? <p className="muted">{t('gov.app.none')}</p> : (
          <ul className="gov-list" data-testid="gov-my-applications">
            {apps.data.items.map((a) => (
              <li key={a.id}>
                <Link to={`/gov/app/applications/${a.id}`} data-testid={`gov-app-link-${a.id}`}>{tx(a.itemName)}</Link>
                <span className="badge">{t(`gov.status.${a.status}`)}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="card">
        <h3>{t('gov.app.apply')}</h3>
        {!cat.data ? <Loading /> : (
          <ul className="gov-list">
            {cat.data.filter((i) => i.subject === subject).map((i) => (
              <li key={i.id}>
                <Link to={`/gov/app/apply/${i.id}`} data-testid={`gov-apply-${i.id}`}>{tx(i.name)}</Link>
                {i.scope === 'regional' && <span className="tag">{t('gov.catalogue.regional')}</span>}
              </li>
            ))}
          </ul>
        )}
      </div>
    </Phone>
  );
}

export function CitizenApply({ itemId, channel = 'app' }: { itemId: string; channel?: 'app' | 'kiosk' }) {
  const tx = useText();
  const cat = useResource(() => govApi.catalogue(), []);
  const item = cat.data?.find((i) => i.id === itemId);
  const body = (
    <>
      <h2>{tx(item?.name)}</h2>
      <ApplyForm itemId={itemId} channel={channel} onDone={(a) => navigate(channel === 'kiosk' ? `/gov/kiosk/done/${a.id}` : `/gov/app/applications/${a.id}`)} />
    </>
  );
  return channel === 'kiosk' ? <div className="gov-kiosk">{body}</div> : <Phone>{body}</Phone>;
}

export function CitizenApplication({ id }: { id: string }) {
  return (
    <Phone>
      <ApplicationDetail id={id} />
    </Phone>
  );
}

export function CitizenCertificates() {
  const { t } = useI18n();
  const tx = useText();
  const certs = useResource(() => govApi.certificates(), []);
  return (
    <Phone>
      <h2>{t('gov.app.certificates')}</h2>
      {!certs.data ? <Loading /> : certs.data.length === 0 ? <p className="muted">{t('gov.app.noCertificates')}</p> : certs.data.map((c) => (
        <div key={c.id} className="card gov-cert">
          <div className="gov-qr" dangerouslySetInnerHTML={{ __html: c.qrSvg }} />
          <div>
            <strong>{tx(c.name)}</strong>
            <div className="mono small">{c.id}</div>
            <a href={c.verifyUrl}>{t('gov.detail.verify')}</a>
          </div>
        </div>
      ))}
    </Phone>
  );
}

/** 谁看过我的数据: every read of my data — who, for which application, when, and refused attempts. */
export function DataUse() {
  const { t } = useI18n();
  const tx = useText();
  const log = useResource(() => govApi.accessLog(), []);
  return (
    <Phone>
      <h2>{t('gov.data.title')}</h2>
      <p className="hint">{t('gov.data.hint')}</p>
      {log.error ? <ErrorBox error={log.error} /> : !log.data ? <Loading /> : (
        <table className="table" data-testid="gov-access-log">
          <thead>
            <tr>
              <th>{t('gov.data.when')}</th>
              <th>{t('gov.data.who')}</th>
              <th>{t('gov.data.what')}</th>
            </tr>
          </thead>
          <tbody>
            {log.data.map((e) => (
              <tr key={e.id} className={e.allowed ? '' : 'gov-refused'}>
                <td className="small">{formatDateTime(e.at)}</td>
                <td>{e.actorName}{e.departmentName ? ` · ${tx(e.departmentName)}` : ''}</td>
                <td className="small">
                  {t(`gov.registry.${e.registry as 'population'}`) || e.registry} · {e.purpose} · <span className="mono">{e.applicationId}</span>
                  {!e.allowed && <strong> {t('gov.data.refused')}</strong>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Phone>
  );
}
