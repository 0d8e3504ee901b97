import { readFile } from 'node:fs/promises';
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  JobTask,
  PreemptJob,
  PreemptResult,
  SubmitWorkflow,
  Workflow,
  SbatchResult,
  SbatchSubmit,
  Flow,
  Job,
  JobDetail,
  JobStatus,
  Link,
  LogLine,
  Overview,
  PowerCurve,
  Region,
  Site,
  SiteInput,
  SitePatch,
  SubmitJob,
  TenantInput,
  Text,
} from '@shuzhi/schema';
import { requireRole, type Principal } from '../auth/principal.ts';
import { errors } from '../errors.ts';
import { AppError } from '../errors.ts';
import { jsonBody, jsonOk, principalIn, principalOf, router, workerSelf } from '../http/context.ts';
import type { ComputeModule } from './module.ts';
import { SIGNED_IN, WORKER, problems } from '../http/openapi.ts';

const IdParam = z.object({ id: Text(128).min(1) });

/**
 * A site as a caller may see it. How an engine is reached (the Slurm settings: partition, slurm.conf,
 * slurmrestd URL and user, the name of the JWT's variable) is for operators: everyone else gets
 * `slurm: null`, and an engine problem only as "not available" (its text may name hosts and paths).
 */
export function siteFor(p: Principal, s: Site): Site {
  if (p.role === 'operator') return s;
  const live = s.live && s.live.engineNote !== null && s.engine !== 'agent' ? { ...s.live, engineNote: 'the site\'s engine is not available now' } : s.live;
  return { ...s, slurm: null, ...(live ? { live } : {}) };
}
/** Who submits and cancels compute work (a tenant its own; an operator on a tenant's behalf). */
const SUBMITTERS = ['tenant', 'operator'] as const;

const items = <T extends z.ZodType>(s: T) => z.object({ items: z.array(s) });

