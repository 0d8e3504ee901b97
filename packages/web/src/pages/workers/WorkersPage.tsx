import { useMemo, useState } from 'react';
import type { Site, WorkerCredential, WorkerInfo } from '@shuzhi/schema';
import { useApi, useServerEvents, useUser } from '../../api/context.tsx';
import { siteName } from '../../charts/networkMapOption.ts';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { replaceRouteQuery } from '../../router.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { CredentialPanel, type IssuedCredential } from './CredentialPanel.tsx';
import { EnrollForm } from './EnrollForm.tsx';
import { canUseWorkers, manageableSites, mergeWorkers } from './model.ts';
import { WorkerTable } from './WorkerTable.tsx';

function Filters({
  sites,
  siteId,
  showRevoked,
  onSite,
  onShowRevoked,
}: {
  sites: readonly Site[];
  siteId: string;
  showRevoked: boolean;
  onSite: (id: string) => void;
  onShowRevoked: (v: boolean) => void;
}) {
  const { t, lang } = useI18n();
  return (
    <div className="toolbar">
      <label className="inline-field">
        {t('workers.filter.site')}
        <select value={siteId} data-testid="workers-filter-site" onChange={(e) => onSite(e.target.value)}>
          <option value="">{t('workers.filter.allSites')}</option>
          {sites.map((s) => (
            <option key={s.id} value={s.id}>
              {siteName(s, lang)}
            </option>
          ))}
        </select>
      </label>
      <label className="check">
        <input type="checkbox" checked={showRevoked} data-testid="workers-show-revoked" onChange={(e) => onShowRevoked(e.target.checked)} />
        {t('workers.filter.showRevoked')}
      </label>
    </div>
  );
}

function WorkersConsole({ sites, initialSite }: { sites: readonly Site[]; initialSite: string }) {
  const api = useApi();
  const { t } = useI18n();
  const [siteId, setSiteId] = useState(initialSite);
  const [showRevoked, setShowRevoked] = useState(false);
  const [issued, setIssued] = useState<IssuedCredential | null>(null);
  // This page's own actions, shown at once and kept until the server's list has caught up with them
  // (a worker revoked here stays on screen, marked revoked, until the filter changes).
  const [local, setLocal] = useState<Record<string, WorkerInfo>>({});
  const list = useResource(() => api.workers({ siteId: siteId || undefined, includeRevoked: showRevoked }), [siteId, showRevoked]);
  useServerEvents(['worker'], () => list.reload(), 1000);
  // "Last seen" is not an event: refresh it now and then.
  useInterval(() => list.reload(), 30_000);

  const remember = (w: WorkerInfo) => setLocal((m) => ({ ...m, [w.id]: w }));
  const filterLocal = useMemo(
    () => Object.fromEntries(Object.entries(local).filter(([, w]) => !siteId || w.siteId === siteId)),
    [local, siteId],
  );
  const rows = list.data ? mergeWorkers(list.data, filterLocal) : undefined;

  const issue = (worker: WorkerCredential, kind: IssuedCredential['kind']) => {
    const { credential: _secret, ...info } = worker;
    remember(info);
    setIssued({ worker, kind });
    list.reload();
  };

  const changeSite = (id: string) => {
    setSiteId(id);
    setLocal({});
    replaceRouteQuery({ site: id });
  };
  const changeShowRevoked = (v: boolean) => {
    setShowRevoked(v);
    setLocal({});
  };

  return (
    <>
      {issued && <CredentialPanel issued={issued} onDismiss={() => setIssued(null)} />}
      <EnrollForm key={siteId} sites={sites} initialSite={siteId} onEnrolled={(w) => issue(w, 'enrolled')} />
      <div className="card-head">
        <Filters sites={sites} siteId={siteId} showRevoked={showRevoked} onSite={changeSite} onShowRevoked={changeShowRevoked} />
        <button type="button" className="btn" onClick={list.reload}>
          {t('app.refresh')}
        </button>
      </div>
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {!rows ? (
        list.loading && <Loading />
      ) : rows.length === 0 ? (
        <p className="empty" data-testid="workers-empty">
          {siteId ? t('workers.emptySite') : t('workers.empty')}
        </p>
      ) : (
        <WorkerTable
          workers={rows}
          sites={sites}
          onRotated={(w) => issue(w, 'rotated')}
          onRevoked={(w) => {
            remember(w);
            list.reload();
          }}
        />
      )}
    </>
  );
}

/** Workers at sites: enrol, rotate, revoke (operators; a tenant for the sites it owns). */
export function WorkersPage({ initialSite = '' }: { initialSite?: string }) {
  const api = useApi();
  const user = useUser();
  const { t } = useI18n();
  const allowed = canUseWorkers(user);
  const sites = useResource(() => (allowed ? api.sites() : Promise.resolve([])), [allowed]);
  const mine = useMemo(() => manageableSites(sites.data ?? [], user), [sites.data, user]);

  return (
    <div className="page" data-testid="workers-page">
      <div className="page-head">
        <h1>{t('workers.title')}</h1>
      </div>
      <p className="muted">{t('workers.intro')}</p>
      {!allowed ? (
        <p className="notice">{t('app.forbidden')}</p>
      ) : sites.error && !sites.data ? (
        <ErrorBox error={sites.error} onRetry={sites.reload} />
      ) : !sites.data ? (
        <Loading />
      ) : mine.length === 0 ? (
        <p className="notice">{t('workers.enroll.noSites')}</p>
      ) : (
        <WorkersConsole sites={mine} initialSite={mine.some((s) => s.id === initialSite) ? initialSite : ''} />
      )}
    </div>
  );
}
