import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { FairShareInput, FairShareTable, Quota, QuotaInput, ResourceType, slug, Text } from '@shuzhi/schema';
import { jsonBody, jsonOk, principalIn, principalOf, router } from '../http/context.ts';
import { SIGNED_IN, problems } from '../http/openapi.ts';
import type { QuotaService } from './quotas.ts';

/** Quotas and fair share: operators set them; a tenant reads its own. */
export function quotaRoutes(q: QuotaService) {
  const r = router();
  r.openapi(
    createRoute({
      operationId: 'listQuotas',
      summary: 'Quotas with their usage (a tenant: its own)',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/quotas',
      tags: ['quotas'],
      request: { query: z.object({ tenantId: Text(64).min(1).optional() }) },
      responses: { 200: jsonOk(z.object({ items: z.array(Quota) })), ...problems(400, 401, 403) },
    }),
    async (c) => c.json({ items: await q.list(principalOf(c), c.req.valid('query').tenantId) }, 200),
  );
  r.openapi(
    createRoute({
      operationId: 'setQuota',
      summary: 'Set a tenant\'s or project\'s quota of one resource type',
      description: 'Refused (400 naming the field) below the units the tenant or project uses now.',
      security: SIGNED_IN,
      method: 'put',
      path: '/api/quotas',
      tags: ['quotas'],
      request: { body: jsonBody(QuotaInput) },
      responses: { 200: jsonOk(Quota), ...problems(400, 401, 403, 413) },
    }),
    async (c) => {
      principalIn(c, ['operator'], 'set quotas');
      return c.json(await q.set(c.req.valid('json')), 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'deleteQuota',
      summary: 'Remove a quota (the tenant or project is no longer limited in that type)',
      security: SIGNED_IN,
      method: 'delete',
      path: '/api/quotas/{tenantId}/{type}',
      tags: ['quotas'],
      request: { params: z.object({ tenantId: Text(64).min(1), type: ResourceType }), query: z.object({ project: slug.optional() }) },
      responses: { 204: { description: 'Removed' }, ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      principalIn(c, ['operator'], 'remove quotas');
      const { tenantId, type } = c.req.valid('param');
      await q.remove(tenantId, type, c.req.valid('query').project ?? null);
      return c.body(null, 204);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'getFairShare',
      summary: 'Fair-share table: shares, decayed usage and factor per tenant (a tenant: its own row)',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/fairshare',
      tags: ['quotas'],
      responses: { 200: jsonOk(FairShareTable), ...problems(401) },
    }),
    async (c) => c.json(await q.tableFor(principalOf(c)), 200),
  );
  r.openapi(
    createRoute({
      operationId: 'setFairShares',
      summary: 'Set a tenant\'s fair-share shares',
      security: SIGNED_IN,
      method: 'put',
      path: '/api/fairshare',
      tags: ['quotas'],
      request: { body: jsonBody(FairShareInput) },
      responses: { 200: jsonOk(FairShareTable), ...problems(400, 401, 403, 413) },
    }),
    async (c) => {
      const p = principalIn(c, ['operator'], 'set fair-share shares');
      const { tenantId, shares } = c.req.valid('json');
      await q.setShares(tenantId, shares);
      return c.json(await q.tableFor(p), 200);
    },
  );
  return r;
}
