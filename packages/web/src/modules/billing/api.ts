import type {
  Application,
  Programme,
  ProgrammeReport,
  RevenueReport,
  Statement,
  StatementSummary,
  TopUpResult,
  Wallet,
} from '@shuzhi/schema';
import { apiRequest } from '../../api/client.ts';

/** This module's calls go through the shared client's request (same errors, same problem+json). */
const call = <T,>(method: string, path: string, body?: unknown): Promise<T> => apiRequest<T>(method, path, body);

const enc = encodeURIComponent;
const q = (tenantId?: string) => (tenantId ? `?tenantId=${enc(tenantId)}` : '');
/** A fresh key per user action: a double click or a retried request still pays once. */
export const newIdempotencyKey = () => `web-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

export const billingApi = {
  wallet: (tenantId?: string) => call<Wallet>('GET', `/billing/wallet${q(tenantId)}`),
  topUp: (amountFen: number, tenantId?: string) =>
    call<TopUpResult>('POST', '/billing/topups', { amountFen, idempotencyKey: newIdempotencyKey(), ...(tenantId ? { tenantId } : {}) }),
  setBudget: (monthlyCapFen: number | null, tenantId?: string) => call<Wallet>('PUT', `/billing/budget${q(tenantId)}`, { monthlyCapFen }),
  statements: (tenantId?: string) => call<{ items: StatementSummary[] }>('GET', `/billing/statements${q(tenantId)}`),
  statement: (month: string, tenantId?: string) => call<Statement>('GET', `/billing/statements/${enc(month)}${q(tenantId)}`),
  csvUrl: (month: string, tenantId?: string) => `/api/billing/statements/${enc(month)}.csv${q(tenantId)}`,
  programmes: () => call<{ items: Programme[] }>('GET', '/billing/programmes'),
  report: (id: string) => call<ProgrammeReport>('GET', `/billing/programmes/${enc(id)}/report`),
  applications: (programmeId?: string) => call<{ items: Application[] }>('GET', `/billing/applications${programmeId ? `?programmeId=${enc(programmeId)}` : ''}`),
  apply: (programmeId: string, requestedFen: number, purpose: string) =>
    call<Application>('POST', `/billing/programmes/${enc(programmeId)}/applications`, { requestedFen, purpose }),
  decide: (id: string, decision: 'approve' | 'reject', reason: string) =>
    call<Application>('POST', `/billing/applications/${enc(id)}/decision`, { decision, reason, idempotencyKey: newIdempotencyKey() }),
  revenue: (month?: string) => call<RevenueReport>('GET', `/billing/revenue${month ? `?month=${enc(month)}` : ''}`),
};

/** "¥12.34" typed by a person → fen, or null when it is not a positive amount with at most two decimals. */
export function yuanToFen(text: string): number | null {
  const m = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return fen > 0 ? fen : null;
}
