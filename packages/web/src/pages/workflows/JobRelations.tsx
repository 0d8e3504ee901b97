import type { JobDetail, JobStatus } from '@shuzhi/schema';
import { useApi } from '../../api/context.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatDateTime } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useResource } from '../../useResource.ts';

const jobLink = (id: string) => (
  <Link to={`/compute/jobs/${encodeURIComponent(id)}`} className="mono">
    {id}
  </Link>
);

/** A job's place among others: what it waits for (and why), who waits for it, its workflow. */
export function JobRelations({ job }: { job: JobDetail }) {
  const { t } = useI18n();
  const deps = job.dependencies ?? [];
  const dependants = job.dependants ?? [];
  if (!deps.length && !dependants.length && !job.workflow && !job.held) return null;
  return (
    <div className="card" data-testid="job-relations">
      <h2>{t('deps.title')}</h2>
      {job.held && (
        <p className="explanation" data-testid="job-held">
          <b>{t('deps.held')}{t('app.colon')}</b>
          {job.held}
        </p>
      )}
      {job.workflow && (
        <p>
          <Link to={`/compute/workflows/${encodeURIComponent(job.workflow.id)}`}>{t('workflow.step', { step: job.workflow.step, id: job.workflow.id })}</Link>
        </p>
      )}
      {deps.length > 0 && (
        <>
          <h3>{t('deps.parents')}</h3>
          <ul data-testid="job-parents">
            {deps.map((d) => (
              <li key={d.jobId} data-state={d.state}>
                {jobLink(d.jobId)} after{d.kind} — {t(`deps.state.${d.state}`)}
              </li>
            ))}
          </ul>
        </>
      )}
      {dependants.length > 0 && (
        <>
          <h3>{t('deps.dependants')}</h3>
          <ul data-testid="job-dependants">
            {dependants.map((d) => (
              <li key={d.jobId}>
                {jobLink(d.jobId)} after{d.kind}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

const SHOWN = 200;

/** An array's tasks counted by state, in the user's language (`pending`: not made yet). */
export function arrayCountsText(counts: Record<string, number>, t: ReturnType<typeof useI18n>['t']): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k === 'pending' ? t('array.count.pending') : t(`status.${k as JobStatus}`)}`)
    .join(' · ');
}

/** An array's tasks: counts by state (those not made yet as pending) and the first tasks made. */
export function ArrayTasks({ job, version }: { job: JobDetail; version: string }) {
  const api = useApi();
  const { t } = useI18n();
  const tasks = useResource(() => api.jobTasks(job.id, SHOWN), [job.id, version]);
  const a = job.array;
  if (!a) return null;
  return (
    <div className="card card-flush" data-testid="job-array">
      <h2 className="card-title">
        {t('array.title')} <span className="muted small">{a.spec} · {t('array.summary', { size: a.size, cap: a.cap ? t('array.cap', { cap: a.cap }) : '' })}</span>
      </h2>
      <p className="counts" data-testid="array-counts">
        {arrayCountsText(a.counts, t)}
      </p>
      {tasks.data && (
        <>
          <table className="table" data-testid="array-tasks">
            <thead>
              <tr>
                <th className="num">{t('array.index')}</th>
                <th>{t('array.status')}</th>
                <th>{t('array.site')}</th>
                <th className="num">{t('array.attempt')}</th>
                <th>{t('job.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {tasks.data.items.map((x) => (
                <tr key={x.id}>
                  <td className="num">{x.index ?? '—'}</td>
                  <td>{x.status === 'pending' || x.status === 'waiting' ? x.status : <StatusBadge status={x.status} />}</td>
                  <td className="mono">{x.siteId ?? '—'}</td>
                  <td className="num">{x.attempt}</td>
                  <td>{formatDateTime(x.updatedAt, true)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">{t('array.made', { n: tasks.data.total, shown: Math.min(SHOWN, tasks.data.total) })}</p>
        </>
      )}
    </div>
  );
}
