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

  it('draws nothing for a job without dependencies', () => {
    const { container } = render(
      <I18nProvider initialLang="en">
        <JobGraph job={job({})} />
      </I18nProvider>,
    );
    expect(container.innerHTML).toBe('');
  });
});
