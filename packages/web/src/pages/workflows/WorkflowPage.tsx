import { useState } from 'react';
import type { JobStatus, Workflow } from '@shuzhi/schema';
import { useApi, useServerEvents, useUser } from '../../api/context.tsx';
import { ApiError } from '../../api/client.ts';
import { ErrorBox, Loading, useErrorText } from '../../components/Feedback.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatDateTime } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link, navigate } from '../../router.tsx';
import { useResource } from '../../useResource.ts';
import { layoutDag } from './dagLayout.ts';

const W = 170;
const H = 56;
const GAP_X = 70;
const GAP_Y = 24;
const COLOURS: Record<string, string> = { succeeded: '#2e7d32', failed: '#c62828', cancelled: '#757575', running: '#1565c0', planned: '#6a1b9a', queued: '#ef6c00' };

/** The workflow as a graph: one box per step (coloured by its job's state), arrows from parents. */
function DagView({ wf }: { wf: Workflow }) {
  const { t } = useI18n();
  const { nodes, cols, rows } = layoutDag(wf.steps.map((s) => s.name), wf.edges);
  const at = new Map(nodes.map((n) => [n.name, { x: 10 + n.col * (W + GAP_X), y: 10 + n.row * (H + GAP_Y) }]));
  const width = 20 + cols * (W + GAP_X) - GAP_X;
  const height = 20 + rows * (H + GAP_Y) - GAP_Y;
  return (
    <svg className="dag" role="img" aria-label={t('workflow.graph')} viewBox={`0 0 ${width} ${height}`} width="100%" style={{ maxWidth: width }} data-testid="workflow-graph">
      <defs>
        <marker id="dag-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#607d8b" />
        </marker>
      </defs>
      {wf.edges.map((e) => {
        const a = at.get(e.from);
        const b = at.get(e.to);
        if (!a || !b) return null;
        return (
          <g key={`${e.from}>${e.to}`} data-testid={`edge-${e.from}-${e.to}`}>
            <line x1={a.x + W} y1={a.y + H / 2} x2={b.x} y2={b.y + H / 2} stroke="#607d8b" strokeWidth={1.5} markerEnd="url(#dag-arrow)" strokeDasharray={e.kind === 'ok' ? undefined : '5 3'} />
            {e.kind !== 'ok' && (
              <text x={(a.x + W + b.x) / 2} y={(a.y + b.y) / 2 + H / 2 - 4} fontSize={11} textAnchor="middle" fill="#455a64">
                after{e.kind}
              </text>
            )}
          </g>
        );
      })}
      {wf.steps.map((s) => {
        const p = at.get(s.name)!;
        return (
          <a key={s.name} href={`#/compute/jobs/${encodeURIComponent(s.jobId)}`} data-testid={`node-${s.name}`} data-status={s.status}>
            <rect x={p.x} y={p.y} width={W} height={H} rx={8} fill="#fff" stroke={COLOURS[s.status] ?? '#607d8b'} strokeWidth={2.5} />
            <text x={p.x + 10} y={p.y + 22} fontSize={14} fontWeight={600}>
              {s.name}
            </text>
            <text x={p.x + 10} y={p.y + 42} fontSize={12} fill={COLOURS[s.status] ?? '#607d8b'}>
              {t(`status.${s.status}`)}
              {s.siteId ? ` · ${s.siteId}` : ''}
            </text>
          </a>
        );
      })}
    </svg>
  );
}

export function WorkflowPage({ id }: { id: string }) {
  const api = useApi();
  const user = useUser();
  const { t } = useI18n();
  const errorText = useErrorText();
  const wf = useResource(() => api.workflow(id), [id]);
  useServerEvents(['job'], () => wf.reload(), 300);
  const [error, setError] = useState<unknown>(null);
  if (wf.error && !wf.data) {
    return (
      <div className="page">
        {wf.error instanceof ApiError && wf.error.status === 404 ? <p className="empty" data-testid="workflow-not-found">{t('workflow.notFound')}</p> : <ErrorBox error={wf.error} onRetry={wf.reload} />}
      </div>
    );
  }
  if (!wf.data) return <Loading />;
  const w = wf.data;
  const canCancel = w.status === 'active' && user !== null && ['tenant', 'operator'].includes(user.role);
  return (
    <div className="page">
      <Link to="/compute/workflows" className="back">
        ← {t('workflow.list')}
      </Link>
      <div className="page-head">
        <h1>
          {w.name} <span className="muted mono small">{w.id}</span>
        </h1>
        <div className="toolbar">
          <span className="badge" data-testid="workflow-status">{w.status === 'active' ? t('workflow.status.active') : t(`status.${w.status}`)}</span>
          {canCancel && (
            <button
              type="button"
              className="btn btn-danger"
              data-testid="workflow-cancel"
              onClick={async () => {
                if (typeof window.confirm === 'function' && !window.confirm(t('workflow.confirmCancel', { name: w.name }))) return;
                try {
                  await api.cancelWorkflow(w.id);
                } catch (err) {
                  setError(err);
                }
                wf.reload();
              }}
            >
              {t('workflow.cancel')}
            </button>
          )}
        </div>
      </div>
      {error !== null && <p className="form-error">{errorText(error)}</p>}
      <div className="card">
        <h2>{t('workflow.graph')}</h2>
        <DagView wf={w} />
      </div>
      <div className="card card-flush">
        <h2 className="card-title">{t('workflow.steps')}</h2>
        <table className="table" data-testid="workflow-steps">
          <thead>
            <tr>
              <th>{t('workflow.steps')}</th>
              <th>{t('job.status')}</th>
              <th>{t('job.site')}</th>
              <th>{t('deps.held')}</th>
            </tr>
          </thead>
          <tbody>
            {w.steps.map((s) => (
              <tr key={s.name}>
                <td>
                  <Link to={`/compute/jobs/${encodeURIComponent(s.jobId)}`}>{s.name}</Link>
                  <div className="muted small mono">{s.jobId}</div>
                </td>
                <td>
                  <StatusBadge status={s.status} />
                </td>
                <td className="mono">{s.siteId ?? '—'}</td>
                <td>{s.held ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export function WorkflowsPage() {
  const api = useApi();
  const { t } = useI18n();
  const list = useResource(() => api.workflows(), []);
  useServerEvents(['job'], () => list.reload(), 500);
  if (list.error && !list.data) return <ErrorBox error={list.error} onRetry={list.reload} />;
  if (!list.data) return <Loading />;
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('workflow.list')}</h1>
      </div>
      {list.data.items.length === 0 ? (
        <p className="empty">{t('workflow.empty')}</p>
      ) : (
        <div className="card card-flush">
          <table className="table" data-testid="workflows-table">
            <thead>
              <tr>
                <th>{t('workflow.title')}</th>
                <th>{t('job.status')}</th>
                <th>{t('workflow.steps')}</th>
                <th>{t('job.created')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((w) => (
                <tr key={w.id} onClick={() => navigate(`/compute/workflows/${encodeURIComponent(w.id)}`)}>
                  <td>
                    <Link to={`/compute/workflows/${encodeURIComponent(w.id)}`}>{w.name}</Link>
                    <div className="muted small mono">{w.id}</div>
                  </td>
                  <td>{w.status === 'active' ? t('workflow.status.active') : t(`status.${w.status}`)}</td>
                  <td>{Object.entries(w.counts).map(([k, n]) => `${n} ${t(`status.${k as JobStatus}`)}`).join(' · ')}</td>
                  <td>{formatDateTime(w.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
