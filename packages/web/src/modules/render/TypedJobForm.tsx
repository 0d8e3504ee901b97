import { useState, type FormEvent } from 'react';
import type { RenderJob, RenderJobType } from '@shuzhi/schema';
import { ApiError } from '../../api/client.ts';
import { ErrorBox, Loading, useErrorText } from '../../components/Feedback.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Field } from '../../pages/SubmitForm.tsx';
import { navigate } from '../../router.tsx';
import { useResource } from '../../useResource.ts';
import { renderApi } from './api.ts';
import { folderFiles, mainCandidates, sendFolder, type FolderFile, type FolderProgress } from './scene-folder.ts';
import { formFieldOf, formFor, sceneInputs, upstreamInputs, validateTypedForm, type FormErrors, type TypedJobForm } from './typed-form.ts';

/**
 * Submit a job of any type the studio may use (shipped or its own): the form is generated from the
 * type's parameters and inputs — a scene file for a scene input, one of the studio's jobs per
 * upstream input, in the type's order — and checked as the server checks it; the server's 400 is
 * shown at the field it names.
 */
export function TypedJobFormCard({ onSubmitted }: { onSubmitted: (job: RenderJob) => void }) {
  const { t, lang } = useI18n();
  const errorText = useErrorText();
  const types = useResource(() => renderApi.jobTypes(), []);
  const jobs = useResource(() => renderApi.jobs(), []);
  const [form, setForm] = useState<TypedJobForm | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [sceneSource, setSceneSource] = useState<'file' | 'folder'>('file');
  const [folder, setFolder] = useState<{ files: FolderFile[]; main: string } | null>(null);
  const [progress, setProgress] = useState<FolderProgress | null>(null);
  const [errors, setErrors] = useState<FormErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState<null | 'upload' | 'submit'>(null);
  if (types.error && !types.data) return <ErrorBox error={types.error} onRetry={types.reload} />;
  if (!types.data) return <Loading />;
  const list = types.data;
  const doc = list.find((d) => d.name === form?.type) ?? list[0];
  if (!doc) return null;
  const f = form?.type === doc.name ? form : formFor(doc);
  const title = (d: RenderJobType) => `${lang === 'en' ? d.title.en : d.title.zh} (${d.name}, ${t(d.origin === 'shipped' ? 'render.form.shipped' : 'render.form.own')})`;
  const set = (patch: Partial<TypedJobForm>, field?: string) => {
    setForm({ ...f, ...patch });
    if (field && errors[field]) setErrors(({ [field]: _gone, ...rest }) => rest);
  };
  const input = (field: string) => ({
    id: `submit-${field}`,
    name: field,
    'data-testid': `render-form-${field}`,
    'aria-invalid': errors[field] ? true : undefined,
    'aria-describedby': errors[field] ? `submit-${field}-error` : undefined,
  });

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const chosen =
      sceneSource === 'folder'
        ? folder?.main
          ? ({ kind: 'manifest', manifest: 'pending', main: folder.main } as const)
          : null
        : file
          ? ({ kind: 'upload', uploadId: 'pending', fileName: file.name } as const)
          : null;
    const pre = validateTypedForm(doc!, f, t, chosen);
    if (!pre.ok) {
      if (sceneSource === 'folder' && folder && !folder.main && pre.errors.scene) pre.errors.scene = t('render.form.folderPickMain');
      setErrors(pre.errors);
      setFormError(t('render.form.fixErrors'));
      return;
    }
    setErrors({});
    setFormError(null);
    try {
      let body = pre.body;
      if (sceneSource === 'folder' && folder && sceneInputs(doc!).length > 0) {
        setBusy('upload');
        const sent = await sendFolder(folder.files, folder.main, renderApi, setProgress);
        body = { ...body, scene: sent.scene };
      } else if (file && sceneInputs(doc!).length > 0) {
        setBusy('upload');
        const up = await renderApi.upload(file);
        body = { ...body, scene: { kind: 'upload', uploadId: up.uploadId, fileName: up.fileName } };
      }
      setBusy('submit');
      onSubmitted(await renderApi.submit(body));
    } catch (err) {
      if (err instanceof ApiError && err.fieldErrors.length > 0) {
        const server: FormErrors = {};
        for (const fe of err.fieldErrors) server[formFieldOf(fe.path)] ??= fe.message;
        setErrors(server);
      }
      setFormError(err instanceof ApiError && err.status > 0 ? t('render.form.rejected', { detail: err.message }) : errorText(err));
    } finally {
      setBusy(null);
      setProgress(null);
    }
  }

  function pickFolder(list: readonly File[]) {
    if (errors.scene) setErrors(({ scene: _gone, ...rest }) => rest);
    const read = folderFiles(list);
    if (!read.ok) {
      setFolder(null);
      setErrors((e) => ({
        ...e,
        scene: read.problem.code === 'empty' ? t('render.form.folderEmpty') : t('render.form.folderTooLarge', { path: read.problem.path, mb: Math.round(read.problem.size / 1024 / 1024) }),
      }));
      return;
    }
    const mains = mainCandidates(read.files, sceneInputs(doc!)[0]?.extensions ?? []);
    setFolder({ files: read.files, main: mains.length === 1 ? mains[0]! : '' });
    if (mains.length === 0) setErrors((e) => ({ ...e, scene: t('render.form.folderNoMain', { extensions: (sceneInputs(doc!)[0]?.extensions ?? []).join(' ') }) }));
  }

  const progressLine =
    progress === null
      ? null
      : progress.phase === 'hashing'
        ? t('render.form.hashing', { done: progress.done, total: progress.total })
        : t('render.form.uploadingBlobs', { done: progress.done, total: progress.total, mb: (progress.bytes / 1024 / 1024).toFixed(1), totalMb: (progress.totalBytes / 1024 / 1024).toFixed(1) });

  const known = new Set(['type', 'name', 'scene', 'frames', 'chunkSize', 'priority', 'deadline', 'limits', 'maxNodes', ...doc.parameters.map((p) => `params.${p.name}`), ...upstreamInputs(doc).map((_, i) => `after.${i}`)]);
  const other = Object.entries(errors).filter(([k]) => !known.has(k));
  return (
    <form className="submit-form card" onSubmit={submit} noValidate data-testid="render-submit-form">
      <h3>{t('render.form.title')}</h3>
      <div className="form-grid">
        <Field label={t('render.form.type')} field="type" error={errors.type}>
          <select
            {...input('type')}
            value={doc.name}
            onChange={(e) => {
              setForm(formFor(list.find((d) => d.name === e.target.value)!, { name: f.name, priority: f.priority, deadline: f.deadline, limits: f.limits, maxNodes: f.maxNodes }));
              setErrors({});
            }}
          >
            {list.map((d) => (
              <option key={`${d.origin}:${d.name}`} value={d.name}>
                {title(d)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('render.form.name')} field="name" error={errors.name}>
          <input {...input('name')} value={f.name} maxLength={200} onChange={(e) => set({ name: e.target.value }, 'name')} />
        </Field>
        {sceneInputs(doc).map((i) => (
          <Field
            key={i.name}
            label={t(sceneSource === 'folder' ? 'render.form.sceneFolder' : 'render.form.scene')}
            field="scene"
            error={errors.scene}
            hint={sceneSource === 'folder' ? t('render.form.sceneFolderHint') : t('render.form.sceneHint', { name: i.name, extensions: (i.extensions ?? []).join(' ') || '*' })}
          >
            <span className="segmented" role="radiogroup" aria-label={t('render.form.sceneSource')}>
              {(['file', 'folder'] as const).map((src) => (
                <label key={src}>
                  <input type="radio" name="scene-source" value={src} data-testid={`render-form-scene-source-${src}`} checked={sceneSource === src} onChange={() => {
                    setSceneSource(src);
                    if (errors.scene) setErrors(({ scene: _gone, ...rest }) => rest);
                  }} />
                  {t(src === 'file' ? 'render.form.sourceFile' : 'render.form.sourceFolder')}
                </label>
              ))}
            </span>
            {sceneSource === 'file' ? (
              <input
                {...input('scene')}
                type="file"
                accept={(i.extensions ?? []).join(',') || undefined}
                onChange={(e) => {
                  setFile(e.target.files?.[0] ?? null);
                  if (errors.scene) setErrors(({ scene: _gone, ...rest }) => rest);
                }}
              />
            ) : (
              <input
                {...input('scene')}
                type="file"
                multiple
                // A folder picker: every file under the chosen folder, each with its path in webkitRelativePath.
                {...({ webkitdirectory: '', directory: '' } as Record<string, string>)}
                onChange={(e) => pickFolder(Array.from(e.target.files ?? []))}
              />
            )}
          </Field>
        ))}
        {sceneSource === 'folder' && folder && sceneInputs(doc).length > 0 && (
          <Field label={t('render.form.folderMain')} field="sceneMain" error={undefined} hint={t('render.form.folderSummary', { files: folder.files.length, mb: (folder.files.reduce((n, x) => n + x.size, 0) / 1024 / 1024).toFixed(1) })}>
            <select {...input('sceneMain')} value={folder.main} onChange={(e) => {
              setFolder({ ...folder, main: e.target.value });
              if (errors.scene) setErrors(({ scene: _gone, ...rest }) => rest);
            }}>
              <option value="">{t('render.form.pickMain')}</option>
              {mainCandidates(folder.files, sceneInputs(doc)[0]?.extensions ?? []).map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </Field>
        )}
        {upstreamInputs(doc).map((i, k) => (
          <Field key={i.name} label={t('render.form.upstream', { input: i.name })} field={`after.${k}`} error={errors[`after.${k}`] ?? (k === 0 ? errors.after : undefined)}>
            <select {...input(`after.${k}`)} value={f.after[k] ?? ''} onChange={(e) => set({ after: f.after.map((x, j) => (j === k ? e.target.value : x)) }, `after.${k}`)}>
              <option value="">{t('render.form.pickNone')}</option>
              {(jobs.data?.items ?? []).map((j) => (
                <option key={j.id} value={j.id}>
                  {j.name} · {j.type} · {t(`render.state.${j.state}`)} ({j.id})
                </option>
              ))}
            </select>
          </Field>
        ))}
        {upstreamInputs(doc).length > 0 && (
          <Field label={t('render.form.afterMode')} field="afterMode" error={undefined}>
            <select {...input('afterMode')} value={f.afterMode} onChange={(e) => set({ afterMode: e.target.value as 'frame' | 'job' })}>
              <option value="frame">{t('render.deps.frame')}</option>
              <option value="job">{t('render.deps.job')}</option>
            </select>
          </Field>
        )}
        {doc.parameters.map((p) => {
          const key = `params.${p.name}`;
          return (
            <Field key={key} label={t('render.form.param', { name: p.name })} field={key} error={errors[key]} hint={p.type === 'int' ? t('render.form.paramInt', { min: p.min, max: p.max }) : undefined}>
              {p.type === 'int' ? (
                <input {...input(key)} type="number" min={p.min} max={p.max} step={1} value={f.params[p.name] ?? ''} onChange={(e) => set({ params: { ...f.params, [p.name]: e.target.value } }, key)} />
              ) : (
                <select {...input(key)} value={f.params[p.name] ?? ''} onChange={(e) => set({ params: { ...f.params, [p.name]: e.target.value } }, key)}>
                  {p.values.map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          );
        })}
        <Field label={t('render.form.frames')} field="frames" error={errors.frames} hint={upstreamInputs(doc).length > 0 ? t('render.form.framesHint') : undefined}>
          <input {...input('frames')} value={f.frames} placeholder="1-48" onChange={(e) => set({ frames: e.target.value }, 'frames')} />
        </Field>
        <Field label={t('render.form.chunkSize')} field="chunkSize" error={errors.chunkSize}>
          <input {...input('chunkSize')} inputMode="numeric" value={f.chunkSize} onChange={(e) => set({ chunkSize: e.target.value }, 'chunkSize')} />
        </Field>
        <Field label={t('render.form.priority')} field="priority" error={errors.priority}>
          <input {...input('priority')} inputMode="numeric" value={f.priority} onChange={(e) => set({ priority: e.target.value }, 'priority')} />
        </Field>
        <Field label={t('render.form.deadline')} field="deadline" error={errors.deadline}>
          <input {...input('deadline')} type="datetime-local" value={f.deadline} onChange={(e) => set({ deadline: e.target.value }, 'deadline')} />
        </Field>
        <Field label={t('render.form.limits')} field="limits" error={errors.limits}>
          <input {...input('limits')} value={f.limits} placeholder="houdini-license" onChange={(e) => set({ limits: e.target.value }, 'limits')} />
        </Field>
        <Field label={t('render.form.maxNodes')} field="maxNodes" error={errors.maxNodes}>
          <input {...input('maxNodes')} inputMode="numeric" value={f.maxNodes} onChange={(e) => set({ maxNodes: e.target.value }, 'maxNodes')} />
        </Field>
      </div>
      {other.map(([k, m]) => (
        <p key={k} className="field-error" data-testid={`render-form-error-${k}`}>
          {k}: {m}
        </p>
      ))}
      {formError && (
        <p className="error-box" role="alert" data-testid="render-form-error">
          {formError}
        </p>
      )}
      {progressLine && (
        <p className="hint" role="status" data-testid="render-form-progress">
          {progressLine}
        </p>
      )}
      <button type="submit" className="btn btn-primary" disabled={busy !== null} data-testid="render-form-submit">
        {busy === 'upload' ? t('render.form.uploading') : t('render.form.submit')}
      </button>
    </form>
  );
}

/** A studio's own job type from a JSON file: stored by the server, or its validation errors listed field by field. */
export function JobTypeUpload({ onStored }: { onStored: (t: RenderJobType) => void }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [result, setResult] = useState<{ ok: string } | { error: string; fields: { path: string; message: string }[] } | null>(null);
  async function upload(file: File) {
    let doc: unknown;
    try {
      doc = JSON.parse(await file.text());
    } catch (err) {
      setResult({ error: t('render.types.badJson', { detail: err instanceof Error ? err.message : String(err) }), fields: [] });
      return;
    }
    try {
      const stored = await renderApi.putJobType(doc);
      setResult({ ok: t('render.types.stored', { name: stored.name }) });
      onStored(stored);
    } catch (err) {
      if (err instanceof ApiError && err.fieldErrors.length > 0) setResult({ error: t('render.types.rejected'), fields: err.fieldErrors });
      else setResult({ error: errorText(err), fields: [] });
    }
  }
  return (
    <div className="card" data-testid="render-type-upload">
      <label htmlFor="render-type-file">{t('render.types.upload')}</label>
      <input
        id="render-type-file"
        data-testid="render-type-file"
        type="file"
        accept="application/json,.json"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void upload(file);
        }}
      />
      <small className="hint">{t('render.types.uploadHint')}</small>
      {result && 'ok' in result && (
        <p className="notice" data-testid="render-type-stored">
          {result.ok}
        </p>
      )}
      {result && 'error' in result && (
        <div className="error-box" role="alert" data-testid="render-type-errors">
          <p>{result.error}</p>
          <ul>
            {result.fields.map((fe) => (
              <li key={fe.path} className="mono" data-testid={`render-type-error-${fe.path}`}>
                {fe.path}: {fe.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

/** The farm page's submission panel: the typed-job form, and the upload of a studio's own type (which the form then offers). */
export function SubmitPanel() {
  const [types, setTypes] = useState(0);
  return (
    <>
      <TypedJobFormCard key={types} onSubmitted={(job) => navigate(`/render/jobs/${encodeURIComponent(job.id)}`)} />
      <JobTypeUpload onStored={() => setTypes((n) => n + 1)} />
    </>
  );
}
