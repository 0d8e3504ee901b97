import type { Site } from '@shuzhi/schema';
import { useApi, useServerEvents, useUser } from '../../api/context.tsx';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useResource } from '../../useResource.ts';
import { manageableSites } from './model.ts';
import { WorkerStateBadge } from './WorkerTable.tsx';

export const workersPathFor = (siteId: string) => `/compute/workers?site=${encodeURIComponent(siteId)}`;

function SiteWorkerList({ siteId }: { siteId: string }) {
  const api = useApi();
  const { t } = useI18n();
  const list = useResource(() => api.workers({ siteId }), [siteId]);
  useServerEvents(['worker'], () => list.reload(), 1000);
  if (list.error && !list.data) return <ErrorBox error={list.error} onRetry={list.reload} />;
  if (!list.data) return <Loading />;
  if (list.data.length === 0) return <p className="empty">{t('workers.emptySite')}</p>;
  return (
    <table className="table" data-testid="site-workers">
      <thead>
        <tr>
          <th>{t('workers.col.name')}</th>
          <th>{t('workers.col.id')}</th>
          <th>{t('workers.col.lastSeen')}</th>
          <th>{t('workers.col.state')}</th>
        </tr>
      </thead>
      <tbody>
        {list.data.map((w) => (
          <tr key={w.id}>
            <td>{w.name}</td>
            <td className="mono small">{w.id}</td>
            <td>{w.lastSeenAt ? formatDateTime(w.lastSeenAt, true) : <span className="muted">{t('workers.neverSeen')}</span>}</td>
            <td>
              <WorkerStateBadge worker={w} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A site's workers on its detail page, for those who may manage them (operators, the owning tenant). */
export function SiteWorkers({ site }: { site: Site }) {
  const user = useUser();
  const { t } = useI18n();
  if (manageableSites([site], user).length === 0) return null;
  return (
    <section data-testid="site-workers-section">
      <div className="section-head">
        <h2>{t('workers.site.title')}</h2>
        <Link to={workersPathFor(site.id)} className="btn btn-small" data-testid="site-workers-manage">
          {t('workers.site.manage')}
        </Link>
      </div>
      <div className="card card-flush">
        <SiteWorkerList siteId={site.id} />
      </div>
    </section>
  );
}
