import { useState, type FormEvent, type ReactNode } from 'react';
import { DataActions, DataColumnRoles, DataColumnTypes, DataDomains, DataPurposes, type DataColumnRole, type DataColumnType, type DataDomain, type DataProduct } from '@shuzhi/schema';
import { useApi } from '../../api/context.tsx';
import { ApiError } from '../../api/client.ts';
import { useErrorText } from '../../components/Feedback.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { useResource } from '../../useResource.ts';
import { dataApi } from './api.ts';
import { domainName } from './common.tsx';
import { actionWord, purposeWord } from './policy.ts';
import { buildProductInput, emptyColumn, emptyProductForm, type ProductForm } from './register.ts';

/** A row of checkboxes over a list of values: the values ticked, in the list's order. */
function Checks<T extends string>({ options, on, set, testId }: { options: (readonly [T, string])[]; on: T[]; set: (v: T[]) => void; testId: string }) {
  return (
    <div className="checks">
      {options.map(([value, label]) => (
        <label key={value} className="check">
          <input
            type="checkbox"
            checked={on.includes(value)}
            data-testid={`${testId}-${value}`}
            onChange={(e) => set(options.map(([v]) => v).filter((v) => (v === value ? e.target.checked : on.includes(v))))}
          />
          {label}
        </label>
      ))}
    </div>
  );
}

