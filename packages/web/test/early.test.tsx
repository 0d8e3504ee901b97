import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { takeEarly, takeEmbeddedSession } from '../src/api/early.ts';
import { createApi } from '../src/api/client.ts';
import { App } from '../src/App.tsx';

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
const citizen = { id: 'u1', username: 'citizen', displayName: '张三', role: 'citizen' as const, tenantId: null, department: null };

afterEach(() => {
  cleanup();
  delete window.__shuzhiEarly;
  document.getElementById('shuzhi-session')?.remove();
  location.hash = '';
});

/** What index.html's boot script and the server's shell hand the app (api/early.ts). */
describe('the early start', () => {
  it('a GET the boot script started is answered from it, once; the next one asks the server', async () => {
    window.__shuzhiEarly = { '/api/overview': Promise.resolve(json({ early: true })) };
    const fetch = vi.fn(async () => json({ early: false }));
    const api = createApi({ fetch });
    expect(await api.overview()).toEqual({ early: true });
    expect(fetch).not.toHaveBeenCalled();
    expect(await api.overview()).toEqual({ early: false });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(takeEarly('/api/overview')).toBeUndefined();
  });

  it('the embedded session is read once and removed (stale after a sign-out)', () => {
    document.head.insertAdjacentHTML('afterbegin', `<script type="application/json" id="shuzhi-session">${JSON.stringify({ user: citizen })}</script>`);
    expect(takeEmbeddedSession()).toEqual({ user: citizen });
    expect(takeEmbeddedSession()).toBeUndefined();
  });

  it('with a session from the shell the app shows the door at once and never asks /api/auth/me', async () => {
    location.hash = '#/gov/app/me';
    const calls: string[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      calls.push(url);
      return json({ items: [] });
    }));
    const api = createApi({ fetch: async (url: string) => {
      calls.push(url);
      return json({ items: [] });
    } });
    render(<App api={api} embedded={{ user: citizen }} />);
    expect(await screen.findByTestId('gov-phone')).toBeTruthy();
    expect(calls).not.toContain('/api/auth/me');
    vi.unstubAllGlobals();
  });
});
