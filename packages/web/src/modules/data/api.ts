import { http, ok } from '../../api/client.ts';
import type { DataContractRequest, DataDomain, DataProduct, DataProductInput, DataUseRequest } from '@shuzhi/schema';

export interface ProductFilter {
  domain?: DataDomain | undefined;
  region?: string | undefined;
  provider?: string | undefined;
  q?: string | undefined;
}

const id = (v: string) => ({ params: { path: { id: v } } });
/**
 * The generated types write a column's `bounds` tuple as number[]; the server answers with the zod
 * schema's DataProduct (it validated it), so products are typed as that here, once.
 */
const product = async (call: Promise<{ data?: unknown }>) => (await ok(call)) as DataProduct;

/** Typed by the API's generated paths, through the shared client (same errors, same problem+json). */
export const dataApi = {
  domains: async () => (await ok(http.GET('/api/data/domains'))).items,
  products: async (query: ProductFilter = {}) => (await ok(http.GET('/api/data/products', { params: { query } }))).items as DataProduct[],
  product: (productId: string) => product(http.GET('/api/data/products/{id}', id(productId))),
  register: (body: DataProductInput) => product(http.POST('/api/data/products', { body })),
  // The dataset goes as it is (text/csv), not as JSON.
  uploadDataset: (productId: string, csv: string) =>
    product(http.PUT('/api/data/products/{id}/dataset', { ...id(productId), body: csv, bodySerializer: (b: string) => b, headers: { 'content-type': 'text/csv' } })),
  withdraw: (productId: string) => product(http.POST('/api/data/products/{id}/withdraw', id(productId))),
  contracts: async (as?: 'consumer' | 'provider') => (await ok(http.GET('/api/data/contracts', { params: { query: as ? { as } : {} } }))).items,
  contract: (contractId: string) => ok(http.GET('/api/data/contracts/{id}', id(contractId))),
  request: (body: DataContractRequest) => ok(http.POST('/api/data/contracts', { body })),
  decide: (contractId: string, decision: 'agree' | 'decline', reason: string) => ok(http.POST('/api/data/contracts/{id}/decision', { ...id(contractId), body: { decision, reason } })),
  revoke: (contractId: string, reason: string) => ok(http.POST('/api/data/contracts/{id}/revoke', { ...id(contractId), body: { reason } })),
  verify: (contractId: string) => ok(http.GET('/api/data/contracts/{id}/verify', id(contractId))),
  uses: async (contractId?: string) => (await ok(http.GET('/api/data/uses', { params: { query: contractId ? { contractId } : {} } }))).items,
  use: (useId: string) => ok(http.GET('/api/data/uses/{id}', id(useId))),
  submitUse: (body: DataUseRequest) => ok(http.POST('/api/data/uses', { body })),
  scenarios: async () => (await ok(http.GET('/api/data/scenarios'))).items,
  overview: () => ok(http.GET('/api/data/overview')),
  audit: async () => (await ok(http.GET('/api/data/audit'))).items,
  income: () => ok(http.GET('/api/data/income')),
};

/** A fresh key per form: a double click or a retried request files one contract or one use. */
export const newIdempotencyKey = (): string => globalThis.crypto.randomUUID();
