import type { DataUse } from '@shuzhi/schema';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { formatDateTime, formatFen } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { dataApi } from './api.ts';
import { ReleaseNote, ResultTable, UseStateBadge } from './common.tsx';
import type { Translate } from './policy.ts';

const settled = (u: DataUse | undefined) => u !== undefined && (u.state === 'released' || u.state === 'refused' || u.state === 'failed');

/** One use as it moves: queued → running → released (the table) or refused (the reason); polled until it settles. */
export function UseView({ id }: { id: string }) {
  const { t } = useI18n();
  const use = useResource(() => dataApi.use(id), [id]);
  useInterval(() => use.reload(), settled(use.data) ? null : 1000);
  if (use.error && !use.data) return <ErrorBox error={use.error} onRetry={use.reload} />;
  if (!use.data) return <Loading />;
  const u = use.data;
  return (
    <div className="card" data-testid="data-use" data-use-id={u.id} data-state={u.state}>
      <div className="card-head">
        <h2>
          {t('data.use.title')} <span className="mono small">{u.id}</span>
        </h2>
        <UseStateBadge state={u.state} />
      </div>
      <p className="small">
        {t('data.use.where', { site: u.siteId })}
        {u.jobId && (
          <>
            {' · '}
            <Link to={`/compute/jobs/${encodeURIComponent(u.jobId)}`}>{t('data.use.job', { id: u.jobId })}</Link>
          </>
        )}
        {' · '}
        {t('data.use.when', { at: formatDateTime(u.createdAt, true) })}
        {u.feeFen > 0 && ` · ${t('data.use.fee', { fee: formatFen(u.feeFen) })}`}
      </p>
      <p className="small muted">{querySummary(u, t)}</p>
      {u.state === 'refused' || u.state === 'failed' ? (
        <p className="form-error" role="alert" data-testid="data-use-refusal">
          {u.refusal ? `${u.refusal.message} (${u.refusal.code})` : t('data.use.failed')}
        </p>
      ) : u.result ? (
        <>
          <span data-testid="data-use-site" className="tag">{u.siteId}</span>
          <ReleaseNote result={u.result} />
          <ResultTable result={u.result} />
        </>
      ) : (
        <p className="muted">{t('data.use.waiting')}</p>
      )}
    </div>
  );
}

/** "count, sum(energy_kwh) by county where year = 2024": what was asked, never any value of the data. */
export function querySummary(u: Pick<DataUse, 'query'>, t: Translate): string {
  const q = u.query;
  const what = q.train ? `train(${q.train.target} ~ ${q.train.feature})` : q.measures.map((m) => (m.column ? `${m.fn}(${m.column})` : m.fn)).join(', ');
  const by = [...q.groupBy, ...(q.join?.groupBy ?? [])];
  const where = q.filters.map((f) => `${f.column} ${f.op} ${Array.isArray(f.value) ? f.value.join('|') : String(f.value)}`).join(' & ');
  const text = by.length ? t('data.use.summary', { what, by: by.join(', ') }) : t('data.use.summaryAll', { what });
  return `${text}${where ? ` · ${where}` : ''}${q.join ? ` · join ${q.join.on} (${q.join.rows.length})` : ''}${q.epsilon ? ` · ε ${q.epsilon}` : ''}`;
}
