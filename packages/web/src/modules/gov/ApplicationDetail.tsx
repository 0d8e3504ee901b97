import { useState } from 'react';
import type { GovApplicationView, GovTaskView } from '@shuzhi/schema';
import { ApiError } from '../../api/client.ts';
import { useUser } from '../../api/context.tsx';
import { ErrorBox, Loading, useErrorText } from '../../components/Feedback.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { govApi } from './api.ts';
import { Iso, Tx, useDoorFormat } from '../../doors/citizen/common.tsx';
import { FilledTable } from './ApplyForm.tsx';

function Certificates({ app }: { app: GovApplicationView }) {
  const { t } = useI18n();
  const fmt = useDoorFormat();
  if (!app.certificates.length) return null;
  return (
    <div className="card" data-testid="gov-certificates">
      <h3>{t('gov.detail.certificates')}</h3>
      <div className="gov-certs">
        {app.certificates.map((c) => (
          <div key={c.id} className="gov-cert" data-testid={`gov-cert-${c.type}`}>
            <div className="gov-qr" dangerouslySetInnerHTML={{ __html: c.qrSvg }} />
            <div>
              <strong><Tx text={c.name} /></strong>
              <div className="mono small"><Iso>{c.id}</Iso></div>
              <div className="small"><Iso>{c.issuer}</Iso> · {fmt.date(c.issuedAt)}</div>
              <div className="small">{t(`gov.cert.${c.status}`)}</div>
              <a href={c.verifyUrl} data-testid="gov-verify-link">{t('gov.detail.verify')}</a>
            </div>
          </div>
        ))}
      </div>
    </div>
  );
}

function SupplementBox({ app, onDone }: { app: GovApplicationView; onDone: () => void }) {
  const { t } = useI18n();
  const errText = useErrorText();
  const asked = app.tasks.filter((x) => x.state === 'supplement_requested' && x.supplement);
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  if (!asked.length) return null;
  const fields = [...new Set(asked.flatMap((x) => x.supplement?.fields ?? []))];
  const label = (key: string) => app.prefilled.find((f) => f.key === key)?.label;
  return (
    <div className="card notice" data-testid="gov-supplement">
      <h3>{t('gov.detail.supplementTitle')}</h3>
      {asked.map((x) => (
        <p key={x.serviceId}>
          <strong><Tx text={x.serviceName} /></strong>: <Iso>{x.supplement?.message}</Iso>
        </p>
      ))}
      {fields.map((f) => (
        <label key={f} className="field">
          <span>{label(f) ? <Tx text={label(f)} /> : f}</span>
          <input data-testid={`gov-supplement-${f}`} value={answers[f] ?? ''} onChange={(e) => setAnswers({ ...answers, [f]: e.target.value })} />
        </label>
      ))}
      {error !== null && <p className="form-error">{errText(error)}</p>}
      <button
        type="button"
        className="btn btn-primary"
        data-testid="gov-supplement-send"
        onClick={async () => {
          try {
            await govApi.supplement(app.id, { answers });
            onDone();
          } catch (err) {
            setError(err);
          }
        }}
      >
        {t('gov.detail.supplementSend')}
      </button>
    </div>
  );
}

