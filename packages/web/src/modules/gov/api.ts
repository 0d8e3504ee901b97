import type { GovContact, GovPrefillRequest, GovSubmitApplication, GovSupplementSubmission, GovTaskActionRequest } from '@shuzhi/schema';
import { http, ok } from '../../api/client.ts';


/** Typed by the API's generated paths, through the shared client (same errors, same problem+json). */
export const govApi = {
  me: () => ok(http.GET('/api/gov/me')),
  catalogue: async () => (await ok(http.GET('/api/gov/catalogue'))).items,
  addItem: (body: { item: Record<string, unknown>; services?: Record<string, unknown>[] }) => ok(http.POST('/api/gov/catalogue/items', { body })),
  prefill: (body: GovPrefillRequest) => ok(http.POST('/api/gov/prefill', { body })),
  submit: (body: GovSubmitApplication) => ok(http.POST('/api/gov/applications', { body })),
  applications: () => ok(http.GET('/api/gov/applications', { params: { query: { limit: 100 } } })),
  application: (id: string) => ok(http.GET('/api/gov/applications/{id}', { params: { path: { id } } })),
  supplement: (id: string, body: GovSupplementSubmission) => ok(http.POST('/api/gov/applications/{id}/supplement', { params: { path: { id } }, body })),
  act: (id: string, serviceId: string, body: GovTaskActionRequest) =>
    ok(http.POST('/api/gov/applications/{id}/tasks/{serviceId}/actions', { params: { path: { id, serviceId } }, body })),
  queue: async (escalated = false) => (await ok(http.GET('/api/gov/tasks', { params: { query: escalated ? { escalated: 'true' } : {} } }))).items,
  certificates: async () => (await ok(http.GET('/api/gov/certificates'))).items,
  accessLog: async () => (await ok(http.GET('/api/gov/access-log'))).items,
  notifications: async () => (await ok(http.GET('/api/gov/notifications'))).items,
  markNotificationRead: (id: string) => ok(http.POST('/api/gov/notifications/{id}/read', { params: { path: { id } } })),
  contact: () => ok(http.GET('/api/gov/contact')),
  setContact: (body: GovContact) => ok(http.PUT('/api/gov/contact', { body })),
  grants: async () => (await ok(http.GET('/api/gov/grants'))).items,
  metrics: () => ok(http.GET('/api/gov/metrics')),
  takeTicket: () => ok(http.POST('/api/gov/tickets')),
  callNext: async () => (await ok(http.POST('/api/gov/tickets/next'))).ticket,
  tickets: async () => (await ok(http.GET('/api/gov/tickets'))).items,
  verify: (id: string) => ok(http.GET('/api/public/gov/verify/{id}', { params: { path: { id } } })),
  verifyText: (certificateId: string, text: string) => ok(http.POST('/api/public/gov/verify', { body: { certificateId, text } })),
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
