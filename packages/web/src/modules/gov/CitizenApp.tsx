import { useUser } from '../../api/context.tsx';
import type { GovCatalogueItem } from '@shuzhi/schema';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { CareToggle, Iso, LangPicker, Tx, useCare, useDoorFormat, useSignOut } from '../../doors/citizen/common.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link, navigate } from '../../router.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { lazyPage } from '../../lazyPage.ts';
import { ApplyForm } from './ApplyForm.tsx';
import { govApi } from './api.ts';
import { NotificationsList } from './NotificationsList.tsx';

/** Its own chunk: the start screen, fetched with the app's scripts on a slow link, does not need it. */
const ApplicationDetail = lazyPage(() => import('./ApplicationDetail.tsx'), 'ApplicationDetail');

/**
 * The citizen / enterprise app's pages (the door's frame, tabs and sign-in are in doors/citizen). Elderly
 * mode shows the most used items first and alone, and asks one question per screen.
 */

/** The items most people come for (elderly mode's start screen); every other item is one tap further. */
export const COMMON_ITEMS: Readonly<Record<'individual' | 'enterprise', readonly string[]>> = {
  individual: ['item_newborn', 'item_retirement', 'item_social_security_card', 'item_school_admission'],
  enterprise: ['item_enterprise_info_change', 'item_employee_hiring', 'item_utilities_joint_connection'],
};

/** Whose items to offer: from the signed-in user the app already holds, not one more request before the list. */
export function useSubject(): 'individual' | 'enterprise' {
  return useUser()?.role === 'enterprise' ? 'enterprise' : 'individual';
}

/** The items for this applicant; in elderly mode only the common ones unless `all`. */
export function itemsFor(items: readonly GovCatalogueItem[], subject: 'individual' | 'enterprise', care: boolean, all: boolean): GovCatalogueItem[] {
  const mine = items.filter((i) => i.subject === subject);
  return care && !all ? mine.filter((i) => COMMON_ITEMS[subject].includes(i.id)) : mine;
}

/** 办事: what was done for me, then what I can apply for. */
export function CitizenHome({ all = false }: { all?: boolean }) {
  const { t } = useI18n();
  const fmt = useDoorFormat();
  const care = useCare();
  const subject = useSubject();
  const notes = useResource(() => govApi.notifications(), []);
  const grants = useResource(() => govApi.grants(), []);
  const cat = useResource(() => govApi.catalogue(), []);
  useInterval(() => {
    notes.reload();
    grants.reload();
  }, 5000);
  const items = cat.data ? itemsFor(cat.data, subject, care, all) : null;
  return (
    <>
      <h2>{care && !all ? t('door.common') : t('gov.app.apply')}</h2>
      {cat.error ? <ErrorBox error={cat.error} onRetry={cat.reload} /> : !items ? <Loading /> : (
        <ul className="door-items" data-testid="gov-items">
          {items.map((i) => (
            <li key={i.id}>
              <Link to={`/gov/app/apply/${i.id}`} className="door-item" data-testid={`gov-apply-${i.id}`}>
                <Tx text={i.name} itemId={i.id} />
                {i.scope === 'regional' && <span className="tag">{t('gov.catalogue.regional')}</span>}
              </Link>
            </li>
          ))}
        </ul>
      )}
      {care && !all && <Link to="/gov/app/all" className="btn btn-block" data-testid="gov-all-items">{t('door.allItems')}</Link>}
      {notes.data && notes.data.length > 0 && (
        <section className="card notice" data-testid="gov-notifications" aria-label={t('door.status')}>
          {/* The latest few; the full list, markable as read, is on the 我的 tab. Messages come from the server in Chinese and English. */}
          {notes.data.slice(0, 5).map((n) => (
            <p key={n.id} data-kind={n.kind}><Tx text={n.message} /> <span className="muted small">{fmt.date(n.at)}</span></p>
          ))}
        </section>
      )}
      {grants.data && grants.data.length > 0 && (
        <section className="card" data-testid="gov-grants">
          <h3>{t('gov.app.grants')}</h3>
          <ul>{grants.data.map((g) => <li key={g.id}><Tx text={g.benefit} /></li>)}</ul>
        </section>
      )}
    </>
  );
}

