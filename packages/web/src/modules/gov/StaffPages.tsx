import { useState } from 'react';
import type { GovApplicationView, GovTicket } from '@shuzhi/schema';
import { useUser } from '../../api/context.tsx';
import { ErrorBox, Loading, useErrorText } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { ApplicationDetail } from './ApplicationDetail.tsx';
import { ApplyForm } from './ApplyForm.tsx';
import { govApi } from './api.ts';
import { useText } from './text.ts';

/** The officer's workbench: their department's queue, soonest due first. */
export function OfficerWorkbench() {
  const { t } = useI18n();
  const tx = useText();
  const me = useResource(() => govApi.me(), []);
  const q = useResource(() => govApi.queue(), []);
  useInterval(() => q.reload(), 3000);
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('gov.work.title')}</h1>
        <span className="tag" data-testid="gov-department">{tx(me.data?.departmentName) || '—'}</span>
        <button type="button" className="btn" onClick={q.reload}>{t('app.refresh')}</button>
      </div>
      {q.error ? <ErrorBox error={q.error} onRetry={q.reload} /> : !q.data ? <Loading /> : q.data.length === 0 ? <p className="empty" data-testid="gov-queue-empty">{t('gov.work.empty')}</p> : (
        <div className="card card-flush">
          <table className="table" data-testid="gov-queue">
            <thead>
              <tr>
                <th>{t('gov.detail.service')}</th>
                <th>{t('gov.work.item')}</th>
                <th>{t('gov.detail.state')}</th>
                <th>{t('gov.detail.due')}</th>
              </tr>
            </thead>
            <tbody>
              {q.data.map((e) => (
                <tr key={`${e.applicationId}/${e.serviceId}`} data-testid={`gov-queue-${e.applicationId}-${e.serviceId}`}>
                  <td><Link to={`/gov/work/${e.applicationId}`}>{tx(e.serviceName)}</Link></td>
                  <td>{tx(e.itemName)} <span className="mono small">{e.applicationId}</span>{e.commitment && <span className="tag">{t('gov.work.commitment')}</span>}</td>
                  <td>{t(`gov.task.${e.state}`)}{e.escalation !== 'none' ? ` · ${t(`gov.escalation.${e.escalation as 'overdue'}`)}` : ''}</td>
                  <td>{e.dueAt ? formatDateTime(e.dueAt) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function StaffApplication({ id }: { id: string }) {
  const { t } = useI18n();
  const user = useUser();
  return (
    <div className="page">
      <div className="page-head">
        <Link to={user?.role === 'officer' ? '/gov/work' : user?.role === 'window' ? '/gov/window' : '/gov/dashboard'} className="back">← {t('gov.back')}</Link>
      </div>
      <ApplicationDetail id={id} />
    </div>
  );
}

/** 一窗受理: the window calls the next ticket and files any item for the person in front of it. */
export function WindowWorkbench() {
  const { t } = useI18n();
  const tx = useText();
  const errText = useErrorText();
  const cat = useResource(() => govApi.catalogue(), []);
  const tickets = useResource(() => govApi.tickets(), []);
  const [ticket, setTicket] = useState<GovTicket | null>(null);
  const [residentId, setResidentId] = useState('');
  const [creditCode, setCreditCode] = useState('');
  const [itemId, setItemId] = useState('');
  const [started, setStarted] = useState(false);
  const [done, setDone] = useState<GovApplicationView | null>(null);
  const [error, setError] = useState<unknown>(null);
  useInterval(() => tickets.reload(), 5000);
  const item = cat.data?.find((i) => i.id === itemId);
  const applicant = item?.subject === 'enterprise' ? { creditCode, agentResidentId: residentId } : { residentId };
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('gov.window.title')}</h1>
        <div className="toolbar">
          <button type="button" className="btn" data-testid="gov-ticket-take" onClick={() => govApi.takeTicket().then(() => tickets.reload(), setError)}>{t('gov.window.take')}</button>
          <button
            type="button"
            className="btn btn-primary"
            data-testid="gov-ticket-next"
            onClick={() => govApi.callNext().then((x) => { setTicket(x); setDone(null); setStarted(false); tickets.reload(); }, setError)}
          >
            {t('gov.window.next')}
          </button>
        </div>
      </div>
      {error !== null && <p className="form-error">{errText(error)}</p>}
      <p data-testid="gov-ticket-current">{ticket ? t('gov.window.serving', { number: ticket.number }) : t('gov.window.idle', { n: tickets.data?.filter((x) => x.status === 'waiting').length ?? 0 })}</p>
      {done ? (
        <div className="card">
          <p>{t('gov.window.filed', { id: done.id })}</p>
          <Link to={`/gov/applications/${done.id}`}>{t('gov.window.open')}</Link>
        </div>
      ) : (
        <div className="card">
          <div className="form-grid">
            <label className="field">
              <span>{t('gov.window.item')}</span>
              <select data-testid="gov-window-item" value={itemId} onChange={(e) => { setItemId(e.target.value); setStarted(false); }}>
                <option value="">—</option>
                {(cat.data ?? []).map((i) => <option key={i.id} value={i.id}>{tx(i.name)}</option>)}
              </select>
            </label>
            <label className="field">
              <span>{item?.subject === 'enterprise' ? t('gov.window.agentId') : t('gov.window.residentId')}</span>
              <input data-testid="gov-window-resident" value={residentId} onChange={(e) => { setResidentId(e.target.value.trim()); setStarted(false); }} />
            </label>
            {item?.subject === 'enterprise' && (
              <label className="field">
                <span>{t('gov.window.creditCode')}</span>
                <input data-testid="gov-window-credit" value={creditCode} onChange={(e) => { setCreditCode(e.target.value.trim()); setStarted(false); }} />
              </label>
            )}
          </div>
          <button type="button" className="btn" data-testid="gov-window-start" disabled={!itemId || !residentId} onClick={() => setStarted(true)}>{t('gov.window.start')}</button>
          {started && item && (
            <ApplyForm key={`${itemId}|${residentId}|${creditCode}`} itemId={itemId} channel="window" applicant={applicant} {...(ticket ? { ticketId: ticket.id } : {})} onDone={setDone} />
          )}
        </div>
      )}
    </div>
  );
}
