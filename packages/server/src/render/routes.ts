import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  RenderFarmOverview,
  RenderFrame,
  RenderJob,
  RenderJobDetail,
  RenderJobState,
  RenderJobSubmit,
  RenderLogLine,
  RenderNodeInfo,
  RenderNodeSyncRequest,
  RenderNodeSyncResponse,
  RenderTask,
  RenderUpload,
} from '@shuzhi/schema';
import { requireRole } from '../auth/principal.ts';
import { errors } from '../errors.ts';
import { jsonBody, jsonOk, principalOf, router } from '../http/context.ts';
import type { NetworkStore } from '../compute/network-store.ts';
import type { RenderFarm } from './farm.ts';

const JobParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'a render job id') });
const NodeParam = z.object({ id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ -') });
const TaskParam = JobParam.extend({ index: z.coerce.number().int().min(0) });
const FrameParam = JobParam.extend({ frame: z.coerce.number().int().min(0) });
const Fenced = z.object({
  node: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  taskId: z.string().max(200),
  attempt: z.coerce.number().int().min(1),
});
const Action = z.enum(['pause', 'resume', 'cancel', 'requeue']);
const Page = z.object({ offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(200) });
const binary = (type: string, description: string) => ({ description, content: { [type]: { schema: z.string() } } });
const tags = ['render'];

function fileResponse(path: string, type: string): Response {
  const size = statSync(path).size;
  const body = Readable.toWeb(createReadStream(path)) as unknown as ReadableStream;
  return new Response(body, { status: 200, headers: { 'content-type': type, 'content-length': String(size), 'cache-control': 'private, max-age=60' } });
}

/** Routes of the render farm: jobs and their files for studios, the node protocol for render nodes. */
export function renderRoutes(farm: RenderFarm, network: NetworkStore, renderersHere: () => RenderFarmOverview['renderersHere']) {
  const r = router();

  r.openapi(
    createRoute({
      method: 'post',
      path: '/api/render/uploads',
      tags,
      description: 'Upload a scene file (request body = the file). Use the returned uploadId in a job\'s scene.',
      request: { query: z.object({ fileName: z.string().min(1).max(255), tenantId: z.string().max(64).optional() }) },
      responses: { 201: jsonOk(RenderUpload) },
    }),
    async (c) => {
      const p = principalOf(c);
      const q = c.req.valid('query');
      return c.json(await farm.upload(p, q.fileName, c.req.raw.body, q.tenantId), 201);
    },
  );

  r.openapi(
    createRoute({ method: 'post', path: '/api/render/jobs', tags, request: { body: jsonBody(RenderJobSubmit) }, responses: { 201: jsonOk(RenderJob) } }),
    async (c) => c.json(await farm.submit(principalOf(c), c.req.valid('json')), 201),
  );

  r.openapi(
    createRoute({
      method: 'get',
      path: '/api/render/jobs',
      tags,
      request: { query: Page.extend({ state: RenderJobState.optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }) },
      responses: { 200: jsonOk(z.object({ items: z.array(RenderJob), total: z.number().int() })) },
    }),
    async (c) => c.json(farm.list(principalOf(c), c.req.valid('query')), 200),
  );

  r.openapi(
    createRoute({
      method: 'get',
      path: '/api/render/jobs/{id}',
      tags,
      description: 'A job with one page of its tasks (taskOffset/taskLimit).',
      request: {
        params: JobParam,
        query: z.object({ taskOffset: z.coerce.number().int().min(0).default(0), taskLimit: z.coerce.number().int().min(1).max(2000).default(500) }),
      },
      responses: { 200: jsonOk(RenderJobDetail) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(farm.get(principalOf(c), c.req.valid('param').id, { offset: q.taskOffset, limit: q.taskLimit }), 200);
    },
  );

  r.openapi(
    createRoute({
      method: 'post',
      path: '/api/render/jobs/{id}/{action}',
      tags,
      description: 'pause | resume | cancel | requeue a whole job',
      request: { params: JobParam.extend({ action: Action }) },
      responses: { 200: jsonOk(RenderJob) },
    }),
    async (c) => {
      const { id, action } = c.req.valid('param');
      return c.json(farm.control(principalOf(c), id, action), 200);
    },
  );

  r.openapi(
    createRoute({
      method: 'post',
      path: '/api/render/jobs/{id}/tasks/{index}/{action}',
      tags,
      description: 'pause | resume | cancel | requeue one task',
      request: { params: TaskParam.extend({ action: Action }) },
      responses: { 200: jsonOk(RenderTask) },
    }),
    async (c) => {
      const { id, index, action } = c.req.valid('param');
      return c.json(farm.controlTask(principalOf(c), id, index, action), 200);
    },
  );

  r.openapi(
    createRoute({
      method: 'get',
      path: '/api/render/jobs/{id}/logs',
      tags,
      request: {
        params: JobParam,
        query: z.object({
          index: z.coerce.number().int().min(0).optional(),
          after: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(5000).default(1000),
        }),
      },
      responses: { 200: jsonOk(z.object({ items: z.array(RenderLogLine) })) },
    }),
    async (c) => c.json({ items: await farm.logs(principalOf(c), c.req.valid('param').id, c.req.valid('query')) }, 200),
  );

  r.openapi(
    createRoute({
      method: 'get',
      path: '/api/render/jobs/{id}/frames',
      tags,
      request: { params: JobParam, query: Page },
      responses: { 200: jsonOk(z.object({ items: z.array(RenderFrame), total: z.number().int() })) },
    }),
    async (c) => c.json(await farm.frames(principalOf(c), c.req.valid('param').id, c.req.valid('query')), 200),
  );

  r.openapi(
    createRoute({
      method: 'get',
      path: '/api/render/jobs/{id}/published',
      tags,
      description: 'Frame numbers already on the server (render nodes use it for the preview).',
      request: { params: JobParam },
      responses: { 200: jsonOk(z.object({ frames: z.array(z.number().int()) })) },
    }),
    async (c) => c.json({ frames: farm.publishedFrames(principalOf(c), c.req.valid('param').id) }, 200),
  );

  r.openapi(
    createRoute({ method: 'get', path: '/api/render/jobs/{id}/frames/{frame}/file', tags, request: { params: FrameParam }, responses: { 200: binary('image/png', 'The frame') } }),
    async (c) => {
      const { id, frame } = c.req.valid('param');
      const f = farm.fileOf(principalOf(c), id, { frame, thumb: false });
      return fileResponse(f.path, f.type) as never;
    },
  );

  r.openapi(
    createRoute({ method: 'get', path: '/api/render/jobs/{id}/frames/{frame}/thumb', tags, request: { params: FrameParam }, responses: { 200: binary('image/jpeg', 'The thumbnail') } }),
    async (c) => {
      const { id, frame } = c.req.valid('param');
      const f = farm.fileOf(principalOf(c), id, { frame, thumb: true });
      return fileResponse(f.path, f.type) as never;
    },
  );

  r.openapi(
    createRoute({ method: 'get', path: '/api/render/jobs/{id}/preview', tags, request: { params: JobParam }, responses: { 200: binary('video/mp4', 'The preview video') } }),
    async (c) => {
      const f = farm.fileOf(principalOf(c), c.req.valid('param').id, 'preview');
      return fileResponse(f.path, f.type) as never;
    },
  );

  r.openapi(
    createRoute({ method: 'get', path: '/api/render/jobs/{id}/scene', tags, request: { params: JobParam }, responses: { 200: binary('application/octet-stream', 'The scene file') } }),
    async (c) => {
      const path = farm.scenePath(principalOf(c), c.req.valid('param').id);
      return fileResponse(path, 'application/octet-stream') as never;
    },
  );

  // Uploads from render nodes, fenced by (node, task, attempt): a run that lost its lease is refused.
  r.openapi(
    createRoute({
      method: 'put',
      path: '/api/render/jobs/{id}/frames/{frame}',
      tags,
      description: 'A render node publishes a finished frame (body = the image). A frame already published is kept, never replaced.',
      request: { params: FrameParam, query: Fenced },
      responses: { 200: jsonOk(z.object({ stored: z.boolean(), frame: z.number().int() })) },
    }),
    async (c) => {
      const { id, frame } = c.req.valid('param');
      return c.json(await farm.putFrame(principalOf(c), id, frame, { ...c.req.valid('query'), thumb: false }, c.req.raw.body), 200);
    },
  );

  r.openapi(
    createRoute({
      method: 'put',
      path: '/api/render/jobs/{id}/frames/{frame}/thumb',
      tags,
      request: { params: FrameParam, query: Fenced },
      responses: { 200: jsonOk(z.object({ stored: z.boolean(), frame: z.number().int() })) },
    }),
    async (c) => {
      const { id, frame } = c.req.valid('param');
      return c.json(await farm.putFrame(principalOf(c), id, frame, { ...c.req.valid('query'), thumb: true }, c.req.raw.body), 200);
    },
  );

  r.openapi(
    createRoute({
      method: 'put',
      path: '/api/render/jobs/{id}/preview',
      tags,
      request: { params: JobParam, query: Fenced },
      responses: { 200: jsonOk(z.object({ stored: z.boolean(), bytes: z.number().int() })) },
    }),
    async (c) => c.json(await farm.putPreview(principalOf(c), c.req.valid('param').id, c.req.valid('query'), c.req.raw.body), 200),
  );

  r.openapi(
    createRoute({
      method: 'post',
      path: '/api/render/nodes/{id}/sync',
      tags,
      description:
        'The render node long-poll: renews leases of running tasks, takes completions and progress, returns assignments into free slots and leases to stop. 409 STALE_REPORT when every report is for a lost lease.',
      request: { params: NodeParam, body: jsonBody(RenderNodeSyncRequest) },
      responses: { 200: jsonOk(RenderNodeSyncResponse) },
    }),
    async (c) => {
      const p = principalOf(c);
      const body = c.req.valid('json');
      if (p.siteId !== null) {
        if (p.siteId !== body.siteId) throw errors.forbidden(`sync for site "${body.siteId}" with a token bound to "${p.siteId}"`);
      } else requireRole(p, ['operator'], 'run render nodes (use an operator token or a site-bound agent token)');
      await network.getSite(body.siteId);
      return c.json(await farm.sync(c.req.valid('param').id, body, c.req.raw.signal), 200);
    },
  );

  r.openapi(
    createRoute({
      method: 'get',
      path: '/api/render/nodes',
      tags,
      request: { query: Page.extend({ state: z.enum(['idle', 'busy', 'offline']).optional() }) },
      responses: { 200: jsonOk(z.object({ items: z.array(RenderNodeInfo), total: z.number().int() })) },
    }),
    async (c) => c.json(farm.nodesList(principalOf(c), c.req.valid('query')), 200),
  );

  r.openapi(
    createRoute({ method: 'get', path: '/api/render/overview', tags, responses: { 200: jsonOk(RenderFarmOverview) } }),
    async (c) => c.json(farm.overview(principalOf(c), renderersHere()), 200),
  );

  return r;
}
