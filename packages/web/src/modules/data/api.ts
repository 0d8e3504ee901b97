import type { DataContractVerification, DataOverview as DataOverviewSchema } from '@shuzhi/schema';
import type {
  DataContract,
  DataContractRequest,
  DataDomainSummary,
  DataIncome,
  DataDomain,
  DataProduct,
  DataProductInput,
  DataScenario,
  DataUse,
  DataUseRequest,
  Problem,
  ServerEvent,
} from '@shuzhi/schema';
import { ApiError } from '../../api/client.ts';

// TEMPORARY until the data routes are in the generated client: a plain fetch with the same error shape.
async function call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': contentType } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const parsed: unknown = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const problem = parsed as Problem | null;
    throw new ApiError(res.status, problem?.code ?? `HTTP_${res.status}`, problem?.detail ?? `HTTP ${res.status}`, problem);
  }
  return parsed as T;
}

type Verification = ReturnType<typeof DataContractVerification.parse>;
export type DataOverview = ReturnType<typeof DataOverviewSchema.parse>;
export interface ProductFilter {
  domain?: DataDomain | undefined;
  region?: string | undefined;
  provider?: string | undefined;
  q?: string | undefined;
}

const qs = (q: Record<string, string | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
};
const enc = encodeURIComponent;

/** The data space's API, one function per route under /api/data/. */
export const dataApi = {
  domains: async () => (await call<{ items: DataDomainSummary[] }>('GET', '/api/data/domains')).items,
  products: async (f: ProductFilter = {}) => (await call<{ items: DataProduct[] }>('GET', `/api/data/products${qs({ ...f })}`)).items,
  product: (id: string) => call<DataProduct>('GET', `/api/data/products/${enc(id)}`),
  register: (body: DataProductInput) => call<DataProduct>('POST', '/api/data/products', body),
  uploadDataset: (id: string, csv: string) => call<DataProduct>('PUT', `/api/data/products/${enc(id)}/dataset`, csv, 'text/csv'),
  withdraw: (id: string) => call<DataProduct>('POST', `/api/data/products/${enc(id)}/withdraw`),
  contracts: async (as?: 'consumer' | 'provider') => (await call<{ items: DataContract[] }>('GET', `/api/data/contracts${qs({ as })}`)).items,
  contract: (id: string) => call<DataContract>('GET', `/api/data/contracts/${enc(id)}`),
  request: (body: DataContractRequest) => call<DataContract>('POST', '/api/data/contracts', body),
  decide: (id: string, decision: 'agree' | 'decline', reason: string) => call<DataContract>('POST', `/api/data/contracts/${enc(id)}/decision`, { decision, reason }),
  revoke: (id: string, reason: string) => call<DataContract>('POST', `/api/data/contracts/${enc(id)}/revoke`, { reason }),
  verify: (id: string) => call<Verification>('GET', `/api/data/contracts/${enc(id)}/verify`),
  uses: async (contractId?: string) => (await call<{ items: DataUse[] }>('GET', `/api/data/uses${qs({ contractId })}`)).items,
  use: (id: string) => call<DataUse>('GET', `/api/data/uses/${enc(id)}`),
  submitUse: (body: DataUseRequest) => call<DataUse>('POST', '/api/data/uses', body),
  scenarios: async () => (await call<{ items: DataScenario[] }>('GET', '/api/data/scenarios')).items,
  overview: () => call<DataOverview>('GET', '/api/data/overview'),
  audit: async () => (await call<{ items: ServerEvent[] }>('GET', '/api/data/audit')).items,
  income: () => call<DataIncome>('GET', '/api/data/income'),
};

/** A fresh key per form: a double click or a retried request files one contract or one use. */
export const newIdempotencyKey = (): string => globalThis.crypto.randomUUID();
