import type { PlannerPlan, PlannerSettings, Problem } from '@shuzhi/schema';
import { ApiError, NETWORK_ERROR } from '../../api/client.ts';

/** The planner's calls; problem+json becomes an ApiError as in the shared client. */
async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(`/api${path}`, init);
  } catch (err) {
    throw new ApiError(0, NETWORK_ERROR, err instanceof Error ? err.message : String(err), null);
  }
  const text = await res.text();
  let parsed: unknown = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
  if (!res.ok) {
    const problem = parsed && typeof parsed === 'object' && typeof (parsed as Problem).code === 'string' ? (parsed as Problem) : null;
    throw new ApiError(res.status, problem?.code ?? `HTTP_${res.status}`, problem?.detail ?? (res.statusText || `HTTP ${res.status}`), problem);
  }
  return parsed as T;
}

export const plannerApi = {
  plan: () => call<PlannerPlan>('GET', '/planner/plan'),
  settings: () => call<PlannerSettings>('GET', '/planner/settings'),
  saveSettings: (s: PlannerSettings) => call<PlannerSettings>('PUT', '/planner/settings', s),
};
