import { http, ok } from '../../api/client.ts';
import { ErrorBox } from '../../components/Feedback.tsx';
import { FigureTile } from '../../components/FigureTile.tsx';
import { formatNumber } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useInterval, useResource } from '../../useResource.ts';

const WAKE_REASONS = ['cheap-green-hour', 'deadline', 'no-work', 'nobody-asleep', 'awake-nodes-suffice', 'waiting-for-cheaper-hour'] as const;

/** The farm page's limits (use and who holds them) and sleep/power figures (energy saved). */
export function LimitsPowerPanel() {
  const { t, lang } = useI18n();
  const limits = useResource(() => ok(http.GET('/api/render/limits')), []);
  const power = useResource(() => ok(http.GET('/api/render/power')), []);
  useInterval(() => {
    limits.reload();
    power.reload();
  }, 5000);
  const p = power.data;
  const reasonText = (r: string) => ((WAKE_REASONS as readonly string[]).includes(r) ? t(`render.power.reason.${r as (typeof WAKE_REASONS)[number]}`) : r);
  return (
    <>
      <h2>{t('render.limits.title')}</h2>
      {limits.error && !limits.data ? <ErrorBox error={limits.error} onRetry={limits.reload} /> : null}
      {limits.data && limits.data.items.length === 0 ? <p className="empty">{t('render.limits.empty')}</p> : null}
      {limits.data && limits.data.items.length > 0 ? (
        <div className="card card-flush">
          <table className="table" data-testid="render-limits-table">
            <thead>
              <tr>
                <th>{t('render.limits.col.name')}</th>
                <th>{t('render.limits.col.kind')}</th>
                <th className="num">{t('render.limits.col.use')}</th>
                <th>{t('render.limits.col.holders')}</th>
              </tr>
            </thead>
            <tbody>
              {limits.data.items.map((l) => (
                <tr key={l.name} data-testid={`render-limit-${l.name}`}>
                  <td className="mono">{l.name}</td>
                  <td>{t(l.kind === 'licence' ? 'render.limits.kind.licence' : 'render.limits.kind.tenant')}</td>
                  <td className="num">
                    {formatNumber(l.held, lang, 0)} / {l.capacity === null ? t('render.limits.unlimited') : formatNumber(l.capacity, lang, 0)}
                  </td>
                  <td>
                    {l.holders.map((h) => (
                      <span key={h.jobId}>
                        <Link to={`/render/jobs/${encodeURIComponent(h.jobId)}`}>{h.jobName}</Link> ×{h.held}{' '}
                      </span>
                    ))}
                    {l.othersHeld > 0 ? <span className="muted">{t('render.limits.others', { n: l.othersHeld })}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <h2>{t('render.power.title')}</h2>
      {power.error && !power.data ? <ErrorBox error={power.error} onRetry={power.reload} /> : null}
      {p ? (
        <>
          <div className="tile-grid" data-testid="render-power">
            <FigureTile id="render-asleep" label={t('render.power.asleep')} value={formatNumber(p.asleep.length, lang, 0)} sub={t('render.power.asleepSub', { provider: p.wakeProvider })} accent="cyan" />
            <FigureTile id="render-slept" label={t('render.power.slept')} value={formatNumber(p.saved.nodeHoursSlept, lang, 1)} accent="blue" />
            <FigureTile id="render-saved-kwh" label={t('render.power.kWh')} value={`${formatNumber(p.saved.kWh, lang, 1)}\u00a0kWh`} sub={t('render.power.kWhSub')} accent="green" />
            <FigureTile id="render-saved-fen" label={t('render.power.fen')} value={`¥${formatNumber(p.saved.fen / 100, lang, 2)}`} sub={t('render.power.fenSub')} accent="amber" />
          </div>
          {p.policies.length === 0 ? <p className="muted">{t('render.power.noSchedule')}</p> : null}
          {p.policies.map((s) => (
            <p className="muted" key={s.target}>
              {t('render.power.schedule', { target: s.target, windows: [...s.windows.map((w) => `${w.days.join(',')} ${w.from}–${w.to}`), ...(s.idleMinutes ? [`idle ${s.idleMinutes} min`] : [])].join('; ') })}
            </p>
          ))}
          {p.lastDecision ? (
            <p className="muted" data-testid="render-wake-decision" title={p.lastDecision.reason}>
              {t('render.power.decision', {
                what: t(p.lastDecision.wake ? 'render.power.wake' : 'render.power.wait', { n: p.lastDecision.nodesWoken, asleep: p.lastDecision.nodesAsleep, slots: p.lastDecision.slotsNeeded }),
                reason: reasonText(p.lastDecision.reason),
              })}
            </p>
          ) : null}
        </>
      ) : null}
    </>
  );
}
