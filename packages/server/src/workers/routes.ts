import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { Text, WorkerCredential, WorkerEnrollRequest, WorkerInfo, WorkerSyncRequest, WorkerSyncResponse } from '@shuzhi/schema';
import { jsonBody, jsonOk, principalOf, router, workerOf } from '../http/context.ts';
import type { WorkerHub } from './hub.ts';
import { SIGNED_IN, WORKER, problems } from '../http/openapi.ts';

const tags = ['workers'];
const WorkerId = z.object({ id: z.string().regex(/^wrk_[A-Za-z0-9_-]{1,64}$/, 'a worker id (wrk_…)') });

/** Enrollment and credentials for people; the sync long poll for workers. */
export function workerRoutes(hub: WorkerHub) {
  const r = router();
  const registry = hub.registry;

  r.openapi(
    createRoute({
      operationId: 'enrollWorker',
      summary: 'Enroll a worker for a site',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/workers',
      tags,
      description: 'Enroll a worker for a site (operators; a tenant for a site it owns). The credential is shown only in this answer.',
      request: { body: jsonBody(WorkerEnrollRequest) },
      responses: { 201: jsonOk(WorkerCredential), ...problems(400, 401, 403, 409, 413) },
    }),
    async (c) => c.json(await registry.enroll(principalOf(c), c.req.valid('json')), 201),
  );

  r.openapi(
    createRoute({
      operationId: 'listWorkers',
      summary: 'List enrolled workers',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/workers',
      tags,
      request: { query: z.object({ siteId: Text(64).optional(), includeRevoked: z.enum(['0', '1']).optional() }) },
      responses: { 200: jsonOk(z.object({ items: z.array(WorkerInfo) })), ...problems(400, 401) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json({ items: await registry.list(principalOf(c), { siteId: q.siteId, includeRevoked: q.includeRevoked === '1' }) }, 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'revokeWorker',
      summary: 'Revoke a worker',
      security: SIGNED_IN,
      method: 'delete',
      path: '/api/workers/{id}',
      tags,
      description: 'Revoke a worker: its credential is refused at once and what it was running goes back to the queue.',
      request: { params: WorkerId },
      responses: { 200: jsonOk(WorkerInfo), ...problems(400, 401, 403, 404) },
    }),
    async (c) => c.json(await registry.revoke(principalOf(c), c.req.valid('param').id), 200),
  );

  r.openapi(
    createRoute({
      operationId: 'rotateWorkerCredential',
      summary: "Rotate a worker's credential",
      security: SIGNED_IN,
      method: 'post',
      path: '/api/workers/{id}/rotate',
      tags,
      description: 'A new credential for the worker; the old one stops working at once. Shown only in this answer.',
      request: { params: WorkerId },
      responses: { 200: jsonOk(WorkerCredential), ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await registry.rotate(principalOf(c), c.req.valid('param').id), 200),
  );

  r.openapi(
    createRoute({
      operationId: 'syncWorker',
      summary: 'Worker long poll: report, renew leases, take work',
      security: WORKER,
      method: 'post',
      path: '/api/workers/{id}/sync',
      tags,
      description:
        'The worker long poll (worker credential only): renews the leases of running tasks, takes progress, logs and results, returns work into free slots and tasks to stop. 409 STALE_REPORT when every report is for a lease the worker no longer holds.',
      request: { params: WorkerId, body: jsonBody(WorkerSyncRequest) },
      responses: { 200: jsonOk(WorkerSyncResponse), ...problems(400, 401, 403, 404, 409, 413) },
    }),
    async (c) => c.json(await hub.sync(workerOf(c), c.req.valid('param').id, c.req.valid('json'), c.req.raw.signal), 200),
  );

  return r;
}