/** The provider registers a product: texts, domain, site, schema, usage policy, fee; the dataset is uploaded next. */
export function RegisterForm({ onRegistered }: { onRegistered: (p: DataProduct) => void }) {
  const { t, lang } = useI18n();
  const api = useApi();
  const errText = useErrorText();
  const sites = useResource(() => api.sites(), []);
  const regions = useResource(() => api.regions(), []);
  const [f, setF] = useState<ProductForm>(emptyProductForm);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<ProductForm>) => setF({ ...f, ...patch });
  const setCol = (i: number, patch: Partial<ProductForm['columns'][number]>) => set({ columns: f.columns.map((c, j) => (j === i ? { ...c, ...patch } : c)) });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure('');
    const built = buildProductInput(f, t);
    if (!built.ok) return setErrors(built.errors);
    setErrors({});
    setBusy(true);
    try {
      onRegistered(await dataApi.register(built.body));
      setF(emptyProductForm);
    } catch (err) {
      // The server names the field of a policy it cannot evaluate: put it on that field.
      if (err instanceof ApiError && err.fieldErrors.length) setErrors(Object.fromEntries(err.fieldErrors.map((x) => [x.path.replace(/^\//, '').replace(/\//g, '.'), x.message])));
      setFailure(errText(err));
    } finally {
      setBusy(false);
    }
  };
  const field = (key: string, label: string, input: ReactNode) => (
    <label className={`field${errors[key] ? ' field-invalid' : ''}`}>
      <span className="label">{label}</span>
      {input}
      {errors[key] && (
        <span className="field-error" data-testid={`data-register-error-${key}`}>
          {errors[key]}
        </span>
      )}
    </label>
  );
  const text = (key: keyof ProductForm, path: string, label: string, area = false) => {
    const props = { value: String(f[key]), onChange: (e: { target: { value: string } }) => set({ [key]: e.target.value } as Partial<ProductForm>), 'data-testid': `data-register-${key}` };
    return field(path, label, area ? <textarea rows={3} {...props} /> : <input {...props} />);
  };
  const otherErrors = Object.entries(errors).filter(([k]) => !FIELD_KEYS.test(k));

  return (
    <form className="card" onSubmit={submit} data-testid="data-register">
      <h2>{t('data.register.title')}</h2>
      <div className="form-grid">
        {text('titleZh', 'title.zh', t('data.register.titleZh'))}
        {text('titleEn', 'title.en', t('data.register.titleEn'))}
        {field(
          'domain',
          t('data.register.domain'),
          <select value={f.domain} onChange={(e) => set({ domain: e.target.value as DataDomain })} data-testid="data-register-domain">
            {DataDomains.map((d) => (
              <option key={d} value={d}>
                {domainName(d, lang)}
              </option>
            ))}
          </select>,
        )}
        {field(
          'siteId',
          t('data.register.site'),
          <select value={f.siteId} onChange={(e) => set({ siteId: e.target.value })} data-testid="data-register-site">
            <option value="">—</option>
            {(sites.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.id} · {s.region}
              </option>
            ))}
          </select>,
        )}
      </div>
      {text('descriptionZh', 'description.zh', t('data.register.descriptionZh'), true)}
      {text('descriptionEn', 'description.en', t('data.register.descriptionEn'), true)}

      <h3>{t('data.product.schema')}</h3>
      <div data-testid="data-register-columns">
        {f.columns.map((c, i) => (
          <div key={i} className="data-row">
            <input placeholder={t('data.schema.name')} value={c.name} onChange={(e) => setCol(i, { name: e.target.value })} data-testid={`data-col-name-${i}`} />
            <select aria-label={t('data.schema.type')} value={c.type} onChange={(e) => setCol(i, { type: e.target.value as DataColumnType })} data-testid={`data-col-type-${i}`}>
              {DataColumnTypes.map((x) => (
                <option key={x} value={x}>
                  {x}
                </option>
              ))}
            </select>
            <select aria-label={t('data.schema.role')} value={c.role} onChange={(e) => setCol(i, { role: e.target.value as DataColumnRole })} data-testid={`data-col-role-${i}`}>
              {DataColumnRoles.map((x) => (
                <option key={x} value={x}>
                  {t(`data.role.${x}`)}
                </option>
              ))}
            </select>
            <input placeholder={t('data.schema.unit')} value={c.unit} onChange={(e) => setCol(i, { unit: e.target.value })} />
            {c.role === 'measure' && <input placeholder={t('data.register.boundsHint')} value={c.bounds} onChange={(e) => setCol(i, { bounds: e.target.value })} data-testid={`data-col-bounds-${i}`} />}
            {c.role === 'dimension' && (
              <input placeholder={t('data.register.categoriesHint')} value={c.categories} onChange={(e) => setCol(i, { categories: e.target.value })} data-testid={`data-col-categories-${i}`} />
            )}
            <button type="button" className="btn btn-small" disabled={f.columns.length === 1} onClick={() => set({ columns: f.columns.filter((_, j) => j !== i) })}>
              {t('data.query.remove')}
            </button>
            {Object.entries(errors)
              .filter(([k]) => k.startsWith(`schema.columns.${i}.`))
              .map(([k, m]) => (
                <span key={k} className="field-error">
                  {k.split('.').pop()}: {m}
                </span>
              ))}
          </div>
        ))}
        <button type="button" className="btn btn-small" data-testid="data-col-add" onClick={() => set({ columns: [...f.columns, { ...emptyColumn }] })}>
          {t('data.register.addColumn')}
        </button>
      </div>

      <h3>{t('data.product.policy')}</h3>
      <div className="form-grid">
        {field(
          'policy.output.kind',
          t('data.register.output'),
          <select value={f.output} onChange={(e) => set({ output: e.target.value as ProductForm['output'] })} data-testid="data-register-output">
            <option value="k-anonymity">{t('data.register.outputK')}</option>
            <option value="differential-privacy">{t('data.register.outputDp')}</option>
          </select>,
        )}
        {f.output === 'k-anonymity'
          ? text('k', 'policy.output.k', t('data.register.k'))
          : [text('epsilonBudget', 'policy.output.epsilonBudget', t('data.register.epsilonBudget')), text('maxEpsilonPerQuery', 'policy.output.maxEpsilonPerQuery', t('data.register.maxEpsilon'))]}
        {field(
          'policy.approval',
          t('data.register.approval'),
          <select value={f.approval} onChange={(e) => set({ approval: e.target.value as ProductForm['approval'] })} data-testid="data-register-approval">
            <option value="automatic">{t('data.register.approvalAuto')}</option>
            <option value="provider">{t('data.register.approvalProvider')}</option>
          </select>,
        )}
        {text('feeYuan', 'feeFenPerUse', t('data.register.fee'))}
      </div>
      {field(
        'policy.computeRegions',
        t('data.register.regions'),
        <Checks testId="data-register-region" options={(regions.data ?? []).map((r) => [r.id, lang === 'en' ? r.nameEn : r.nameZh])} on={f.computeRegions} set={(computeRegions) => set({ computeRegions })} />,
      )}
      {field('policy.permissions', t('data.register.actions'), <Checks testId="data-register-action" options={DataActions.map((a) => [a, actionWord(a, t)])} on={f.actions} set={(actions) => set({ actions })} />)}
      {field('purposes', t('data.register.purposes'), <Checks testId="data-register-purpose" options={DataPurposes.map((p) => [p, purposeWord(p, t)])} on={f.purposes} set={(purposes) => set({ purposes })} />)}
      <div className="checks">
        <label className="check">
          <input type="checkbox" checked={f.resultsMayLeaveRegion} onChange={(e) => set({ resultsMayLeaveRegion: e.target.checked })} />
          {t('data.register.mayLeave')}
        </label>
        <label className="check">
          <input type="checkbox" checked={f.synthetic} onChange={(e) => set({ synthetic: e.target.checked })} data-testid="data-register-synthetic" />
          {t('data.register.synthetic')}
        </label>
      </div>
      <div className="form-grid">
        {text('licence', 'licence', t('data.product.licence'))}
        {text('source', 'source', t('data.product.source'))}
      </div>
      {text('quality', 'quality', t('data.product.quality'), true)}
      {otherErrors.length > 0 && (
        <ul className="form-error" data-testid="data-register-errors">
          {otherErrors.map(([k, m]) => (
            <li key={k}>
              <span className="mono">{k}</span>: {m}
            </li>
          ))}
        </ul>
      )}
      {failure && (
        <p className="form-error" role="alert">
          {failure}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="data-register-submit">
          {t('data.register.submit')}
        </button>
      </div>
    </form>
  );
}

/** Errors shown beside their own input; any other path is listed under the form so nothing is lost. */
const FIELD_KEYS = /^(title\.(zh|en)|description\.(zh|en)|domain|siteId|schema\.columns\.\d+\..*|policy\.output\.(kind|k|epsilonBudget|maxEpsilonPerQuery)|policy\.approval|feeFenPerUse|policy\.computeRegions|policy\.permissions|purposes|licence|source|quality)$/;
