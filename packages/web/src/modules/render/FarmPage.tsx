import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { FigureTile } from '../../components/FigureTile.tsx';
import { formatDateTime, formatNumber } from '../../format.ts';
import { useUser } from '../../api/context.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { jobProgress, renderApi } from './api.ts';
import { LimitsPowerPanel } from './LimitsPowerPanel.tsx';
import { SubmitPanel } from './TypedJobForm.tsx';
import { StateBadge } from './StateBadge.tsx';

/** Farm overview: nodes by state, queue, throughput, and the job list. */
export function FarmPage() {
  const { t, lang } = useI18n();
  const user = useUser();
  const overview = useResource(() => renderApi.overview(), []);
  const jobs = useResource(() => renderApi.jobs(), []);
  useInterval(() => {
    overview.reload();
    jobs.reload();
  }, 3000);
  if (overview.error && !overview.data) return <ErrorBox error={overview.error} onRetry={overview.reload} />;
  if (!overview.data) return <Loading />;
  const o = overview.data;
  const here = Object.entries(o.renderersHere)
    .filter(([, v]) => v)
    .map(([k]) => k);
  return (
    <div className="page" data-testid="render-farm-page">
      <div className="page-head">
        <h1>{t('render.farm.title')}</h1>
      </div>
      {!o.renderersHere.blender && !o.renderersHere.povray ? (
        <p className="error-box" data-testid="render-no-renderer">{t('render.farm.noRenderer')}</p>
      ) : (
        <p className="muted">{t('render.farm.renderers', { list: here.join(', ') })}</p>
      )}
      <div className="tile-grid">
        <FigureTile id="render-nodes" label={t('render.farm.nodesOnline')} value={formatNumber(o.nodes.idle + o.nodes.busy, lang, 0)} sub={t('render.farm.nodesSub', o.nodes)} accent="blue" />
        <FigureTile id="render-queue" label={t('render.farm.queue')} value={formatNumber(o.tasksQueued, lang, 0)} sub={t('render.farm.queueSub', { active: o.tasksActive })} accent="amber" />
        <FigureTile
          id="render-throughput"
          label={t('render.farm.throughput')}
          value={t('render.farm.perMinute', { n: formatNumber(o.tasksPerMinute, lang, 1) })}
          sub={t('render.farm.throughputSub', { frames: formatNumber(o.framesPerMinute, lang, 1) })}
          accent="green"
        />
        <FigureTile id="render-jobs" label={t('render.farm.jobs')} value={formatNumber(Object.values(o.jobs).reduce((a, b) => a + b, 0), lang, 0)} sub={t('render.farm.jobsSub', o.jobs)} accent="violet" />
      </div>
      {user?.role === 'tenant' && <SubmitPanel />}
      <LimitsPowerPanel />
      <h2>{t('render.jobs.title')}</h2>
      {jobs.error && !jobs.data ? <ErrorBox error={jobs.error} onRetry={jobs.reload} /> : null}
      {jobs.data && jobs.data.items.length === 0 ? <p className="empty">{t('render.jobs.empty')}</p> : null}
      {jobs.data && jobs.data.items.length > 0 ? (
        <div className="card card-flush">
          <table className="table" data-testid="render-jobs-table">
            <thead>
              <tr>
                <th>{t('render.col.name')}</th>
                <th>{t('render.col.renderer')}</th>
                <th>{t('render.col.frames')}</th>
                <th className="num">{t('render.col.progress')}</th>
                <th>{t('render.col.state')}</th>
                <th>{t('render.col.created')}</th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.items.map((j) => (
                <tr key={j.id} data-testid={`render-job-${j.id}`}>
                  <td>
                    <Link to={`/render/jobs/${encodeURIComponent(j.id)}`}>{j.name}</Link>
                    <div className="muted small mono">{j.id}</div>
                  </td>
                  <td>{j.renderer ?? j.type}</td>
                  <td className="mono">{j.frames.length > 24 ? `${j.frames.slice(0, 24)}…` : j.frames}</td>
                  <td className="num">
                    {formatNumber(jobProgress(j) * 100, lang, 0)}% · {formatNumber(j.framesDone, lang, 0)}/{formatNumber(j.frameCount, lang, 0)}
                  </td>
                  <td>
                    <StateBadge state={j.state} />
                    {j.waiting && (
                      <span className="muted" title={j.waiting} data-testid="render-job-waiting-badge">
                        {' '}
                        {t('render.job.waitingShort')}
                      </span>
                    )}
                  </td>
                  <td>{formatDateTime(j.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