export function computeRoutes(m: ComputeModule) {
  const r = router();

  r.openapi(
    createRoute({ operationId: 'listRegions', summary: 'List regions', security: SIGNED_IN, method: 'get', path: '/api/regions', tags: ['network'], responses: { 200: jsonOk(items(Region)), ...problems(401) } }),
    async (c) => {
      principalOf(c);
      return c.json({ items: await m.network.listRegions() }, 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'createRegion',
      summary: 'Create a region',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/regions',
      tags: ['network'],
      request: { body: jsonBody(Region) },
      responses: { 201: jsonOk(Region), ...problems(400, 401, 403, 409, 413) },
    }),
    async (c) => {
      const p = principalIn(c, ['operator'], 'edit the network');
      return c.json(await m.network.createRegion(c.req.valid('json'), p.userId), 201);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'updateRegion',
      summary: 'Update a region',
      security: SIGNED_IN,
      method: 'patch',
      path: '/api/regions/{id}',
      tags: ['network'],
      request: { params: IdParam, body: jsonBody(Region.omit({ id: true }).partial()) },
      responses: { 200: jsonOk(Region), ...problems(400, 401, 403, 404, 413) },
    }),
    async (c) => {
      const p = principalIn(c, ['operator'], 'edit the network');
      return c.json(await m.network.updateRegion(c.req.valid('param').id, c.req.valid('json'), p.userId), 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'deleteRegion',
      summary: 'Delete a region',
      security: SIGNED_IN,
      method: 'delete',
      path: '/api/regions/{id}',
      tags: ['network'],
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const p = principalIn(c, ['operator'], 'edit the network');
      await m.network.deleteRegion(c.req.valid('param').id, p.userId);
      return c.body(null, 204);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'deleteLink',
      summary: 'Delete a link between two regions',
      security: SIGNED_IN,
      method: 'delete',
      path: '/api/links/{from}/{to}',
      tags: ['network'],
      request: { params: z.object({ from: Text(64), to: Text(64) }) },
      responses: { 204: { description: 'Deleted' }, ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const p = principalIn(c, ['operator'], 'edit the network');
      const { from, to } = c.req.valid('param');
      await m.network.deleteLink(from, to, p.userId);
      return c.body(null, 204);
    },
  );
  r.openapi(
    createRoute({ operationId: 'listLinks', summary: 'List links between regions', security: SIGNED_IN, method: 'get', path: '/api/links', tags: ['network'], responses: { 200: jsonOk(items(Link)), ...problems(401) } }),
    async (c) => {
      principalOf(c);
      return c.json({ items: await m.network.listLinks() }, 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'upsertLink',
      summary: 'Create or update a link between regions',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/links',
      tags: ['network'],
      request: { body: jsonBody(Link) },
      responses: { 201: jsonOk(Link), ...problems(400, 401, 403, 413) },
    }),
    async (c) => {
      const p = principalIn(c, ['operator'], 'edit the network');
      return c.json(await m.network.upsertLink(c.req.valid('json'), p.userId), 201);
    },
  );

  r.openapi(
    createRoute({ operationId: 'listSites', summary: 'List sites with their live state', security: SIGNED_IN, method: 'get', path: '/api/sites', tags: ['network'], responses: { 200: jsonOk(items(Site)), ...problems(401) } }),
    async (c) => {
      const p = principalOf(c);
      return c.json({ items: (await m.sitesLive()).map((s) => siteFor(p, s)) }, 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'getSite',
      summary: 'Get a site',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/sites/{id}',
      tags: ['network'],
      request: { params: IdParam },
      responses: { 200: jsonOk(Site), ...problems(400, 401, 404) },
    }),
    async (c) => {
      const p = principalOf(c);
      const { id } = c.req.valid('param');
      const site = (await m.sitesLive()).find((s) => s.id === id);
      if (!site) throw errors.notFound('site', id);
      return c.json(siteFor(p, site), 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'createSite',
      summary: 'Create a site',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/sites',
      tags: ['network'],
      request: { body: jsonBody(SiteInput) },
      responses: { 201: jsonOk(Site), ...problems(400, 401, 403, 409, 413) },
    }),
    async (c) => {
      const p = principalIn(c, ['operator'], 'edit the network');
      return c.json(await m.network.createSite(c.req.valid('json'), p.userId), 201);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'updateSite',
      summary: 'Update a site',
      security: SIGNED_IN,
      method: 'patch',
      path: '/api/sites/{id}',
      tags: ['network'],
      request: { params: IdParam, body: jsonBody(SitePatch) },
      responses: { 200: jsonOk(Site), ...problems(400, 401, 403, 404, 413) },
    }),
    async (c) => {
      const p = principalIn(c, ['operator'], 'edit the network');
      return c.json(await m.network.updateSite(c.req.valid('param').id, c.req.valid('json'), p.userId), 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'deleteSite',
      summary: 'Delete a site',
      security: SIGNED_IN,
      method: 'delete',
      path: '/api/sites/{id}',
      tags: ['network'],
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const p = principalIn(c, ['operator'], 'edit the network');
      await m.network.deleteSite(c.req.valid('param').id, p.userId);
      return c.body(null, 204);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'getSitePowerCurve',
      summary: "A site's power curve",
      security: SIGNED_IN,
      method: 'get',
      path: '/api/sites/{id}/power',
      tags: ['network'],
      request: {
        params: IdParam,
        query: z.object({ hours: z.coerce.number().int().min(1).max(168).default(48) }),
      },
      responses: { 200: jsonOk(PowerCurve), ...problems(400, 401, 404) },
    }),
    async (c) => {
      principalOf(c);
      return c.json(await m.powerCurve(c.req.valid('param').id, c.req.valid('query').hours), 200);
    },
  );

  r.openapi(
    createRoute({ operationId: 'listTenants', summary: 'List tenants', security: SIGNED_IN, method: 'get', path: '/api/tenants', tags: ['network'], responses: { 200: jsonOk(items(TenantInput)), ...problems(401, 403) } }),
    async (c) => {
      const p = principalIn(c, ['operator'], 'list tenants');
      return c.json({ items: await m.network.listTenants() }, 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'createTenant',
      summary: 'Create a tenant',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/tenants',
      tags: ['network'],
      request: { body: jsonBody(TenantInput) },
      responses: { 201: jsonOk(TenantInput), ...problems(400, 401, 403, 409, 413) },
    }),
    async (c) => {
      const p = principalIn(c, ['operator'], 'create tenants');
      return c.json(await m.network.createTenant(c.req.valid('json'), p.userId), 201);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'listJobs',
      summary: 'List compute jobs',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/jobs',
      tags: ['jobs'],
      request: {
        query: z.object({
          status: JobStatus.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          offset: z.coerce.number().int().min(0).default(0),
        }),
      },
      responses: { 200: jsonOk(z.object({ items: z.array(Job), total: z.number().int() })), ...problems(400, 401) },
    }),
    async (c) => c.json(await m.jobs.list(principalOf(c), c.req.valid('query')), 200),
  );
  r.openapi(
    createRoute({
      operationId: 'submitJob',
      summary: 'Submit a compute job',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/jobs',
      tags: ['jobs'],
      request: { body: jsonBody(SubmitJob) },
      responses: { 201: jsonOk(Job), ...problems(400, 401, 403, 413) },
    }),
    async (c) => c.json(await m.jobs.submit(principalIn(c, SUBMITTERS, 'submit jobs'), c.req.valid('json')), 201),
  );
  r.openapi(
    createRoute({
      operationId: 'submitSbatchScript',
      summary: 'Submit a Slurm batch script as a job',
      description:
        'The script\'s #SBATCH directives become the job (name, time, tasks × CPUs or GPUs, partition as a site, begin, deadline, export); each is listed as honoured or ignored with the reason. --array and --dependency (afterok, afterany, afternotok) become the job\'s array and dependencies. Directives that would change what the job means (heterogeneous jobs, --wrap, singleton) are refused with 422, naming their line. `dryRun` only translates.',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/jobs/sbatch',
      tags: ['jobs'],
      request: { body: jsonBody(SbatchSubmit) },
      responses: { 201: jsonOk(SbatchResult), 200: jsonOk(SbatchResult), ...problems(400, 401, 403, 413, 422) },
    }),
    async (c) => {
      const result = await m.jobs.submitScript(principalIn(c, SUBMITTERS, 'submit jobs'), c.req.valid('json'));
      // 201 with the job it created; 200 for a dry run, which creates nothing.
      return result.job ? c.json(result, 201) : c.json(result, 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'getJob',
      summary: 'Get a compute job with its tasks and runs',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/jobs/{id}',
      tags: ['jobs'],
      request: { params: IdParam },
      responses: { 200: jsonOk(JobDetail), ...problems(400, 401, 404) },
    }),
    async (c) => c.json(await m.jobs.get(principalOf(c), c.req.valid('param').id), 200),
  );
  r.openapi(
    createRoute({
      operationId: 'cancelJob',
      summary: 'Cancel a compute job',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/jobs/{id}/cancel',
      tags: ['jobs'],
      request: { params: IdParam },
      responses: { 200: jsonOk(Job), ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await m.jobs.cancel(principalIn(c, SUBMITTERS, 'cancel jobs'), c.req.valid('param').id), 200),
  );
  r.openapi(
    createRoute({
      operationId: 'preemptJob',
      summary: 'Preempt a running compute job',
      description:
        "Operators only. The job's running tasks are stopped and queued again: a job submitted with `checkpoint: true` gets SIGTERM, its grace (`preemptGraceSeconds`) to save $SHUZHI_CHECKPOINT_DIR, and resumes from it; any other job restarts from the beginning. The stopped run is recorded `preempted`; who pays for it: README, Preemption and checkpoints.",
      security: SIGNED_IN,
      method: 'post',
      path: '/api/jobs/{id}/preempt',
      tags: ['jobs'],
      request: { params: IdParam, body: jsonBody(PreemptJob) },
      responses: { 200: jsonOk(PreemptResult), ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const p = principalIn(c, ['operator'], 'preempt jobs');
      return c.json(await m.jobs.preempt(p, c.req.valid('param').id, c.req.valid('json').reason), 200);
    },
  );

  // A worker's checkpoint of a task it holds the lease of (the shell part of the worker protocol).
  const WorkerTask = z.object({ id: Text(80), taskId: Text(200) });
  const Attempt = z.object({ attempt: z.coerce.number().int().min(1) });
  const self = workerSelf;
  r.openapi(
    createRoute({
      operationId: 'putWorkerTaskCheckpoint',
      summary: "Worker: upload a preempted task's checkpoint",
      description: 'The archive of $SHUZHI_CHECKPOINT_DIR of a checkpointing task this worker holds the lease of, sent when the task was preempted; it replaces the task\'s earlier one.',
      security: WORKER,
      method: 'put',
      path: '/api/workers/{id}/tasks/{taskId}/checkpoint',
      tags: ['workers'],
      request: { params: WorkerTask, query: Attempt },
      responses: { 200: jsonOk(z.object({ sha256: z.string(), bytes: z.number().int() })), ...problems(400, 401, 403, 409, 413) },
    }),
    async (c) => {
      const w = self(c);
      const body = new Uint8Array(await c.req.arrayBuffer());
      return c.json(await m.checkpoints.put(w, { taskId: c.req.valid('param').taskId, attempt: c.req.valid('query').attempt }, body), 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'getWorkerTaskCheckpoint',
      summary: 'Worker: download the checkpoint a task resumes from',
      security: WORKER,
      method: 'get',
      path: '/api/workers/{id}/tasks/{taskId}/checkpoint',
      tags: ['workers'],
      request: { params: WorkerTask, query: Attempt },
      responses: { 200: { description: 'The checkpoint archive', content: { 'application/octet-stream': { schema: z.string() } } }, ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const file = await m.checkpoints.fileFor(self(c), { taskId: c.req.valid('param').taskId, attempt: c.req.valid('query').attempt });
      const bytes = await readFile(file);
      return new Response(bytes, { status: 200, headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) } }) as never;
    },
  );
  r.openapi(
    createRoute({
      operationId: 'getJobLogs',
      summary: "Read a compute job's log lines",
      security: SIGNED_IN,
      method: 'get',
      path: '/api/jobs/{id}/logs',
      tags: ['jobs'],
      request: {
        params: IdParam,
        query: z.object({
          after: z.coerce.number().int().min(0).default(0),
          /** Only this array task's lines (its index). */
          task: z.coerce.number().int().min(0).optional(),
        }),
      },
      responses: { 200: jsonOk(items(LogLine)), ...problems(400, 401, 404) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const lines = await m.jobs.logs(principalOf(c), c.req.valid('param').id, q.after, 2000, q.task);
      return c.json({ items: lines }, 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'listJobTasks',
      summary: "List a job's tasks (an array's tasks with their indices)",
      description: "Tasks are made as the array's cap lets them run; those not made yet are counted as `pending` in the job's `array.counts`.",
      security: SIGNED_IN,
      method: 'get',
      path: '/api/jobs/{id}/tasks',
      tags: ['jobs'],
      request: {
        params: IdParam,
        query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), offset: z.coerce.number().int().min(0).default(0) }),
      },
      responses: { 200: jsonOk(z.object({ items: z.array(JobTask), total: z.number().int() })), ...problems(400, 401, 404) },
    }),
    async (c) => c.json(await m.jobs.tasks(principalOf(c), c.req.valid('param').id, c.req.valid('query')), 200),
  );

  r.openapi(
    createRoute({
      operationId: 'submitWorkflow',
      summary: 'Submit a workflow (a DAG of jobs) as one',
      description: 'Named steps, each a job, with `after` edges by step name (a name is afterok; `{step, kind}` says any or notok). A cycle or an unknown step is a 400 naming `steps.N.after`.',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/workflows',
      tags: ['jobs'],
      request: { body: jsonBody(SubmitWorkflow) },
      responses: { 201: jsonOk(Workflow), ...problems(400, 401, 403, 413) },
    }),
    async (c) => c.json(await m.workflows.submit(principalIn(c, SUBMITTERS, 'submit workflows'), c.req.valid('json')), 201),
  );
  r.openapi(
    createRoute({
      operationId: 'listWorkflows',
      summary: 'List workflows, one line each with its jobs counted by state',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/workflows',
      tags: ['jobs'],
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).default(0) }) },
      responses: { 200: jsonOk(z.object({ items: z.array(Workflow), total: z.number().int() })), ...problems(400, 401, 403) },
    }),
    async (c) => c.json(await m.workflows.list(principalOf(c), c.req.valid('query')), 200),
  );
  r.openapi(
    createRoute({
      operationId: 'getWorkflow',
      summary: 'Get a workflow: its steps (jobs) and edges',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/workflows/{id}',
      tags: ['jobs'],
      request: { params: IdParam },
      responses: { 200: jsonOk(Workflow), ...problems(400, 401, 403, 404) },
    }),
    async (c) => c.json(await m.workflows.get(principalOf(c), c.req.valid('param').id), 200),
  );
  r.openapi(
    createRoute({
      operationId: 'cancelWorkflow',
      summary: 'Cancel every unfinished job of a workflow',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/workflows/{id}/cancel',
      tags: ['jobs'],
      request: { params: IdParam },
      responses: { 200: jsonOk(Workflow), ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await m.workflows.cancel(principalIn(c, SUBMITTERS, 'cancel workflows'), c.req.valid('param').id), 200),
  );

  r.openapi(
    createRoute({
      operationId: 'listFlows',
      summary: 'Energy and work flows between regions',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/flows',
      tags: ['network'],
      request: { query: z.object({ days: z.coerce.number().int().min(1).max(90).default(7) }) },
      responses: { 200: jsonOk(items(Flow)), ...problems(400, 401) },
    }),
    async (c) => c.json({ items: await m.jobs.flows(principalOf(c), c.req.valid('query').days) }, 200),
  );
  r.openapi(
    createRoute({ operationId: 'getOverview', summary: 'Network overview', security: SIGNED_IN, method: 'get', path: '/api/overview', tags: ['network'], responses: { 200: jsonOk(Overview), ...problems(401) } }),
    async (c) => {
      principalOf(c);
      return c.json(await m.overview(), 200);
    },
  );

  return r;
}
