import { useState } from 'react';
import type { GovApplicationView, GovQueueEntry, GovTicket } from '@shuzhi/schema';
import { useUser } from '../../api/context.tsx';
import { EmptyState, ErrorBox, Loading, useErrorText } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { ApplicationDetail } from './ApplicationDetail.tsx';
import { ApplyForm } from './ApplyForm.tsx';
import { govApi } from './api.ts';
import { useText } from './text.ts';

/** Which tasks a workbench shows: the officer's tab, the filters, and the department (a supervisor sees every one). */
interface QueueFilter {
  mine: boolean;
  itemZh: string;
  state: string;
  department: string;
  escalatedOnly: boolean;
}

function filterQueue(entries: readonly GovQueueEntry[], f: QueueFilter): GovQueueEntry[] {
  return entries.filter(
    (e) =>
      (!f.mine || e.allowedActions.length > 0) &&
      (!f.itemZh || e.itemName.zh === f.itemZh) &&
      (!f.state || e.state === f.state) &&
      (!f.department || e.departmentId === f.department) &&
      (!f.escalatedOnly || e.escalation === 'overdue' || e.escalation === 'supervisor'),
  );
}

const distinct = (xs: readonly string[]) => [...new Set(xs)].sort();

/**
 * The officer's workbench: the department's queue, soonest due first, with the tasks waiting for the
 * officer's action apart from the rest; a supervisor gets every department's queue and a department filter.
 */
