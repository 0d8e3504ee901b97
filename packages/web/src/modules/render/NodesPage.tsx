import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { renderApi } from './api.ts';

const NODE_BADGE = { idle: 'badge-queued', busy: 'badge-running', offline: 'badge-failed' } as const;

/** Render nodes with their tags, current task and the jobs that have them blocklisted. */
export function NodesPage() {
  const { t } = useI18n();
  const nodes = useResource(() => renderApi.nodes(), []);
  useInterval(() => nodes.reload(), 3000);
  if (nodes.error && !nodes.data) return <ErrorBox error={nodes.error} onRetry={nodes.reload} />;
  if (!nodes.data) return <Loading />;
  return (
    <div className="page" data-testid="render-nodes-page">
      <div className="page-head">
        <h1>{t('render.nodes.title')}</h1>
        <span className="muted">{t('render.nodes.total', { n: nodes.data.total })}</span>
      </div>
      {nodes.data.items.length === 0 ? (
        <p className="empty">{t('render.nodes.empty')}</p>
      ) : (
        <div className="card card-flush">
          <table className="table" data-testid="render-nodes-table">
            <thead>
              <tr>
                <th>{t('render.col.id')}</th>
                <th>{t('render.col.state')}</th>
                <th>{t('render.col.tags')}</th>
                <th className="num">{t('render.col.slots')}</th>
                <th>{t('render.col.current')}</th>
                <th>{t('render.col.blocklist')}</th>
                <th>{t('render.col.lastSeen')}</th>
              </tr>
            </thead>
            <tbody>
              {nodes.data.items.map((n) => (
                <tr key={n.id} data-testid={`render-node-${n.id}`}>
                  <td className="mono">{n.id}</td>
                  <td>
                    <span className={`badge ${NODE_BADGE[n.state]}`}>{t(`render.node.${n.state}`)}</span>
                  </td>
                  <td>{n.tags.join(', ') || '—'}</td>
                  <td className="num">{n.slots}</td>
                  <td className="mono">
                    {n.current.length
                      ? n.current.map((c) => (
                          <div key={c.taskId}>
                            <Link to={`/render/jobs/${encodeURIComponent(c.jobId)}`}>{c.taskId}</Link>
                            {c.progress !== null ? ` ${Math.round(c.progress * 100)}%` : ''}
                          </div>
                        ))
                      : '—'}
                  </td>
                  <td className="mono">{n.blocklistedIn.map((b) => b.jobId).join(', ') || '—'}</td>
                  <td>{n.lastSeenAt ? formatDateTime(n.lastSeenAt, true) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
