import { useEffect, useRef, useState } from 'react';
import type { WorkerCredential } from '@shuzhi/schema';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { runCommand, serverOrigin } from './model.ts';

export interface IssuedCredential {
  worker: WorkerCredential;
  /** `enrolled`: a new worker; `rotated`: a new credential for a known one (the old one is dead). */
  kind: 'enrolled' | 'rotated';
}

function CopyButton({ text, testId }: { text: string; testId: string }) {
  const { t } = useI18n();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state !== 'copied') return;
    const id = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(id);
  }, [state]);
  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <>
      <button type="button" className="btn btn-small" data-testid={testId} onClick={() => void copy()}>
        {state === 'copied' ? t('workers.copied') : t('workers.copy')}
      </button>
      {state === 'failed' && (
        <span className="field-error" role="alert">
          {t('workers.copyFailed')}
        </span>
      )}
    </>
  );
}

/**
 * The credential right after enrolment or rotation: the only time anyone sees it. It lives in this
 * panel's props alone and is gone once the panel is closed.
 */
export function CredentialPanel({ issued, onDismiss }: { issued: IssuedCredential; onDismiss: () => void }) {
  const { t } = useI18n();
  const { worker, kind } = issued;
  const command = runCommand(serverOrigin(), worker.credential);
  // Rotation is started from a row far down the table: bring the panel (at the top) to the user.
  const ref = useRef<HTMLElement>(null);
  useEffect(() => ref.current?.focus(), [worker.credential]);
  return (
    <section ref={ref} tabIndex={-1} className="card credential-panel" aria-labelledby="worker-credential-title" data-testid="worker-credential-panel">
      <h2 id="worker-credential-title">{t(kind === 'enrolled' ? 'workers.cred.enrolled' : 'workers.cred.rotated', { name: worker.name })}</h2>
      <p className="credential-once" role="alert" data-testid="worker-credential-once">
        <strong>{t('workers.cred.once')}</strong>
        {kind === 'rotated' && <> {t('workers.cred.oldStopped')}</>}
      </p>
      <div className="field">
        <span className="label">
          {t('workers.cred.credential')} <span className="mono">{worker.id}</span>
        </span>
        <div className="copy-row">
          <pre className="command secret" data-testid="worker-credential">
            {worker.credential}
          </pre>
          <CopyButton text={worker.credential} testId="worker-copy-credential" />
        </div>
      </div>
      <div className="field">
        <span className="label">{t('workers.cred.run')}</span>
        <div className="copy-row">
          <pre className="command" data-testid="worker-run-command">
            {command}
          </pre>
          <CopyButton text={command} testId="worker-copy-command" />
        </div>
        <small className="hint">{t('workers.cred.bubblewrap')}</small>
      </div>
      <div className="form-actions">
        <button type="button" className="btn btn-primary" data-testid="worker-credential-dismiss" onClick={onDismiss}>
          {t('workers.cred.dismiss')}
        </button>
      </div>
    </section>
  );
}