export function OfficerWorkbench() {
  const { t } = useI18n();
  const tx = useText();
  const me = useResource(() => govApi.me(), []);
  const q = useResource(() => govApi.queue(), []);
  const [f, setF] = useState<QueueFilter>({ mine: true, itemZh: '', state: '', department: '', escalatedOnly: false });
  useInterval(() => q.reload(), 3000);
  const all = q.data ?? [];
  const shown = filterQueue(all, f);
  const actionable = all.filter((e) => e.allowedActions.length > 0).length;
  const items = new Map(all.map((e) => [e.itemName.zh, e.itemName]));
  const set = (patch: Partial<QueueFilter>) => setF((old) => ({ ...old, ...patch }));
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('gov.work.title')}</h1>
        <span className="tag" data-testid="gov-department">{tx(me.data?.departmentName) || t('gov.work.allDepartments')}</span>
        <button type="button" className="btn" onClick={q.reload}>{t('app.refresh')}</button>
      </div>
      <div className="tabs" role="group" aria-label={t('gov.work.title')}>
        <button type="button" className={`tab${f.mine ? ' active' : ''}`} aria-pressed={f.mine} data-testid="gov-work-mine" onClick={() => set({ mine: true })}>
          {t('gov.work.mine')} <span className="count">{actionable}</span>
        </button>
        <button type="button" className={`tab${!f.mine ? ' active' : ''}`} aria-pressed={!f.mine} data-testid="gov-work-all" onClick={() => set({ mine: false })}>
          {t('gov.work.all')} <span className="count">{all.length}</span>
        </button>
      </div>
      <fieldset className="filters">
        <legend>{t('gov.work.filters')}</legend>
        <label className="field">
          <span>{t('gov.work.item')}</span>
          <select value={f.itemZh} onChange={(e) => set({ itemZh: e.target.value })} data-testid="gov-work-filter-item">
            <option value="">{t('gov.work.allItems')}</option>
            {[...items].map(([zh, name]) => <option key={zh} value={zh}>{tx(name)}</option>)}
          </select>
        </label>
        <label className="field">
          <span>{t('gov.detail.state')}</span>
          <select value={f.state} onChange={(e) => set({ state: e.target.value })} data-testid="gov-work-filter-state">
            <option value="">{t('gov.work.allStates')}</option>
            {distinct(all.map((e) => e.state)).map((s) => <option key={s} value={s}>{t(`gov.task.${s as GovQueueEntry['state']}`)}</option>)}
          </select>
        </label>
        {me.data?.departmentId === null && (
          <label className="field">
            <span>{t('gov.detail.department')}</span>
            <select value={f.department} onChange={(e) => set({ department: e.target.value })} data-testid="gov-work-filter-department">
              <option value="">{t('gov.work.allDepartments')}</option>
              {distinct(all.map((e) => e.departmentId)).map((d) => <option key={d} value={d}>{d}</option>)}
            </select>
          </label>
        )}
        <label className="check">
          <input type="checkbox" checked={f.escalatedOnly} onChange={(e) => set({ escalatedOnly: e.target.checked })} />
          {t('gov.work.escalatedOnly')}
        </label>
        <span className="muted" data-testid="gov-work-count">{t('gov.work.count', { shown: shown.length, total: all.length })}</span>
      </fieldset>
      {q.error ? <ErrorBox error={q.error} onRetry={q.reload} /> : !q.data ? <Loading /> : all.length === 0 ? <EmptyState testId="gov-queue-empty">{t('gov.work.empty')}</EmptyState> : shown.length === 0 ? <EmptyState testId="gov-queue-filtered">{t('gov.work.none')}</EmptyState> : (
        <div className="card card-flush">
          <table className="table" data-testid="gov-queue">
            <thead>
              <tr>
                <th scope="col">{t('gov.detail.service')}</th>
                <th scope="col">{t('gov.work.item')}</th>
                <th scope="col">{t('gov.detail.state')}</th>
                <th scope="col">{t('gov.detail.due')}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((e) => (
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

/** The receipt handed over the counter: what was filed, under which ticket, when; printed from the browser. */
function Receipt({ application, ticket, onNext }: { application: GovApplicationView; ticket: GovTicket | null; onNext: () => void }) {
  const { t } = useI18n();
  const tx = useText();
  return (
    <section className="card gov-receipt" data-testid="gov-receipt" aria-labelledby="gov-receipt-title">
      <h2 id="gov-receipt-title">{t('gov.window.receipt')}</h2>
      <dl className="kv">
        <dt>{t('gov.window.item')}</dt>
        <dd>{tx(application.itemName)}</dd>
        <dt>{t('gov.window.applicant')}</dt>
        <dd>{application.applicantName} <span className="mono small">{application.subjectMasked}</span></dd>
        <dt>{t('gov.window.receiptId')}</dt>
        <dd className="mono" data-testid="gov-receipt-id">{application.id}</dd>
        <dt>{t('gov.window.receiptTicket')}</dt>
        <dd>{ticket?.number ?? '—'}</dd>
        <dt>{t('gov.window.receiptTime')}</dt>
        <dd>{formatDateTime(application.submittedAt)}</dd>
      </dl>
      <p>{t('gov.window.filed', { id: application.id })}</p>
      <div className="toolbar no-print">
        <button type="button" className="btn btn-primary" data-testid="gov-receipt-print" onClick={() => window.print()}>{t('gov.window.print')}</button>
        <Link to={`/gov/applications/${application.id}`} className="btn">{t('gov.window.open')}</Link>
        <button type="button" className="btn" onClick={onNext}>{t('gov.window.nextPerson')}</button>
      </div>
    </section>
  );
}

/** 一窗受理: the window calls the next ticket, looks the person up in the registries and files any item for them. */
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
  const waiting = (tickets.data ?? []).filter((x) => x.status === 'waiting');
  const reset = () => { setDone(null); setStarted(false); setItemId(''); setResidentId(''); setCreditCode(''); };
  return (
    <div className="page gov-window">
      <div className="page-head">
        <h1>{t('gov.window.title')}</h1>
      </div>
      {error !== null && <p className="form-error" role="alert">{errText(error)}</p>}
      <div className="gov-window-grid">
        <section className="card gov-counter" aria-labelledby="gov-counter-title">
          <h2 id="gov-counter-title">{t('gov.window.counter')}</h2>
          <p className="gov-counter-number" data-testid="gov-ticket-current">{ticket ? t('gov.window.serving', { number: ticket.number }) : t('gov.window.idle', { n: waiting.length })}</p>
          <div className="toolbar">
            <button type="button" className="btn" data-testid="gov-ticket-take" onClick={() => govApi.takeTicket().then(() => tickets.reload(), setError)}>{t('gov.window.take')}</button>
            <button
              type="button"
              className="btn btn-primary"
              data-testid="gov-ticket-next"
              onClick={() => govApi.callNext().then((x) => { setTicket(x); reset(); tickets.reload(); }, setError)}
            >
              {t('gov.window.next')}
            </button>
          </div>
          <h3>{t('gov.window.tickets')}</h3>
          {tickets.error ? <ErrorBox error={tickets.error} onRetry={tickets.reload} /> : !tickets.data ? <Loading /> : waiting.length === 0 ? <EmptyState testId="gov-tickets-empty">{t('gov.window.noTickets')}</EmptyState> : (
            <ol className="gov-ticket-list" data-testid="gov-tickets">{waiting.map((x) => <li key={x.id}>{x.number}</li>)}</ol>
          )}
        </section>
        {done ? <Receipt application={done} ticket={ticket} onNext={reset} /> : (
          <section className="card" aria-labelledby="gov-person-title">
            <h2 id="gov-person-title">{t('gov.window.person')}</h2>
            {cat.error ? <ErrorBox error={cat.error} onRetry={cat.reload} /> : !cat.data ? <Loading /> : (
              <div className="form-grid">
                <label className="field">
                  <span>{t('gov.window.item')}</span>
                  <select data-testid="gov-window-item" value={itemId} onChange={(e) => { setItemId(e.target.value); setStarted(false); }}>
                    <option value="">—</option>
                    {cat.data.map((i) => <option key={i.id} value={i.id}>{tx(i.name)}</option>)}
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
            )}
            <button type="button" className="btn" data-testid="gov-window-start" disabled={!itemId || !residentId} onClick={() => setStarted(true)}>{t('gov.window.start')}</button>
            {started && item && (
              <ApplyForm key={`${itemId}|${residentId}|${creditCode}`} itemId={itemId} channel="window" applicant={applicant} {...(ticket ? { ticketId: ticket.id } : {})} onDone={setDone} />
            )}
          </section>
        )}
      </div>
    </div>
  );
}
