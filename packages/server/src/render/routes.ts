import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import {
  RenderFarmOverview,
  RenderFrame,
  RenderJob,
  RenderJobDetail,
  RenderJobState,
  RenderJobSubmit,
  RenderJobType,
  RenderJobTypeDoc,
  RenderBlobStored,
  RenderLogLine,
  RenderManifestAnswer,
  RenderManifestFile,
  RenderManifestSubmit,
  RenderNodeInfo,
  RenderTask,
  RenderUpload,
  Text,
} from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';
import { jsonBody, jsonOk, principalIn, principalOf, router, workerSelf } from '../http/context.ts';
import { problemResponse } from '../http/problem.ts';
import type { Logger } from '../log.ts';
import type { NetworkStore } from '../compute/network-store.ts';
import type { RenderFarm } from './farm.ts';
import { SIGNED_IN, WORKER, problems } from '../http/openapi.ts';

const JobParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'a render job id') });
const TaskParam = JobParam.extend({ index: z.coerce.number().int().min(0) });
const FrameParam = JobParam.extend({ frame: z.coerce.number().int().min(0) });
const Action = z.enum(['pause', 'resume', 'cancel', 'requeue']);
const Page = z.object({ offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(200) });
const binary = (type: string, description: string) => ({ description, content: { [type]: { schema: z.string() } } });
const tags = ['render'];

// Roles are checked here, at the route; the farm checks only ownership (a tenant acts on its own jobs).
const STUDIO: Principal['role'][] = ['tenant', 'operator'];
const READERS: Principal['role'][] = ['tenant', 'operator', 'viewer'];
const reader = (c: Parameters<typeof principalIn>[0]): Principal => principalIn(c, READERS, 'read render jobs');

function fileResponse(path: string, type: string): Response {
  const size = statSync(path).size;
  const body = Readable.toWeb(createReadStream(path)) as unknown as ReadableStream;
  return new Response(body, { status: 200, headers: { 'content-type': type, 'content-length': String(size), 'cache-control': 'private, max-age=60' } });
}

/**
 * Runs a streamed upload with its declared size (Content-Length, when given). A 413 stops reading
 * the body, so the connection cannot carry another request: it is closed after the answer.
 */
async function streamedUpload<R>(c: Context, log: Logger, run: (declaredBytes: number | undefined) => Promise<R>): Promise<R> {
  const length = Number(c.req.header('content-length'));
  try {
    return await run(Number.isSafeInteger(length) && length >= 0 ? length : undefined);
  } catch (err) {
    if (!(err instanceof AppError) || err.status !== 413) throw err;
    const res = problemResponse(c, err, log);
    res.headers.set('connection', 'close');
    return res as never;
  }
}

/** The response with its body's end (or abort) giving the store slot back. */
function slotted(res: Response, done: () => void): Response {
  if (!res.body) {
    done();
    return res;
  }
  const passThrough = new TransformStream<Uint8Array, Uint8Array>({ flush: done });
  void res.body.pipeTo(passThrough.writable).catch(done);
  return new Response(passThrough.readable, { status: res.status, headers: res.headers });
}

