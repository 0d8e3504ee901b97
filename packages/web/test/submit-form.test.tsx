import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { Job, Region, Site, User } from '@shuzhi/schema';
import { createApi, type FetchFn } from '../src/api/client.ts';
import { ApiProvider, UserProvider } from '../src/api/context.tsx';
import { I18nProvider } from '../src/i18n/I18nProvider.tsx';
import type { Lang } from '../src/i18n/lang.ts';
import { SubmitForm } from '../src/pages/SubmitForm.tsx';

const tenant: User = { id: 'u1', username: 'tenant', displayName: 'Tenant', role: 'tenant', tenantId: 'tianshan-ai', department: null };
const regions: Region[] = [
  { id: 'xinjiang', nameZh: '新疆', nameEn: 'Xinjiang', lat: 43.8, lon: 87.6 },
  { id: 'chongqing', nameZh: '重庆', nameEn: 'Chongqing', lat: 29.56, lon: 106.55 },
];
const site = (id: string, region: string) => ({ id, region, nameZh: id, nameEn: id }) as unknown as Site;
const twoSites = [site('shihezi', 'xinjiang'), site('cq', 'chongqing')];

function setup(fetchImpl: FetchFn, lang: Lang = 'en', sites: Site[] = []) {
  const fetchMock = vi.fn(fetchImpl);
  const onSubmitted = vi.fn<(job: Job) => void>();
  render(
    <I18nProvider initialLang={lang}>
      <ApiProvider api={createApi({ fetch: fetchMock })}>
        <UserProvider user={tenant}>
          <SubmitForm sites={sites} regions={regions} onSubmitted={onSubmitted} />
        </UserProvider>
      </ApiProvider>
    </I18nProvider>,
  );
  return { fetchMock, onSubmitted };
}

const type = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });

function fillValid() {
  type('submit-name', 'train-llm');
  type('submit-units', '8');
  type('submit-hours', '12');
  type('submit-command', 'python train.py');
}

afterEach(cleanup);