/** An officer's controls for one task of their department. */
function TaskActions({ app, task, onDone }: { app: GovApplicationView; task: GovTaskView; onDone: () => void }) {
  const { t } = useI18n();
  const errText = useErrorText();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const run = async (action: string, extra: Record<string, unknown> = {}) => {
    setError(null);
    try {
      if (action === 'approve' && task.state === 'ready') await govApi.act(app.id, task.serviceId, { action: 'accept' });
      await govApi.act(app.id, task.serviceId, { action: action as never, ...extra });
      onDone();
    } catch (err) {
      setError(err instanceof ApiError ? err : err);
    }
  };
  const can = (a: string) => task.allowedActions.includes(a);
  if (!task.allowedActions.length) return null;
  return (
    <div className="toolbar gov-actions">
      {can('accept') && <button type="button" className="btn btn-small" data-testid={`gov-accept-${task.serviceId}`} onClick={() => run('accept')}>{t('gov.action.accept')}</button>}
      {(can('approve') || can('accept')) && <button type="button" className="btn btn-small btn-primary" data-testid={`gov-approve-${task.serviceId}`} onClick={() => run('approve')}>{t('gov.action.approve')}</button>}
      {can('approve_on_commitment') && <button type="button" className="btn btn-small" data-testid={`gov-commit-${task.serviceId}`} onClick={() => run('approve_on_commitment')}>{t('gov.action.approveOnCommitment')}</button>}
      {can('verify_passed') && <button type="button" className="btn btn-small" onClick={() => run('verify_passed')}>{t('gov.action.verifyPassed')}</button>}
      <input placeholder={t('gov.action.reason')} value={reason} onChange={(e) => setReason(e.target.value)} data-testid={`gov-reason-${task.serviceId}`} />
      {can('request_supplement') && <button type="button" className="btn btn-small" onClick={() => run('request_supplement', { supplement: { message: reason || t('gov.action.supplementDefault'), fields: [], materials: [] } })}>{t('gov.action.supplement')}</button>}
      {can('reject') && <button type="button" className="btn btn-small btn-danger" onClick={() => run('reject', { reason })}>{t('gov.action.reject')}</button>}
      {can('verify_failed') && <button type="button" className="btn btn-small btn-danger" onClick={() => run('verify_failed', { reason })}>{t('gov.action.verifyFailed')}</button>}
      {error !== null && <span className="field-error">{errText(error)}</span>}
    </div>
  );
}

export function ApplicationDetail({ id }: { id: string }) {
  const { t } = useI18n();
  const fmt = useDoorFormat();
  const user = useUser();
  const app = useResource(() => govApi.application(id), [id]);
  useInterval(() => app.reload(), 4000);
  if (app.error && !app.data) return <ErrorBox error={app.error} onRetry={app.reload} />;
  if (!app.data) return <Loading />;
  const a = app.data;
  const officer = user?.role === 'officer';
  return (
    <div data-testid="gov-application" data-status={a.status}>
      <div className="card">
        <h2><Tx text={a.itemName} itemId={a.itemId} /></h2>
        <div className="facts">
          <span className="mono small"><Iso>{a.id}</Iso></span>
          <span className={`badge gov-status-${a.status}`} data-testid="gov-app-status">{t(`gov.status.${a.status}`)}</span>
          <span><Iso>{a.applicantName}</Iso> · <Iso>{a.subjectMasked}</Iso></span>
          <span>{t(`gov.channel.${a.channel}`)} · {fmt.date(a.submittedAt)}</span>
        </div>
      </div>
      <SupplementBox app={a} onDone={app.reload} />
      <div className="card">
        <h3>{t('gov.detail.tasks')}</h3>
        <table className="table" data-testid="gov-tasks">
          <thead>
            <tr>
              <th>{t('gov.detail.service')}</th>
              <th>{t('gov.detail.department')}</th>
              <th>{t('gov.detail.state')}</th>
              <th>{t('gov.detail.due')}</th>
            </tr>
          </thead>
          <tbody>
            {a.tasks.map((task) => (
              <tr key={task.serviceId} data-testid={`gov-task-${task.serviceId}`} data-state={task.state}>
                <td>
                  <Tx text={task.serviceName} />
                  {task.supplement && <div className="small muted"><Iso>{task.supplement.message}</Iso></div>}
                  {officer && <TaskActions app={a} task={task} onDone={app.reload} />}
                </td>
                <td><Tx text={task.departmentName} /></td>
                <td>{t(`gov.task.${task.state}`)}{task.escalation !== 'none' ? ` · ${t(`gov.escalation.${task.escalation as 'none'}`)}` : ''}</td>
                <td>{fmt.date(task.dueAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Certificates app={a} />
      <div className="card">
        <h3>{t('gov.detail.prefilled')}</h3>
        <FilledTable fields={a.prefilled.filter((f) => f.status === 'filled')} />
      </div>
    </div>
  );
}
