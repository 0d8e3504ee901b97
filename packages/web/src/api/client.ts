import type {
  Flow,
  Job,
  JobDetail,
  JobTask,
  Workflow,
  JobStatus,
  Link,
  LogLine,
  LoginRequest,
  Overview,
  PowerCurve,
  Problem,
  Region,
  Site,
  SubmitJob,
  User,
  WorkerCredential,
  WorkerEnrollRequest,
  WorkerInfo,
} from '@shuzhi/schema';
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from '@shuzhi/schema/api';
import { takeEarly } from './early.ts';

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

/** A failed API call: the problem+json body when the server sent one, so pages can show its detail and field errors. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem | null;

  constructor(status: number, code: string, message: string, problem: Problem | null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.problem = problem;
  }

  get fieldErrors(): { path: string; message: string }[] {
    return this.problem?.errors ?? [];
  }
}

/** status 0: the request never got an answer (server down, network gone). */
export const NETWORK_ERROR = 'NETWORK';

function isProblem(v: unknown): v is Problem {
  return typeof v === 'object' && v !== null && typeof (v as Problem).code === 'string' && typeof (v as Problem).status === 'number';
}

export interface JobQuery {
  status?: JobStatus | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface WorkerQuery {
  siteId?: string | undefined;
  includeRevoked?: boolean | undefined;
}

export interface ApiClient {
  login(body: LoginRequest): Promise<User>;
  logout(): Promise<void>;
  me(): Promise<User>;
  regions(): Promise<Region[]>;
  links(): Promise<Link[]>;
  flows(days?: number): Promise<Flow[]>;
  sites(): Promise<Site[]>;
  site(id: string): Promise<Site>;
  sitePower(id: string, hours?: number): Promise<PowerCurve>;
  jobs(q?: JobQuery): Promise<{ items: Job[]; total: number }>;
  job(id: string): Promise<JobDetail>;
  submitJob(body: SubmitJob): Promise<Job>;
  cancelJob(id: string): Promise<Job>;
  jobLogs(id: string, after?: number): Promise<LogLine[]>;
  jobTasks(id: string, limit?: number): Promise<{ items: JobTask[]; total: number }>;
  workflows(): Promise<{ items: Workflow[]; total: number }>;
  workflow(id: string): Promise<Workflow>;
  cancelWorkflow(id: string): Promise<Workflow>;
  overview(): Promise<Overview>;
  workers(q?: WorkerQuery): Promise<WorkerInfo[]>;
  /** The answer carries the worker's credential: the only time it is ever shown. */
  enrollWorker(body: WorkerEnrollRequest): Promise<WorkerCredential>;
  /** A new credential; the old one stops working at once. */
  rotateWorker(id: string): Promise<WorkerCredential>;
  revokeWorker(id: string): Promise<WorkerInfo>;
}

export interface ApiOptions {
  fetch?: FetchFn;
  /** Called on every 401 except from login, logout and the session probe me(), so the app can fall back to the login page. */
  onUnauthorized?: () => void;
}

/** The typed HTTP client: paths, parameters, bodies and answers from the server's OpenAPI document. */
export type Http = Client<paths>;

/** Answers to these are about the session itself: their 401 is the answer, not a lost session. */
const SESSION_CALLS = new Set(['/api/auth/login', '/api/auth/logout', '/api/auth/me']);

/**
 * The one way the web app calls the API (openapi-fetch, typed by the generated `paths`): problem+json
 * answers become an ApiError carrying the problem (and its field errors), a network failure an
 * ApiError with code NETWORK.
 */
export function createHttp(opts: ApiOptions = {}): Http {
  // Looked up per call, so a bare `window.fetch` is never called with the wrong `this` (and tests can stub it).
  const doFetch: FetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
  const http = createClient<paths>({
    // openapi-fetch builds a Request, which needs an absolute URL; the app only ever calls its own origin.
    baseUrl: globalThis.location?.origin ?? 'http://localhost',
    headers: { accept: 'application/json' },
    fetch: async (req: Request) => {
      const url = new URL(req.url);
      const early = req.method === 'GET' ? takeEarly(`${url.pathname}${url.search}`) : undefined;
      if (early) return early;
      // A file upload (a render scene) goes as bytes; text would mangle them.
      const body = req.body ? (req.headers.get('content-type') === 'application/octet-stream' ? await req.arrayBuffer() : await req.text()) : undefined;
      return doFetch(`${url.pathname}${url.search}`, {
        method: req.method,
        headers: Object.fromEntries(req.headers),
        credentials: 'same-origin',
        ...(body !== undefined ? { body } : {}),
      });
    },
  });
  http.use(problemsAsErrors(opts.onUnauthorized));
  return http;
}

function problemsAsErrors(onUnauthorized: (() => void) | undefined): Middleware {
  return {
    async onResponse({ response, schemaPath }) {
      if (response.ok) return undefined;
      if (response.status === 401 && !SESSION_CALLS.has(schemaPath)) onUnauthorized?.();
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(await response.text());
      } catch {
        parsed = null;
      }
      const problem = isProblem(parsed) ? parsed : null;
      throw new ApiError(response.status, problem?.code ?? `HTTP_${response.status}`, problem?.detail ?? (response.statusText || `HTTP ${response.status}`), problem);
    },
    onError({ error }) {
      return new ApiError(0, NETWORK_ERROR, error instanceof Error ? error.message : String(error), null);
    },
  };
}

