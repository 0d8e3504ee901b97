import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { Flex, ResourceType, SubmitJob, type Job, type Region, type Site } from '@shuzhi/schema';
import { useApi, useUser } from '../api/context.tsx';
import { ApiError } from '../api/client.ts';
import { useErrorText } from '../components/Feedback.tsx';
import { siteName } from '../charts/networkMapOption.ts';
import { shanghaiLocalToIso } from '../format.ts';
import { useI18n } from '../i18n/I18nProvider.tsx';
import { fieldErrors, fieldOf, type Translate } from '../validation.ts';

/** What the inputs hold: text as typed, turned into a `SubmitJob` candidate only on submit. */
export interface SubmitFormState {
  name: string;
  type: string;
  units: string;
  hours: string;
  flex: string;
  priority: string;
  home: string;
  dataGB: string;
  regions: string[];
  sites: string[];
  releaseAt: string;
  deadlineAt: string;
  command: string;
  env: string;
  tenantId: string;
  /** `ok:job_1,any:job_2`: the jobs it waits for. */
  after: string;
  onParentFailure: string;
  array: string;
  project: string;
  /** An accelerator model of the network's pools, or '' for any. */
  accelerator: string;
  minMemGB: string;
  oneGroup: boolean;
}

export const emptySubmitForm: SubmitFormState = {
  name: '',
  type: 'gpu',
  units: '1',
  hours: '1',
  flex: 'malleable',
  priority: '50',
  home: '',
  dataGB: '0',
  regions: [],
  sites: [],
  releaseAt: '',
  deadlineAt: '',
  command: '',
  env: '',
  tenantId: '',
  after: '',
  onParentFailure: 'cancel',
  array: '',
  project: '',
  accelerator: '',
  minMemGB: '',
  oneGroup: false,
};

/** `ok:job_1,any:job_2` (a bare id waits for success), as Slurm's --dependency; null when a part is neither. */
function parseAfterText(text: string): { kind: 'ok' | 'any' | 'notok'; jobId: string }[] | null {
  const out: { kind: 'ok' | 'any' | 'notok'; jobId: string }[] = [];
  for (const part of text.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^(?:(ok|any|notok):)?([A-Za-z0-9_-]+)$/.exec(part);
    if (!m) return null;
    out.push({ kind: (m[1] ?? 'ok') as 'ok' | 'any' | 'notok', jobId: m[2]! });
  }
  return out;
}

type Errors = Record<string, string>;

function numberField(raw: string, field: string, errors: Errors, t: Translate): number | undefined {
  const s = raw.trim();
  if (s === '') return undefined;
  const n = Number(s);
  if (!Number.isFinite(n)) {
    errors[field] = t('validation.number');
    return undefined;
  }
  return n;
}

/**
 * Turns the form into the request body and checks it against the same zod schema the server uses,
 * so a bad field is marked before anything is sent.
 */
export function validateSubmitForm(
  f: SubmitFormState,
  t: Translate,
): { ok: true; body: SubmitJob } | { ok: false; errors: Errors } {
  const errors: Errors = {};
  const env: Record<string, string> = {};
  f.env.split('\n').forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) {
      errors.env ??= t('submit.badEnvLine', { line: i + 1 });
      return;
    }
    env[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1);
  });

  let releaseAt: string | undefined;
  let deadlineAt: string | undefined;
  if (f.releaseAt) releaseAt = shanghaiLocalToIso(f.releaseAt) ?? ((errors.releaseAt = t('submit.badDate')), undefined);
  if (f.deadlineAt) deadlineAt = shanghaiLocalToIso(f.deadlineAt) ?? ((errors.deadlineAt = t('submit.badDate')), undefined);
  if (releaseAt && deadlineAt && deadlineAt <= releaseAt) errors.deadlineAt = t('submit.deadlineBeforeRelease');

  const after = parseAfterText(f.after);
  if (after === null) errors.after = t('deps.badAfter');

  const candidate = {
    ...(after?.length ? { after, onParentFailure: f.onParentFailure } : {}),
    ...(f.array.trim() ? { array: f.array.trim() } : {}),
    ...(f.project.trim() ? { project: f.project.trim() } : {}),
    ...(f.accelerator ? { accelerator: f.accelerator } : {}),
    ...(f.minMemGB.trim() ? { minMemGB: numberField(f.minMemGB, 'minMemGB', errors, t) } : {}),
    ...(f.oneGroup ? { oneGroup: true } : {}),
    name: f.name.trim(),
    type: f.type,
    units: numberField(f.units, 'units', errors, t),
    hours: numberField(f.hours, 'hours', errors, t),
    flex: f.flex,
    priority: numberField(f.priority, 'priority', errors, t),
    dataGB: numberField(f.dataGB, 'dataGB', errors, t),
    regions: f.regions,
    sites: f.sites,
    command: f.command.trim(),
    env,
    ...(f.home ? { home: f.home } : {}),
    ...(releaseAt ? { releaseAt } : {}),
    ...(deadlineAt ? { deadlineAt } : {}),
    ...(f.tenantId.trim() ? { tenantId: f.tenantId.trim() } : {}),
  };
  const parsed = SubmitJob.safeParse(candidate);
  if (!parsed.success) {
    for (const [field, msg] of Object.entries(fieldErrors(parsed.error.issues, t))) errors[field] ??= msg;
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, body: parsed.data };
}

