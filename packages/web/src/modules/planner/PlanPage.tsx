import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { PLANNER_SLOT_MINUTES, type PlannerPlan, type PlannerSettings } from '@shuzhi/schema';
import { useServerEvents, useUser } from '../../api/context.tsx';
import { LazyEChart as EChart } from '../../charts/LazyEChart.tsx';
import { ErrorBox, Loading, useErrorText } from '../../components/Feedback.tsx';
import { formatDateTime, formatFen, formatShortTime } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { useResource } from '../../useResource.ts';
import { plannerApi } from './api.ts';
import { Link } from '../../router.tsx';

function lineOption(plan: PlannerPlan, value: (h: PlannerPlan['sites'][number]['hours'][number]) => number, percent = false) {
  return {
    tooltip: { trigger: 'axis' },
    legend: { type: 'scroll', top: 0 },
    grid: { left: 48, right: 16, top: 32, bottom: 28 },
    xAxis: { type: 'category', data: (plan.sites[0]?.hours ?? []).map((h) => formatShortTime(h.at)) },
    yAxis: { type: 'value', ...(percent ? { max: 100 } : {}) },
    series: plan.sites.map((s) => ({ name: s.nameEn, type: 'line', showSymbol: false, step: 'end', data: s.hours.map((h) => Math.round(value(h) * 100) / 100) })),
  };
}

function SettingsForm({ onSaved }: { onSaved: () => void }) {
  const { t } = useI18n();
  const errText = useErrorText();
  const current = useResource(() => plannerApi.settings(), []);
  const [draft, setDraft] = useState<PlannerSettings | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  useEffect(() => { if (current.data) setDraft(current.data); }, [current.data]);
  if (!draft) return current.error ? <ErrorBox error={current.error} /> : <Loading />;
  const num = (k: keyof PlannerSettings) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: Number(e.target.value) });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await plannerApi.saveSettings(draft);
      setMsg(t('planner.savedOk'));
      onSaved();
    } catch (err) {
      setMsg(errText(err));
    }
  };
  return (
    <form className="card form" onSubmit={submit} data-testid="planner-settings">
      <h3>{t('planner.settings')}</h3>
      <label>{t('planner.carbonPrice')} <input type="number" min={0} step="any" value={draft.carbonPriceFenPerKg} onChange={num('carbonPriceFenPerKg')} /></label>
      <label>{t('planner.target')} <input type="number" min={0} max={1} step={0.05} value={draft.greenShareTarget ?? ''}
        onChange={(e) => setDraft({ ...draft, greenShareTarget: e.target.value === '' ? null : Number(e.target.value) })} /></label>
      <label>{t('planner.policy')} <select value={draft.policy} onChange={(e) => setDraft({ ...draft, policy: e.target.value === 'greedy' ? 'greedy' : 'optimal' })}>
        <option value="optimal">optimal</option><option value="greedy">greedy</option></select></label>
      <label>{t('planner.cadence')} <input type="number" min={5} value={draft.cadenceSec} onChange={num('cadenceSec')} /></label>
      <label>{t('planner.slack')} <input type="number" min={0} value={draft.defaultSlackHours} onChange={num('defaultSlackHours')} /></label>
      <label>{t('planner.horizon')} <input type="number" min={1} max={168} value={draft.horizonHours} onChange={num('horizonHours')} /></label>
      <label>{t('planner.slotMinutes')} <select value={draft.slotMinutes} onChange={num('slotMinutes')}>
        {PLANNER_SLOT_MINUTES.map((m) => <option key={m} value={m}>{m}</option>)}</select></label>
      <button type="submit">{t('planner.save')}</button>
      {msg && <p role="status">{msg}</p>}
    </form>
  );
}

/** Each site's plan over time, green share by hour, tariff and carbon curves, the jobs' plans; operator settings. */
export function PlanPage() {
  const { t } = useI18n();
  const user = useUser();
  const plan = useResource(() => plannerApi.plan(), []);
  useServerEvents(['planner.planned'], () => plan.reload());
  const charts = useMemo(() => {
    const p = plan.data;
    if (!p) return null;
    return {
      units: lineOption(p, (h) => h.units),
      green: lineOption(p, (h) => h.greenShare * 100, true),
      price: lineOption(p, (h) => h.priceFenPerKWh),
      carbon: lineOption(p, (h) => h.carbonGPerKWh),
    };
  }, [plan.data]);
  const p = plan.data;
  return (
    <section className="page" data-testid="planner-page">
      <h1>{t('planner.title')}</h1>
      {plan.error && !p ? (
        <ErrorBox error={plan.error} onRetry={plan.reload} />
      ) : p === null ? (
        <p className="empty" data-testid="planner-empty">{t('planner.empty')}</p>
      ) : !p || !charts ? <Loading /> : (
        <>
          <p className="muted">
            {t('planner.meta', {
              policy: p.policy, start: formatDateTime(p.start), slots: p.slots, minutes: p.slotMinutes,
              objective: formatFen(Math.round(p.objectiveFen)), bound: p.lowerBoundFen === null ? '–' : formatFen(Math.round(p.lowerBoundFen)),
            })}
            {' · '}{t('planner.greenShare', { share: `${(p.greenShare * 100).toFixed(1)}%` })}
          </p>
          <div className="chart-pair">
            <div className="card"><h3>{t('planner.units')}</h3><EChart option={charts.units} style={{ height: 260 }} /></div>
            <div className="card"><h3>{t('planner.green')}</h3><EChart option={charts.green} style={{ height: 260 }} /></div>
            <div className="card"><h3>{t('planner.curves')} — {t('planner.price')}</h3><EChart option={charts.price} style={{ height: 260 }} /></div>
            <div className="card"><h3>{t('planner.curves')} — {t('planner.carbon')}</h3><EChart option={charts.carbon} style={{ height: 260 }} /></div>
          </div>
          <h2>{t('planner.jobs')}</h2>
          {p.unplanned.length > 0 && <p className="muted">{t('planner.unplanned', { n: p.unplanned.length })}</p>}
          <table className="table" data-testid="planner-entries">
            <thead><tr><th>{t('planner.job')}</th><th>{t('planner.site')}</th><th>{t('planner.start')}</th><th>{t('planner.end')}</th><th>{t('planner.saved')}</th><th>{t('planner.why')}</th></tr></thead>
            <tbody>
              {p.entries.map((e) => (
                <tr key={e.jobId}>
                  <td><Link to={`/compute/jobs/${e.jobId}`}>{e.jobId}</Link></td><td>{e.siteId}</td>
                  <td>{formatDateTime(e.startAt)}</td><td>{formatDateTime(e.endAt)}</td>
                  <td>{formatFen(e.savedFen)} · {(e.savedCarbonG / 1000).toFixed(1)} kg CO2</td><td>{e.explanation}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <details><summary>{t('planner.notes')}</summary><ul>{p.notes.map((n) => <li key={n}>{n}</li>)}</ul></details>
        </>
      )}
      {user?.role === 'operator' && <SettingsForm onSaved={plan.reload} />}
    </section>
  );
}
