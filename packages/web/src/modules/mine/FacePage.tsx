import { useMemo, useState } from 'react';
import type { MineCommandKind, MineFaceState, MineTrend } from '@shuzhi/schema';
import { useUser } from '../../api/context.tsx';
import { LazyEChart } from '../../charts/LazyEChart.tsx';
import { ErrorBox, Loading, useErrorText } from '../../components/Feedback.tsx';
import { formatClock, formatNumber } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useResource } from '../../useResource.ts';
import { AlarmTable } from './AlarmTable.tsx';
import { mineApi } from './api.ts';
import { FaceDiagram } from './FaceDiagram.tsx';
import { InsecureBanner, LinkStatus, SecurityPanel } from './LinkSecurity.tsx';
import { COMMAND_ROLES } from './model.ts';
import { useFaceStream } from './useFaceStream.ts';
import type { LivePoints } from './useFaceStream.ts';

type Confirmable = Exclude<MineCommandKind, 'estop'>;

function CommandBar({ face }: { face: MineFaceState }) {
  const { t, lang } = useI18n();
  const user = useUser();
  const errorText = useErrorText();
  const canCommand = user !== null && COMMAND_ROLES.includes(user.role);
  const [confirm, setConfirm] = useState<Confirmable | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  const send = async (kind: MineCommandKind) => {
    setBusy(true);
    setConfirm(null);
    try {
      const r = await mineApi.command(face.id, kind);
      setResult({ ok: true, text: t('mine.cmd.accepted', { message: r.message }) });
    } catch (e) {
      setResult({ ok: false, text: errorText(e) });
    } finally {
      setBusy(false);
    }
  };
  const kindName = (id: string) => {
    const m = face.machines.find((x) => x.id === id);
    return m ? `${t(`mine.kind.${m.kind}`)}${lang === 'en' ? ` (${m.name})` : `（${m.name}）`}` : id;
  };
  const confirmText =
    confirm === 'start'
      ? t('mine.confirm.start', { face: face.name, order: face.startOrder.map(kindName).join(' → ') })
      : confirm === 'stop'
        ? t('mine.confirm.stop', { face: face.name })
        : confirm === 'reset'
          ? t('mine.confirm.reset', { face: face.name })
          : '';

  return (
    <div className="card mine-commands">
      <div className="mine-command-row">
        <button type="button" className="btn btn-primary mine-btn" disabled={!canCommand || busy} data-testid="mine-cmd-start" onClick={() => setConfirm('start')}>
          {t('mine.cmd.start')}
        </button>
        <button type="button" className="btn mine-btn" disabled={!canCommand || busy} data-testid="mine-cmd-stop" onClick={() => setConfirm('stop')}>
          {t('mine.cmd.stop')}
        </button>
        <button type="button" className="btn mine-btn" disabled={!canCommand || busy} data-testid="mine-cmd-reset" onClick={() => setConfirm('reset')}>
          {t('mine.cmd.reset')}
        </button>
        <span className="mine-spacer" />
        {/* an emergency stop must never wait for a dialog */}
        <button type="button" className="btn btn-danger mine-estop" disabled={!canCommand} data-testid="mine-cmd-estop" title={t('mine.estop.hint')} onClick={() => void send('estop')}>
          {t('mine.cmd.estop')}
        </button>
      </div>
      {!canCommand && <p className="muted small" data-testid="mine-no-command-role">{t('mine.cmd.noRole')}</p>}
      {confirm && (
        <div className="mine-confirm" role="alertdialog" data-testid="mine-confirm">
          <p>{confirmText}</p>
          <button type="button" className="btn btn-primary" data-testid="mine-confirm-ok" onClick={() => void send(confirm)}>
            {t('mine.confirm.ok')}
          </button>
          <button type="button" className="btn" data-testid="mine-confirm-cancel" onClick={() => setConfirm(null)}>
            {t('mine.confirm.cancel')}
          </button>
        </div>
      )}
      {result && (
        <p className={result.ok ? 'notice' : 'form-error'} data-testid="mine-command-result" data-ok={result.ok}>
          {result.text}
        </p>
      )}
    </div>
  );
}

