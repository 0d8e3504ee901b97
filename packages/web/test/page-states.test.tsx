// Every list page shows one of three states besides its data: loading (role=status), an error the user can
// retry (role=alert), and an empty state that says so (.empty). Table-driven over a representative set
// of pages from the console, the modules and the staff doors, each against an API that never answers,
// answers 500, or answers with empty lists.
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import type { User } from '@shuzhi/schema';
import { createApi, type FetchFn } from '../src/api/client.ts';
import { ApiProvider, UserProvider } from '../src/api/context.tsx';
import { I18nProvider } from '../src/i18n/I18nProvider.tsx';
import { JobsPage } from '../src/pages/JobsPage.tsx';
import { SitesPage } from '../src/pages/SitesPage.tsx';
import { NodesPage } from '../src/modules/render/NodesPage.tsx';
import { AlarmsPage } from '../src/modules/mine/AlarmsPage.tsx';
import { CataloguePage } from '../src/modules/gov/CataloguePage.tsx';
import { DashboardPage } from '../src/modules/gov/DashboardPage.tsx';
import { OfficerWorkbench, WindowWorkbench } from '../src/modules/gov/StaffPages.tsx';

const user = (role: User['role']): User => ({ id: `u_${role}`, username: role, displayName: role, role, tenantId: null, department: null });

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' } });

/** Empty answers that are not a bare `{ items: [] }` list. */
const EMPTY_BODIES: Record<string, unknown> = {
  '/api/gov/me': { role: 'officer', departmentId: 'dept_health', departmentName: { zh: '卫健委', en: 'Health' }, person: null, enterprise: null },
  '/api/gov/metrics': { items: [], totals: { cases: 0, closedCases: 0, openTasks: 0, escalated: 0, taskSlaCompliance: null }, byDepartment: [] },
  '/api/sites': { items: [] },
};

const answering = (answer: (path: string) => Promise<Response>): FetchFn =>
  vi.fn<FetchFn>(async (input) => answer(new URL(input, 'http://test').pathname));

const API = {
  pending: answering(() => new Promise<Response>(() => {})),
  failing: answering(async () => json(500, { type: 'x', title: 'INTERNAL', status: 500, code: 'INTERNAL', detail: 'database unavailable' })),
  empty: answering(async (path) => json(200, EMPTY_BODIES[path] ?? { items: [], total: 0 })),
};

const PAGES: ReadonlyArray<{ name: string; role: User['role']; page: () => ReactNode }> = [
  { name: 'compute jobs', role: 'operator', page: () => <JobsPage /> },
  { name: 'compute sites', role: 'operator', page: () => <SitesPage /> },
  { name: 'render nodes', role: 'operator', page: () => <NodesPage /> },
  { name: 'mine alarms', role: 'mine-operator', page: () => <AlarmsPage /> },
  { name: 'gov catalogue', role: 'citizen', page: () => <CataloguePage /> },
  { name: 'gov supervisor dashboard', role: 'supervisor', page: () => <DashboardPage /> },
  { name: 'gov officer workbench', role: 'officer', page: () => <OfficerWorkbench /> },
  { name: 'gov window counter', role: 'window', page: () => <WindowWorkbench /> },
];

function show(page: ReactNode, role: User['role'], fetch: FetchFn) {
  vi.stubGlobal('fetch', fetch);
  return render(
    <I18nProvider initialLang="en">
      <ApiProvider api={createApi({ fetch })}>
        <UserProvider user={user(role)}>{page}</UserProvider>
      </ApiProvider>
    </I18nProvider>,
  );
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe.each(PAGES)('$name', ({ role, page }) => {
  it('shows a loading state while the API has not answered', async () => {
    show(page(), role, API.pending);
    expect((await screen.findAllByRole('status')).some((e) => e.textContent === 'Loading…')).toBe(true);
    expect(screen.queryAllByRole('alert')).toEqual([]);
  });

  it('shows an error the user can retry when the API fails', async () => {
    show(page(), role, API.failing);
    const alerts = await screen.findAllByRole('alert');
    expect(alerts[0]!.textContent).toContain('database unavailable');
    expect(screen.getAllByRole('button', { name: 'Retry' }).length).toBeGreaterThan(0);
  });

  it('says there is nothing yet when the lists are empty', async () => {
    const { container } = show(page(), role, API.empty);
    await waitFor(() => expect(container.querySelector('.empty')).not.toBeNull());
    expect(screen.queryAllByRole('alert')).toEqual([]);
    expect(container.querySelector('.loading')).toBeNull();
  });
});
