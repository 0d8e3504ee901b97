import { RenderJobSubmit, paramProblem } from '@shuzhi/schema';
import type { RenderJobType, RenderSceneRef } from '@shuzhi/schema';
import { shanghaiLocalToIso } from '../../format.ts';
import { fieldErrors, type Translate } from '../../validation.ts';

/** The typed-job form as typed: text per input, turned into a RenderJobSubmit only on submit. */
export interface TypedJobForm {
  type: string;
  name: string;
  /** Per parameter of the type, the value as typed (an enum's chosen value). */
  params: Record<string, string>;
  /** Per upstream (`frames`) input of the type, in its order: the chosen job's id. */
  after: string[];
  afterMode: 'frame' | 'job';
  frames: string;
  chunkSize: string;
  priority: string;
  deadline: string;
  limits: string;
  maxNodes: string;
}

export type FormErrors = Record<string, string>;

export const sceneInputs = (doc: RenderJobType) => doc.inputs.filter((i) => i.kind === 'scene');
export const upstreamInputs = (doc: RenderJobType) => doc.inputs.filter((i) => i.kind === 'frames');

/** A fresh form for a type: its parameters at their defaults, one empty pick per upstream input. */
export function formFor(doc: RenderJobType, keep?: Partial<TypedJobForm>): TypedJobForm {
  return {
    name: '',
    afterMode: 'frame',
    frames: '',
    chunkSize: '',
    priority: '50',
    deadline: '',
    limits: '',
    maxNodes: '',
    ...keep,
    type: doc.name,
    params: Object.fromEntries(doc.parameters.map((p) => [p.name, String(p.default)])),
    after: upstreamInputs(doc).map(() => ''),
  };
}

/** The form's field a server `errors[].path` belongs to: `params.NAME`, `after.N` (an upstream pick), else its first segment. */
export function formFieldOf(path: string): string {
  const parts = path.split('.');
  if (parts[0] === 'params' && parts[1]) return `params.${parts[1]}`;
  if (parts[0] === 'after' && parts[1] !== undefined && /^\d+$/.test(parts[1])) return `after.${parts[1]}`;
  return parts[0] || '_form';
}

function int(raw: string, field: string, errors: FormErrors, t: Translate): number | undefined {
  const s = raw.trim();
  if (!s) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n)) errors[field] = t('validation.integer');
  return Number.isInteger(n) ? n : undefined;
}

/**
 * The request body, checked as the server checks it: each parameter by the type's bounds (the
 * schema's paramProblem, which the server's resolveParams runs), one upstream job per input, and the
 * rest by RenderJobSubmit itself. `scene` is the uploaded scene when the type takes one.
 */
export function validateTypedForm(doc: RenderJobType, f: TypedJobForm, t: Translate, scene: RenderSceneRef | null): { ok: true; body: RenderJobSubmit } | { ok: false; errors: FormErrors } {
  const errors: FormErrors = {};
  const params: Record<string, number | string> = {};
  for (const p of doc.parameters) {
    const raw = (f.params[p.name] ?? '').trim();
    const v = p.type === 'int' ? (raw === '' ? Number.NaN : Number(raw)) : raw;
    if (paramProblem(p, v)) errors[`params.${p.name}`] = p.type === 'int' ? t('render.form.paramInt', { min: p.min, max: p.max }) : t('render.form.paramEnum', { values: p.values.join(', ') });
    else params[p.name] = v;
  }
  const ups = upstreamInputs(doc);
  ups.forEach((_, i) => {
    if (!f.after[i]) errors[`after.${i}`] = t('render.form.pickUpstream');
  });
  if (sceneInputs(doc).length > 0 && !scene) errors.scene = t('render.form.sceneNeeded');
  if (sceneInputs(doc).length > 0 && !f.frames.trim()) errors.frames = t('validation.required');
  let deadline: string | undefined;
  if (f.deadline) deadline = shanghaiLocalToIso(f.deadline) ?? ((errors.deadline = t('submit.badDate')), undefined);
  const limits = f.limits.split(',').map((x) => x.trim()).filter(Boolean);
  const candidate = {
    type: doc.name,
    ...(f.name.trim() ? { name: f.name.trim() } : {}),
    ...(Object.keys(params).length ? { params } : {}),
    ...(scene ? { scene } : {}),
    ...(ups.length ? { after: f.after.map((job) => ({ job, mode: f.afterMode })) } : {}),
    ...(f.frames.trim() ? { frames: f.frames.trim() } : {}),
    ...(f.chunkSize.trim() ? { chunkSize: int(f.chunkSize, 'chunkSize', errors, t) } : {}),
    ...(f.priority.trim() ? { priority: int(f.priority, 'priority', errors, t) } : {}),
    ...(f.maxNodes.trim() ? { maxNodes: int(f.maxNodes, 'maxNodes', errors, t) } : {}),
    ...(limits.length ? { limits } : {}),
    ...(deadline ? { deadline } : {}),
  };
  const parsed = RenderJobSubmit.safeParse(candidate);
  if (!parsed.success) for (const [field, msg] of Object.entries(fieldErrors(parsed.error.issues, t))) errors[field] ??= msg;
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, body: parsed.data };
}
