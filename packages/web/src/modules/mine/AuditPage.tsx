import { useState } from 'react';
import type { MineAuditEntry } from '@shuzhi/schema';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { mineApi } from './api.ts';

const RESULTS = ['accepted', 'rejected', 'failed', 'forbidden'] as const;

function detail(e: MineAuditEntry): string {
  const parts = [e.reason, e.comment ? `“${e.comment}”` : null];
  if (e.oldValue !== null || e.newValue !== null) {
    const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v).slice(0, 160));
    parts.push(`${show(e.oldValue)} → ${show(e.newValue)}`);
  }
  return parts.filter(Boolean).join(' · ');
}

/** Who did what, from where, with what result: commands, acknowledgements, logins, setting changes. */
export function AuditPage() {
  const { t } = useI18n();
  const [user, setUser] = useState('');
  const [action, setAction] = useState('');
  const [applied, setApplied] = useState({ user: '', action: '' });
  const rows = useResource(() => mineApi.audit({ ...(applied.user ? { user: applied.user } : {}), ...(applied.action ? { action: applied.action } : {}), limit: 300 }), [applied]);
  useInterval(() => rows.reload(), 5000);
  return (
    <div className="page" data-testid="mine-audit-page">
      <div className="page-head">
        <h1>{t('mine.audit.title')}</h1>
      </div>
      <p className="muted">{t('mine.audit.note')}</p>
      <form className="toolbar card" onSubmit={(e) => { e.preventDefault(); setApplied({ user, action }); }}>
        <label className="inline-field">
          <span>{t('mine.audit.user')}</span>
          <input value={user} onChange={(e) => setUser(e.target.value)} data-testid="mine-audit-user" />
        </label>
        <label className="inline-field">
          <span>{t('mine.audit.action')}</span>
          <input value={action} onChange={(e) => setAction(e.target.value)} placeholder="command.start" data-testid="mine-audit-action" />
        </label>
        <button type="submit" className="btn btn-primary">{t('app.refresh')}</button>
      </form>
      {rows.error && !rows.data ? (
        <ErrorBox error={rows.error} onRetry={rows.reload} />
      ) : !rows.data ? (
        <Loading />
      ) : rows.data.length === 0 ? (
        <p className="empty">{t('mine.audit.empty')}</p>
      ) : (
        <div className="card card-flush">
          <table className="table" data-testid="mine-audit-table">
            <thead>
              <tr>
                <th>{t('mine.audit.col.time')}</th>
                <th>{t('mine.audit.col.user')}</th>
                <th>{t('mine.audit.col.origin')}</th>
                <th>{t('mine.audit.col.action')}</th>
                <th>{t('mine.audit.col.target')}</th>
                <th>{t('mine.audit.col.result')}</th>
                <th>{t('mine.audit.col.detail')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.data.map((e) => (
                <tr key={e.id} data-testid={`mine-audit-${e.id}`} data-action={e.action} data-result={e.result}>
                  <td>{formatDateTime(e.at, true)}</td>
                  <td>
                    {e.user}
                    {e.role && <div className="muted small">{e.role}</div>}
                  </td>
                  <td className="mono small">{e.origin ?? '—'}</td>
                  <td className="mono">{e.action}</td>
                  <td className="mono small">{e.target}</td>
                  <td>
                    <span className={`badge mine-audit-${e.result}`}>
                      {(RESULTS as readonly string[]).includes(e.result) ? t(`mine.audit.result.${e.result as (typeof RESULTS)[number]}`) : e.result}
                    </span>
                  </td>
                  <td className="small">{detail(e)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