/** The body of a call that succeeded: every failure has thrown an ApiError before this. */
export async function ok<T>(call: Promise<{ data?: T }>): Promise<T> {
  return (await call).data as T;
}

/** The client the modules' API files share: the global fetch, no session handling of its own. */
export const http = createHttp();

export function createApi(opts: ApiOptions = {}): ApiClient {
  const h = createHttp(opts);
  const id = (v: string) => ({ params: { path: { id: v } } });
  return {
    login: (body) => ok(h.POST('/api/auth/login', { body })),
    logout: async () => {
      await h.POST('/api/auth/logout');
    },
    me: () => ok(h.GET('/api/auth/me')),
    regions: async () => (await ok(h.GET('/api/regions'))).items,
    links: async () => (await ok(h.GET('/api/links'))).items,
    flows: async (days = 7) => (await ok(h.GET('/api/flows', { params: { query: { days } } }))).items,
    sites: async () => (await ok(h.GET('/api/sites'))).items,
    site: (siteId) => ok(h.GET('/api/sites/{id}', id(siteId))),
    sitePower: (siteId, hours = 48) => ok(h.GET('/api/sites/{id}/power', { params: { path: { id: siteId }, query: { hours } } })),
    jobs: (q = {}) => ok(h.GET('/api/jobs', { params: { query: q } })),
    job: (jobId) => ok(h.GET('/api/jobs/{id}', id(jobId))),
    submitJob: (body) => ok(h.POST('/api/jobs', { body })),
    cancelJob: (jobId) => ok(h.POST('/api/jobs/{id}/cancel', id(jobId))),
    jobLogs: async (jobId, after) => (await ok(h.GET('/api/jobs/{id}/logs', { params: { path: { id: jobId }, query: { after } } }))).items,
    jobTasks: (jobId, limit = 200) => ok(h.GET('/api/jobs/{id}/tasks', { params: { path: { id: jobId }, query: { limit } } })),
    workflows: () => ok(h.GET('/api/workflows', { params: { query: {} } })),
    workflow: (wfId) => ok(h.GET('/api/workflows/{id}', id(wfId))),
    cancelWorkflow: (wfId) => ok(h.POST('/api/workflows/{id}/cancel', id(wfId))),
    overview: () => ok(h.GET('/api/overview')),
    workers: async (q = {}) =>
      (await ok(h.GET('/api/workers', { params: { query: { siteId: q.siteId, ...(q.includeRevoked ? { includeRevoked: '1' as const } : {}) } } }))).items,
    enrollWorker: (body) => ok(h.POST('/api/workers', { body })),
    rotateWorker: (workerId) => ok(h.POST('/api/workers/{id}/rotate', id(workerId))),
    revokeWorker: (workerId) => ok(h.DELETE('/api/workers/{id}', id(workerId))),
  };
}
