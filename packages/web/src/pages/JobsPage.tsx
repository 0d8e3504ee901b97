import { useState } from 'react';
import { JobStatuses, type JobStatus } from '@shuzhi/schema';
import { useApi, useServerEvents, useUser } from '../api/context.tsx';
import { ErrorBox, Loading } from '../components/Feedback.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { formatDateTime, formatFen, formatNumber } from '../format.ts';
import { useI18n } from '../i18n/I18nProvider.tsx';
import { SUBMIT_ROLES } from '../nav.ts';
import { Link } from '../router.tsx';
import { useInterval, useResource } from '../useResource.ts';
import { arrayCountsText } from './workflows/JobRelations.tsx';

const PAGE_SIZE = 50;

export function JobsPage() {
  const api = useApi();
  const user = useUser();
  const { t, lang } = useI18n();
  const [status, setStatus] = useState<JobStatus | ''>('');
  const [page, setPage] = useState(0);
  const jobs = useResource(
    () => api.jobs({ status: status || undefined, limit: PAGE_SIZE, offset: page * PAGE_SIZE }),
    [status, page],
  );
  useServerEvents(['job'], () => jobs.reload(), 300);
  useInterval(() => jobs.reload(), 20_000);

  const total = jobs.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const canSubmit = user !== null && (SUBMIT_ROLES as readonly string[]).includes(user.role);

  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('jobs.title')}</h1>
        <div className="toolbar">
          <label className="inline-field">
            <span>{t('jobs.filter')}</span>
            <select
              data-testid="jobs-status-filter"
              value={status}
              onChange={(e) => {
                setStatus(e.target.value as JobStatus | '');
                setPage(0);
              }}
            >
              <option value="">{t('status.all')}</option>
              {JobStatuses.map((s) => (
                <option key={s} value={s}>
                  {t(`status.${s}`)}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="btn" onClick={jobs.reload}>
            {t('app.refresh')}
          </button>
          <Link to="/compute/workflows" className="btn">
            {t('workflow.list')}
          </Link>
          {canSubmit && (
            <Link to="/compute/submit" className="btn btn-primary">
              {t('jobs.new')}
            </Link>
          )}
        </div>
      </div>
      {jobs.error && !jobs.data ? (
        <ErrorBox error={jobs.error} onRetry={jobs.reload} />
      ) : !jobs.data ? (
        <Loading />
      ) : jobs.data.items.length === 0 ? (
        <p className="empty">{t('jobs.empty')}</p>
      ) : (
        <>
          <div className="card card-flush">
            <table className="table" data-testid="jobs-table">
              <thead>
                <tr>
                  <th>{t('job.name')}</th>
                  <th>{t('job.tenant')}</th>
                  <th>{t('job.type')}</th>
                  <th className="num">{t('job.units')}</th>
                  <th className="num">{t('job.hours')}</th>
                  <th>{t('job.status')}</th>
                  <th>{t('job.site')}</th>
                  <th>{t('job.created')}</th>
                  <th className="num">{t('job.cost')}</th>
                </tr>
              </thead>
              <tbody>
                {jobs.data.items.map((j) => (
                  <tr key={j.id} data-testid={`job-row-${j.id}`}>
                    <td>
                      <Link to={`/compute/jobs/${encodeURIComponent(j.id)}`}>{j.name}</Link>
                      <div className="muted small mono">{j.id}</div>
                      {j.array && (
                        <div className="muted small" data-testid={`job-array-${j.id}`}>
                          [{j.array.spec}] {arrayCountsText(j.array.counts, t)}
                        </div>
                      )}
                      {j.held && <div className="muted small">{j.held}</div>}
                    </td>
                    <td className="mono">{j.tenantId}</td>
                    <td>{t(`resource.${j.type}`)}</td>
                    <td className="num">{formatNumber(j.units, lang, 0)}</td>
                    <td className="num">{formatNumber(j.hours, lang, 2)}</td>
                    <td>
                      <StatusBadge status={j.status} />
                    </td>
                    <td className="mono">{j.siteId ?? '—'}</td>
                    <td>{formatDateTime(j.createdAt)}</td>
                    <td className="num">{j.usage ? formatFen(j.usage.costFen) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="pager">
            <span className="muted">{t('jobs.total', { n: total })}</span>
            <button type="button" className="btn btn-small" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
              {t('jobs.prev')}
            </button>
            <span>{t('jobs.page', { page: page + 1, pages })}</span>
            <button
              type="button"
              className="btn btn-small"
              disabled={page + 1 >= pages}
              onClick={() => setPage((p) => p + 1)}
            >
              {t('jobs.next')}
            </button>
          </div>
        </>
      )}
    </div>
  );
}
