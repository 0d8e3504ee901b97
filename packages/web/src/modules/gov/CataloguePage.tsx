import { useState } from 'react';
import { ApiError } from '../../api/client.ts';
import { useUser } from '../../api/context.tsx';
import { EmptyState, ErrorBox, Loading, useErrorText } from '../../components/Feedback.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useResource } from '../../useResource.ts';
import { govApi } from './api.ts';
import { useText } from './text.ts';

const fig = (f: { before: number | null; after: number | null }) => `${f.before ?? '—'} → ${f.after ?? '—'}`;

/** The item catalogue (data, not code); operators add items as JSON. */
export function CataloguePage() {
  const { t } = useI18n();
  const tx = useText();
  const user = useUser();
  const errText = useErrorText();
  const cat = useResource(() => govApi.catalogue(), []);
  const [json, setJson] = useState('');
  const [errorsList, setErrors] = useState<string[]>([]);
  const [msg, setMsg] = useState('');
  const entry = user?.role === 'officer' ? '/gov/work' : user?.role === 'window' ? '/gov/window' : user?.role === 'supervisor' ? '/gov/dashboard' : '/gov/app';
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('gov.catalogue.title')}</h1>
        <Link to={entry} className="btn btn-primary">{t('gov.catalogue.enter')}</Link>
      </div>
      {cat.error ? <ErrorBox error={cat.error} onRetry={cat.reload} /> : !cat.data ? <Loading /> : cat.data.length === 0 ? <EmptyState>{t('app.empty')}</EmptyState> : (
        <div className="card card-flush">
          <table className="table" data-testid="gov-catalogue">
            <thead>
              <tr>
                <th>{t('gov.catalogue.item')}</th>
                <th>{t('gov.catalogue.services')}</th>
                <th>{t('gov.metrics.steps')}</th>
                <th>{t('gov.metrics.materials')}</th>
                <th>{t('gov.metrics.days')}</th>
                <th>{t('gov.metrics.trips')}</th>
              </tr>
            </thead>
            <tbody>
              {cat.data.map((i) => (
                <tr key={i.id}>
                  <td>
                    {tx(i.name)} {i.scope === 'regional' && <span className="tag">{t('gov.catalogue.regional')}</span>}
                    {i.unverified && <span className="tag" title={t('gov.catalogue.unverifiedHint')}>{t('gov.catalogue.unverified')}</span>}
                  </td>
                  <td className="small">{i.services.map((s) => `${tx(s.name)}（${tx(s.departmentName)}, ${s.slaWorkingDays}d）`).join('；')}</td>
                  <td>{fig(i.baseline.steps)}</td>
                  <td>{fig(i.baseline.materials)}</td>
                  <td>{fig(i.baseline.workingDays)}</td>
                  <td>{fig(i.baseline.trips)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {user?.role === 'operator' && (
        <div className="card">
          <h2 id="gov-item-add">{t('gov.catalogue.add')}</h2>
          <p className="hint">{t('gov.catalogue.addHint')}</p>
          <textarea aria-labelledby="gov-item-add" data-testid="gov-item-json" rows={10} style={{ width: '100%' }} value={json} onChange={(e) => setJson(e.target.value)} />
          <button
            type="button"
            className="btn btn-primary"
            onClick={async () => {
              setErrors([]);
              setMsg('');
              try {
                const item = await govApi.addItem(JSON.parse(json));
                setMsg(t('gov.catalogue.added', { id: item.id }));
                cat.reload();
              } catch (err) {
                setErrors(err instanceof ApiError && err.fieldErrors.length ? err.fieldErrors.map((e) => `${e.path}: ${e.message}`) : [errText(err)]);
              }
            }}
          >
            {t('gov.catalogue.save')}
          </button>
          {msg && <p>{msg}</p>}
          {errorsList.map((e) => <p key={e} className="field-error">{e}</p>)}
        </div>
      )}
    </div>
  );
}
