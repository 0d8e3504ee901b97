import { useState } from 'react';
import type { JobDetail, Usage } from '@shuzhi/schema';
import { useApi, useServerEvents, useUser } from '../api/context.tsx';
import { ApiError } from '../api/client.ts';
import { ErrorBox, Loading, useErrorText } from '../components/Feedback.tsx';
import { LogPanel } from '../components/LogPanel.tsx';
import { RunStatusBadge, StatusBadge } from '../components/StatusBadge.tsx';
import { formatCarbonG, formatDateTime, formatEnergyKWh, formatFen, formatNumber, formatPercent } from '../format.ts';
import { useI18n } from '../i18n/I18nProvider.tsx';
import { isFinal, jobTimeline } from '../jobTimeline.ts';
import { Link } from '../router.tsx';
import { useInterval, useResource } from '../useResource.ts';
import { ArrayTasks, JobRelations } from './workflows/JobRelations.tsx';

const CANCEL_ROLES = ['tenant', 'operator'];

function Timeline({ job }: { job: JobDetail }) {
  const { t } = useI18n();
  return (
    <ol className="timeline" data-testid="job-timeline">
      {jobTimeline(job).map((s) => (
        <li key={s.id} className={`step step-${s.state}${s.status ? ` step-${s.status}` : ''}`} data-step={s.id} data-state={s.state}>
          <span className="step-dot" />
          <span className="step-label">{s.status ? t(`status.${s.status}`) : t(`timeline.${s.id}`)}</span>
          <span className="step-time">{s.at ? formatDateTime(s.at, true) : s.state === 'pending' ? t('timeline.pending') : ''}</span>
        </li>
      ))}
    </ol>
  );
}

function UsageCells({ usage }: { usage: Usage | null }) {
  const { lang } = useI18n();
  if (!usage) {
    return (
      <>
        <td className="num">—</td>
        <td className="num">—</td>
        <td className="num">—</td>
        <td className="num">—</td>
        <td className="num">—</td>
      </>
    );
  }
  return (
    <>
      <td className="num">{formatNumber(usage.unitHours, lang, 2)}</td>
      <td className="num">{formatEnergyKWh(usage.energyKWh, lang)}</td>
      <td className="num">
        {formatEnergyKWh(usage.greenKWh, lang)}
        {usage.energyKWh > 0 && <span className="muted small"> ({formatPercent(usage.greenKWh / usage.energyKWh, lang, 0)})</span>}
      </td>
      <td className="num">{formatCarbonG(usage.carbonG, lang)}</td>
      <td className="num">{formatFen(usage.costFen)}</td>
    </>
  );
}

function CancelButton({ job, onDone }: { job: JobDetail; onDone: () => void }) {
  const api = useApi();
  const { t } = useI18n();
  const errorText = useErrorText();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <span className="cancel">
      <button
        type="button"
        className="btn btn-danger"
        data-testid="job-cancel"
        disabled={busy}
        onClick={async () => {
          if (typeof window.confirm === 'function' && !window.confirm(t('job.confirmCancel', { name: job.name }))) return;
          setBusy(true);
          setError(null);
          try {
            await api.cancelJob(job.id);
          } catch (err) {
            // Already final (JOB_FINISHED) is not worth an error: the refresh shows the real status.
            if (!(err instanceof ApiError && err.code === 'JOB_FINISHED')) setError(err);
          } finally {
            setBusy(false);
            onDone();
          }
        }}
      >
        {busy ? t('job.cancelling') : t('job.cancel')}
      </button>
      {error !== null && <span className="form-error">{errorText(error)}</span>}
    </span>
  );
}

