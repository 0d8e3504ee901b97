import { useState, type FormEvent } from 'react';
import type { QuotaInput } from '@shuzhi/schema';
import { useUser } from '../../api/context.tsx';
import { ErrorBox, Loading, useErrorText } from '../../components/Feedback.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { useResource } from '../../useResource.ts';
import { quotaApi } from './api.ts';

const TYPES: QuotaInput['type'][] = ['gpu', 'cpu', 'render'];

/** Quotas with use, borrowing and lending, and the fair-share table; operators set quotas here. */
export function QuotasPage() {
  const { t } = useI18n();
  const user = useUser();
  const quotas = useResource(() => quotaApi.list(), []);
  const fs = useResource(() => quotaApi.fairShare(), []);
  const none = t('quotas.none');
  return (
    <div className="page" data-testid="quotas-page">
      <div className="page-head">
        <h1>{t('quotas.title')}</h1>
      </div>
      <p className="muted small">{t('quotas.hint')}</p>
      <div className="card card-flush">
        {quotas.error ? <ErrorBox error={quotas.error} onRetry={quotas.reload} /> : null}
        {!quotas.data && quotas.loading && <Loading />}
        {quotas.data && quotas.data.items.length === 0 && <p className="empty">{t('quotas.empty')}</p>}
        {quotas.data && quotas.data.items.length > 0 && (
          <table className="table" data-testid="quotas-table">
            <thead>
              <tr>
                <th>{t('quotas.col.tenant')}</th>
                <th>{t('quotas.col.project')}</th>
                <th>{t('quotas.col.type')}</th>
                <th>{t('quotas.col.cohort')}</th>
                <th className="num">{t('quotas.col.nominal')}</th>
                <th className="num">{t('quotas.col.used')}</th>
                <th className="num">{t('quotas.col.borrowed')}</th>
                <th className="num">{t('quotas.col.lent')}</th>
                <th className="num">{t('quotas.col.borrowLimit')}</th>
                <th className="num">{t('quotas.col.lendLimit')}</th>
              </tr>
            </thead>
            <tbody>
              {quotas.data.items.map((q) => (
                <tr key={`${q.tenantId}/${q.project ?? ''}/${q.type}`} data-testid={`quota-${q.tenantId}-${q.type}`}>
                  <td className="mono">{q.tenantId}</td>
                  <td>{q.project ?? '—'}</td>
                  <td>{q.type}</td>
                  <td>{q.cohort ?? '—'}</td>
                  <td className="num">{q.nominal}</td>
                  <td className="num">{q.used}</td>
                  <td className="num">{q.borrowed}</td>
                  <td className="num">{q.lent}</td>
                  <td className="num">{q.borrowingLimit ?? none}</td>
                  <td className="num">{q.lendingLimit ?? none}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {user?.role === 'operator' && <SetQuota onDone={quotas.reload} />}
      <div className="card card-flush">
        <div className="card-head">
          <h2>{t('quotas.fs.title')}</h2>
          {fs.data && <span className="muted small">{t('quotas.fs.halfLife', { h: fs.data.halfLifeHours })}</span>}
        </div>
        {fs.error ? <ErrorBox error={fs.error} onRetry={fs.reload} /> : null}
        {fs.data && (
          <table className="table" data-testid="fairshare-table">
            <thead>
              <tr>
                <th>{t('quotas.col.tenant')}</th>
                <th className="num">{t('quotas.fs.shares')}</th>
                <th className="num">{t('quotas.fs.normShares')}</th>
                <th className="num">{t('quotas.fs.usage')}</th>
                <th className="num">{t('quotas.fs.normUsage')}</th>
                <th className="num">{t('quotas.fs.factor')}</th>
              </tr>
            </thead>
            <tbody>
              {fs.data.rows.map((r) => (
                <tr key={r.tenantId}>
                  <td className="mono">{r.tenantId}</td>
                  <td className="num">{r.shares}</td>
                  <td className="num">{r.normShares.toFixed(4)}</td>
                  <td className="num">{r.effectiveUsage.toFixed(2)}</td>
                  <td className="num">{r.normUsage.toFixed(4)}</td>
                  <td className="num">{r.factor.toFixed(4)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}

/** Empty = no limit. */
const limitOf = (s: string) => (s.trim() === '' ? null : Number(s));

function SetQuota({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const errText = useErrorText();
  const [f, setF] = useState({ tenantId: '', project: '', type: 'gpu' as QuotaInput['type'], nominal: '', cohort: '', borrowingLimit: '', lendingLimit: '' });
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const field = (k: keyof typeof f) => ({ value: f[k], onChange: (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value }) });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const q = await quotaApi.set({
        tenantId: f.tenantId.trim(), project: f.project.trim() || null, type: f.type, nominal: Number(f.nominal),
        cohort: f.cohort.trim() || null, borrowingLimit: limitOf(f.borrowingLimit), lendingLimit: limitOf(f.lendingLimit),
      });
      setMsg({ ok: true, text: t('quotas.set.done', { tenant: q.tenantId, type: q.type }) });
      onDone();
    } catch (x) {
      setMsg({ ok: false, text: errText(x) });
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} data-testid="quota-form">
      <h2>{t('quotas.set.title')}</h2>
      <div className="form-grid">
        <label className="field">{t('quotas.col.tenant')}<input required {...field('tenantId')} /></label>
        <label className="field">{t('quotas.col.project')}<input {...field('project')} /></label>
        <label className="field">
          {t('quotas.col.type')}
          <select value={f.type} onChange={(e) => setF({ ...f, type: e.target.value as QuotaInput['type'] })}>
            {TYPES.map((x) => <option key={x} value={x}>{x}</option>)}
          </select>
        </label>
        <label className="field">{t('quotas.col.nominal')}<input required inputMode="numeric" {...field('nominal')} /></label>
        <label className="field">{t('quotas.col.cohort')}<input {...field('cohort')} /></label>
        <label className="field">{t('quotas.col.borrowLimit')}<input inputMode="numeric" placeholder={t('quotas.none')} {...field('borrowingLimit')} /></label>
        <label className="field">{t('quotas.col.lendLimit')}<input inputMode="numeric" placeholder={t('quotas.none')} {...field('lendingLimit')} /></label>
      </div>
      {msg && <p className={msg.ok ? 'muted' : 'form-error'} role={msg.ok ? 'status' : 'alert'}>{msg.text}</p>}
      <div className="form-actions">
        <button className="btn" type="submit">{t('quotas.set.submit')}</button>
      </div>
    </form>
  );
}
