import type { MineAuditEntry, MineCommandKind, MineFaceSettings, MineTrend } from '@shuzhi/schema';
import { http, ok } from '../../api/client.ts';


const enc = encodeURIComponent;
/** A filter without its empty fields: an empty text box or "all" filters nothing. */
const present = <T extends object>(q: T) => Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;

export interface AlarmFilter {
  faceId?: string | undefined;
  state?: 'open' | 'active' | 'unacknowledged' | 'history' | 'all' | undefined;
  q?: string | undefined;
  acknowledgedBy?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

/** Typed by the API's generated paths, through the shared client (same errors, same problem+json). */
export const mineApi = {
  faces: async () => (await ok(http.GET('/api/mine/faces'))).items,
  face: (id: string) => ok(http.GET('/api/mine/faces/{id}', { params: { path: { id } } })),
  config: (id: string) => ok(http.GET('/api/mine/faces/{id}/config', { params: { path: { id } } })),
  settings: (id: string, body: MineFaceSettings) => ok(http.PATCH('/api/mine/faces/{id}/settings', { params: { path: { id } }, body })),
  command: (id: string, kind: MineCommandKind) => ok(http.POST('/api/mine/faces/{id}/commands/{kind}', { params: { path: { id, kind } } })),
  // The document gives points as prefixItems pairs, which openapi-typescript reads as number[]: the schema's tuple type is the same data.
  trends: async (id: string, tags: string[], minutes = 15) =>
    (await ok(http.GET('/api/mine/faces/{id}/trends', { params: { path: { id }, query: { tags: tags.join(','), minutes } } }))).items as MineTrend[],
  alarms: (f: AlarmFilter) => ok(http.GET('/api/mine/alarms', { params: { query: present(f) } })),
  acknowledge: (id: string, comment: string) => ok(http.POST('/api/mine/alarms/{id}/acknowledge', { params: { path: { id } }, body: { comment } })),
  silence: (id: string) => ok(http.POST('/api/mine/alarms/{id}/silence', { params: { path: { id } } })),
  // oldValue/newValue are z.unknown(), optional in the document (an undefined value is left out of the JSON): the same data.
  audit: async (q: { faceId?: string; user?: string; action?: string; limit?: number }) =>
    (await ok(http.GET('/api/mine/audit', { params: { query: q } }))).items as MineAuditEntry[],
  fleet: () => ok(http.GET('/api/mine/fleet')),
  certificates: () => ok(http.GET('/api/mine/certificates')),
  trustCertificate: (thumbprint: string) => ok(http.POST('/api/mine/certificates/{thumbprint}/trust', { params: { path: { thumbprint } } })),
  streamUrl: (id: string) => `/api/mine/faces/${enc(id)}/stream`,
};
