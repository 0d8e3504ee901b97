import type {
  GovAccessEntry,
  GovApplicationSummary,
  GovApplicationView,
  GovCatalogueItem,
  GovCertificateView,
  GovGrant,
  GovMe,
  GovMetrics,
  GovNotification,
  GovPrefillRequest,
  GovPrefillResponse,
  GovQueueEntry,
  GovSubmitApplication,
  GovSupplementSubmission,
  GovTaskActionRequest,
  GovTicket,
  GovVerification,
  } from '@shuzhi/schema';
import { apiRequest } from '../../api/client.ts';

/** This module's calls go through the shared client's request (same errors, same problem+json). */
const call = <T,>(method: string, path: string, body?: unknown): Promise<T> => apiRequest<T>(method, path, body);

const enc = encodeURIComponent;

export const govApi = {
  me: () => call<GovMe>('GET', '/gov/me'),
  catalogue: () => call<{ items: GovCatalogueItem[] }>('GET', '/gov/catalogue').then((r) => r.items),
  addItem: (body: unknown) => call<GovCatalogueItem>('POST', '/gov/catalogue/items', body),
  prefill: (body: GovPrefillRequest) => call<GovPrefillResponse>('POST', '/gov/prefill', body),
  submit: (body: GovSubmitApplication) => call<{ application: GovApplicationView; created: boolean }>('POST', '/gov/applications', body),
  applications: () => call<{ items: GovApplicationSummary[]; total: number }>('GET', '/gov/applications?limit=100'),
  application: (id: string) => call<GovApplicationView>('GET', `/gov/applications/${enc(id)}`),
  supplement: (id: string, body: GovSupplementSubmission) => call<GovApplicationView>('POST', `/gov/applications/${enc(id)}/supplement`, body),
  act: (id: string, serviceId: string, body: GovTaskActionRequest) => call<GovApplicationView>('POST', `/gov/applications/${enc(id)}/tasks/${enc(serviceId)}/actions`, body),
  queue: (escalated = false) => call<{ items: GovQueueEntry[] }>('GET', `/gov/tasks${escalated ? '?escalated=true' : ''}`).then((r) => r.items),
  certificates: () => call<{ items: GovCertificateView[] }>('GET', '/gov/certificates').then((r) => r.items),
  accessLog: () => call<{ items: GovAccessEntry[] }>('GET', '/gov/access-log').then((r) => r.items),
  notifications: () => call<{ items: GovNotification[] }>('GET', '/gov/notifications').then((r) => r.items),
  grants: () => call<{ items: GovGrant[] }>('GET', '/gov/grants').then((r) => r.items),
  metrics: () => call<GovMetrics>('GET', '/gov/metrics'),
  takeTicket: () => call<GovTicket>('POST', '/gov/tickets'),
  callNext: () => call<{ ticket: GovTicket | null }>('POST', '/gov/tickets/next').then((r) => r.ticket),
  tickets: () => call<{ items: GovTicket[] }>('GET', '/gov/tickets').then((r) => r.items),
  verify: (id: string) => call<GovVerification>('GET', `/public/gov/verify/${enc(id)}`),
  verifyText: (certificateId: string, text: string) => call<GovVerification>('POST', '/public/gov/verify', { certificateId, text }),
};

export const ALL_CONSENT = ['population', 'household', 'marriage', 'enterprise', 'social_insurance', 'certificates'] as const;

/** A fresh key per form: a double click or a retried request files one application. */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  return c?.randomUUID ? c.randomUUID() : `k-${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
}

export async function sha256Hex(data: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
