import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApi, NETWORK_ERROR } from '../src/api/client.ts';

const json = (status: number, body: unknown, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });

describe('api client', () => {
  it('turns problem+json into an ApiError with code and field errors', async () => {
    const api = createApi({
      fetch: async () =>
        json(422, { type: 't', title: 'VALIDATION', status: 422, code: 'VALIDATION', detail: 'bad job', errors: [{ path: 'units', message: 'too many' }] }, 'application/problem+json'),
    });
    const err = await api.submitJob({} as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('VALIDATION');
    expect((err as ApiError).message).toBe('bad job');
    expect((err as ApiError).fieldErrors).toEqual([{ path: 'units', message: 'too many' }]);
  });

  it('reports a 401 as a lost session, except from login and the initial me()', async () => {
    const onUnauthorized = vi.fn();
    const api = createApi({
      fetch: async () => json(401, { type: 't', title: 'AUTH_REQUIRED', status: 401, code: 'AUTH_REQUIRED', detail: 'sign in' }),
      onUnauthorized,
    });
    await expect(api.login({ username: 'a', password: 'b' })).rejects.toBeInstanceOf(ApiError);
    await expect(api.me()).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthorized).not.toHaveBeenCalled();
    await expect(api.jobs()).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('builds query strings and unwraps item lists', async () => {
    const fetchMock = vi.fn(async (_url: string) => json(200, { items: [{ seq: 3 }] }));
    const api = createApi({ fetch: fetchMock });
    expect(await api.jobLogs('job_1', 2)).toEqual([{ seq: 3 }]);
    expect(fetchMock.mock.calls[0]?.[0]).toBe('/api/jobs/job_1/logs?after=2');
    await api.jobs({ status: 'running', limit: 50, offset: 100 });
    expect(fetchMock.mock.calls[1]?.[0]).toBe('/api/jobs?status=running&limit=50&offset=100');
  });

  it('reports an unreachable server as a network error', async () => {
    const api = createApi({ fetch: async () => Promise.reject(new TypeError('Failed to fetch')) });
    const err = await api.overview().catch((e: unknown) => e);
    expect((err as ApiError).code).toBe(NETWORK_ERROR);
    expect((err as ApiError).status).toBe(0);
  });
});
