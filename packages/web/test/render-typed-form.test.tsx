import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { RenderJobType } from '@shuzhi/schema';
import { I18nProvider } from '../src/i18n/I18nProvider.tsx';
import { translate, type MessageKey, type Params } from '../src/i18n/dictionaries.ts';
import { JobTypeUpload, TypedJobFormCard } from '../src/modules/render/TypedJobForm.tsx';
import { formFieldOf, formFor, validateTypedForm } from '../src/modules/render/typed-form.ts';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const composite: RenderJobType = {
  name: 'composite',
  title: { en: 'Composite two inputs', zh: '两路合成' },
  parameters: [{ name: 'mode', type: 'enum', values: ['average', 'screen'], default: 'screen' }],
  inputs: [
    { name: 'background', kind: 'frames' },
    { name: 'foreground', kind: 'frames' },
  ],
  steps: [{ name: 'blend', executable: 'ffmpeg', args: ['-i', '{input:background}'], chunking: { kind: 'frames', framesPerChunk: 1 }, outputs: ['{outputDir}/f_{framePadded}.png'] }],
  origin: 'shipped',
  tenantId: null,
};
const grade: RenderJobType = {
  name: 'grade',
  title: { en: 'Grade', zh: '调色' },
  parameters: [{ name: 'strength', type: 'int', default: 5, min: 1, max: 10 }],
  inputs: [{ name: 'frames', kind: 'frames' }],
  steps: [{ name: 'grade', executable: 'ffmpeg', args: ['{input:frames}'], chunking: { kind: 'frames', framesPerChunk: 1 }, outputs: ['{outputDir}/f_{framePadded}.png'] }],
  origin: 'tenant',
  tenantId: 'karamay-studio',
};
const job = (id: string, name: string) => ({ id, name, type: 'blender', state: 'completed' });

const tr = (lang: 'zh-CN' | 'en') => (key: MessageKey, params?: Params) => translate(lang, key, params);

describe('the typed-job form: checks', () => {
  it('checks each parameter by its bounds, one upstream job per input, and builds the body in the input order', () => {
    for (const lang of ['en', 'zh-CN'] as const) {
      const t = tr(lang);
      const f = { ...formFor(grade), params: { strength: '11' } };
      const bad = validateTypedForm(grade, f, t, null);
      expect(bad.ok).toBe(false);
      if (!bad.ok) {
        expect(bad.errors['params.strength']).toBe(lang === 'en' ? 'a whole number within 1..10' : '1 到 10 之间的整数');
        expect(bad.errors['after.0']).toBe(lang === 'en' ? 'Choose an upstream job' : '请选择上游作业');
      }
    }
    const t = tr('en');
    const good = validateTypedForm(composite, { ...formFor(composite), after: ['rjob_b', 'rjob_a'], params: { mode: 'average' }, deadline: '2026-12-08T09:00', limits: 'lic-a, lic-b', maxNodes: '4' }, t, null);
    expect(good).toEqual({
      ok: true,
      body: { type: 'composite', params: { mode: 'average' }, after: [{ job: 'rjob_b', mode: 'frame' }, { job: 'rjob_a', mode: 'frame' }], priority: 50, maxNodes: 4, limits: ['lic-a', 'lic-b'], deadline: '2026-12-08T01:00:00.000Z' },
    });
    const enumBad = validateTypedForm(composite, { ...formFor(composite), after: ['a', 'b'], params: { mode: 'burn' } }, t, null);
    expect(enumBad.ok === false && enumBad.errors['params.mode']).toBe('one of average, screen');
    const blenderLike: RenderJobType = { ...grade, name: 'scene-type', inputs: [{ name: 'scene', kind: 'scene', extensions: ['.blend'] }], parameters: [] };
    const noScene = validateTypedForm(blenderLike, formFor(blenderLike), t, null);
    expect(noScene.ok === false && [noScene.errors.scene, noScene.errors.frames]).toEqual(['Choose a scene file', 'Required']);
  });

  it('puts a server error path at its field', () => {
    expect(['params.gamma', 'after.1.job', 'after', 'limits.0', 'frames', ''].map(formFieldOf)).toEqual(['params.gamma', 'after.1', 'after', 'limits', 'frames', '_form']);
  });
});