export function JobDetailPage({ id }: { id: string }) {
  const api = useApi();
  const user = useUser();
  const { t, lang } = useI18n();
  const job = useResource(() => api.job(id), [id]);
  useServerEvents(['job'], () => job.reload(), 300);
  const final = job.data ? isFinal(job.data.status) : false;
  useInterval(() => job.reload(), final ? null : 10_000);

  if (job.error && !job.data) {
    return (
      <div className="page">
        <Link to="/compute/jobs" className="back">
          ← {t('job.backToList')}
        </Link>
        {job.error instanceof ApiError && job.error.status === 404 ? (
          <p className="empty" data-testid="job-not-found">{t('job.notFound')}</p>
        ) : (
          <ErrorBox error={job.error} onRetry={job.reload} />
        )}
      </div>
    );
  }
  if (!job.data) return <Loading />;
  const j = job.data;
  const canCancel = !final && user !== null && CANCEL_ROLES.includes(user.role);

  return (
    <div className="page">
      <Link to="/compute/jobs" className="back">
        ← {t('job.backToList')}
      </Link>
      <div className="page-head">
        <h1>
          {j.name} <span className="muted mono small">{j.id}</span>
        </h1>
        <div className="toolbar">
          <StatusBadge status={j.status} testId="job-status" />
          {canCancel && <CancelButton job={j} onDone={job.reload} />}
        </div>
      </div>

      <div className="card">
        <h2>{t('job.timeline')}</h2>
        <Timeline job={j} />
        {j.explanation && (
          <p className="explanation" data-testid="job-explanation">
            <b>{t('job.explanation')}{t('app.colon')}</b>
            {j.explanation}
          </p>
        )}
        {j.transfer && (
          <p className="explanation" data-testid="job-transfer">
            <b>{t('job.transfer')}{t('app.colon')}</b>
            {t('job.transferText', {
              gb: formatNumber(j.transfer.dataGB, lang),
              from: j.transfer.fromRegion,
              to: j.transfer.toRegion,
              cost: formatFen(j.transfer.fen),
            })}
          </p>
        )}
        {j.runs.filter((r) => r.preemption).map((r) => {
          const p = r.preemption!;
          const next = j.runs.find((n) => n.attempt > r.attempt);
          const vars = {
            reason: t(`preemptReason.${p.reason}`),
            at: formatDateTime(r.endedAt, true),
            kb: formatNumber((p.checkpointBytes ?? 0) / 1024, lang, 1),
            resumed: next ? formatDateTime(next.startedAt, true) : t('job.pausedNotYet'),
          };
          return (
            <p className="explanation" data-testid="job-preempted" key={r.id}>
              <b>{t('job.paused')}{t('app.colon')}</b>
              {t(p.checkpointBytes !== null ? 'job.pausedCheckpoint' : 'job.pausedRestart', vars)}
              {' — '}
              {t(p.billed ? 'job.pausedBilled' : 'job.pausedNotBilled')}
              {p.window && (
                <span data-testid="job-paused-window">
                  {' — '}
                  {t('job.pausedWindow', { fen: formatFen(p.window.saveFen), kg: formatNumber(p.window.saveKg, lang, 2), resumeAt: formatDateTime(p.window.resumeAt, true) })}
                </span>
              )}
            </p>
          );
        })}
        {j.runs.flatMap((r) => (r.suspensions ?? []).map((x, i) => (
          <p className="explanation" data-testid="job-suspended" key={`${r.id}:${i}`}>
            <b>{t('job.suspended')}{t('app.colon')}</b>
            {t('job.suspendedText', { from: formatDateTime(x.from, true), fen: formatFen(x.saveFen), kg: formatNumber(x.saveKg, lang, 2), until: formatDateTime(x.until, true) })}
            {/* Closed at the run's end (cancelled, requeued while suspended) it never resumed. */}
            {x.resumedAt && <>{' — '}{t(x.resumedAt === r.endedAt ? 'job.suspendedRunEnded' : 'job.suspendedResumed', { at: formatDateTime(x.resumedAt, true) })}</>}
            {' — '}
            {t('job.suspendedNotCounted')}
          </p>
        )))}
        {j.error && (
          <p className="form-error" data-testid="job-error">
            <b>{t('job.error')}{t('app.colon')}</b>
            {j.error}
          </p>
        )}
      </div>

      <JobRelations job={j} />
      {j.array && <ArrayTasks job={j} version={j.updatedAt} />}

      <div className="facts">
        <div className="fact"><span>{t('job.tenant')}</span><b className="mono">{j.tenantId}</b></div>
        <div className="fact"><span>{t('job.type')}</span><b>{t(`resource.${j.type}`)}</b></div>
        <div className="fact"><span>{t('job.units')}</span><b>{formatNumber(j.units, lang, 0)}</b></div>
        <div className="fact"><span>{t('job.hours')}</span><b>{formatNumber(j.hours, lang, 2)}</b></div>
        <div className="fact"><span>{t('job.flex')}</span><b>{t(`flex.${j.flex}`)}</b></div>
        <div className="fact"><span>{t('job.priority')}</span><b>{j.priority}</b></div>
        <div className="fact"><span>{t('job.site')}</span><b className="mono">{j.siteId ?? '—'}</b></div>
        <div className="fact"><span>{t('job.home')}</span><b className="mono">{j.home ?? '—'}</b></div>
        <div className="fact"><span>{t('job.dataGB')}</span><b>{formatNumber(j.dataGB, lang, 1)}</b></div>
        <div className="fact"><span>{t('job.regions')}</span><b>{j.regions.length ? j.regions.join(', ') : t('job.regionsAny')}</b></div>
        {j.sites.length > 0 && <div className="fact"><span>{t('job.sites')}</span><b>{j.sites.join(', ')}</b></div>}
        <div className="fact"><span>{t('job.release')}</span><b>{formatDateTime(j.releaseAt)}</b></div>
        <div className="fact"><span>{t('job.deadline')}</span><b>{formatDateTime(j.deadlineAt)}</b></div>
        <div className="fact"><span>{t('job.created')}</span><b>{formatDateTime(j.createdAt)}</b></div>
        <div className="fact"><span>{t('job.updated')}</span><b>{formatDateTime(j.updatedAt)}</b></div>
      </div>

      <div className="card">
        <h2>{t('job.command')}</h2>
        <pre className="command">{j.command}</pre>
      </div>

      <div className="card card-flush">
        <h2 className="card-title">{t('job.runs')}</h2>
        {j.runs.length === 0 ? (
          <p className="empty">{t('job.noRuns')}</p>
        ) : (
          <table className="table" data-testid="job-runs">
            <thead>
              <tr>
                <th>{t('run.attempt')}</th>
                <th>{t('run.site')}</th>
                <th>{t('run.agent')}</th>
                <th>{t('run.status')}</th>
                <th>{t('run.started')}</th>
                <th>{t('run.ended')}</th>
                <th className="num">{t('run.exitCode')}</th>
                <th className="num">{t('usage.unitHours')}</th>
                <th className="num">{t('usage.energy')}</th>
                <th className="num">{t('usage.green')}</th>
                <th className="num">{t('usage.carbon')}</th>
                <th className="num">{t('usage.cost')}</th>
              </tr>
            </thead>
            <tbody>
              {j.runs.map((r) => (
                <tr key={r.id}>
                  <td>#{r.attempt}</td>
                  <td className="mono">{r.siteId}</td>
                  <td className="mono">{r.agentId ?? '—'}</td>
                  <td><RunStatusBadge status={r.status} /></td>
                  <td>{formatDateTime(r.startedAt, true)}</td>
                  <td>{formatDateTime(r.endedAt, true)}</td>
                  <td className="num">{r.exitCode ?? '—'}</td>
                  <UsageCells usage={r.usage} />
                </tr>
              ))}
            </tbody>
            {j.usage && (
              <tfoot>
                <tr>
                  <td colSpan={7}>{t('job.usage')}</td>
                  <UsageCells usage={j.usage} />
                </tr>
              </tfoot>
            )}
          </table>
        )}
      </div>

      <LogPanel jobId={j.id} active={!final} />
    </div>
  );
}
