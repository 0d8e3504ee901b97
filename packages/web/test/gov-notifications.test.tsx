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
});