/** Routes of the render farm: jobs and their files for studios, the node protocol for render nodes. */
export function renderRoutes(farm: RenderFarm, network: NetworkStore, renderersHere: () => RenderFarmOverview['renderersHere'], log: Logger) {
  const r = router();

  r.openapi(
    createRoute({
      operationId: 'uploadScene',
      summary: 'Upload a scene file',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/render/uploads',
      tags,
      description: 'Upload a scene file (request body = the file). Use the returned uploadId in a job\'s scene. Each tenant\'s uploads together stay within its quota (SHUZHI_RENDER_UPLOAD_QUOTA_MB): past it, 413 UPLOAD_QUOTA_EXCEEDED.',
      request: {
        query: z.object({ fileName: Text(255).min(1), tenantId: Text(64).optional() }),
        // Streamed to disk as it arrives, never parsed: documented, not validated.
        body: { content: { 'application/octet-stream': { schema: z.unknown().describe("The scene file's bytes") } }, required: true },
      },
      responses: { 201: jsonOk(RenderUpload), ...problems(400, 401, 403, 413) },
    }),
    async (c) => {
      const p = principalIn(c, STUDIO, 'upload scenes');
      const q = c.req.valid('query');
      return streamedUpload(c, log, async (declared) => c.json(await farm.upload(p, q.fileName, c.req.raw.body, q.tenantId, declared), 201));
    },
  );

  r.openapi(
    createRoute({
      operationId: 'putRenderManifest',
      summary: "Send a scene folder's manifest",
      security: SIGNED_IN,
      method: 'post',
      path: '/api/render/manifests',
      tags,
      description:
        "The files of a scene folder by SHA-256. The answer is the manifest's id (use it in a job's scene: {kind: 'manifest', manifest, main}) and the hashes this tenant has not uploaded yet: PUT only those to /api/render/blobs/{sha256}. Only the tenant's own uploads count: another studio having the same file changes nothing.",
      request: { body: jsonBody(RenderManifestSubmit) },
      responses: { 201: jsonOk(RenderManifestAnswer), ...problems(400, 401, 403) },
    }),
    async (c) => c.json(await farm.putManifest(principalIn(c, STUDIO, 'send manifests'), c.req.valid('json')), 201),
  );

  const BlobParam = z.object({ sha256: Text(64) });
  r.openapi(
    createRoute({
      operationId: 'putRenderBlob',
      summary: 'Upload a scene file by its hash',
      security: SIGNED_IN,
      method: 'put',
      path: '/api/render/blobs/{sha256}',
      tags,
      description:
        'Request body = the file. The server hashes it as it arrives: bytes whose SHA-256 is not the one in the URL are refused (400 BLOB_HASH_MISMATCH) and nothing is kept. A blob the tenant already has answers 200 without being read again; each blob counts once toward the upload quota (SHUZHI_RENDER_UPLOAD_QUOTA_MB).',
      request: {
        params: BlobParam,
        query: z.object({ tenantId: Text(64).optional() }),
        body: { content: { 'application/octet-stream': { schema: z.unknown().describe("The file's bytes") } }, required: true },
      },
      responses: { 200: jsonOk(RenderBlobStored), 201: jsonOk(RenderBlobStored), ...problems(400, 401, 403, 413) },
    }),
    async (c) => {
      const p = principalIn(c, STUDIO, 'upload blobs');
      return streamedUpload(c, log, async (declared) => {
        const out = await farm.putBlob(p, c.req.valid('param').sha256, c.req.raw.body, c.req.valid('query').tenantId, declared);
        return c.json(out, out.stored ? 201 : 200);
      });
    },
  );

  r.openapi(
    createRoute({
      operationId: 'getRenderBlob',
      summary: 'Download one of your scene files by hash',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/render/blobs/{sha256}',
      tags,
      description: "Only the caller's tenant's own blobs: a hash another tenant uploaded is 404, the same answer as a hash nobody has.",
      request: { params: BlobParam, query: z.object({ tenantId: Text(64).optional() }) },
      responses: { 200: binary('application/octet-stream', 'The blob'), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const p = principalIn(c, STUDIO, 'read blobs');
      return fileResponse(await farm.blobPath(p, c.req.valid('param').sha256, c.req.valid('query').tenantId), 'application/octet-stream') as never;
    },
  );

  r.openapi(
    createRoute({ operationId: 'submitRenderJob', summary: 'Submit a render job', security: SIGNED_IN, method: 'post', path: '/api/render/jobs', tags, request: { body: jsonBody(RenderJobSubmit) }, responses: { 201: jsonOk(RenderJob), ...problems(400, 401, 403, 409, 413) } }),
    async (c) => {
      const p = principalIn(c, STUDIO, 'submit render jobs');
      return c.json(await farm.submit(p, c.req.valid('json')), 201);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'listRenderJobTypes',
      summary: 'List render job types',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/render/job-types',
      tags,
      description: "The shipped job types (Blender, POV-Ray, ffmpeg encode, composite) and the caller's studio's own.",
      responses: { 200: jsonOk(z.array(RenderJobType)), ...problems(401, 403) },
    }),
    async (c) => c.json(await farm.jobTypes.list(reader(c)), 200),
  );

  r.openapi(
    createRoute({
      operationId: 'putRenderJobType',
      summary: 'Add or replace a studio job type',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/render/job-types',
      tags,
      description:
        "A job type as data: typed parameters, inputs, and steps whose commands are argv templates of an executable render nodes declare (blender, povray, ffmpeg). Validated on upload: a 400 names the bad field. Visible to the studio's own tenant only.",
      request: { query: z.object({ tenantId: Text(64).optional() }), body: jsonBody(RenderJobTypeDoc) },
      responses: { 201: jsonOk(RenderJobType), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const p = principalIn(c, STUDIO, 'store render job types');
      return c.json(await farm.jobTypes.put(p, c.req.valid('json'), c.req.valid('query').tenantId), 201);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'listRenderJobs',
      summary: 'List render jobs',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/render/jobs',
      tags,
      request: { query: Page.extend({ state: RenderJobState.optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }) },
      responses: { 200: jsonOk(z.object({ items: z.array(RenderJob), total: z.number().int() })), ...problems(400, 401, 403) },
    }),
    async (c) => c.json(farm.list(reader(c), c.req.valid('query')), 200),
  );

  r.openapi(
    createRoute({
      operationId: 'getRenderJob',
      summary: 'Get a render job with its tasks',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/render/jobs/{id}',
      tags,
      description: 'A job with one page of its tasks (taskOffset/taskLimit).',
      request: {
        params: JobParam,
        query: z.object({ taskOffset: z.coerce.number().int().min(0).default(0), taskLimit: z.coerce.number().int().min(1).max(2000).default(500) }),
      },
      responses: { 200: jsonOk(RenderJobDetail), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(farm.get(reader(c), c.req.valid('param').id, { offset: q.taskOffset, limit: q.taskLimit }), 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'actOnRenderJob',
      summary: 'Pause, resume, cancel or retry a render job',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/render/jobs/{id}/{action}',
      tags,
      description:
        'pause | resume | cancel | requeue a whole job. On cancel, the jobs that run after it are held (the default: they wait, the reason says why) or, with `dependants=cancel`, cancelled too.',
      request: { params: JobParam.extend({ action: Action }), query: z.object({ dependants: z.enum(['hold', 'cancel']).optional() }) },
      responses: { 200: jsonOk(RenderJob), ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { id, action } = c.req.valid('param');
      const p = principalIn(c, STUDIO, `${action} render jobs`);
      return c.json(farm.control(p, id, action, c.req.valid('query').dependants), 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'actOnRenderTask',
      summary: 'Act on one task of a render job',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/render/jobs/{id}/tasks/{index}/{action}',
      tags,
      description: 'pause | resume | cancel | requeue one task',
      request: { params: TaskParam.extend({ action: Action }) },
      responses: { 200: jsonOk(RenderTask), ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { id, index, action } = c.req.valid('param');
      const p = principalIn(c, STUDIO, `${action} render tasks`);
      return c.json(farm.controlTask(p, id, index, action), 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'getRenderJobLogs',
      summary: "Read a render job's log lines",
      security: SIGNED_IN,
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
      responses: { 200: jsonOk(z.object({ items: z.array(RenderLogLine) })), ...problems(400, 401, 403, 404) },
    }),
    async (c) => c.json({ items: await farm.logs(reader(c), c.req.valid('param').id, c.req.valid('query')) }, 200),
  );

  r.openapi(
    createRoute({
      operationId: 'listRenderFrames',
      summary: "List a render job's frames",
      security: SIGNED_IN,
      method: 'get',
      path: '/api/render/jobs/{id}/frames',
      tags,
      request: { params: JobParam, query: Page },
      responses: { 200: jsonOk(z.object({ items: z.array(RenderFrame), total: z.number().int() })), ...problems(400, 401, 403, 404) },
    }),
    async (c) => c.json(await farm.frames(reader(c), c.req.valid('param').id, c.req.valid('query')), 200),
  );

  r.openapi(
    createRoute({
      operationId: 'getRenderPublished',
      summary: "A render job's published outputs",
      security: SIGNED_IN,
      method: 'get',
      path: '/api/render/jobs/{id}/published',
      tags,
      description: 'Frame numbers already on the server (render nodes use it for the preview).',
      request: { params: JobParam },
      responses: { 200: jsonOk(z.object({ frames: z.array(z.number().int()) })), ...problems(400, 401, 403, 404) },
    }),
    async (c) => c.json({ frames: farm.publishedFrames(reader(c), c.req.valid('param').id) }, 200),
  );

  r.openapi(
    createRoute({ operationId: 'getRenderFrameFile', summary: 'Download a rendered frame', security: SIGNED_IN, method: 'get', path: '/api/render/jobs/{id}/frames/{frame}/file', tags, request: { params: FrameParam }, responses: { 200: binary('image/png', 'The frame'), ...problems(400, 401, 403, 404) } }),
    async (c) => {
      const { id, frame } = c.req.valid('param');
      const f = farm.fileOf(reader(c), id, { frame, thumb: false });
      return fileResponse(f.path, f.type) as never;
    },
  );

  r.openapi(
    createRoute({ operationId: 'getRenderFrameThumb', summary: "Download a frame's thumbnail", security: SIGNED_IN, method: 'get', path: '/api/render/jobs/{id}/frames/{frame}/thumb', tags, request: { params: FrameParam }, responses: { 200: binary('image/jpeg', 'The thumbnail'), ...problems(400, 401, 403, 404) } }),
    async (c) => {
      const { id, frame } = c.req.valid('param');
      const f = farm.fileOf(reader(c), id, { frame, thumb: true });
      return fileResponse(f.path, f.type) as never;
    },
  );

  r.openapi(
    createRoute({ operationId: 'getRenderPreview', summary: "Download a render job's preview", security: SIGNED_IN, method: 'get', path: '/api/render/jobs/{id}/preview', tags, request: { params: JobParam }, responses: { 200: binary('video/mp4', 'The preview video'), ...problems(400, 401, 403, 404) } }),
    async (c) => {
      const f = farm.fileOf(reader(c), c.req.valid('param').id, 'preview');
      return fileResponse(f.path, f.type) as never;
    },
  );

  r.openapi(
    createRoute({ operationId: 'getRenderScene', summary: "Download a render job's scene", security: SIGNED_IN, method: 'get', path: '/api/render/jobs/{id}/scene', tags, request: { params: JobParam }, responses: { 200: binary('application/octet-stream', 'The scene file'), ...problems(400, 401, 403, 404) } }),
    async (c) => {
      const path = await farm.scenePath(reader(c), c.req.valid('param').id);
      return fileResponse(path, 'application/octet-stream') as never;
    },
  );

  // The render part of the worker protocol: a worker reads and writes only the files of a task it
  // holds the lease of (task, attempt); a run that lost its lease is refused with 409.
  const WorkerTask = z.object({ id: Text(80), taskId: Text(200) });
  const Attempt = z.object({ attempt: z.coerce.number().int().min(1) });
  const Stored = z.object({ stored: z.boolean(), frame: z.number().int() });
  const self = workerSelf;

  r.openapi(
    createRoute({ operationId: 'getWorkerTaskScene', summary: "Worker: download a task's scene", security: WORKER, method: 'get', path: '/api/workers/{id}/tasks/{taskId}/scene', tags: ['workers'], request: { params: WorkerTask, query: Attempt }, responses: { 200: binary('application/octet-stream', 'The scene of a leased render task'), ...problems(400, 401, 403, 404, 409) } }),
    async (c) => fileResponse(await farm.workerScene(self(c), { taskId: c.req.valid('param').taskId, attempt: c.req.valid('query').attempt }), 'application/octet-stream') as never,
  );
  r.openapi(
    createRoute({
      operationId: 'getWorkerTaskManifest',
      summary: "Worker: a task's scene manifest",
      security: WORKER,
      method: 'get',
      path: '/api/workers/{id}/tasks/{taskId}/manifest',
      tags: ['workers'],
      description: "The files of the leased task's scene (path, SHA-256, size) when the job's scene is a manifest; 404 for a single-file scene.",
      request: { params: WorkerTask, query: Attempt },
      responses: { 200: jsonOk(z.object({ files: z.array(RenderManifestFile) })), ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await farm.workerManifest(self(c), { taskId: c.req.valid('param').taskId, attempt: c.req.valid('query').attempt }), 200),
  );
  r.openapi(
    createRoute({
      operationId: 'getWorkerTaskBlob',
      summary: "Worker: download a blob of a task's scene",
      security: WORKER,
      method: 'get',
      path: '/api/workers/{id}/tasks/{taskId}/blobs/{sha256}',
      tags: ['workers'],
      description: "A file of the leased task's manifest by hash. The store serves a bounded number of transfers at once; the rest wait their turn. Nodes keep blobs in a cache shared by their jobs and verify the hash on arrival.",
      request: { params: WorkerTask.extend({ sha256: Text(64) }), query: Attempt },
      responses: { 200: binary('application/octet-stream', 'The blob'), ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { taskId, sha256 } = c.req.valid('param');
      const path = await farm.workerBlob(self(c), { taskId, sha256, attempt: c.req.valid('query').attempt });
      const done = await farm.storeSlots.take();
      try {
        return slotted(fileResponse(path, 'application/octet-stream'), done) as never;
      } catch (err) {
        done();
        throw err;
      }
    },
  );
  r.openapi(
    createRoute({ operationId: 'getWorkerTaskPublished', summary: "Worker: a task's published inputs", security: WORKER, method: 'get', path: '/api/workers/{id}/tasks/{taskId}/published', tags: ['workers'], request: { params: WorkerTask, query: Attempt }, responses: { 200: jsonOk(z.object({ frames: z.array(z.number().int()) })), ...problems(400, 401, 403, 404, 409) } }),
    async (c) => c.json({ frames: farm.workerPublished(self(c), { taskId: c.req.valid('param').taskId, attempt: c.req.valid('query').attempt }) }, 200),
  );
  r.openapi(
    createRoute({ operationId: 'getWorkerTaskFrame', summary: 'Worker: download a frame of a task', security: WORKER, method: 'get', path: '/api/workers/{id}/tasks/{taskId}/frames/{frame}', tags: ['workers'], request: { params: WorkerTask.extend({ frame: z.coerce.number().int().min(0) }), query: Attempt }, responses: { 200: binary('image/png', 'A published frame, for the preview task'), ...problems(400, 401, 403, 404, 409) } }),
    async (c) => {
      const { taskId, frame } = c.req.valid('param');
      const f = farm.workerFrameFile(self(c), { taskId, frame, attempt: c.req.valid('query').attempt });
      return fileResponse(f.path, f.type) as never;
    },
  );
  r.openapi(
    createRoute({
      operationId: 'getWorkerTaskUpstreamFrame',
      summary: 'Worker: download a frame of an upstream job of a task',
      security: WORKER,
      method: 'get',
      path: '/api/workers/{id}/tasks/{taskId}/upstream/{jobId}/frames/{frame}',
      tags: ['workers'],
      description: "A published frame of a job the leased task's job runs after (`after`), for a task whose input is that job's frames (an encode, a composite). Any other job is a 404.",
      request: { params: WorkerTask.extend({ jobId: Text(80), frame: z.coerce.number().int().min(0) }), query: Attempt },
      responses: { 200: binary('image/png', 'The upstream frame'), ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { taskId, jobId, frame } = c.req.valid('param');
      const f = farm.workerUpstreamFrameFile(self(c), { taskId, jobId, frame, attempt: c.req.valid('query').attempt });
      return fileResponse(f.path, f.type) as never;
    },
  );
  r.openapi(
    createRoute({
      operationId: 'putWorkerTaskFrame',
      summary: 'Worker: upload a rendered frame',
      security: WORKER,
      method: 'put',
      path: '/api/workers/{id}/tasks/{taskId}/frames/{frame}',
      tags: ['workers'],
      description: 'A worker publishes a finished frame of its leased chunk (body = the image). A frame already published is kept, never replaced.',
      request: { params: WorkerTask.extend({ frame: z.coerce.number().int().min(0) }), query: Attempt },
      responses: { 200: jsonOk(Stored), ...problems(400, 401, 403, 404, 409, 413) },
    }),
    async (c) => {
      const { taskId, frame } = c.req.valid('param');
      return c.json(await farm.putFrame(self(c), { taskId, frame, attempt: c.req.valid('query').attempt, thumb: false }, c.req.raw.body), 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'putWorkerTaskFrameThumb',
      summary: "Worker: upload a frame's thumbnail",
      security: WORKER,
      method: 'put',
      path: '/api/workers/{id}/tasks/{taskId}/frames/{frame}/thumb',
      tags: ['workers'],
      request: { params: WorkerTask.extend({ frame: z.coerce.number().int().min(0) }), query: Attempt },
      responses: { 200: jsonOk(Stored), ...problems(400, 401, 403, 404, 409, 413) },
    }),
    async (c) => {
      const { taskId, frame } = c.req.valid('param');
      return c.json(await farm.putFrame(self(c), { taskId, frame, attempt: c.req.valid('query').attempt, thumb: true }, c.req.raw.body), 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'putWorkerTaskPreview',
      summary: "Worker: upload a task's preview",
      security: WORKER,
      method: 'put',
      path: '/api/workers/{id}/tasks/{taskId}/preview',
      tags: ['workers'],
      request: { params: WorkerTask, query: Attempt },
      responses: { 200: jsonOk(z.object({ stored: z.boolean(), bytes: z.number().int() })), ...problems(400, 401, 403, 404, 409, 413) },
    }),
    async (c) => c.json(await farm.putPreview(self(c), { taskId: c.req.valid('param').taskId, attempt: c.req.valid('query').attempt }, c.req.raw.body), 200),
  );

  r.openapi(
    createRoute({
      operationId: 'listRenderNodes',
      summary: 'List render nodes',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/render/nodes',
      tags,
      request: { query: Page.extend({ state: z.enum(['idle', 'busy', 'offline']).optional() }) },
      responses: { 200: jsonOk(z.object({ items: z.array(RenderNodeInfo), total: z.number().int() })), ...problems(400, 401, 403) },
    }),
    async (c) => {
      principalIn(c, ['operator', 'viewer'], 'list render nodes');
      return c.json(farm.nodesList(c.req.valid('query')), 200);
    },
  );

  r.openapi(
    createRoute({ operationId: 'getRenderOverview', summary: 'Render farm overview', security: SIGNED_IN, method: 'get', path: '/api/render/overview', tags, responses: { 200: jsonOk(RenderFarmOverview), ...problems(401, 403) } }),
    async (c) => {
      const p = principalIn(c, READERS, 'see the render farm');
      return c.json(farm.overview(p, renderersHere()), 200);
    },
  );

  return r;
}
