import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { Site, User, WorkerCredential, WorkerInfo } from '@shuzhi/schema';
import { createApi, type FetchFn } from '../src/api/client.ts';
import { ApiProvider, UserProvider } from '../src/api/context.tsx';
import { dictionaries } from '../src/i18n/dictionaries.ts';
import { I18nProvider } from '../src/i18n/I18nProvider.tsx';
import type { Lang } from '../src/i18n/lang.ts';
import { navGroups } from '../src/nav.ts';
import { en, zh } from '../src/pages/workers/messages.ts';
import { mergeWorkers, runCommand, workerState } from '../src/pages/workers/model.ts';
import { SiteWorkers } from '../src/pages/workers/SiteWorkers.tsx';
import { WorkersPage } from '../src/pages/workers/WorkersPage.tsx';

const operator: User = { id: 'u_op', username: 'operator', displayName: 'Operator', role: 'operator', tenantId: null, department: null };
const tenant: User = { id: 'u_t', username: 'tenant', displayName: 'Tenant', role: 'tenant', tenantId: 'tianshan-ai', department: null };
const viewer: User = { id: 'u_v', username: 'viewer', displayName: 'Viewer', role: 'viewer', tenantId: null, department: null };

const site = (id: string, nameEn: string, nameZh: string, ownerTenantId: string | null = null) =>
  ({ id, region: 'xinjiang', nameEn, nameZh, ownerTenantId }) as unknown as Site;
const sites = [site('shihezi', 'Shihezi', '石河子'), site('karamay', 'Karamay', '克拉玛依', 'tianshan-ai')];

const worker = (id: string, over: Partial<WorkerInfo> = {}): WorkerInfo => ({
  id,
  name: id.replace('wrk_', 'host-'),
  siteId: 'shihezi',
  ownerTenantId: null,
  enrolledBy: 'u_op',
  enrolledAt: '2025-03-01T02:00:00.000Z',
  rotatedAt: null,
  revokedAt: null,
  lastSeenAt: null,
  ...over,
});

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' } });
const problem = (status: number, code: string, detail: string, errors?: { path: string; message: string }[]) =>
  json(status, { type: `https://shuzhi.dev/problems/${code}`, title: code, status, code, detail, ...(errors ? { errors } : {}) });

/** A small in-memory server for the four worker routes and the site list. */
function fakeServer(initial: WorkerInfo[], override?: (method: string, path: string, body: unknown) => Response | undefined) {
  const workers = new Map(initial.map((w) => [w.id, { ...w }]));
  let n = 0;
  const fetchMock = vi.fn<FetchFn>(async (input, init) => {
    const method = init?.method ?? 'GET';
    const url = new URL(input, 'http://test');
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    const o = override?.(method, url.pathname, body);
    if (o) return o;
    if (method === 'GET' && url.pathname === '/api/sites') return json(200, { items: sites });
    if (method === 'GET' && url.pathname === '/api/workers') {
      const siteId = url.searchParams.get('siteId');
      const all = url.searchParams.get('includeRevoked') === '1';
      const items = [...workers.values()].filter((w) => (!siteId || w.siteId === siteId) && (all || !w.revokedAt));
      return json(200, { items: items.sort((a, b) => b.enrolledAt.localeCompare(a.enrolledAt)) });
    }
    if (method === 'POST' && url.pathname === '/api/workers') {
      const w = worker(`wrk_new${++n}`, { name: body.name, siteId: body.siteId, enrolledAt: new Date().toISOString() });
      workers.set(w.id, w);
      return json(201, { ...w, credential: `szw.${w.id}.secretSecretSecret${n}XYZ` } satisfies WorkerCredential);
    }
    const m = /^\/api\/workers\/([^/]+)(\/rotate)?$/.exec(url.pathname);
    const w = m ? workers.get(decodeURIComponent(m[1]!)) : undefined;
    if (!w) return problem(404, 'NOT_FOUND', 'no such worker');
    if (method === 'POST' && m?.[2]) {
      const next = { ...w, rotatedAt: new Date().toISOString() };
      workers.set(w.id, next);
      return json(200, { ...next, credential: `szw.${w.id}.rotatedRotatedRotated${++n}` });
    }
    if (method === 'DELETE') {
      const next = { ...w, revokedAt: new Date().toISOString() };
      workers.set(w.id, next);
      return json(200, next);
    }
    return problem(405, 'METHOD', 'unexpected call');
  });
  return { fetchMock, workers };
}

