import type { Role } from '@shuzhi/schema';
import { useUser } from '../../api/context.tsx';
import { LazyEChart } from '../../charts/LazyEChart.tsx';
import { EmptyState, ErrorBox, Loading } from '../../components/Feedback.tsx';
import { FigureTile } from '../../components/FigureTile.tsx';
import { formatNumber, formatPercent } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { govApi } from './api.ts';
import { useText } from './text.ts';

/** Who the server shows the work queues (gov/routes.ts, listGovQueue). */
const QUEUE_ROLES: readonly Role[] = ['officer', 'supervisor', 'operator'];

type FigureKey = 'steps' | 'materials' | 'workingDays' | 'trips';
const FIGURES: FigureKey[] = ['steps', 'materials', 'workingDays', 'trips'];
const labelOf = { steps: 'gov.metrics.steps', materials: 'gov.metrics.materials', workingDays: 'gov.metrics.days', trips: 'gov.metrics.trips' } as const;

/** Supervisor dashboard: each before/after figure on its own, measured from real cases, SLA compliance, escalations. */
export function DashboardPage() {
  const { t, lang } = useI18n();
  const tx = useText();
  const m = useResource(() => govApi.metrics(), []);
  // Escalations come from the work queues, which the server shows supervisors and operators (not viewers).
  const user = useUser();
  const seesQueues = user !== null && QUEUE_ROLES.includes(user.role);
  const esc = useResource(() => (seesQueues ? govApi.queue(true) : Promise.resolve(null)), [seesQueues]);
  useInterval(() => {
    m.reload();
    if (seesQueues) esc.reload();
  }, 10_000);
  if (m.error && !m.data) return <ErrorBox error={m.error} onRetry={m.reload} />;
  if (!m.data) return <Loading />;
  const d = m.data;
  const withCases = d.items.filter((i) => i.cases > 0);
  const n = (v: number | null) => (v === null ? '—' : formatNumber(v, lang, 1));
  return (
    <div className="page" data-testid="gov-dashboard">
      <div className="page-head">
        <h1>{t('gov.dash.title')}</h1>
        {d.totals.demoCases > 0 && (
          <span className="badge badge-demo" data-testid="gov-demo-data" title={t('gov.dash.demoDataHint', { n: d.totals.demoCases })}>
            {t('gov.dash.demoData')}
          </span>
        )}
      </div>
      <div className="tile-grid">
        <FigureTile id="gov-cases" label={t('gov.dash.cases')} value={formatNumber(d.totals.cases, lang, 0)} sub={t('gov.dash.closed', { n: d.totals.closedCases })} />
        <FigureTile id="gov-open" label={t('gov.dash.openTasks')} value={formatNumber(d.totals.openTasks, lang, 0)} accent="cyan" />
        <FigureTile id="gov-escalated" label={t('gov.dash.escalated')} value={formatNumber(d.totals.escalated, lang, 0)} accent="red" />
        <FigureTile id="gov-sla" label={t('gov.dash.taskSla')} value={d.totals.taskSlaCompliance === null ? '—' : formatPercent(d.totals.taskSlaCompliance, lang)} accent="green" {...(d.totals.taskSlaCompliance !== null ? { share: d.totals.taskSlaCompliance } : {})} />
      </div>
      {withCases.length === 0 ? <EmptyState testId="gov-dash-empty">{t('gov.dash.noCases')}</EmptyState> : <div className="chart-pair">
        {FIGURES.map((f) => (
          <div className="card" key={f}>
            <h2>{t(labelOf[f])}</h2>
            <LazyEChart
              label={t('gov.dash.chartLabel', { figure: t(labelOf[f]) })}
              style={{ height: 260 }}
              option={{
                tooltip: { trigger: 'axis' },
                legend: { data: [t('gov.dash.before'), t('gov.dash.after')] },
                grid: { left: 40, right: 10, bottom: 70, top: 30 },
                xAxis: { type: 'category', data: withCases.map((i) => tx(i.itemName)), axisLabel: { rotate: 30, fontSize: 10 } },
                yAxis: { type: 'value' },
                series: [
                  { name: t('gov.dash.before'), type: 'bar', data: withCases.map((i) => i[f].before) },
                  { name: t('gov.dash.after'), type: 'bar', data: withCases.map((i) => i[f].after) },
                ],
              }}
            />
          </div>
        ))}
      </div>}
      <div className="card card-flush">
        <table className="table" data-testid="gov-metrics-table">
          <thead>
            <tr>
              <th>{t('gov.catalogue.item')}</th>
              <th className="num">{t('gov.dash.cases')}</th>
              {FIGURES.map((f) => <th key={f} className="num">{t(labelOf[f])}</th>)}
              <th className="num">{t('gov.dash.sla')}</th>
            </tr>
          </thead>
          <tbody>
            {d.items.map((i) => (
              <tr key={i.itemId}>
                <td>{tx(i.itemName)}</td>
                <td className="num">{i.cases} / {i.closedCases}</td>
                {FIGURES.map((f) => (
                  <td key={f} className="num" title={t('gov.dash.published', { before: i[f].published.before ?? '—', after: i[f].published.after ?? '—' })}>
                    {n(i[f].before)} → {n(i[f].after)}
                  </td>
                ))}
                <td className="num">{i.slaCompliance === null ? '—' : formatPercent(i.slaCompliance, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="hint">{t('gov.dash.beforeNote')}</p>
      </div>
      {seesQueues && <div className="card">
        <h2>{t('gov.dash.escalations')}</h2>
        {esc.error ? <ErrorBox error={esc.error} onRetry={esc.reload} /> : !esc.data ? <Loading /> : esc.data.length === 0 ? <EmptyState>{t('gov.dash.noEscalations')}</EmptyState> : (
          <ul>
            {esc.data.map((e) => (
              <li key={`${e.applicationId}/${e.serviceId}`}>
                <Link to={`/gov/applications/${e.applicationId}`}>{tx(e.serviceName)}</Link> · {e.departmentId} · {t(`gov.escalation.${e.escalation as 'overdue'}`)}
              </li>
            ))}
          </ul>
        )}
      </div>}
      <div className="card card-flush">
        <table className="table">
          <thead>
            <tr>
              <th>{t('gov.detail.department')}</th>
              <th className="num">{t('gov.dash.open')}</th>
              <th className="num">{t('gov.dash.approved')}</th>
              <th className="num">{t('gov.dash.overdue')}</th>
            </tr>
          </thead>
          <tbody>
            {d.byDepartment.map((x) => (
              <tr key={x.departmentId}>
                <td>{tx(x.name)}</td>
                <td className="num">{x.open}</td>
                <td className="num">{x.approved}</td>
                <td className="num">{x.overdue}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
