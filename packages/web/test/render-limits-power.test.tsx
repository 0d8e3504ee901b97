import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import type { RenderLimit, RenderPower } from '@shuzhi/schema';
import { I18nProvider } from '../src/i18n/I18nProvider.tsx';
import { LimitsPowerPanel } from '../src/modules/render/LimitsPowerPanel.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const limits: RenderLimit[] = [
  { name: 'houdini-license', kind: 'licence', tenantId: null, capacity: 20, ceiling: 20, own: null, held: 7, holders: [{ jobId: 'rjob_a', jobName: 'shot 12', tenantId: 'karamay-studio', held: 4 }], othersHeld: 3 },
  { name: 'tenant:karamay-studio', kind: 'tenant', tenantId: 'karamay-studio', capacity: null, ceiling: null, own: null, held: 4, holders: [], othersHeld: 0 },
];
const power: RenderPower = {
  policies: [{ target: 'pool:*', windows: [{ days: [1, 2, 3, 4, 5], from: '01:00', to: '07:00' }], idleMinutes: 30, idleWatts: null }],
  asleep: [{ nodeId: 'wrk_1', since: '2026-12-06T17:00:00Z' }],
  wakeProvider: 'local-held-poll',
  lastDecision: { at: '2026-12-06T18:00:00Z', wake: true, reason: 'deadline', nodesWoken: 3, slotsNeeded: 6, nodesAsleep: 40 },
  saved: { nodeHoursSlept: 12.5, kWh: 3.1, fen: 250 },
};

describe('the farm page limits and power panel', () => {
  it('shows each limit with its use and holders, and the energy saved, in both languages', async () => {
    vi.stubGlobal('fetch', async (input: Request | string | URL) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const body = new URL(url, 'http://x').pathname.endsWith('/limits') ? { items: limits } : power;
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    });
    for (const lang of ['zh-CN', 'en'] as const) {
      render(
        <I18nProvider initialLang={lang}>
          <LimitsPowerPanel />
        </I18nProvider>,
      );
      const row = await screen.findByTestId('render-limit-houdini-license');
      expect(row.textContent).toContain('7 / 20');
      expect(row.textContent).toContain('shot 12');
      expect(row.textContent).toContain(lang === 'en' ? 'other tenants ×3' : '其他租户 ×3');
      expect(screen.getByTestId('render-limit-tenant:karamay-studio').textContent).toContain(lang === 'en' ? 'no cap' : '不限');
      expect((await screen.findByTestId('render-power')).textContent).toContain('kWh');
      expect(screen.getByText(lang === 'en' ? 'Energy saved' : '节省电量')).toBeTruthy();
      expect(screen.getByTestId('render-wake-decision').textContent).toContain(lang === 'en' ? 'woke 3 of 40 sleeping nodes (6 slots needed) (to meet a deadline)' : '唤醒 3 个节点（共 40 个休眠，需 6 个槽位）（为赶上截止时间）');
      cleanup();
    }
  });
});
