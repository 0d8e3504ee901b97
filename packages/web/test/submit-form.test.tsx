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
