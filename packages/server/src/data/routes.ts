import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  DataContract,
  DataContractDecision,
  DataContractRequest,
  DataContractRevoke,
  DataContractVerification,
  DataDomainSummary,
  DataIncome,
  DataOverview,
  DataProduct,
  DataProductInput,
  DataProductQuery,
  DataScenario,
  DataUse,
  DataUseRequest,
  ServerEvent,
  Text,
} from '@shuzhi/schema';
import type { Role } from '@shuzhi/schema';
import { jsonBody, jsonOk, principalIn, principalOf, router } from '../http/context.ts';
import { problems, SIGNED_IN } from '../http/openapi.ts';
import type { ContractService } from './contracts.ts';
import type { ProductService } from './products.ts';
import type { DataReads } from './reads.ts';
import type { UseService } from './uses.ts';

const tags = ['data'];
const Id = z.object({ id: Text(64).min(1) });
const items = <T extends z.ZodType>(s: T) => z.object({ items: z.array(s) });

/** Who reads the catalogue, the scenarios and the figures. */
const READERS: readonly Role[] = ['tenant', 'operator', 'viewer'];
/** Providers and consumers are tenants; the data-space operator acts for any of them. */
const PARTIES: readonly Role[] = ['tenant', 'operator'];

export function dataRoutes(products: ProductService, contracts: ContractService, uses: UseService, reads: DataReads) {
  const r = router();

  // ---- catalogue ----
  r.openapi(
    createRoute({ operationId: 'listDataDomains', summary: 'The 12 domains of 数据要素× with counts of listed products', security: SIGNED_IN, method: 'get', path: '/api/data/domains', tags, responses: { 200: jsonOk(items(DataDomainSummary)), ...problems(401, 403) } }),
    async (c) => {
      principalIn(c, READERS, 'read the data catalogue');
      return c.json({ items: await products.domains() }, 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'listDataProducts',
      summary: 'Search the data catalogue',
      description: 'Listed products for everyone signed in; drafts and withdrawn products only for their provider and the operator. `q` matches titles and descriptions in Chinese and English, case-insensitively.',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/data/products',
      tags,
      request: { query: DataProductQuery },
      responses: { 200: jsonOk(z.object({ items: z.array(DataProduct), total: z.number().int() })), ...problems(400, 401, 403) },
    }),
    async (c) => c.json(await products.list(principalIn(c, READERS, 'read the data catalogue'), c.req.valid('query')), 200),
  );

  r.openapi(
    createRoute({
      operationId: 'registerDataProduct',
      summary: 'Register a data product (draft until its dataset is uploaded)',
      description: 'The provider is the calling tenant (an operator names `providerTenantId`). A policy the rules cannot evaluate is refused with 422 POLICY_INVALID naming each field in `errors`.',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/data/products',
      tags,
      request: { body: jsonBody(DataProductInput) },
      responses: { 201: jsonOk(DataProduct), ...problems(400, 401, 403, 413, 422) },
    }),
    async (c) => c.json(await products.register(principalIn(c, PARTIES, 'register data products'), c.req.valid('json')), 201),
  );

  r.openapi(
    createRoute({ operationId: 'getDataProduct', summary: 'A data product', security: SIGNED_IN, method: 'get', path: '/api/data/products/{id}', tags, request: { params: Id }, responses: { 200: jsonOk(DataProduct), ...problems(400, 401, 403, 404) } }),
    async (c) => c.json(await products.get(principalIn(c, READERS, 'read the data catalogue'), c.req.valid('param').id), 200),
  );

  r.openapi(
    createRoute({
      operationId: 'uploadDataProductDataset',
      summary: "Upload a draft product's dataset (CSV) to its site; the product is then listed",
      description:
        "The body is the CSV (header = the schema's column names, in any order; up to 32 MiB). It is checked against the schema and stored at the product's site; a malformed file is refused with 400 DATASET_INVALID naming the line and column, and nothing is stored. The provider only.",
      security: SIGNED_IN,
      method: 'put',
      path: '/api/data/products/{id}/dataset',
      tags,
      request: {
        params: Id,
        // Read whole and checked by the data plane against the schema: documented, not validated here.
        body: { content: { 'text/csv': { schema: z.string().describe('The dataset as CSV, UTF-8') } }, required: true },
      },
      responses: { 200: jsonOk(DataProduct), ...problems(400, 401, 403, 404, 409, 413) },
    }),
    async (c) => {
      const p = principalIn(c, PARTIES, 'upload datasets');
      return c.json(await products.uploadCsv(p, c.req.valid('param').id, new Uint8Array(await c.req.arrayBuffer())), 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'withdrawDataProduct',
      summary: 'Withdraw a product: no new contracts (agreed ones run until revoked or expired)',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/data/products/{id}/withdraw',
      tags,
      request: { params: Id },
      responses: { 200: jsonOk(DataProduct), ...problems(400, 401, 403, 404) },
    }),
    async (c) => c.json(await products.withdraw(principalIn(c, PARTIES, 'withdraw data products'), c.req.valid('param').id), 200),
  );

  // ---- contracts ----
  r.openapi(
    createRoute({
      operationId: 'requestDataContract',
      summary: 'Ask for a contract on a product',
      description:
        "Evaluated against the product's usage policy at once: agreed and signed when the policy allows it and approval is automatic, `requested` when the provider decides, `declined` when a prohibition applies (the body says the state and the reasons). The same idempotencyKey answers with the same contract.",
      security: SIGNED_IN,
      method: 'post',
      path: '/api/data/contracts',
      tags,
      request: { body: jsonBody(DataContractRequest) },
      responses: { 201: jsonOk(DataContract), ...problems(400, 401, 403, 404, 409, 413, 422) },
    }),
    async (c) => c.json(await contracts.request(principalIn(c, PARTIES, 'ask for data contracts'), c.req.valid('json')), 201),
  );

  r.openapi(
    createRoute({
      operationId: 'listDataContracts',
      summary: "The caller's contracts, as consumer, provider or both",
      security: SIGNED_IN,
      method: 'get',
      path: '/api/data/contracts',
      tags,
      request: { query: z.object({ as: z.enum(['consumer', 'provider']).optional(), productId: Text(64).optional() }) },
      responses: { 200: jsonOk(items(DataContract)), ...problems(400, 401, 403) },
    }),
    async (c) => c.json({ items: await contracts.list(principalIn(c, PARTIES, 'read data contracts'), c.req.valid('query')) }, 200),
  );

  r.openapi(
    createRoute({ operationId: 'getDataContract', summary: 'A contract (its provider, its consumer and the operator)', security: SIGNED_IN, method: 'get', path: '/api/data/contracts/{id}', tags, request: { params: Id }, responses: { 200: jsonOk(DataContract), ...problems(400, 401, 403, 404) } }),
    async (c) => c.json(await contracts.get(principalIn(c, PARTIES, 'read data contracts'), c.req.valid('param').id), 200),
  );

  r.openapi(
    createRoute({
      operationId: 'decideDataContract',
      summary: 'The provider agrees to (signs) or declines a requested contract',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/data/contracts/{id}/decision',
      tags,
      request: { params: Id, body: jsonBody(DataContractDecision) },
      responses: { 200: jsonOk(DataContract), ...problems(400, 401, 403, 404, 409, 413) },
    }),
    async (c) => c.json(await contracts.decide(principalIn(c, PARTIES, 'decide data contracts'), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  r.openapi(
    createRoute({
      operationId: 'revokeDataContract',
      summary: 'Revoke a contract (provider, consumer or operator): no new use starts under it',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/data/contracts/{id}/revoke',
      tags,
      request: { params: Id, body: jsonBody(DataContractRevoke) },
      responses: { 200: jsonOk(DataContract), ...problems(400, 401, 403, 404, 409, 413) },
    }),
    async (c) => c.json(await contracts.revoke(principalIn(c, PARTIES, 'revoke data contracts'), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  r.openapi(
    createRoute({
      operationId: 'verifyDataContract',
      summary: "Check a contract's Ed25519 signature against its stored terms",
      description: 'Anyone signed in may verify: the answer says valid, tampered or unsigned, with the public key, and nothing of the terms.',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/data/contracts/{id}/verify',
      tags,
      request: { params: Id },
      responses: { 200: jsonOk(DataContractVerification), ...problems(400, 401, 404) },
    }),
    async (c) => {
      principalOf(c);
      return c.json(await contracts.verify(c.req.valid('param').id), 200);
    },
  );

  // ---- uses ----
  r.openapi(
    createRoute({
      operationId: 'submitDataUse',
      summary: 'Run a query under a contract, at the data\'s site',
      description: "Checked against the contract now; then computed as a compute job of the consumer at the product's site, and only the result the output rule releases is stored. Poll GET /api/data/uses/{id}.",
      security: SIGNED_IN,
      method: 'post',
      path: '/api/data/uses',
      tags,
      request: { body: jsonBody(DataUseRequest) },
      responses: { 202: jsonOk(DataUse, 'Accepted: queued'), ...problems(400, 401, 403, 404, 409, 413, 422) },
    }),
    async (c) => c.json(await uses.submit(principalIn(c, PARTIES, 'use data'), c.req.valid('json')), 202),
  );

  r.openapi(
    createRoute({
      operationId: 'listDataUses',
      summary: "Uses: a consumer's own, a provider's on its products (without the consumer's join rows)",
      security: SIGNED_IN,
      method: 'get',
      path: '/api/data/uses',
      tags,
      request: { query: z.object({ contractId: Text(64).optional(), productId: Text(64).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }) },
      responses: { 200: jsonOk(items(DataUse)), ...problems(400, 401, 403) },
    }),
    async (c) => c.json({ items: await uses.list(principalIn(c, PARTIES, 'read data uses'), c.req.valid('query')) }, 200),
  );

  r.openapi(
    createRoute({ operationId: 'getDataUse', summary: 'A use and its released result', security: SIGNED_IN, method: 'get', path: '/api/data/uses/{id}', tags, request: { params: Id }, responses: { 200: jsonOk(DataUse), ...problems(400, 401, 403, 404) } }),
    async (c) => c.json(await uses.get(principalIn(c, PARTIES, 'read data uses'), c.req.valid('param').id), 200),
  );

  // ---- figures, audit, fees ----
  r.openapi(
    createRoute({ operationId: 'listDataScenarios', summary: 'The worked scenarios (场景) and the results their demo uses released', security: SIGNED_IN, method: 'get', path: '/api/data/scenarios', tags, responses: { 200: jsonOk(items(DataScenario)), ...problems(401, 403) } }),
    async (c) => {
      principalIn(c, READERS, 'read data scenarios');
      return c.json({ items: await reads.scenarios() }, 200);
    },
  );

  r.openapi(
    createRoute({ operationId: 'getDataOverview', summary: 'Listed products, contracts and released uses per domain (the 大屏)', security: SIGNED_IN, method: 'get', path: '/api/data/overview', tags, responses: { 200: jsonOk(DataOverview), ...problems(401, 403) } }),
    async (c) => {
      principalIn(c, READERS, 'read the data-space figures');
      return c.json(await reads.overview(), 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'listDataAudit',
      summary: "The data space's events: a provider's products, a consumer's contracts and uses, all for the operator",
      security: SIGNED_IN,
      method: 'get',
      path: '/api/data/audit',
      tags,
      request: { query: z.object({ productId: Text(64).optional() }) },
      responses: { 200: jsonOk(items(ServerEvent)), ...problems(400, 401, 403, 404) },
    }),
    async (c) => c.json({ items: await reads.audit(principalIn(c, PARTIES, 'read the data audit'), c.req.valid('query')) }, 200),
  );

  r.openapi(
    createRoute({ operationId: 'getDataIncome', summary: "The caller's data fees: earned per product and month as a provider, paid as a consumer", security: SIGNED_IN, method: 'get', path: '/api/data/income', tags, responses: { 200: jsonOk(DataIncome), ...problems(401, 403) } }),
    async (c) => c.json(await reads.income(principalIn(c, ['tenant'], 'read data fees')), 200),
  );

  return r;
}
