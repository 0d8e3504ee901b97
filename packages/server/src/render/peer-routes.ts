import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { RenderBlobReport, RenderBlobReportAnswer, RenderBlobSource, Text } from '@shuzhi/schema';
import { jsonBody, jsonOk, router, workerSelf } from '../http/context.ts';
import { WORKER, problems } from '../http/openapi.ts';
import type { RenderFarm } from './farm.ts';

const TaskBlob = z.object({ id: Text(80), taskId: Text(200), sha256: Text(64) });
const Attempt = z.object({ attempt: z.coerce.number().int().min(1) });

/**
 * Render nodes serving each other scene blobs: a node asks where to fetch a blob of its leased task
 * (the store, a peer with a signed grant, or wait) and reports when the transfer ended. Only blobs of
 * the leased task's manifest, of its tenant (as the store's own download).
 */
export function peerRoutes(farm: RenderFarm) {
  const r = router();
  r.openapi(
    createRoute({
      operationId: 'askWorkerTaskBlobSource',
      summary: 'Worker: where to fetch a blob of a task from',
      description:
        "The store (GET …/blobs/{sha256}), a node that holds the blob for this task's tenant (GET {url}/blobs/{sha256} with `authorization: Grant <grant>`; the grant names the blob, this node and expires in a minute), or wait retryMs and ask again. The store seeds SHUZHI_RENDER_STORE_SLOTS nodes per blob; each holder serves SHUZHI_RENDER_PEER_SERVES at once. Report the outcome to …/report.",
      security: WORKER,
      method: 'post',
      path: '/api/workers/{id}/tasks/{taskId}/blobs/{sha256}/source',
      tags: ['workers'],
      request: { params: TaskBlob, query: Attempt },
      responses: { 200: jsonOk(RenderBlobSource), ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { taskId, sha256 } = c.req.valid('param');
      return c.json(await farm.workerBlobSource(workerSelf(c), { taskId, sha256, attempt: c.req.valid('query').attempt }), 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'reportWorkerTaskBlob',
      summary: 'Worker: a blob transfer of a task ended',
      description:
        "ok = the bytes arrived and hashed to the name; with `serve` the node now serves the blob to other nodes of this tenant's jobs. A failed peer transfer drops that peer for this blob and sends this node to the store next. The answer carries the farm's key that grants are checked with.",
      security: WORKER,
      method: 'post',
      path: '/api/workers/{id}/tasks/{taskId}/blobs/{sha256}/report',
      tags: ['workers'],
      request: { params: TaskBlob, query: Attempt, body: jsonBody(RenderBlobReport) },
      responses: { 200: jsonOk(RenderBlobReportAnswer), ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { taskId, sha256 } = c.req.valid('param');
      return c.json(await farm.workerBlobReport(workerSelf(c), { taskId, sha256, attempt: c.req.valid('query').attempt }, c.req.valid('json')), 200);
    },
  );
  return r;
}
