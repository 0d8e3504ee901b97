import { useEffect, useState } from 'react';
import type { MineFaceConfig, MineFaceSettings, MineLinkSecurity } from '@shuzhi/schema';
import { useUser } from '../../api/context.tsx';
import { ErrorBox, Loading, useErrorText } from '../../components/Feedback.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { useResource } from '../../useResource.ts';
import { mineApi } from './api.ts';
import { ENGINEER_ROLES } from './model.ts';

type Timing = 'warningMs' | 'feedbackTimeoutMs' | 'runEmptyMs';

/** The link securities an engineer may choose; None last, and named for what it is. */
const SECURITY_CHOICES: readonly MineLinkSecurity[] = [
  { mode: 'SignAndEncrypt', policy: 'Basic256Sha256' },
  { mode: 'SignAndEncrypt', policy: 'Aes128_Sha256_RsaOaep' },
  { mode: 'SignAndEncrypt', policy: 'Aes256_Sha256_RsaPss' },
  { mode: 'None', policy: 'None' },
];
const securityKey = (s: MineLinkSecurity) => `${s.mode}/${s.policy}`;
type Limit = 'alarmPct' | 'cutPct' | 'restorePct';

/** Sequence timings and methane limits of a face. The server allows changes by engineers only, and only while the face is stopped. */
export function SettingsPage() {
  const { t } = useI18n();
  const user = useUser();
  const errorText = useErrorText();
  const faces = useResource(() => mineApi.faces(), []);
  const [faceId, setFaceId] = useState('');
  const id = faceId || faces.data?.[0]?.id || '';
  const state = useResource(() => (id ? mineApi.face(id) : Promise.resolve(null)), [id]);
  const config = useResource(() => (id ? mineApi.config(id) : Promise.resolve(null)), [id]);
  const [draft, setDraft] = useState<MineFaceConfig | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => setDraft(config.data ? structuredClone(config.data) : null), [config.data]);
  const canEdit = user !== null && ENGINEER_ROLES.includes(user.role);

  if (faces.error && !faces.data) return <ErrorBox error={faces.error} onRetry={faces.reload} />;
  if (faces.data && faces.data.length === 0) return <p className="empty" data-testid="mine-settings-empty">{t('mine.faces.empty')}</p>;
  if (state.error && !state.data) return <ErrorBox error={state.error} onRetry={state.reload} />;
  if (config.error && !config.data) return <ErrorBox error={config.error} onRetry={config.reload} />;
  if (!faces.data || !state.data || !draft) return <Loading />;
  const resolved = new Map(state.data.machines.map((m) => [m.id, m]));
  const sensors = new Map(state.data.sensors.map((s) => [s.id, s]));

  const setTiming = (mid: string, k: Timing, v: number) =>
    setDraft((d) => (d ? { ...d, machines: d.machines.map((m) => (m.id === mid ? { ...m, [k]: v } : m)) } : d));
  const setLimit = (sid: string, k: Limit, v: number) =>
    setDraft((d) => (d ? { ...d, sensors: d.sensors.map((s) => (s.id === sid ? { ...s, limits: { ...s.limits, [k]: v } } : s)) } : d));

  const save = async () => {
    const body: MineFaceSettings = {
      machines: draft.machines.map((m) => ({
        id: m.id,
        warningMs: m.warningMs ?? resolved.get(m.id)!.warningMs,
        feedbackTimeoutMs: m.feedbackTimeoutMs ?? resolved.get(m.id)!.feedbackTimeoutMs,
        runEmptyMs: m.runEmptyMs ?? resolved.get(m.id)!.runEmptyMs,
      })),
      sensors: draft.sensors.map((s) => ({ id: s.id, limits: s.limits ?? {} })),
      security: draft.security ?? state.data!.security,
    };
    try {
      await mineApi.settings(id, body);
      setResult({ ok: true, text: t('mine.settings.saved') });
      config.reload();
      state.reload();
    } catch (e) {
      setResult({ ok: false, text: errorText(e) });
    }
  };
  const num = (label: string, v: number, on: (n: number) => void, testId: string, step = 1) => (
    <input type="number" aria-label={label} step={step} value={v} disabled={!canEdit} data-testid={testId} onChange={(e) => on(Number(e.target.value))} />
  );

  return (
    <div className="page" data-testid="mine-settings-page">
      <div className="page-head">
        <h1>{t('mine.settings.title')}</h1>
        <div className="toolbar">
          <select aria-label={t('mine.settings.title')} value={id} onChange={(e) => setFaceId(e.target.value)}>
            {faces.data.map((f) => (
              <option key={f.id} value={f.id}>{f.name}</option>
            ))}
          </select>
        </div>
      </div>
      <p className="muted">{t('mine.settings.engineerOnly')} {t('mine.settings.stoppedOnly')}</p>
      <div className="card card-flush">
        <table className="table">
          <thead>
            <tr>
              <th>{t('mine.settings.machine')}</th>
              <th>{t('mine.settings.warning')}</th>
              <th>{t('mine.settings.feedback')}</th>
              <th>{t('mine.settings.runEmpty')}</th>
            </tr>
          </thead>
          <tbody>
            {draft.machines.map((m) => {
              const r = resolved.get(m.id);
              return (
                <tr key={m.id}>
                  <td>{r ? `${t(`mine.kind.${r.kind}`)} · ${r.name}` : m.id}</td>
                  <td>{num(`${r?.name ?? m.id} · ${t('mine.settings.warning')}`, m.warningMs ?? r?.warningMs ?? 0, (v) => setTiming(m.id, 'warningMs', v), `mine-set-warning-${m.id}`)}</td>
                  <td>{num(`${r?.name ?? m.id} · ${t('mine.settings.feedback')}`, m.feedbackTimeoutMs ?? r?.feedbackTimeoutMs ?? 0, (v) => setTiming(m.id, 'feedbackTimeoutMs', v), `mine-set-feedback-${m.id}`)}</td>
                  <td>{num(`${r?.name ?? m.id} · ${t('mine.settings.runEmpty')}`, m.runEmptyMs ?? r?.runEmptyMs ?? 0, (v) => setTiming(m.id, 'runEmptyMs', v), `mine-set-runempty-${m.id}`)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="card card-flush">
        <table className="table">
          <thead>
            <tr>
              <th>{t('mine.settings.sensor')}</th>
              <th>{t('mine.settings.alarmPct')}</th>
              <th>{t('mine.settings.cutPct')}</th>
              <th>{t('mine.settings.restorePct')}</th>
            </tr>
          </thead>
          <tbody>
            {draft.sensors.map((s) => {
              const r = sensors.get(s.id);
              return (
                <tr key={s.id}>
                  <td>{r?.name ?? s.id}</td>
                  <td>{num(`${s.id} · ${t('mine.settings.alarmPct')}`, s.limits?.alarmPct ?? r?.alarmPct ?? 0, (v) => setLimit(s.id, 'alarmPct', v), `mine-set-alarm-${s.id}`, 0.1)}</td>
                  <td>{num(`${s.id} · ${t('mine.settings.cutPct')}`, s.limits?.cutPct ?? r?.cutPct ?? 0, (v) => setLimit(s.id, 'cutPct', v), `mine-set-cut-${s.id}`, 0.1)}</td>
                  <td>{num(`${s.id} · ${t('mine.settings.restorePct')}`, s.limits?.restorePct ?? r?.restorePct ?? 0, (v) => setLimit(s.id, 'restorePct', v), `mine-set-restore-${s.id}`, 0.1)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="card">
        <label>
          {t('mine.settings.security')}{' '}
          <select
            value={securityKey(draft.security ?? state.data.security)}
            disabled={!canEdit}
            data-testid="mine-set-security"
            onChange={(e) => setDraft((d) => (d ? { ...d, security: SECURITY_CHOICES.find((c) => securityKey(c) === e.target.value)! } : d))}
          >
            {SECURITY_CHOICES.map((c) => (
              <option key={securityKey(c)} value={securityKey(c)}>
                {c.mode === 'None' ? t('mine.settings.securityNone') : `${c.mode} / ${c.policy}`}
              </option>
            ))}
          </select>
        </label>
        {(draft.security ?? state.data.security).mode === 'None' && <p className="form-error small">{t('mine.security.noneBanner')}</p>}
      </div>
      <div className="form-actions">
        <button type="button" className="btn btn-primary" disabled={!canEdit} data-testid="mine-settings-save" onClick={() => void save()}>
          {t('mine.settings.save')}
        </button>
      </div>
      {result && <p className={result.ok ? 'notice' : 'form-error'} data-testid="mine-settings-result">{result.text}</p>}
    </div>
  );
}
