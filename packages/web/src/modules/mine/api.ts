import type {
  MineAlarm, MineAuditEntry, MineCertificate, MineCertificates, MineCommandKind, MineCommandResult, MineFaceConfig, MineFaceSettings, MineFaceState, MineFaceSummary, MineFleet, MineTrend, } from '@shuzhi/schema';
import { apiRequest } from '../../api/client.ts';

/** This module's calls go through the shared client's request (same errors, same problem+json). */
const call = <T,>(method: string, path: string, body?: unknown): Promise<T> => apiRequest<T>(method, path, body);

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
  certificates: () => call<MineCertificates>('GET', '/mine/certificates'),
  trustCertificate: (thumbprint: string) => call<MineCertificate>('POST', `/mine/certificates/${enc(thumbprint)}/trust`),
  streamUrl: (id: string) => `/api/mine/faces/${enc(id)}/stream`,
};
