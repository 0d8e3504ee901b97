import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { GovNotification } from '@shuzhi/schema';
import { I18nProvider } from '../src/i18n/I18nProvider.tsx';
import { NotificationsList } from '../src/modules/gov/NotificationsList.tsx';

const json = (status: number, body: unknown) => new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('gov NotificationsList', () => {
  it('lists the applicant’s notices in their language and marks one read through the API', async () => {
    let notes: GovNotification[] = [
      { id: 'ntf_1', kind: 'received', applicationId: 'app_1', message: { zh: '您的申请已受理', en: 'Your application was received' }, at: '2026-12-01T02:00:00Z', readAt: null },
      { id: 'ntf_0', kind: 'ready', applicationId: 'app_0', message: { zh: '已办结', en: 'Done' }, at: '2026-11-30T02:00:00Z', readAt: '2026-11-30T03:00:00Z' },
    ];
    const posted: string[] = [];
    vi.stubGlobal('fetch', vi.fn(async (req: string | Request, init?: RequestInit) => {
      const url = typeof req === 'string' ? req : req.url;
      const method = typeof req === 'string' ? (init?.method ?? 'GET') : req.method;
      if (method === 'POST' && url.endsWith('/api/gov/notifications/ntf_1/read')) {
        posted.push(url);
        notes = notes.map((n) => (n.id === 'ntf_1' ? { ...n, readAt: '2026-12-01T03:00:00Z' } : n));
        return json(204, null);
      }
      if (url.endsWith('/api/gov/notifications')) return json(200, { items: notes });
      return json(404, {});
    }));
    render(
      <I18nProvider initialLang="en">
        <NotificationsList />
      </I18nProvider>,
    );
    await screen.findByText(/Your application was received/);
    expect(screen.getByText(/Done/)).toBeTruthy();
    expect(screen.getAllByRole('button', { name: 'Mark as read' })).toHaveLength(1);
    fireEvent.click(screen.getByRole('button', { name: 'Mark as read' }));
    await waitFor(() => expect(screen.queryAllByRole('button', { name: 'Mark as read' })).toHaveLength(0));
    expect(posted).toHaveLength(1);
  });

  it('in Uyghur shows the notice’s Uyghur, the Chinese of an older notice isolated and marked, the date by Intl in a <bdi>', async () => {
    const notes: GovNotification[] = [
      { id: 'ntf_2', kind: 'received', applicationId: 'app_2', message: { zh: '已受理', en: 'Received', ug: 'ئىلتىماسىڭىز (\u2068app_2\u2069) قوبۇل قىلىندى' }, at: '2025-06-01T00:30:00Z', readAt: '2025-06-01T01:00:00Z' },
      { id: 'ntf_1', kind: 'ready', applicationId: 'app_1', message: { zh: '已办结', en: 'Done' }, at: '2025-05-01T00:30:00Z', readAt: '2025-05-01T01:00:00Z' },
    ];
    vi.stubGlobal('fetch', vi.fn(async () => json(200, { items: notes })));
    const { container } = render(
      <I18nProvider initialLang="ug">
        <NotificationsList />
      </I18nProvider>,
    );
    await screen.findByText(/قوبۇل قىلىندى/);
    const items = [...container.querySelectorAll('li')];
    expect(items).toHaveLength(2);
    expect(items[0]!.querySelector('bdi')!.textContent).toContain('\u2068app_2\u2069');
    const old = items[1]!.querySelector('bdi[lang="zh-CN"]')!;
    expect(old.textContent).toBe('已办结');
    expect(old.getAttribute('title')).toBe('بۇ مەزمۇننىڭ ئۇيغۇرچىسى تېخى يوق، خەنزۇچە كۆرسىتىلدى');
    const date = items[0]!.querySelector('.muted bdi')!.textContent!;
    expect(date).toBe(new Intl.DateTimeFormat('ug-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23' }).format(new Date('2025-06-01T00:30:00Z')));
    expect(date).toContain('ئىيۇن');
  });
});
