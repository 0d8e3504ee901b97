import type {
  MineAlarm, MineAuditEntry, MineCommandKind, MineCommandResult, MineFaceConfig, MineFaceSettings, MineFaceState, MineFaceSummary, MineFleet, MineTrend, Problem,
} from '@shuzhi/schema';
import { ApiError, NETWORK_ERROR } from '../../api/client.ts';

/** The mine module's calls. Same error contract as the shared client: problem+json becomes an ApiError. */
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
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    const problem = parsed && typeof parsed === 'object' && typeof (parsed as Problem).code === 'string' ? (parsed as Problem) : null;
    throw new ApiError(res.status, problem?.code ?? `HTTP_${res.status}`, problem?.detail ?? (res.statusText || `HTTP ${res.status}`), problem);
  }
  return parsed as T;
}

const enc = encodeURIComponent;
const qs = (q: Record<string, string | number | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
};

export interface AlarmFilter {
  faceId?: string | undefined;
  state?: 'open' | 'active' | 'unacknowledged' | 'history' | 'all' | undefined;
  q?: string | undefined;
  acknowledgedBy?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export const mineApi = {
  faces: async () => (await call<{ items: MineFaceSummary[] }>('GET', '/mine/faces')).items,
  face: (id: string) => call<MineFaceState>('GET', `/mine/faces/${enc(id)}`),
  config: (id: string) => call<MineFaceConfig>('GET', `/mine/faces/${enc(id)}/config`),
  settings: (id: string, body: MineFaceSettings) => call<MineFaceState>('PATCH', `/mine/faces/${enc(id)}/settings`, body),
  command: (id: string, kind: MineCommandKind) => call<MineCommandResult>('POST', `/mine/faces/${enc(id)}/commands/${kind}`, {}),
  trends: async (id: string, tags: string[], minutes = 15) =>
    (await call<{ items: MineTrend[] }>('GET', `/mine/faces/${enc(id)}/trends${qs({ tags: tags.join(','), minutes })}`)).items,
  alarms: (f: AlarmFilter) => call<{ items: MineAlarm[]; total: number }>('GET', `/mine/alarms${qs({ ...f })}`),
  acknowledge: (id: string, comment: string) => call<MineAlarm>('POST', `/mine/alarms/${enc(id)}/acknowledge`, { comment }),
  silence: (id: string) => call<MineAlarm>('POST', `/mine/alarms/${enc(id)}/silence`),
  audit: async (q: { faceId?: string; user?: string; action?: string; limit?: number }) =>
    (await call<{ items: MineAuditEntry[] }>('GET', `/mine/audit${qs(q)}`)).items,
  fleet: () => call<MineFleet>('GET', '/mine/fleet'),
  streamUrl: (id: string) => `/api/mine/faces/${enc(id)}/stream`,
};
