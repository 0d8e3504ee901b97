import { useState, type FormEvent } from 'react';
import { WorkerEnrollRequest, type Site, type WorkerCredential } from '@shuzhi/schema';
import { useApi } from '../../api/context.tsx';
import { ApiError } from '../../api/client.ts';
import { siteName } from '../../charts/networkMapOption.ts';
import { useErrorText } from '../../components/Feedback.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { fieldErrors, fieldOf } from '../../validation.ts';

type Errors = Partial<Record<'siteId' | 'name', string>>;

/** Enrolls a worker for one of `sites`; checked against the server's own schema before it is sent. */
export function EnrollForm({ sites, initialSite, onEnrolled }: { sites: readonly Site[]; initialSite: string; onEnrolled: (w: WorkerCredential) => void }) {
  const api = useApi();
  const { t, lang } = useI18n();
  const errorText = useErrorText();
  const [siteId, setSiteId] = useState(() => (sites.some((s) => s.id === initialSite) ? initialSite : sites.length === 1 ? sites[0]!.id : ''));
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const parsed = WorkerEnrollRequest.safeParse({ siteId, name: name.trim() });
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error.issues, t));
      setFormError(t('workers.enroll.fixErrors'));
      return;
    }
    setErrors({});
    setFormError(null);
    setBusy(true);
    try {
      const w = await api.enrollWorker(parsed.data);
      setName('');
      onEnrolled(w);
    } catch (err) {
      if (err instanceof ApiError && err.status > 0) {
        const byField: Errors = {};
        for (const fe of err.fieldErrors) {
          const f = fieldOf(fe.path);
          if (f === 'siteId' || f === 'name') byField[f] ??= fe.message;
        }
        setErrors(byField);
        setFormError(t('workers.enroll.rejected', { detail: err.message }));
      } else setFormError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const invalid = (f: keyof Errors) => (errors[f] ? { 'aria-invalid': true, 'aria-describedby': `worker-${f}-error` } : {});
  const fieldError = (f: keyof Errors) =>
    errors[f] && (
      <small className="field-error" role="alert" id={`worker-${f}-error`} data-testid={`worker-error-${f}`}>
        {errors[f]}
      </small>
    );

  return (
    <form className="card" onSubmit={submit} noValidate data-testid="worker-enroll-form">
      <h2>{t('workers.enroll.title')}</h2>
      <p className="hint">{t('workers.enroll.hint')}</p>
      <div className="form-grid">
        <div className={`field${errors.siteId ? ' field-invalid' : ''}`}>
          <label htmlFor="worker-siteId">{t('workers.enroll.site')}</label>
          <select id="worker-siteId" data-testid="worker-enroll-site" value={siteId} onChange={(e) => setSiteId(e.target.value)} {...invalid('siteId')}>
            <option value="">{t('workers.enroll.pickSite')}</option>
            {sites.map((s) => (
              <option key={s.id} value={s.id}>
                {siteName(s, lang)} ({s.id})
              </option>
            ))}
          </select>
          {fieldError('siteId')}
        </div>
        <div className={`field${errors.name ? ' field-invalid' : ''}`}>
          <label htmlFor="worker-name">{t('workers.enroll.name')}</label>
          <input id="worker-name" data-testid="worker-enroll-name" value={name} maxLength={64} autoComplete="off" onChange={(e) => setName(e.target.value)} {...invalid('name')} />
          {errors.name ? fieldError('name') : <small className="hint">{t('workers.enroll.nameHint')}</small>}
        </div>
      </div>
      {formError && (
        <div className="form-error" role="alert" data-testid="worker-enroll-error">
          {formError}
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" data-testid="worker-enroll-submit" disabled={busy}>
          {busy ? t('workers.enroll.submitting') : t('workers.enroll.submit')}
        </button>
      </div>
    </form>
  );
}
