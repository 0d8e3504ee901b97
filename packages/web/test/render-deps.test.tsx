import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import type { RenderJob } from '@shuzhi/schema';
import { I18nProvider } from '../src/i18n/I18nProvider.tsx';
import { JobGraph } from '../src/modules/render/JobGraph.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const job = (over: Partial<RenderJob>): RenderJob => ({
  id: 'rjob_x', tenantId: 't', name: 'n', renderer: 'blender', type: 'blender', frames: '1-4', frameCount: 4, chunkSize: 1, taskCount: 5, outputFormat: 'png', priority: 50, tags: [],
  state: 'queued', failureMessage: null, counts: { queued: 5, active: 0, paused: 0, completed: 0, failed: 0, cancelled: 0 }, framesDone: 0, hasPreview: false,
  createdAt: '2026-12-06T00:00:00Z', updatedAt: '2026-12-06T00:00:00Z', usage: null, waiting: null, dependsOn: [], dependants: [], heldReason: null, ...over,
});

describe('the render job dependency graph', () => {
  it('draws the upstream jobs, the job and its dependants with their states, and the held reason, in both languages', async () => {
    const upstream = job({ id: 'rjob_bg', name: 'background', state: 'failed', framesDone: 3 });
    const comp = job({ id: 'rjob_comp', name: 'composite', dependsOn: [{ job: 'rjob_bg', mode: 'frame' }], dependants: [{ job: 'rjob_enc', mode: 'job' }], heldReason: 'upstream job rjob_bg frame 4 failed' });
    const encode = job({ id: 'rjob_enc', name: 'encode' });
    const byId: Record<string, RenderJob> = { rjob_bg: upstream, rjob_enc: encode };
    vi.stubGlobal('fetch', async (input: Request | string | URL) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const id = new URL(url, 'http://x').pathname.split('/').pop()!;
      return new Response(JSON.stringify({ ...byId[id], spec: {}, blocklist: [], tasks: [], tasksTotal: 0 }), { status: 200, headers: { 'content-type': 'application/json' } });
    });
    for (const lang of ['zh-CN', 'en'] as const) {
      render(
        <I18nProvider initialLang={lang}>
          <JobGraph job={comp} />
        </I18nProvider>,
      );
      expect(await screen.findByText('background')).toBeTruthy();
      expect(screen.getByTestId('render-job-graph-edge-rjob_bg-rjob_comp')).toBeTruthy();
      expect(screen.getByTestId('render-job-graph-edge-rjob_comp-rjob_enc')).toBeTruthy();
      expect(screen.getByText(lang === 'en' ? 'frame by frame' : '逐帧')).toBeTruthy();
      expect(screen.getByTestId('render-job-held').textContent).toContain('upstream job rjob_bg frame 4 failed');
      expect(screen.getByTestId('render-job-graph-node-rjob_bg').textContent).toContain(lang === 'en' ? '3/4' : '3/4');
      cleanup();
    }
  });

  it('draws the whole chain from the encode: both renders, the composite held with its reason, the encode', async () => {
    const a = job({ id: 'rjob_a', name: 'blender render', state: 'completed', framesDone: 4, dependants: [{ job: 'rjob_c', mode: 'frame' }] });
    const b = job({ id: 'rjob_b', name: 'povray render', state: 'failed', framesDone: 3, dependants: [{ job: 'rjob_c', mode: 'frame' }] });
    const c = job({ id: 'rjob_c', name: 'composite', dependsOn: [{ job: 'rjob_a', mode: 'frame' }, { job: 'rjob_b', mode: 'frame' }], dependants: [{ job: 'rjob_d', mode: 'frame' }], heldReason: 'upstream job rjob_b frame 4 failed' });
    const d = job({ id: 'rjob_d', name: 'encode', dependsOn: [{ job: 'rjob_c', mode: 'frame' }] });
    const byId: Record<string, RenderJob> = { rjob_a: a, rjob_b: b, rjob_c: c, rjob_d: d };
    const asked: string[] = [];
    vi.stubGlobal('fetch', async (input: Request | string | URL) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const id = new URL(url, 'http://x').pathname.split('/').pop()!;
      asked.push(id);
      return new Response(JSON.stringify({ ...byId[id], spec: {}, blocklist: [], tasks: [], tasksTotal: 0 }), { status: 200, headers: { 'content-type': 'application/json' } });
    });
    for (const lang of ['zh-CN', 'en'] as const) {
      asked.length = 0;
      render(
        <I18nProvider initialLang={lang}>
          <JobGraph job={d} />
        </I18nProvider>,
      );
      expect(await screen.findByText('blender render')).toBeTruthy();
      for (const [from, to] of [['rjob_a', 'rjob_c'], ['rjob_b', 'rjob_c'], ['rjob_c', 'rjob_d']]) expect(screen.getByTestId(`render-job-graph-edge-${from}-${to}`)).toBeTruthy();
      expect(screen.getByTestId('render-job-graph-node-rjob_b').textContent).toContain(lang === 'en' ? 'Failed' : '失败');
      expect(screen.getByTestId('render-job-graph-node-rjob_c').textContent).toContain(lang === 'en' ? 'held' : '已挂起');
      expect(screen.getByTestId('render-chain-held-rjob_c').textContent).toContain('upstream job rjob_b frame 4 failed');
      expect(screen.queryByTestId('render-job-held')).toBeNull();
      expect([...asked].sort(), 'each job of the chain read once').toEqual(['rjob_a', 'rjob_b', 'rjob_c']);
      cleanup();
    }
  });

  it('draws nothing for a job without dependencies', () => {
    const { container } = render(
      <I18nProvider initialLang="en">
        <JobGraph job={job({})} />
      </I18nProvider>,
    );
    expect(container.innerHTML).toBe('');
  });
});