export function Field({
  label,
  field,
  error,
  hint,
  children,
}: {
  label: string;
  field: string;
  error: string | undefined;
  hint?: string;
  children: ReactNode;
}) {
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={`submit-${field}`}>{label}</label>
      {children}
      {hint && !error && <small className="hint">{hint}</small>}
      {error && (
        <small className="field-error" role="alert" data-testid={`error-${field}`} id={`submit-${field}-error`}>
          {error}
        </small>
      )}
    </div>
  );
}

export interface SubmitFormProps {
  sites: readonly Site[];
  regions: readonly Region[];
  onSubmitted: (job: Job) => void;
  initial?: Partial<SubmitFormState>;
}

export function SubmitForm({ sites, regions, onSubmitted, initial }: SubmitFormProps) {
  const api = useApi();
  const user = useUser();
  const { t, lang } = useI18n();
  const errorText = useErrorText();
  const [form, setForm] = useState<SubmitFormState>({ ...emptySubmitForm, ...initial });
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The tenant's jobs to pick a parent from: loaded only when asked for.
  const [pickable, setPickable] = useState<Job[] | null>(null);
  const [pick, setPick] = useState({ jobId: '', kind: 'ok' });
  const models = useMemo(
    () => [...new Set(sites.flatMap((s) => (s.pools ?? []).filter((p) => p.type === form.type && p.accelerator).map((p) => p.accelerator!.model)))].sort(),
    [sites, form.type],
  );

  async function openPicker() {
    try {
      setPickable((await api.jobs({ limit: 100 })).items);
    } catch (err) {
      setFormError(errorText(err));
    }
  }

  function addPicked() {
    if (!pick.jobId) return;
    const part = `${pick.kind}:${pick.jobId}`;
    set('after', form.after.trim() ? `${form.after.trim()},${part}` : part);
    setPick({ jobId: '', kind: pick.kind });
  }

  const set = <K extends keyof SubmitFormState>(key: K, value: SubmitFormState[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    if (errors[key]) setErrors(({ [key]: _gone, ...rest }) => rest);
  };

  const inputProps = (field: keyof SubmitFormState) => ({
    id: `submit-${field}`,
    name: field,
    'data-testid': `submit-${field}`,
    'aria-invalid': errors[field] ? true : undefined,
    'aria-describedby': errors[field] ? `submit-${field}-error` : undefined,
  });

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const v = validateSubmitForm(form, t);
    if (!v.ok) {
      setErrors(v.errors);
      setFormError(t('submit.fixErrors'));
      return;
    }
    setErrors({});
    setFormError(null);
    setBusy(true);
    try {
      onSubmitted(await api.submitJob(v.body));
    } catch (err) {
      if (err instanceof ApiError && err.fieldErrors.length > 0) {
        const serverErrors: Errors = {};
        for (const fe of err.fieldErrors) {
          const field = fieldOf(fe.path) || '_form';
          serverErrors[field] ??= fe.message;
        }
        setErrors(serverErrors);
        setFormError(t('submit.serverRejected', { detail: err.message }));
      } else if (err instanceof ApiError && err.status > 0) {
        setFormError(t('submit.serverRejected', { detail: err.message }));
      } else {
        setFormError(errorText(err));
      }
    } finally {
      setBusy(false);
    }
  }

  const unknownFieldErrors = Object.entries(errors).filter(([f]) => !(f in emptySubmitForm));

  return (
    <form className="submit-form" onSubmit={submit} noValidate data-testid="submit-form">
      <fieldset className="card">
        <legend>{t('submit.basics')}</legend>
        <div className="form-grid">
          <Field label={t('submit.name')} field="name" error={errors.name}>
            <input {...inputProps('name')} value={form.name} maxLength={200} onChange={(e) => set('name', e.target.value)} />
          </Field>
          <Field label={t('submit.type')} field="type" error={errors.type}>
            <select {...inputProps('type')} value={form.type} onChange={(e) => set('type', e.target.value)}>
              {ResourceType.options.map((r) => (
                <option key={r} value={r}>
                  {t(`resource.${r}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('submit.units')} field="units" error={errors.units}>
            <input {...inputProps('units')} inputMode="numeric" value={form.units} onChange={(e) => set('units', e.target.value)} />
          </Field>
          <Field label={t('submit.hours')} field="hours" error={errors.hours}>
            <input {...inputProps('hours')} inputMode="decimal" value={form.hours} onChange={(e) => set('hours', e.target.value)} />
          </Field>
          <Field label={t('submit.flex')} field="flex" error={errors.flex}>
            <select {...inputProps('flex')} value={form.flex} onChange={(e) => set('flex', e.target.value)}>
              {Flex.options.map((x) => (
                <option key={x} value={x}>
                  {t(`flex.${x}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('submit.priority')} field="priority" error={errors.priority}>
            <input {...inputProps('priority')} inputMode="numeric" value={form.priority} onChange={(e) => set('priority', e.target.value)} />
          </Field>
          {user?.role === 'operator' && (
            <Field label={t('submit.tenant')} field="tenantId" error={errors.tenantId}>
              <input {...inputProps('tenantId')} value={form.tenantId} onChange={(e) => set('tenantId', e.target.value)} />
            </Field>
          )}
        </div>
      </fieldset>

      <fieldset className="card">
        <legend>{t('submit.placement')}</legend>
        <div className="form-grid">
          <Field label={t('submit.home')} field="home" error={errors.home}>
            <select {...inputProps('home')} value={form.home} onChange={(e) => set('home', e.target.value)}>
              <option value="">{t('submit.homeNone')}</option>
              {sites.map((s) => (
                <option key={s.id} value={s.id}>
                  {siteName(s, lang)} ({s.id})
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('submit.dataGB')} field="dataGB" error={errors.dataGB}>
            <input {...inputProps('dataGB')} inputMode="decimal" value={form.dataGB} onChange={(e) => set('dataGB', e.target.value)} />
          </Field>
          <Field label={t('submit.releaseAt')} field="releaseAt" error={errors.releaseAt}>
            <input {...inputProps('releaseAt')} type="datetime-local" value={form.releaseAt} onChange={(e) => set('releaseAt', e.target.value)} />
          </Field>
          <Field label={t('submit.deadlineAt')} field="deadlineAt" error={errors.deadlineAt}>
            <input {...inputProps('deadlineAt')} type="datetime-local" value={form.deadlineAt} onChange={(e) => set('deadlineAt', e.target.value)} />
          </Field>
        </div>
        <div className={`field${errors.regions ? ' field-invalid' : ''}`}>
          <span className="label">{t('submit.regions')}</span>
          <div className="checks" data-testid="submit-regions">
            {regions.map((r) => (
              <label key={r.id} className="check">
                <input
                  type="checkbox"
                  data-testid={`submit-region-${r.id}`}
                  checked={form.regions.includes(r.id)}
                  onChange={(e) => {
                    const next = e.target.checked ? [...form.regions, r.id] : form.regions.filter((x) => x !== r.id);
                    set('regions', next);
                    // A site outside the chosen regions could never be used: unpick it.
                    const inRegions = (id: string) => next.length === 0 || next.includes(sites.find((x) => x.id === id)?.region ?? '');
                    if (form.sites.some((id) => !inRegions(id))) set('sites', form.sites.filter(inRegions));
                  }}
                />
                {lang === 'en' ? r.nameEn : r.nameZh}
              </label>
            ))}
          </div>
          {errors.regions && (
            <small className="field-error" role="alert" data-testid="error-regions">
              {errors.regions}
            </small>
          )}
        </div>
        <div className={`field${errors.sites ? ' field-invalid' : ''}`}>
          <span className="label">{t('submit.sites')}</span>
          <div className="checks" data-testid="submit-sites">
            {sites
              .filter((s) => form.regions.length === 0 || form.regions.includes(s.region))
              .map((s) => (
                <label key={s.id} className="check">
                  <input
                    type="checkbox"
                    data-testid={`submit-site-${s.id}`}
                    checked={form.sites.includes(s.id)}
                    onChange={(e) => set('sites', e.target.checked ? [...form.sites, s.id] : form.sites.filter((x) => x !== s.id))}
                  />
                  {siteName(s, lang)}
                </label>
              ))}
          </div>
          {errors.sites && (
            <small className="field-error" role="alert" data-testid="error-sites">
              {errors.sites}
            </small>
          )}
        </div>
      </fieldset>

      <fieldset className="card">
        <legend>{t('submit.run')}</legend>
        <Field label={t('submit.command')} field="command" error={errors.command} hint={t('submit.commandHint')}>
          <textarea {...inputProps('command')} className="mono" rows={3} value={form.command} onChange={(e) => set('command', e.target.value)} />
        </Field>
        <Field label={t('submit.env')} field="env" error={errors.env}>
          <textarea {...inputProps('env')} className="mono" rows={3} value={form.env} placeholder="EPOCHS=3" onChange={(e) => set('env', e.target.value)} />
        </Field>
      </fieldset>

      <fieldset className="card">
        <legend>{t('deps.title')}</legend>
        <div className="form-grid">
          <Field label={t('deps.after')} field="after" error={errors.after} hint={t('deps.afterHint')}>
            <input {...inputProps('after')} className="mono" value={form.after} placeholder="ok:job_…" onChange={(e) => set('after', e.target.value)} />
          </Field>
          <Field label={t('deps.onParentFailure')} field="onParentFailure" error={errors.onParentFailure}>
            <select {...inputProps('onParentFailure')} value={form.onParentFailure} onChange={(e) => set('onParentFailure', e.target.value)}>
              <option value="cancel">{t('deps.cancel')}</option>
              <option value="hold">{t('deps.hold')}</option>
            </select>
          </Field>
          <Field label={t('deps.array')} field="array" error={errors.array} hint={t('deps.arrayHint')}>
            <input {...inputProps('array')} className="mono" value={form.array} placeholder="0-99%10" onChange={(e) => set('array', e.target.value)} />
          </Field>
        </div>
        {pickable === null ? (
          <button type="button" className="btn" data-testid="deps-pick-open" onClick={() => void openPicker()}>
            {t('deps.pickOpen')}
          </button>
        ) : pickable.length === 0 ? (
          <p className="muted" data-testid="deps-pick-empty">{t('deps.pickEmpty')}</p>
        ) : (
          <div className="form-grid">
            <div className="field">
              <label htmlFor="deps-pick">{t('deps.pick')}</label>
              <select id="deps-pick" data-testid="deps-pick" value={pick.jobId} onChange={(e) => setPick({ ...pick, jobId: e.target.value })}>
                <option value="">{t('deps.pickNone')}</option>
                {pickable.map((j) => (
                  <option key={j.id} value={j.id}>
                    {j.name} ({j.id}, {t(`status.${j.status}`)})
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="deps-kind">{t('deps.kind')}</label>
              <select id="deps-kind" data-testid="deps-kind" value={pick.kind} onChange={(e) => setPick({ ...pick, kind: e.target.value })}>
                {(['ok', 'any', 'notok'] as const).map((k) => (
                  <option key={k} value={k}>
                    {t(`deps.kind.${k}`)}
                  </option>
                ))}
              </select>
            </div>
            <button type="button" className="btn" data-testid="deps-add" disabled={!pick.jobId} onClick={addPicked}>
              {t('deps.add')}
            </button>
          </div>
        )}
      </fieldset>

      <fieldset className="card">
        <legend>{t('accel.title')}</legend>
        <div className="form-grid">
          <Field label={t('accel.project')} field="project" error={errors.project} hint={t('accel.projectHint')}>
            <input {...inputProps('project')} value={form.project} onChange={(e) => set('project', e.target.value)} />
          </Field>
          <Field label={t('accel.model')} field="accelerator" error={errors.accelerator}>
            <select {...inputProps('accelerator')} value={form.accelerator} onChange={(e) => set('accelerator', e.target.value)}>
              <option value="">{t('accel.modelAny')}</option>
              {[...new Set([...models, ...(form.accelerator ? [form.accelerator] : [])])].map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('accel.minMem')} field="minMemGB" error={errors.minMemGB}>
            <input {...inputProps('minMemGB')} inputMode="decimal" value={form.minMemGB} onChange={(e) => set('minMemGB', e.target.value)} />
          </Field>
        </div>
        <div className={`field${errors.oneGroup ? ' field-invalid' : ''}`}>
          <label className="check">
            <input
              type="checkbox"
              id="submit-oneGroup"
              data-testid="submit-oneGroup"
              checked={form.oneGroup}
              aria-invalid={errors.oneGroup ? true : undefined}
              aria-describedby={errors.oneGroup ? 'submit-oneGroup-error' : undefined}
              onChange={(e) => set('oneGroup', e.target.checked)}
            />
            {t('accel.oneGroup')}
          </label>
          {errors.oneGroup && (
            <small className="field-error" role="alert" data-testid="error-oneGroup" id="submit-oneGroup-error">
              {errors.oneGroup}
            </small>
          )}
        </div>
      </fieldset>

      {formError && (
        <div className="form-error" role="alert" data-testid="submit-form-error">
          {formError}
          {unknownFieldErrors.length > 0 && (
            <ul>
              {unknownFieldErrors.map(([f, m]) => (
                <li key={f}>
                  <code>{f}</code> {m}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" data-testid="submit-button" disabled={busy}>
          {busy ? t('submit.submitting') : t('submit.submit')}
        </button>
      </div>
    </form>
  );
}