function SequencePanel({ face }: { face: MineFaceState }) {
  const { t } = useI18n();
  const s = face.sequence;
  const name = (id: string | null) => (id ? (face.machines.find((m) => m.id === id)?.name ?? id) : '—');
  return (
    <div className="card" data-testid="mine-sequence">
      <h2 className="card-title">{t('mine.sequence.title')}</h2>
      {!s ? (
        <p className="muted">{t('mine.sequence.none')}</p>
      ) : (
        <>
          <p>{t(s.kind === 'start' ? 'mine.sequence.start' : 'mine.sequence.stop', { user: s.user })}</p>
          <p>{t('mine.sequence.current', { machine: name(s.machineId), phase: s.phase ? t(`mine.phase.${s.phase}`) : '—' })}</p>
          <ol className="mine-seq-list">
            {face.startOrder.map((id) => (
              <li key={id} className={s.started.includes(id) ? 'mine-seq-done' : s.machineId === id ? 'mine-seq-now' : ''}>
                {name(id)}
              </li>
            ))}
          </ol>
        </>
      )}
      <p className="muted small" data-testid="mine-last-message">{face.lastMessage}</p>
    </div>
  );
}

function SensorPanel({ face }: { face: MineFaceState }) {
  const { t, lang } = useI18n();
  return (
    <div className="card" data-testid="mine-sensors">
      <h2 className="card-title">{t('mine.sensor.title')}</h2>
      {face.sensors.map((s) => {
        const scale = Math.max(2, s.cutPct * 1.3);
        const level = s.pct === null ? 0 : Math.min(1, s.pct / scale);
        const cls = s.cut ? 'mine-ch4-cut' : s.pct !== null && s.pct >= s.alarmPct ? 'mine-ch4-alarm' : 'mine-ch4-ok';
        return (
          <div key={s.id} className={`mine-ch4 ${cls}`} data-testid={`mine-sensor-${s.id}`} data-pct={s.pct ?? ''}>
            <div className="mine-ch4-head">
              <b>{s.name}</b>
              <span className="mine-ch4-value">{s.ok && s.pct !== null ? `${formatNumber(s.pct, lang, 2)} %` : t('mine.sensor.lost')}</span>
              {s.cut && <span className="badge mine-badge-active">{t('mine.sensor.cut')}</span>}
            </div>
            <div className="mine-ch4-track">
              <i style={{ width: `${level * 100}%` }} />
              <b className="mine-ch4-mark" style={{ left: `${(s.alarmPct / scale) * 100}%` }} />
              <b className="mine-ch4-mark mine-ch4-mark-cut" style={{ left: `${(s.cutPct / scale) * 100}%` }} />
            </div>
            <div className="muted small">{t('mine.sensor.limits', { alarm: s.alarmPct, cut: s.cutPct, restore: s.restorePct })}</div>
          </div>
        );
      })}
    </div>
  );
}

function trendOption(title: string, history: MineTrend[] | undefined, live: LivePoints, tags: string[], label: (tag: string) => string) {
  return {
    title: { show: false },
    tooltip: { trigger: 'axis' },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 48, right: 16, top: 32, bottom: 28 },
    xAxis: { type: 'time', axisLabel: { formatter: (v: number) => formatClock(v).slice(0, 5) } },
    yAxis: { type: 'value', name: title, nameTextStyle: { align: 'left' } },
    series: tags.map((tag) => {
      const past = history?.find((h) => h.tag === tag)?.points ?? [];
      const since = past.at(-1)?.[0] ?? 0;
      return { name: label(tag), type: 'line', showSymbol: false, step: false, data: [...past, ...(live[tag] ?? []).filter((p) => p[0] > since)] };
    }),
  };
}