function renderWith(node: React.ReactNode, fetchMock: FetchFn, user: User = operator, lang: Lang = 'en') {
  return render(
    <I18nProvider initialLang={lang}>
      <ApiProvider api={createApi({ fetch: fetchMock })}>
        <UserProvider user={user}>{node}</UserProvider>
      </ApiProvider>
    </I18nProvider>,
  );
}

const calls = (f: ReturnType<typeof fakeServer>['fetchMock'], method: string, path: RegExp) =>
  f.mock.calls.filter(([url, init]) => (init?.method ?? 'GET') === method && path.test(url));

afterEach(() => {
  cleanup();
  delete (navigator as { clipboard?: unknown }).clipboard;
  history.replaceState(null, '', '#/');
});

describe('WorkersPage', () => {
  it('lists the workers with their site, state and times, and filters by site and revoked', async () => {
    const recent = new Date(Date.now() - 10_000).toISOString();
    history.replaceState(null, '', '#/compute/workers');
    const { fetchMock } = fakeServer([
      worker('wrk_a', { lastSeenAt: recent }),
      worker('wrk_b', { siteId: 'karamay', ownerTenantId: 'tianshan-ai', enrolledAt: '2025-02-01T00:00:00.000Z', rotatedAt: '2025-02-03T00:00:00.000Z' }),
      worker('wrk_old', { revokedAt: '2025-02-10T00:00:00.000Z' }),
    ]);
    renderWith(<WorkersPage />, fetchMock);

    const table = await screen.findByTestId('workers-table');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Workers');
    const rowA = within(screen.getByTestId('worker-row-wrk_a'));
    expect(rowA.getByText('host-a')).toBeTruthy();
    expect(rowA.getByText('wrk_a')).toBeTruthy();
    expect(rowA.getByText('Shihezi')).toBeTruthy();
    expect(rowA.getByText('u_op')).toBeTruthy();
    expect(screen.getByTestId('worker-state-wrk_a').dataset.state).toBe('online');
    expect(screen.getByTestId('worker-state-wrk_b').dataset.state).toBe('new');
    expect(within(screen.getByTestId('worker-row-wrk_b')).getByText('2025-02-03 08:00')).toBeTruthy();
    expect(within(screen.getByTestId('worker-row-wrk_b')).getByText('Never')).toBeTruthy();
    expect(screen.queryByTestId('worker-row-wrk_old')).toBeNull();
    expect(calls(fetchMock, 'GET', /^\/api\/workers$/)).toHaveLength(1);
    expect(table.querySelectorAll('tbody tr')).toHaveLength(2);

    fireEvent.click(screen.getByTestId('workers-show-revoked'));
    await screen.findByTestId('worker-row-wrk_old');
    expect(screen.getByTestId('worker-state-wrk_old').dataset.state).toBe('revoked');
    expect(screen.queryByTestId('worker-revoke-wrk_old')).toBeNull();
    expect(calls(fetchMock, 'GET', /^\/api\/workers\?includeRevoked=1$/)).toHaveLength(1);

    fireEvent.change(screen.getByTestId('workers-filter-site'), { target: { value: 'karamay' } });
    await waitFor(() => expect(screen.queryByTestId('worker-row-wrk_a')).toBeNull());
    expect(screen.getByTestId('worker-row-wrk_b')).toBeTruthy();
    expect(calls(fetchMock, 'GET', /^\/api\/workers\?siteId=karamay&includeRevoked=1$/)).toHaveLength(1);
    expect(location.hash).toBe('#/compute/workers?site=karamay');
  });

  it('enrolls a worker and shows its credential once, with the command to run it', async () => {
    const { fetchMock } = fakeServer([worker('wrk_a')]);
    renderWith(<WorkersPage initialSite="shihezi" />, fetchMock);
    await screen.findByTestId('workers-table');
    // Opened from a site: the list is filtered to it, and enrolling goes there.
    expect((screen.getByTestId('workers-filter-site') as HTMLSelectElement).value).toBe('shihezi');
    expect((screen.getByTestId('worker-enroll-site') as HTMLSelectElement).value).toBe('shihezi');
    expect(calls(fetchMock, 'GET', /^\/api\/workers\?siteId=shihezi$/)).toHaveLength(1);
    expect(screen.queryByTestId('worker-credential-panel')).toBeNull();

    fireEvent.change(screen.getByTestId('worker-enroll-name'), { target: { value: '  rack-7 ' } });
    fireEvent.click(screen.getByTestId('worker-enroll-submit'));

    const panel = await screen.findByTestId('worker-credential-panel');
    const [, init] = calls(fetchMock, 'POST', /^\/api\/workers$/)[0]!;
    expect(JSON.parse(String(init?.body))).toEqual({ siteId: 'shihezi', name: 'rack-7' });
    const credential = 'szw.wrk_new1.secretSecretSecret1XYZ';
    expect(screen.getByTestId('worker-credential').textContent).toBe(credential);
    expect(screen.getByTestId('worker-run-command').textContent).toBe(`npx shuzhi worker --server ${location.origin} --credential ${credential}`);
    expect(panel.textContent).toContain('will not be shown again');
    expect(panel.textContent).toContain('bubblewrap');
    expect(panel.textContent).toContain('rack-7 enrolled');
    // The new worker is in the list at once; the form is empty for the next one.
    expect(within(screen.getByTestId('worker-row-wrk_new1')).getByText('rack-7')).toBeTruthy();
    expect((screen.getByTestId('worker-enroll-name') as HTMLInputElement).value).toBe('');

    const writeText = vi.fn(async (_text: string) => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    fireEvent.click(screen.getByTestId('worker-copy-credential'));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(credential));
    expect((await screen.findByTestId('worker-copy-credential')).textContent).toBe('Copied');
    fireEvent.click(screen.getByTestId('worker-copy-command'));
    await waitFor(() => expect(writeText).toHaveBeenLastCalledWith(screen.getByTestId('worker-run-command').textContent));

    fireEvent.click(screen.getByTestId('worker-credential-dismiss'));
    expect(screen.queryByTestId('worker-credential-panel')).toBeNull();
    expect(document.body.textContent).not.toContain(credential);
  });

  it('checks the form before sending: no site, no name, no call', async () => {
    const { fetchMock } = fakeServer([]);
    renderWith(<WorkersPage />, fetchMock);
    await screen.findByTestId('workers-empty');
    fireEvent.click(screen.getByTestId('worker-enroll-submit'));
    expect((await screen.findByTestId('worker-error-siteId')).textContent).toBe('Required');
    expect(screen.getByTestId('worker-error-name').textContent).toBe('Required');
    expect(calls(fetchMock, 'POST', /./)).toHaveLength(0);
  });

  it('rotates after a confirmation and shows the new credential once', async () => {
    const { fetchMock } = fakeServer([worker('wrk_a')]);
    renderWith(<WorkersPage />, fetchMock);
    fireEvent.click(await screen.findByTestId('worker-rotate-wrk_a'));
    expect(screen.getByTestId('worker-confirm').textContent).toContain('stops working at once');
    fireEvent.click(screen.getByTestId('worker-confirm-cancel'));
    expect(screen.queryByTestId('worker-confirm')).toBeNull();
    expect(calls(fetchMock, 'POST', /rotate$/)).toHaveLength(0);

    fireEvent.click(screen.getByTestId('worker-rotate-wrk_a'));
    fireEvent.click(screen.getByTestId('worker-confirm-ok'));
    const panel = await screen.findByTestId('worker-credential-panel');
    expect(calls(fetchMock, 'POST', /^\/api\/workers\/wrk_a\/rotate$/)).toHaveLength(1);
    expect(panel.textContent).toContain('New credential for host-a');
    // The panel sits above the table: it takes the focus so the user is brought to it (in an effect, after
    // the panel is painted — so wait for it rather than assume the effect already ran).
    await waitFor(() => expect(document.activeElement).toBe(panel));
    expect(panel.textContent).toContain('old credential has stopped working');
    expect(screen.getByTestId('worker-run-command').textContent).toContain('--credential szw.wrk_a.rotatedRotatedRotated1');
    expect(screen.queryByTestId('worker-confirm')).toBeNull();
  });

  it('revokes after a confirmation: DELETE, and the row shows revoked', async () => {
    const { fetchMock } = fakeServer([worker('wrk_a'), worker('wrk_b')]);
    renderWith(<WorkersPage />, fetchMock);
    fireEvent.click(await screen.findByTestId('worker-revoke-wrk_a'));
    expect(screen.getByTestId('worker-confirm').textContent).toContain('Revoke host-a (wrk_a)?');
    expect(calls(fetchMock, 'DELETE', /./)).toHaveLength(0);
    fireEvent.click(screen.getByTestId('worker-confirm-ok'));

    await waitFor(() => expect(screen.getByTestId('worker-state-wrk_a').dataset.state).toBe('revoked'));
    expect(calls(fetchMock, 'DELETE', /^\/api\/workers\/wrk_a$/)).toHaveLength(1);
    expect(screen.getByTestId('worker-action-done').textContent).toBe('host-a revoked.');
    // The refetch (revoked ones hidden) has come back, and the row still says revoked, with no actions left.
    await waitFor(() => expect(calls(fetchMock, 'GET', /^\/api\/workers$/).length).toBe(2));
    expect(screen.getByTestId('worker-state-wrk_a').dataset.state).toBe('revoked');
    expect(screen.getByTestId('worker-row-wrk_a').textContent).toContain('revoked 20');
    expect(screen.queryByTestId('worker-revoke-wrk_a')).toBeNull();
    expect(screen.queryByTestId('worker-rotate-wrk_a')).toBeNull();
    expect(screen.getByTestId('worker-state-wrk_b').dataset.state).toBe('new');
  });

  it("shows the server's detail when enrolling is refused, and field errors by their field", async () => {
    let answer = problem(403, 'WORKER_SITE_FORBIDDEN', 'You may not enroll a worker at site "shihezi": only an operator, or the tenant that owns the site.');
    const { fetchMock } = fakeServer([], (method, path) => (method === 'POST' && path === '/api/workers' ? answer : undefined));
    renderWith(<WorkersPage />, fetchMock);
    await screen.findByTestId('workers-empty');
    fireEvent.change(screen.getByTestId('worker-enroll-site'), { target: { value: 'shihezi' } });
    fireEvent.change(screen.getByTestId('worker-enroll-name'), { target: { value: 'rack-1' } });
    fireEvent.click(screen.getByTestId('worker-enroll-submit'));
    const err = await screen.findByTestId('worker-enroll-error');
    expect(err.textContent).toContain('You may not enroll a worker at site "shihezi"');
    expect(screen.queryByTestId('worker-credential-panel')).toBeNull();

    answer = problem(409, 'WORKER_EXISTS', 'A worker named "rack-1" is already enrolled at shihezi.');
    fireEvent.click(screen.getByTestId('worker-enroll-submit'));
    await waitFor(() => expect(screen.getByTestId('worker-enroll-error').textContent).toContain('already enrolled at shihezi'));

    answer = problem(400, 'VALIDATION_FAILED', 'The request is not valid', [{ path: 'name', message: 'name is reserved' }]);
    fireEvent.click(screen.getByTestId('worker-enroll-submit'));
    expect((await screen.findByTestId('worker-error-name')).textContent).toBe('name is reserved');
    expect(screen.getByTestId('worker-enroll-error').textContent).toContain('The request is not valid');
  });

  it("shows the server's detail when an action fails, and keeps the row as it was", async () => {
    const { fetchMock } = fakeServer([worker('wrk_a')], (method) =>
      method === 'DELETE' ? problem(403, 'WORKER_SITE_FORBIDDEN', 'You may not revoke workers at site "shihezi".') : undefined,
    );
    renderWith(<WorkersPage />, fetchMock);
    fireEvent.click(await screen.findByTestId('worker-revoke-wrk_a'));
    fireEvent.click(screen.getByTestId('worker-confirm-ok'));
    expect((await screen.findByTestId('worker-action-error')).textContent).toContain('You may not revoke workers at site "shihezi".');
    expect(screen.getByTestId('worker-state-wrk_a').dataset.state).toBe('new');
  });

  it("shows the list's error detail", async () => {
    const { fetchMock } = fakeServer([], (method, path) =>
      method === 'GET' && path === '/api/workers' ? problem(503, 'UNAVAILABLE', 'The worker registry is starting up.') : undefined,
    );
    renderWith(<WorkersPage />, fetchMock);
    expect((await screen.findByRole('alert')).textContent).toContain('The worker registry is starting up.');
  });

  it('is in Chinese when the language is zh-CN', async () => {
    const { fetchMock } = fakeServer([worker('wrk_a', { revokedAt: '2025-02-10T00:00:00.000Z' }), worker('wrk_b')]);
    renderWith(<WorkersPage />, fetchMock, operator, 'zh-CN');
    await screen.findByTestId('workers-table');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('工作节点');
    expect(screen.getByTestId('worker-revoke-wrk_b').textContent).toBe('吊销');
    expect(screen.getByTestId('worker-enroll-submit').textContent).toBe('注册');
    expect(within(screen.getByTestId('worker-row-wrk_b')).getByText('石河子')).toBeTruthy();
  });

  it('offers a tenant only the sites it owns', async () => {
    const { fetchMock } = fakeServer([]);
    renderWith(<WorkersPage />, fetchMock, tenant);
    await screen.findByTestId('workers-empty');
    const options = [...(screen.getByTestId('worker-enroll-site') as HTMLSelectElement).options].map((o) => o.value);
    expect(options).toEqual(['', 'karamay']);
    // Only one site: it is picked already.
    expect((screen.getByTestId('worker-enroll-site') as HTMLSelectElement).value).toBe('karamay');
  });

  it('calls nothing for a role that may not manage workers', () => {
    const { fetchMock } = fakeServer([]);
    renderWith(<WorkersPage />, fetchMock, viewer);
    expect(screen.getByText('Your role may not open this page.')).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});

describe("a site's workers on its detail page", () => {
  it("lists the site's workers and links to the workers page filtered to the site", async () => {
    const { fetchMock } = fakeServer([worker('wrk_a'), worker('wrk_b', { siteId: 'karamay' })]);
    renderWith(<SiteWorkers site={sites[0]!} />, fetchMock);
    const table = await screen.findByTestId('site-workers');
    expect(table.textContent).toContain('host-a');
    expect(table.textContent).not.toContain('host-b');
    expect(calls(fetchMock, 'GET', /^\/api\/workers\?siteId=shihezi$/)).toHaveLength(1);
    expect(screen.getByTestId('site-workers-manage').getAttribute('href')).toBe('#/compute/workers?site=shihezi');
  });

  it("is not shown to a tenant for a site it does not own (and asks the server nothing)", () => {
    const { fetchMock } = fakeServer([]);
    renderWith(<SiteWorkers site={sites[0]!} />, fetchMock, tenant);
    expect(screen.queryByTestId('site-workers-section')).toBeNull();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});

describe('workers model', () => {
  it('tells online, offline, new and revoked apart', () => {
    const now = Date.parse('2025-03-01T12:00:00Z');
    expect(workerState(worker('wrk_a'), now)).toBe('new');
    expect(workerState(worker('wrk_a', { lastSeenAt: '2025-03-01T11:59:30Z' }), now)).toBe('online');
    expect(workerState(worker('wrk_a', { lastSeenAt: '2025-03-01T11:50:00Z' }), now)).toBe('offline');
    expect(workerState(worker('wrk_a', { lastSeenAt: '2025-03-01T11:59:30Z', revokedAt: '2025-03-01T11:59:40Z' }), now)).toBe('revoked');
  });

  it("lays this page's newer answers over the server's list, and lets the server win once it has caught up", () => {
    const a = worker('wrk_a', { lastSeenAt: '2025-03-01T03:00:00Z' });
    const revoked = { ...a, lastSeenAt: null, revokedAt: '2025-03-01T04:00:00Z' };
    const fresh = worker('wrk_z', { enrolledAt: '2025-03-02T00:00:00Z' });
    expect(mergeWorkers([a], { wrk_a: revoked, wrk_z: fresh })).toEqual([fresh, { ...revoked, lastSeenAt: '2025-03-01T03:00:00Z' }]);
    expect(mergeWorkers([], { wrk_a: revoked })).toEqual([revoked]);
    const rotatedOnServer = { ...a, rotatedAt: '2025-03-01T05:00:00Z' };
    expect(mergeWorkers([rotatedOnServer], { wrk_a: { ...a, rotatedAt: '2025-03-01T05:00:00Z', lastSeenAt: null } })).toEqual([rotatedOnServer]);
  });

  it('quotes what a shell would split', () => {
    expect(runCommand('https://shuzhi.example', 'szw.wrk_a.abc-DEF_123')).toBe('npx shuzhi worker --server https://shuzhi.example --credential szw.wrk_a.abc-DEF_123');
    expect(runCommand("http://x/a b'c", 'k')).toBe(`npx shuzhi worker --server 'http://x/a b'\\''c' --credential k`);
  });
});

describe('workers messages', () => {
  it('has every key in both languages, none empty, module-prefixed', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    for (const [k, v] of Object.entries(zh)) {
      expect(k.startsWith('workers.')).toBe(true);
      expect(v.trim()).not.toBe('');
      expect(en[k as keyof typeof en].trim()).not.toBe('');
    }
  });

  it('is in the app dictionaries, and the nav item is labelled in both', () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      for (const k of Object.keys(zh)) expect(dictionaries[lang][k as keyof typeof zh]).toBe((lang === 'en' ? en : zh)[k as keyof typeof zh]);
    }
    const item = navGroups.flatMap((g) => g.items).find((i) => i.path === '/compute/workers');
    expect(item?.roles).toEqual(['operator', 'tenant']);
    expect(dictionaries.en[item!.label]).toBe('Workers');
    expect(dictionaries['zh-CN'][item!.label]).toBe('工作节点');
  });
});