describe('the typed-job form on the farm page', () => {
  function stub(answer: (method: string, path: string, body: unknown) => { status: number; body: unknown } | undefined) {
    const calls: { method: string; path: string; body: unknown }[] = [];
    vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const path = new URL(input, 'http://x').pathname;
      const body = typeof init?.body === 'string' ? JSON.parse(init.body) : init?.body;
      calls.push({ method, path, body });
      const a = answer(method, path, body) ?? (path === '/api/render/job-types' ? { status: 200, body: [composite, grade] } : path === '/api/render/jobs' ? { status: 200, body: { items: [job('rjob_a', 'blender A'), job('rjob_b', 'povray B')], total: 2 } } : { status: 404, body: {} });
      return new Response(JSON.stringify(a.body), { status: a.status, headers: { 'content-type': a.status >= 400 ? 'application/problem+json' : 'application/json' } });
    });
    return calls;
  }

  it('generates the fields from the type, submits the upstream jobs in the input order, and shows the server 400 at its field', async () => {
    let refuse = true;
    const calls = stub((method, path) => {
      if (method === 'POST' && path === '/api/render/jobs') {
        return refuse
          ? { status: 400, body: { type: 'about:blank', title: 'Bad Request', status: 400, code: 'RENDER_JOB_TYPE_INVALID', detail: 'params.strength: a whole number within 1..10', errors: [{ path: 'after.0.job', message: 'rjob_a writes exr' }] } }
          : { status: 201, body: { id: 'rjob_new' } };
      }
      return undefined;
    });
    for (const lang of ['zh-CN', 'en'] as const) {
      refuse = true;
      const onSubmitted = vi.fn();
      render(
        <I18nProvider initialLang={lang}>
          <TypedJobFormCard onSubmitted={onSubmitted} />
        </I18nProvider>,
      );
      const typeSelect = await screen.findByTestId('render-form-type');
      expect(screen.getByTestId('render-form-params.mode')).toBeTruthy();
      expect(screen.getByTestId('render-form-after.1')).toBeTruthy();
      fireEvent.change(typeSelect, { target: { value: 'grade' } });
      expect(screen.queryByTestId('render-form-after.1')).toBeNull();
      const strength = screen.getByTestId('render-form-params.strength') as HTMLInputElement;
      expect([strength.value, strength.min, strength.max]).toEqual(['5', '1', '10']);
      fireEvent.change(strength, { target: { value: '0' } });
      fireEvent.click(screen.getByTestId('render-form-submit'));
      expect((await screen.findByTestId('error-params.strength')).textContent).toBe(lang === 'en' ? 'a whole number within 1..10' : '1 到 10 之间的整数');
      expect(screen.getByTestId('error-after.0')).toBeTruthy();
      expect(calls.filter((c) => c.method === 'POST')).toEqual([]);

      fireEvent.change(typeSelect, { target: { value: 'composite' } });
      await waitFor(() => expect((screen.getByTestId('render-form-after.0') as HTMLSelectElement).options.length).toBe(3));
      fireEvent.change(screen.getByTestId('render-form-after.0'), { target: { value: 'rjob_a' } });
      fireEvent.change(screen.getByTestId('render-form-after.1'), { target: { value: 'rjob_b' } });
      fireEvent.click(screen.getByTestId('render-form-submit'));
      expect((await screen.findByTestId('error-after.0')).textContent).toBe('rjob_a writes exr');
      expect(screen.getByTestId('render-form-error').textContent).toContain('params.strength');
      expect(calls.filter((c) => c.method === 'POST').at(-1)!.body).toEqual({ type: 'composite', params: { mode: 'screen' }, after: [{ job: 'rjob_a', mode: 'frame' }, { job: 'rjob_b', mode: 'frame' }], priority: 50 });
      refuse = false;
      fireEvent.click(screen.getByTestId('render-form-submit'));
      await waitFor(() => expect(onSubmitted).toHaveBeenCalledWith({ id: 'rjob_new' }));
      calls.length = 0;
      cleanup();
    }
  });

  it("uploads a studio's own type and lists the server's validation errors", async () => {
    stub((method, path, body) => {
      if (method !== 'POST' || path !== '/api/render/job-types') return undefined;
      const doc = body as { name: string; steps: { executable: string }[] };
      return doc.steps[0]!.executable === 'bash'
        ? { status: 400, body: { type: 'about:blank', title: 'Bad Request', status: 400, code: 'RENDER_JOB_TYPE_INVALID', detail: 'invalid', errors: [{ path: 'steps.0.executable', message: 'Invalid option: expected one of "blender"|"povray"|"ffmpeg"' }] } }
        : { status: 201, body: { ...grade, name: doc.name } };
    });
    const onStored = vi.fn();
    render(
      <I18nProvider initialLang="en">
        <JobTypeUpload onStored={onStored} />
      </I18nProvider>,
    );
    const file = (text: string) => new File([text], 'type.json', { type: 'application/json' });
    fireEvent.change(screen.getByTestId('render-type-file'), { target: { files: [file(JSON.stringify({ name: 'x', steps: [{ executable: 'bash' }] }))] } });
    expect((await screen.findByTestId('render-type-error-steps.0.executable')).textContent).toContain('expected one of');
    fireEvent.change(screen.getByTestId('render-type-file'), { target: { files: [file('{ not json')] } });
    expect((await screen.findByTestId('render-type-errors')).textContent).toContain('Not valid JSON');
    fireEvent.change(screen.getByTestId('render-type-file'), { target: { files: [file(JSON.stringify({ name: 'grade2', steps: [{ executable: 'ffmpeg' }] }))] } });
    expect((await screen.findByTestId('render-type-stored')).textContent).toBe('Job type grade2 stored');
    expect(onStored).toHaveBeenCalledTimes(1);
  });
});