describe('SubmitForm', () => {
  it('marks bad fields and does not call the server', async () => {
    const { fetchMock } = setup(async () => new Response('{}', { status: 201 }));
    type('submit-name', '');
    type('submit-units', '1.5');
    type('submit-hours', '-2');
    type('submit-priority', '101');
    type('submit-command', 'echo hi');
    type('submit-env', 'lower=1');
    fireEvent.click(screen.getByTestId('submit-button'));

    expect((await screen.findByTestId('error-name')).textContent).toBe('Required');
    expect(screen.getByTestId('error-units').textContent).toBe('Enter a whole number');
    expect(screen.getByTestId('error-hours').textContent).toBe('Must be more than 0');
    expect(screen.getByTestId('error-priority').textContent).toBe('Must be at most 100');
    expect(screen.getByTestId('error-env').textContent).toContain('lower');
    expect(screen.queryByTestId('error-command')).toBeNull();
    expect(screen.getByTestId('submit-form-error')).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('shows errors in Chinese when the language is zh-CN', async () => {
    const { fetchMock } = setup(async () => new Response('{}', { status: 201 }), 'zh-CN');
    type('submit-name', '');
    fireEvent.click(screen.getByTestId('submit-button'));
    expect((await screen.findByTestId('error-name')).textContent).toBe('必填');
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('rejects a deadline before the release without calling the server', async () => {
    const { fetchMock } = setup(async () => new Response('{}', { status: 201 }));
    fillValid();
    type('submit-releaseAt', '2024-05-02T08:00');
    type('submit-deadlineAt', '2024-05-01T08:00');
    fireEvent.click(screen.getByTestId('submit-button'));
    expect(await screen.findByTestId('error-deadlineAt')).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('sends a valid job and shows the server field errors next to the fields', async () => {
    const problem = {
      type: 'https://shuzhi.dev/problems/validation',
      title: 'VALIDATION',
      status: 422,
      code: 'VALIDATION',
      detail: 'The job is not valid',
      errors: [{ path: 'units', message: 'no pool has 8 free GPUs in the allowed regions' }],
    };
    const { fetchMock, onSubmitted } = setup(
      async () => new Response(JSON.stringify(problem), { status: 422, headers: { 'content-type': 'application/problem+json' } }),
    );
    fillValid();
    type('submit-releaseAt', '2024-05-01T08:00');
    fireEvent.click(screen.getByTestId('submit-region-xinjiang'));
    fireEvent.click(screen.getByTestId('submit-button'));

    expect((await screen.findByTestId('error-units')).textContent).toBe('no pool has 8 free GPUs in the allowed regions');
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/api/jobs');
    expect(init?.method).toBe('POST');
    const body = JSON.parse(String(init?.body));
    expect(body).toMatchObject({
      name: 'train-llm',
      units: 8,
      hours: 12,
      regions: ['xinjiang'],
      command: 'python train.py',
      releaseAt: '2024-05-01T00:00:00.000Z',
    });
    expect(onSubmitted).not.toHaveBeenCalled();
  });

  it('hands the created job on', async () => {
    const created = { id: 'job_abc', name: 'train-llm' };
    const { onSubmitted } = setup(async () => new Response(JSON.stringify(created), { status: 201 }));
    fillValid();
    fireEvent.click(screen.getByTestId('submit-button'));
    await waitFor(() => expect(onSubmitted).toHaveBeenCalledTimes(1));
    expect(onSubmitted.mock.calls[0]?.[0]).toMatchObject(created);
  });

  it('pins the job to the sites picked, and unpicks a site when its region is no longer allowed', async () => {
    const { fetchMock } = setup(async () => new Response(JSON.stringify({ id: 'job_1' }), { status: 201 }), 'en', twoSites);
    fillValid();
    fireEvent.click(screen.getByTestId('submit-site-shihezi'));
    fireEvent.click(screen.getByTestId('submit-site-cq'));
    fireEvent.click(screen.getByTestId('submit-region-xinjiang'));
    expect(screen.queryByTestId('submit-site-cq')).toBeNull();
    fireEvent.click(screen.getByTestId('submit-button'));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    const body = JSON.parse(String(fetchMock.mock.calls[0]![1]?.body));
    expect(body.regions).toEqual(['xinjiang']);
    expect(body.sites).toEqual(['shihezi']);
  });
});

describe('SubmitForm: dependencies, array, project and accelerator', () => {
  const gpuSite = (id: string, model: string) => ({ id, region: 'xinjiang', nameZh: id, nameEn: id, pools: [{ type: 'gpu', units: 8, accelerator: { model, memGB: 80, groupUnits: 8 } }] }) as unknown as Site;
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  it('picks a parent from the tenant\'s jobs and sends the dependencies, array, project and accelerator asks', async () => {
    const jobs = { items: [{ id: 'job_prep', name: 'prepare', status: 'running' }, { id: 'job_old', name: 'old run', status: 'failed' }], total: 2 };
    const { fetchMock } = setup(async (url) => (String(url).startsWith('/api/jobs?') ? json(jobs) : json({ id: 'job_new' }, 201)), 'en', [gpuSite('hami', 'H800'), gpuSite('korla', 'A800')]);
    fillValid();
    fireEvent.click(screen.getByTestId('deps-pick-open'));
    fireEvent.change(await screen.findByTestId('deps-pick'), { target: { value: 'job_prep' } });
    fireEvent.click(screen.getByTestId('deps-add'));
    fireEvent.change(screen.getByTestId('deps-pick'), { target: { value: 'job_old' } });
    fireEvent.change(screen.getByTestId('deps-kind'), { target: { value: 'notok' } });
    fireEvent.click(screen.getByTestId('deps-add'));
    expect((screen.getByTestId('submit-after') as HTMLInputElement).value).toBe('ok:job_prep,notok:job_old');
    type('submit-array', '0-99%10');
    type('submit-project', 'llm-pretrain');
    // The models offered are those of the network's pools of the job's type.
    const models = [...(screen.getByTestId('submit-accelerator') as HTMLSelectElement).options].map((o) => o.value);
    expect(models).toEqual(['', 'A800', 'H800']);
    type('submit-accelerator', 'A800');
    type('submit-minMemGB', '64');
    fireEvent.click(screen.getByTestId('submit-oneGroup'));
    fireEvent.click(screen.getByTestId('submit-button'));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
    const [url, init] = fetchMock.mock.calls[1]!;
    expect(url).toBe('/api/jobs');
    expect(JSON.parse(String(init?.body))).toMatchObject({
      after: [{ kind: 'ok', jobId: 'job_prep' }, { kind: 'notok', jobId: 'job_old' }],
      onParentFailure: 'cancel', array: '0-99%10', project: 'llm-pretrain', accelerator: 'A800', minMemGB: 64, oneGroup: true,
    });
  });

  it('shows the API\'s 400 per field: a parent, the array, the one-group ask (in Chinese too)', async () => {
    const problem = {
      type: 'https://shuzhi.dev/problems/validation', title: 'VALIDATION', status: 400, code: 'VALIDATION', detail: 'not valid',
      errors: [{ path: 'after.0.jobId', message: 'no job "job_x" of this tenant to wait for' }, { path: 'oneGroup', message: 'its interconnect groups hold 8 devices, fewer than 16' }, { path: 'array', message: 'the cap must be at least 1' }],
    };
    setup(async () => json(problem, 400), 'zh-CN', [gpuSite('hami', 'H800')]);
    fillValid();
    type('submit-after', 'ok:job_x');
    type('submit-array', '0-9%1');
    fireEvent.click(screen.getByTestId('submit-oneGroup'));
    fireEvent.click(screen.getByTestId('submit-button'));
    expect((await screen.findByTestId('error-after')).textContent).toBe('no job "job_x" of this tenant to wait for');
    expect(screen.getByTestId('error-oneGroup').textContent).toContain('fewer than 16');
    expect(screen.getByTestId('error-array').textContent).toBe('the cap must be at least 1');
    expect(screen.getByText('项目与加速器')).toBeTruthy();
  });

  it('refuses a bad memory ask and a badly written dependency before sending', async () => {
    const { fetchMock } = setup(async () => json({}, 201));
    fillValid();
    type('submit-minMemGB', '-5');
    type('submit-after', 'after:job_1');
    fireEvent.click(screen.getByTestId('submit-button'));
    expect(await screen.findByTestId('error-minMemGB')).toBeTruthy();
    expect(screen.getByTestId('error-after').textContent).toContain('ok:JOB');
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