function Trends({ face, live }: { face: MineFaceState; live: LivePoints }) {
  const { t } = useI18n();
  const currentTags = useMemo(() => face.machines.map((m) => `${m.id}.MotorCurrent`), [face.machines]);
  const ch4Tags = useMemo(() => face.sensors.map((s) => `${s.id}.CH4`), [face.sensors]);
  const history = useResource(() => mineApi.trends(face.id, [...currentTags, ...ch4Tags], 15), [face.id, currentTags.join(), ch4Tags.join()]);
  const label = (tag: string) => tag.split('.')[0] ?? tag;
  const currents = useMemo(() => trendOption(t('mine.trends.currents'), history.data, live, currentTags, label), [history.data, live, currentTags, t]);
  const ch4 = useMemo(() => trendOption(t('mine.trends.ch4'), history.data, live, ch4Tags, label), [history.data, live, ch4Tags, t]);
  return (
    <div className="card" data-testid="mine-trends">
      <h2 className="card-title">{t('mine.trends.title')}</h2>
      <div className="chart-pair">
        <LazyEChart option={currents} className="chart mine-chart" />
        <LazyEChart option={ch4} className="chart mine-chart" />
      </div>
    </div>
  );
}

export function FacePage({ id }: { id: string }) {
  const { t } = useI18n();
  const user = useUser();
  const stream = useFaceStream(id);
  const initial = useResource(() => mineApi.face(id), [id]);
  const face = stream.face ?? initial.data ?? null;
  const alarms = useResource(() => mineApi.alarms({ faceId: id, state: 'open', limit: 200 }), [id, stream.alarmTick]);
  const canAct = user !== null && COMMAND_ROLES.includes(user.role);

  if (!face) return initial.error ? <ErrorBox error={initial.error} onRetry={initial.reload} /> : <Loading />;
  return (
    <div className="page mine-page" data-testid="mine-face-page">
      <div className="page-head">
        <h1>
          {face.name}{' '}
          <span className={`badge mine-mode mine-mode-${face.mode}`} data-testid="mine-mode" data-mode={face.mode}>
            {t(`mine.mode.${face.mode}`)}
          </span>
        </h1>
        <div className="toolbar">
          <span className={`badge ${face.connected ? 'badge-succeeded' : 'badge-failed'}`} data-testid="mine-plc" data-connected={face.connected}>
            {t(face.connected ? 'mine.face.connected' : 'mine.face.disconnected')}
          </span>
          <span className="muted small mono" title={t('mine.face.endpoint')}>{face.endpoint}</span>
          <Link to="/mine" className="btn btn-small">{t('mine.face.back')}</Link>
        </div>
      </div>
      {!stream.connected && stream.face && <p className="notice">{t('mine.face.streamDown')}</p>}
      <LinkStatus face={face} />
      <InsecureBanner security={face.security} />
      {face.cuts.length > 0 && (
        <div className="error-box mine-cut-banner" role="alert" data-testid="mine-cut-banner">
          <strong>{t('mine.cuts.title')}</strong>
          {face.cuts.map((c) => (
            <span key={c.sensorId}>{c.reason}</span>
          ))}
        </div>
      )}
      <CommandBar face={face} />
      <div className="mine-grid">
        <div className="card card-flush mine-diagram-card">
          <FaceDiagram face={face} />
        </div>
        <div className="mine-side">
          <SequencePanel face={face} />
          <SensorPanel face={face} />
          <SecurityPanel face={face} />
        </div>
      </div>
      <div className="card card-flush">
        <div className="card-head">
          <h2>{t('mine.alarms.title')}</h2>
          <Link to="/mine/alarms" className="btn btn-small">{t('mine.alarms.historyTitle')}</Link>
        </div>
        {alarms.data && alarms.data.items.length === 0 ? (
          <p className="empty">{t('mine.alarms.empty')}</p>
        ) : (
          <AlarmTable alarms={alarms.data?.items ?? []} canAct={canAct} onChanged={alarms.reload} />
        )}
      </div>
      <Trends face={face} live={stream.live} />
      <div className="card">
        <h2 className="card-title">{t('mine.log.title')}</h2>
        {stream.log.length === 0 ? (
          <p className="muted">{t('mine.log.empty')}</p>
        ) : (
          <ul className="logs mine-log" data-testid="mine-log">
            {stream.log.map((l, i) => (
              <li key={`${l.at}-${i}`} className="log-line">
                <span className="log-time">{formatClock(l.at)}</span> <span className="log-text">{l.message}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
