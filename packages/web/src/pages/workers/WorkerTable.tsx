import { Fragment, useState } from 'react';
import type { Site, WorkerCredential, WorkerInfo } from '@shuzhi/schema';
import { useApi } from '../../api/context.tsx';
import { siteName } from '../../charts/networkMapOption.ts';
import { useErrorText } from '../../components/Feedback.tsx';
import { formatDateTime } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { workerState } from './model.ts';

export function WorkerStateBadge({ worker }: { worker: WorkerInfo }) {
  const { t } = useI18n();
  const state = workerState(worker);
  const tone = state === 'online' ? 'succeeded' : state === 'revoked' ? 'failed' : state === 'new' ? 'planned' : 'queued';
  return (
    <span className={`badge badge-${tone}`} data-state={state} data-testid={`worker-state-${worker.id}`}>
      {t(`workers.state.${state}`)}
    </span>
  );
}

type Action = 'rotate' | 'revoke';

function ConfirmRow({ worker, action, busy, onConfirm, onCancel }: { worker: WorkerInfo; action: Action; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  return (
    <tr className="confirm-row">
      <td colSpan={8}>
        <div className="confirm" role="alertdialog" aria-label={t(action === 'rotate' ? 'workers.rotate' : 'workers.revoke')} data-testid="worker-confirm">
          <p>{t(action === 'rotate' ? 'workers.confirm.rotate' : 'workers.confirm.revoke', { name: worker.name, id: worker.id })}</p>
          <button type="button" className={`btn ${action === 'revoke' ? 'btn-danger' : 'btn-primary'}`} disabled={busy} data-testid="worker-confirm-ok" onClick={onConfirm}>
            {t('workers.confirm.ok')}
          </button>
          <button type="button" className="btn" disabled={busy} data-testid="worker-confirm-cancel" onClick={onCancel}>
            {t('workers.confirm.cancel')}
          </button>
        </div>
      </td>
    </tr>
  );
}

/**
 * The workers, with rotate and revoke behind a confirmation. Each action's answer is handed up:
 * a rotation's new credential to show once, a revocation's worker to mark revoked.
 */
export function WorkerTable({
  workers,
  sites,
  onRotated,
  onRevoked,
}: {
  workers: readonly WorkerInfo[];
  sites: readonly Site[];
  onRotated: (w: WorkerCredential) => void;
  onRevoked: (w: WorkerInfo) => void;
}) {
  const api = useApi();
  const { t, lang } = useI18n();
  const errorText = useErrorText();
  const [pending, setPending] = useState<{ id: string; action: Action } | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const ask = (id: string, action: Action) => {
    setPending({ id, action });
    setMessage(null);
  };

  async function run(worker: WorkerInfo, action: Action) {
    setBusy(true);
    setMessage(null);
    try {
      if (action === 'rotate') onRotated(await api.rotateWorker(worker.id));
      else {
        const revoked = await api.revokeWorker(worker.id);
        onRevoked(revoked);
        setMessage({ ok: true, text: t('workers.revoked.done', { name: revoked.name }) });
      }
      setPending(null);
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    } finally {
      setBusy(false);
    }
  }

  const siteLabel = (id: string) => {
    const s = sites.find((x) => x.id === id);
    return s ? siteName(s, lang) : id;
  };

  return (
    <>
      {message &&
        (message.ok ? (
          <p className="notice" role="status" data-testid="worker-action-done">
            {message.text}
          </p>
        ) : (
          <div className="form-error" role="alert" data-testid="worker-action-error">
            {message.text}
          </div>
        ))}
      <div className="card card-flush">
        <table className="table" data-testid="workers-table">
          <thead>
            <tr>
              <th>{t('workers.col.name')}</th>
              <th>{t('workers.col.id')}</th>
              <th>{t('workers.col.site')}</th>
              <th>{t('workers.col.enrolled')}</th>
              <th>{t('workers.col.lastSeen')}</th>
              <th>{t('workers.col.rotated')}</th>
              <th>{t('workers.col.state')}</th>
              <th>{t('workers.col.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {workers.map((w) => (
              <Fragment key={w.id}>
                <tr data-testid={`worker-row-${w.id}`} className={w.revokedAt ? 'row-revoked' : undefined}>
                  <td>{w.name}</td>
                  <td className="mono small">{w.id}</td>
                  <td>
                    <Link to={`/compute/sites/${encodeURIComponent(w.siteId)}`}>{siteLabel(w.siteId)}</Link>
                  </td>
                  <td>
                    <span className="mono small">{w.enrolledBy}</span>
                    <div className="muted small">{formatDateTime(w.enrolledAt)}</div>
                  </td>
                  <td>{w.lastSeenAt ? formatDateTime(w.lastSeenAt, true) : <span className="muted">{t('workers.neverSeen')}</span>}</td>
                  <td>{w.rotatedAt ? formatDateTime(w.rotatedAt) : <span className="muted">{t('workers.notRotated')}</span>}</td>
                  <td>
                    <WorkerStateBadge worker={w} />
                    {w.revokedAt && <div className="muted small">{t('workers.revokedAt', { at: formatDateTime(w.revokedAt) })}</div>}
                  </td>
                  <td className="actions">
                    {!w.revokedAt && (
                      <>
                        <button type="button" className="btn btn-small" data-testid={`worker-rotate-${w.id}`} disabled={busy} onClick={() => ask(w.id, 'rotate')}>
                          {t('workers.rotate')}
                        </button>
                        <button type="button" className="btn btn-small btn-danger" data-testid={`worker-revoke-${w.id}`} disabled={busy} onClick={() => ask(w.id, 'revoke')}>
                          {t('workers.revoke')}
                        </button>
                      </>
                    )}
                  </td>
                </tr>
                {pending?.id === w.id && !w.revokedAt && (
                  <ConfirmRow worker={w} action={pending.action} busy={busy} onConfirm={() => void run(w, pending.action)} onCancel={() => setPending(null)} />
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
