import { useApi, useServerEvents } from '../../api/context.tsx';
import { FigureTile } from '../../components/FigureTile.tsx';
import { formatCarbonKg, formatNumber, formatPercent } from '../../format.ts';
import type { MessageKey } from '../../i18n/dictionaries.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { govApi } from '../../modules/gov/api.ts';
import { plannerApi } from '../../modules/planner/api.ts';
import { renderApi } from '../../modules/render/api.ts';
import { computeTiles } from '../../tiles.ts';
import { useInterval, useResource } from '../../useResource.ts';

/** The compute figures a control room watches, in the overview's own wording (tiles.ts). */
const COMPUTE_TILES = new Set(['pflops-online', 'green-share', 'jobs-running', 'jobs-queued', 'carbon-today']);

export function ComputeSection() {
  const api = useApi();
  const { t, lang } = useI18n();
  const overview = useResource(() => api.overview(), []);
  const plan = useResource(() => plannerApi.plan(), []);
  useServerEvents(['overview', 'job', 'site'], () => overview.reload(), 1000);
  useServerEvents(['planner.planned'], () => plan.reload(), 1000);
  useInterval(() => overview.reload(), 15_000);
  if (!overview.data) return null;
  const saved = plan.data ? plan.data.entries.reduce((g, e) => g + e.savedCarbonG, 0) / 1000 : null;
  return (
    <>
      {computeTiles
        .map((spec) => spec(overview.data!, { t, lang }))
        .filter((p) => COMPUTE_TILES.has(p.id))
        .map((p) => (
          <FigureTile key={p.id} {...p} />
        ))}
      <FigureTile
        id="carbon-saved"
        label={t('wall.carbonSaved')}
        value={saved === null ? '—' : formatCarbonKg(saved, lang)}
        {...(saved === null ? { sub: t('wall.noPlan') } : {})}
        accent="green"
      />
    </>
  );
}

export function RenderSection() {
  const { t, lang } = useI18n();
  const o = useResource(() => renderApi.overview(), []);
  useInterval(() => o.reload(), 5_000);
  if (!o.data) return null;
  const { jobs, nodes } = o.data;
  const n = (v: number) => formatNumber(v, lang, 0);
  return (
    <>
      <FigureTile id="render-active" label={t('wall.render.active')} value={n(jobs.active)} sub={t('wall.render.queued', { n: n(jobs.queued), done: n(jobs.completed) })} accent="violet" />
      <FigureTile id="render-frames" label={t('wall.render.frames')} value={formatNumber(o.data.framesPerMinute, lang, 1)} accent="cyan" />
      <FigureTile
        id="render-nodes"
        label={t('wall.render.nodes')}
        value={`${n(nodes.busy)} / ${n(nodes.total)}`}
        {...(nodes.total > 0 ? { share: nodes.busy / nodes.total } : {})}
        accent="blue"
      />
    </>
  );
}

/** The supervisor dashboard's figures (gov/DashboardPage.tsx), with the cases of every item added up. */
export function GovSection() {
  const { t, lang } = useI18n();
  const m = useResource(() => govApi.metrics(), []);
  useInterval(() => m.reload(), 10_000);
  if (!m.data) return null;
  const { totals, items, today } = m.data;
  // Average time to close, weighted by each item's closed cases (items without closed cases carry no time yet).
  const timed = items.filter((i) => i.workingDays.after !== null && i.closedCases > 0);
  const weight = timed.reduce((s, i) => s + i.closedCases, 0);
  const avgDays = weight > 0 ? timed.reduce((s, i) => s + i.workingDays.after! * i.closedCases, 0) / weight : null;
  const byChannel = new Map<string, number>();
  for (const i of items) for (const [c, k] of Object.entries(i.byChannel)) byChannel.set(c, (byChannel.get(c) ?? 0) + k);
  const channels = [...byChannel].sort((a, b) => b[1] - a[1]);
  const most = Math.max(1, ...channels.map(([, k]) => k));
  return (
    <>
      <FigureTile id="gov-cases" label={t('gov.dash.cases')} value={formatNumber(totals.cases, lang, 0)} sub={t('gov.dash.closed', { n: totals.closedCases })} accent="blue" />
      <FigureTile
        id="gov-today"
        label={t('wall.gov.today')}
        value={formatNumber(today.cases, lang, 0)}
        // Cases the living demo's synthetic applicants filed are labelled as such, as on the supervisor's dashboard.
        sub={t(totals.demoCases > 0 ? 'wall.gov.todayDemo' : 'wall.gov.todayClosed', { n: today.closedCases })}
        accent="violet"
      />
      <FigureTile
        id="gov-avg-days"
        label={t('wall.gov.avgDays')}
        value={avgDays === null ? '—' : t('wall.gov.days', { n: formatNumber(avgDays, lang, 1) })}
        accent="cyan"
      />
      <FigureTile id="gov-open" label={t('gov.dash.openTasks')} value={formatNumber(totals.openTasks, lang, 0)} accent="amber" />
      <FigureTile
        id="gov-sla"
        label={t('gov.dash.taskSla')}
        value={totals.taskSlaCompliance === null ? '—' : formatPercent(totals.taskSlaCompliance, lang)}
        {...(totals.taskSlaCompliance !== null ? { share: totals.taskSlaCompliance } : {})}
        accent="green"
      />
      <div className="tile tile-wide wall-channels" data-testid="tile-gov-channels">
        <div className="tile-label">{t('wall.gov.byChannel')}</div>
        {channels.length === 0 ? (
          <div className="tile-sub">{t('wall.gov.none')}</div>
        ) : (
          <dl>
            {channels.map(([c, k]) => (
              <div key={c} className="wall-channel">
                <dt>{t(`gov.channel.${c}` as MessageKey)}</dt>
                <dd>
                  <span className="wall-channel-bar" style={{ width: `${(k / most) * 100}%` }} />
                  <b>{formatNumber(k, lang, 0)}</b>
                </dd>
              </div>
            ))}
          </dl>
        )}
      </div>
    </>
  );
}
