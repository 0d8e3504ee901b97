import { http, ok } from '../../api/client.ts';

const enc = encodeURIComponent;
const q = (tenantId?: string) => (tenantId ? `?tenantId=${enc(tenantId)}` : '');
/** The tenant a call is about: operators name one, a tenant's own is implied. */
const tenant = (tenantId?: string) => ({ query: tenantId ? { tenantId } : {} });
/** A fresh key per user action: a double click or a retried request still pays once. */
export const newIdempotencyKey = () => `web-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

/** Typed by the API's generated paths, through the shared client (same errors, same problem+json). */
export const billingApi = {
  wallet: (tenantId?: string) => ok(http.GET('/api/billing/wallet', { params: tenant(tenantId) })),
  topUp: (amountFen: number, tenantId?: string) =>
    ok(http.POST('/api/billing/topups', { body: { amountFen, idempotencyKey: newIdempotencyKey(), ...(tenantId ? { tenantId } : {}) } })),
  setBudget: (monthlyCapFen: number | null, tenantId?: string) => ok(http.PUT('/api/billing/budget', { params: tenant(tenantId), body: { monthlyCapFen } })),
  statements: (tenantId?: string) => ok(http.GET('/api/billing/statements', { params: tenant(tenantId) })),
  statement: (month: string, tenantId?: string) => ok(http.GET('/api/billing/statements/{month}', { params: { path: { month }, ...tenant(tenantId) } })),
  csvUrl: (month: string, tenantId?: string) => `/api/billing/statements/${enc(month)}.csv${q(tenantId)}`,
  programmes: () => ok(http.GET('/api/billing/programmes')),
  report: (id: string) => ok(http.GET('/api/billing/programmes/{id}/report', { params: { path: { id } } })),
  applications: (programmeId?: string) => ok(http.GET('/api/billing/applications', { params: { query: programmeId ? { programmeId } : {} } })),
  apply: (programmeId: string, requestedFen: number, purpose: string) =>
    ok(http.POST('/api/billing/programmes/{id}/applications', { params: { path: { id: programmeId } }, body: { requestedFen, purpose } })),
  decide: (id: string, decision: 'approve' | 'reject', reason: string) =>
    ok(http.POST('/api/billing/applications/{id}/decision', { params: { path: { id } }, body: { decision, reason, idempotencyKey: newIdempotencyKey() } })),
  revenue: (month?: string) => ok(http.GET('/api/billing/revenue', { params: { query: month ? { month } : {} } })),
};

/** "¥12.34" typed by a person → fen, or null when it is not a positive amount with at most two decimals. */
export function yuanToFen(text: string): number | null {
  const m = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return fen > 0 ? fen : null;
}