export function CitizenApplications() {
  const { t } = useI18n();
  const fmt = useDoorFormat();
  const apps = useResource(() => govApi.applications(), []);
  useInterval(() => apps.reload(), 5000);
  return (
    <>
      <h2>{t('gov.app.mine')}</h2>
      {apps.error ? <ErrorBox error={apps.error} onRetry={apps.reload} /> : !apps.data ? <Loading /> : apps.data.items.length === 0 ? <p className="muted">{t('gov.app.none')}</p> : (
        <ul className="door-items" data-testid="gov-my-applications">
          {apps.data.items.map((a) => (
            <li key={a.id}>
              <Link to={`/gov/app/applications/${a.id}`} className="door-item" data-testid={`gov-app-link-${a.id}`}>
                <Tx text={a.itemName} itemId={a.itemId} />
                <span className={`badge gov-status-${a.status}`}>{t(`gov.status.${a.status}`)}</span>
                <span className="muted small">{fmt.date(a.submittedAt)}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** One item's form in the app or at the kiosk; elderly mode asks one question per screen. */
export function CitizenApply({ itemId, channel = 'app' }: { itemId: string; channel?: 'app' | 'kiosk' }) {
  const care = useCare();
  const cat = useResource(() => govApi.catalogue(), []);
  const item = cat.data?.find((i) => i.id === itemId);
  return (
    <>
      <h1><Tx text={item?.name} itemId={itemId} /></h1>
      <ApplyForm itemId={itemId} channel={channel} stepwise={care} headings="h2" onDone={(a) => navigate(channel === 'kiosk' ? `/gov/kiosk/done/${a.id}` : `/gov/app/applications/${a.id}`)} />
    </>
  );
}

export function CitizenApplication({ id }: { id: string }) {
  return <ApplicationDetail id={id} />;
}

export function CitizenCertificates() {
  const { t } = useI18n();
  const certs = useResource(() => govApi.certificates(), []);
  return (
    <>
      <h2>{t('gov.app.certificates')}</h2>
      {certs.error ? <ErrorBox error={certs.error} onRetry={certs.reload} /> : !certs.data ? <Loading /> : certs.data.length === 0 ? <p className="muted">{t('gov.app.noCertificates')}</p> : certs.data.map((c) => (
        <div key={c.id} className="card gov-cert">
          <div className="gov-qr" role="img" aria-label={t('gov.detail.verify')} dangerouslySetInnerHTML={{ __html: c.qrSvg }} />
          <div>
            <strong><Tx text={c.name} /></strong>
            <div className="mono small"><Iso>{c.id}</Iso></div>
            <a href={c.verifyUrl}>{t('gov.detail.verify')}</a>
          </div>
        </div>
      ))}
    </>
  );
}

/** 我的: who I am signed in as, language, elderly mode, who read my data, sign out. */
export function CitizenMe() {
  const { t } = useI18n();
  const signOut = useSignOut();
  const me = useResource(() => govApi.me(), []);
  return (
    <>
      <h2>{t('door.tab.me')}</h2>
      <section className="card" aria-label={t('door.me.account')}>
        {me.error ? <ErrorBox error={me.error} onRetry={me.reload} /> : !me.data ? <Loading /> : (
          <p data-testid="gov-me">
            <strong><Iso>{me.data.enterprise?.name ?? me.data.person?.name ?? '—'}</Iso></strong>{' '}
            {me.data.person && <span className="muted"><Iso>{me.data.person.residentIdMasked}</Iso></span>}
          </p>
        )}
      </section>
      <section className="card door-settings" aria-label={t('door.me.settings')}>
        <h3>{t('door.me.settings')}</h3>
        <LangPicker />
        <CareToggle />
        <p className="hint">{t('door.care.hint')}</p>
      </section>
      <NotificationsList />
      <Link to="/gov/app/data" className="btn btn-block" data-testid="gov-tab-data">{t('gov.app.data')}</Link>
      <button type="button" className="btn btn-block door-signout" data-testid="logout" onClick={signOut}>{t('auth.logout')}</button>
    </>
  );
}

/** 谁看过我的数据: every read of my data — who, for which application, when, and refused attempts. */
export function DataUse() {
  const { t } = useI18n();
  const fmt = useDoorFormat();
  const log = useResource(() => govApi.accessLog(), []);
  return (
    <>
      <h2>{t('gov.data.title')}</h2>
      <p className="hint">{t('gov.data.hint')}</p>
      {log.error ? <ErrorBox error={log.error} /> : !log.data ? <Loading /> : (
        <div className="door-scroll">
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
                  <td className="small">{fmt.date(e.at)}</td>
                  <td><Iso>{e.actorName}</Iso>{e.departmentName ? <> · <Tx text={e.departmentName} /></> : null}</td>
                  <td className="small">
                    {t(`gov.registry.${e.registry as 'population'}`) || e.registry} · <Iso>{e.purpose}</Iso> · <span className="mono"><Iso>{e.applicationId}</Iso></span>
                    {!e.allowed && <strong> {t('gov.data.refused')}</strong>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
