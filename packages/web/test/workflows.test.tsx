import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import type { Workflow } from '@shuzhi/schema';
import { createApi, type FetchFn } from '../src/api/client.ts';
import { ApiProvider, UserProvider } from '../src/api/context.tsx';
import { I18nProvider } from '../src/i18n/I18nProvider.tsx';
import { emptySubmitForm, validateSubmitForm } from '../src/pages/SubmitForm.tsx';
import { layoutDag } from '../src/pages/workflows/dagLayout.ts';
import { WorkflowPage } from '../src/pages/workflows/WorkflowPage.tsx';

afterEach(cleanup);
const t = (k: string) => k;
const valid = { ...emptySubmitForm, name: 'n', units: '1', hours: '1', command: 'true' };

describe('dependencies and arrays in the submit form', () => {
  it('reads ok:/any:/notok: and bare ids, and the array spec', () => {
    const v = validateSubmitForm({ ...valid, after: 'ok:job_1, any:job_2,job_3', onParentFailure: 'hold', array: '0-9%2' }, t);
    expect(v.ok && v.body).toMatchObject({
      after: [{ kind: 'ok', jobId: 'job_1' }, { kind: 'any', jobId: 'job_2' }, { kind: 'ok', jobId: 'job_3' }],
      onParentFailure: 'hold',
      array: '0-9%2',
    });
  });
  it('marks a bad dependency on its field; sends nothing for empty fields', () => {
    const bad = validateSubmitForm({ ...valid, after: 'later:job_1' }, t);
    expect(bad.ok ? null : bad.errors.after).toBe('deps.badAfter');
    const plain = validateSubmitForm(valid, t);
    expect(plain.ok && 'after' in plain.body).toBe(false);
    expect(plain.ok && 'array' in plain.body).toBe(false);
  });
});

describe('the workflow graph', () => {
  it('puts each step one column right of its deepest parent', () => {
    const { nodes, cols, rows } = layoutDag(['a', 'b', 'c', 'd'], [
      { from: 'a', to: 'b' },
      { from: 'a', to: 'c' },
      { from: 'b', to: 'd' },
      { from: 'c', to: 'd' },
    ]);
    expect(nodes).toEqual([
      { name: 'a', col: 0, row: 0 },
      { name: 'b', col: 1, row: 0 },
      { name: 'c', col: 1, row: 1 },
      { name: 'd', col: 2, row: 0 },
    ]);
    expect([cols, rows]).toEqual([3, 2]);
  });

  it('draws every step and edge, coloured by state, in both languages', async () => {
    const wf: Workflow = {
      id: 'wf_1', tenantId: 't', name: 'diamond', createdAt: '2026-12-06T00:00:00Z', status: 'active', counts: { succeeded: 1, queued: 1 },
      steps: [
        { name: 'fetch', jobId: 'job_1', status: 'succeeded', held: null, siteId: 'hami' },
        { name: 'train', jobId: 'job_2', status: 'queued', held: 'waiting for job_1 (afterok)', siteId: null },
      ],
      edges: [{ from: 'fetch', to: 'train', kind: 'ok' }],
    };
    const fetchImpl: FetchFn = async () => new Response(JSON.stringify(wf), { status: 200, headers: { 'content-type': 'application/json' } });
    for (const lang of ['zh-CN', 'en'] as const) {
      render(
        <I18nProvider initialLang={lang}>
          <ApiProvider api={createApi({ fetch: fetchImpl })}>
            <UserProvider user={{ id: 'u', username: 'tenant', displayName: 'T', role: 'tenant', tenantId: 't', department: null }}>
              <WorkflowPage id="wf_1" />
            </UserProvider>
          </ApiProvider>
        </I18nProvider>,
      );
      expect(await screen.findByTestId('workflow-graph')).toBeTruthy();
      expect(screen.getByTestId('node-fetch').getAttribute('data-status')).toBe('succeeded');
      expect(screen.getByTestId('edge-fetch-train')).toBeTruthy();
      expect(screen.getByText(lang === 'en' ? 'Cancel the whole workflow' : '取消整个工作流')).toBeTruthy();
      cleanup();
    }
  });
});
