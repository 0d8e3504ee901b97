import { useState } from 'react';
import { ErrorBox, Loading, useErrorText } from '../../components/Feedback.tsx';
import { formatDateTime, formatEnergyKWh, formatNumber } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { RENDER_ACTIONS, type RenderAction } from '@shuzhi/schema';
import { jobProgress, renderApi } from './api.ts';
import { JobGraph } from './JobGraph.tsx';
import { StateBadge } from './StateBadge.tsx';

/** One job: controls, progress, the frame grid of thumbnails, the preview video, tasks and their logs. */
export function JobPage({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const errorText = useErrorText();
  const job = useResource(() => renderApi.job(id), [id]);
  const frames = useResource(() => renderApi.frames(id), [id]);
  const [logIndex, setLogIndex] = useState<number | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const logs = useResource(() => (logIndex === null ? Promise.resolve({ items: [] }) : renderApi.logs(id, logIndex)), [id, logIndex]);
  const live = job.data && !['completed', 'failed', 'cancelled'].includes(job.data.state);
  useInterval(
    () => {
      job.reload();
      frames.reload();
      if (logIndex !== null) logs.reload();
    },
    live ? 2000 : null,
  );
  if (job.error && !job.data) return <ErrorBox error={job.error} onRetry={job.reload} />;
  if (!job.data) return <Loading />;
  const j = job.data;
  const act = async (fn: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await fn();
    } catch (err) {
      setActionError(errorText(err));
    }
    job.reload();
  };
  return (
    <div className="page" data-testid="render-job-page">
      <div className="page-head">
        <h1>
          {j.name} <StateBadge state={j.state} />
        </h1>
        <div className="toolbar">
          {RENDER_ACTIONS[j.state].map((a: RenderAction) => (
            <button key={a} type="button" className="btn" data-testid={`render-job-${a}`} onClick={() => void act(() => renderApi.control(id, a))}>
              {t(`render.action.${a}`)}
            </button>
          ))}
        </div>
      </div>
      {actionError && <p className="error-box">{actionError}</p>}
      <p className="muted mono">{j.id}</p>
      <p>
        {j.renderer} · {j.frames} · {t('render.job.chunks', { chunks: j.taskCount - 1, size: j.chunkSize })} · {formatDateTime(j.createdAt)}
      </p>
      <p data-testid="render-job-progress">
        {t('render.job.framesDone', { done: formatNumber(j.framesDone, lang, 0), total: formatNumber(j.frameCount, lang, 0) })} · {formatNumber(jobProgress(j) * 100, lang, 0)}%
      </p>
      {j.waiting && (
        <p className="notice" data-testid="render-job-waiting">
          {t('render.job.waiting', { reason: j.waiting })}
        </p>
      )}
      {j.failureMessage && (
        <p className="error-box" data-testid="render-job-failure">
          {t('render.job.failure', { message: j.failureMessage })}
        </p>
      )}
      <JobGraph job={j} />
      {j.usage && (
        <p className="muted">
          {t('render.job.usage', { hours: formatNumber(j.usage.nodeHours, lang, 3), energy: formatEnergyKWh(j.usage.energyKWh, lang), green: formatEnergyKWh(j.usage.greenKWh, lang) })}
        </p>
      )}
      {j.blocklist.length > 0 && (
        <div className="card">
          <h3>{t('render.job.blocklist')}</h3>
          <ul>
            {j.blocklist.map((b) => (
              <li key={b.nodeId} className="mono">
                {b.nodeId} — {t('render.job.until', { until: formatDateTime(b.until) })}
              </li>
            ))}
          </ul>
        </div>
      )}
      <h2>{t('render.job.preview')}</h2>
      {j.hasPreview ? (
        <video data-testid="render-preview" src={renderApi.previewUrl(id)} controls loop muted style={{ maxWidth: '100%', width: 480 }} />
      ) : (
        <p className="muted">{t('render.job.noPreview')}</p>
      )}
      <h2>{t('render.job.frameGrid')}</h2>
      {frames.data && frames.data.items.length === 0 && <p className="muted">{t('render.job.noFrames')}</p>}
      <div data-testid="render-frame-grid" style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(120px, 1fr))', gap: 6 }}>
        {frames.data?.items.map((f) => (
          <a key={f.frame} href={renderApi.frameUrl(id, f.frame)} target="_blank" rel="noreferrer" title={`#${f.frame}${f.nodeId ? ` · ${f.nodeId}` : ''}`}>
            {f.hasThumb ? (
              <img src={renderApi.thumbUrl(id, f.frame)} alt={`#${f.frame}`} loading="lazy" style={{ width: '100%', display: 'block' }} />
            ) : (
              <span className="mono">#{f.frame}</span>
            )}
            <span className="small mono">#{f.frame}</span>
          </a>
        ))}
      </div>
      <h2>{t('render.job.tasks')}</h2>
      <div className="card card-flush">
        <table className="table" data-testid="render-tasks-table">
          <thead>
            <tr>
              <th>{t('render.col.task')}</th>
              <th>{t('render.col.kind')}</th>
              <th>{t('render.col.frames')}</th>
              <th>{t('render.col.state')}</th>
              <th className="num">{t('render.col.progress')}</th>
              <th className="num">{t('render.col.attempt')}</th>
              <th>{t('render.col.node')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {j.tasks.map((task) => (
              <tr key={task.index} data-testid={`render-task-${task.index}`}>
                <td className="mono">#{task.index}</td>
                <td>{t(`render.kind.${task.kind}`)}</td>
                <td className="mono">{task.frames.length > 20 ? `${task.frames.slice(0, 20)}…` : task.frames}</td>
                <td>
                  <StateBadge state={task.state} />
                </td>
                <td className="num">{task.progress === null ? '—' : `${formatNumber(task.progress * 100, lang, 0)}%`}</td>
                <td className="num">{task.attempt}</td>
                <td className="mono">{task.nodeId ?? (task.failedOn.length ? `✗ ${task.failedOn.join(', ')}` : '—')}</td>
                <td>
                  <button type="button" className="btn btn-small" onClick={() => setLogIndex(task.index)}>
                    {t('render.action.logs')}
                  </button>
                  {RENDER_ACTIONS[task.state].map((a: RenderAction) => (
                    <button key={a} type="button" className="btn btn-small" onClick={() => void act(() => renderApi.controlTask(id, task.index, a))}>
                      {t(`render.action.${a}`)}
                    </button>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {logIndex !== null && (
        <div className="card" data-testid="render-task-logs">
          <h3>{t('render.job.logsOf', { index: logIndex })}</h3>
          {logs.data && logs.data.items.length === 0 ? (
            <p className="muted">{t('render.job.noLogs')}</p>
          ) : (
            <pre className="mono small" style={{ maxHeight: 360, overflow: 'auto', whiteSpace: 'pre-wrap' }}>
              {logs.data?.items.map((l) => `[${l.attempt}${l.nodeId ? ` ${l.nodeId}` : ''}] ${l.text}`).join('')}
            </pre>
          )}
        </div>
      )}
    </div>
  );
}
