import { useState } from 'react';
import type { MineAlarm } from '@shuzhi/schema';
import { useErrorText } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { mineApi } from './api.ts';

function AlarmActions({ alarm, onDone }: { alarm: MineAlarm; onDone: () => void }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [open, setOpen] = useState(false);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      setOpen(false);
      setComment('');
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  if (alarm.state === 'active') {
    return (
      <span className="mine-alarm-actions">
        <button type="button" className="btn btn-small" disabled={busy} data-testid={`mine-alarm-silence-${alarm.id}`} onClick={() => void run(() => mineApi.silence(alarm.id))}>
          {t('mine.alarm.silence')}
        </button>
        <span className="muted small">{t('mine.alarm.activeHint')}</span>
        {error !== null && <span className="field-error">{errorText(error)}</span>}
      </span>
    );
  }
  if (alarm.state === 'active-silenced') return <span className="muted small">{t('mine.alarm.activeHint')}</span>;
  if (alarm.state === 'history') {
    return <span className="small">{t('mine.alarm.ackDone', { user: alarm.acknowledgedBy ?? '?', at: formatDateTime(alarm.acknowledgedAt, true), comment: alarm.comment ?? '' })}</span>;
  }
  return (
    <span className="mine-alarm-actions">
      {!open ? (
        <button type="button" className="btn btn-small btn-primary" data-testid={`mine-alarm-ack-${alarm.id}`} onClick={() => setOpen(true)}>
          {t('mine.alarm.ack')}
        </button>
      ) : (
        <form
          className="mine-ack-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => mineApi.acknowledge(alarm.id, comment));
          }}
        >
          <input
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            placeholder={t('mine.alarm.comment')}
            aria-label={t('mine.alarm.comment')}
            data-testid={`mine-alarm-comment-${alarm.id}`}
            maxLength={500}
            required
          />
          <button type="submit" className="btn btn-small btn-primary" disabled={busy || comment.trim() === ''} data-testid={`mine-alarm-ack-confirm-${alarm.id}`}>
            {t('mine.confirm.ok')}
          </button>
          <button type="button" className="btn btn-small" onClick={() => setOpen(false)}>
            {t('mine.confirm.cancel')}
          </button>
        </form>
      )}
      {error !== null && <span className="field-error">{errorText(error)}</span>}
    </span>
  );
}

/** Alarms with their state; operators act on them (silence while active, acknowledge once cleared). */
export function AlarmTable({ alarms, canAct, showFace = false, onChanged }: { alarms: MineAlarm[]; canAct: boolean; showFace?: boolean; onChanged: () => void }) {
  const { t } = useI18n();
  return (
    <table className="table mine-alarms" data-testid="mine-alarm-table">
      <thead>
        <tr>
          <th>{t('mine.alarm.col.time')}</th>
          {showFace && <th>{t('mine.alarm.col.face')}</th>}
          <th>{t('mine.alarm.col.source')}</th>
          <th>{t('mine.alarm.col.message')}</th>
          <th className="num">{t('mine.alarm.col.severity')}</th>
          <th>{t('mine.alarm.col.state')}</th>
          <th>{t('mine.alarm.col.action')}</th>
        </tr>
      </thead>
      <tbody>
        {alarms.map((a) => (
          <tr key={a.id} data-testid={`mine-alarm-row-${a.id}`} data-code={a.code} data-source={a.source} data-state={a.state} className={`mine-alarm-${a.state}`}>
            <td>{formatDateTime(a.raisedAt, true)}</td>
            {showFace && <td className="mono">{a.faceId}</td>}
            <td className="mono">{a.source}</td>
            <td>
              <div>{a.message}</div>
              <div className="muted small mono">{a.code}</div>
            </td>
            <td className="num">{a.severity}</td>
            <td>
              <span className={`badge mine-badge-${a.state}`}>{t(`mine.alarm.state.${a.state}`)}</span>
            </td>
            <td>{canAct || a.state === 'history' ? <AlarmActions alarm={a} onDone={onChanged} /> : null}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
